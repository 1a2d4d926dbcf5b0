"""Shift handoff in the console: the nurse's editor, the supervisor's board, printing."""
