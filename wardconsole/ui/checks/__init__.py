"""Safety checks: observation levels, the check round, and compliance."""
