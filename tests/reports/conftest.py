"""Fixtures come from tests/support (dbfixtures, wardfixtures) via tests/conftest.py."""
