"""Turn findings into what GitHub shows: a check run and one review. Building is pure."""
