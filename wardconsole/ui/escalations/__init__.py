"""Escalations: the alarm banner, the alert sound, the ward's panel and what a nurse does."""
