"""Turn a pull request's diff into value objects the rules can read."""
