"""HTTP in: signature, size cap, dedupe, persist, 202 — nothing slow."""
