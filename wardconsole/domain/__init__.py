"""The clinical core: pure Python scores, validation, schedules and escalation rules.

No Qt, no SQL, no system clock. Import the modules directly (``wardconsole.domain.news2``,
``.validation``, ``.withdrawal``, ``.assessments``, ``.policy``, ``.schedule``, ``.rules``);
this package re-exports nothing so importing ``records`` stays cheap.
"""
