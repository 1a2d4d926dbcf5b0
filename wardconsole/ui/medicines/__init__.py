"""The medicines list (a monitoring copy of the drug chart) and regular doses."""
