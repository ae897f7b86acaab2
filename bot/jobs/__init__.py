"""The durable queue, its workers, and the review pipeline they run."""
