"""The rule engine: rule packs read a Change and yield Findings."""
