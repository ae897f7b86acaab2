"""`readiness setup`: register the GitHub App from its manifest and write its credentials."""
