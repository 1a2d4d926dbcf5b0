"""The ward census: one row per admitted patient, most urgent first."""
