"""Shared fixtures: the bundled policy and withdrawal chart, loaded once."""

from __future__ import annotations

import pytest

from wardconsole.domain.policy import EscalationPolicy, load_policy
from wardconsole.domain.withdrawal import WithdrawalChart, load_chart


@pytest.fixture(scope="session")
def policy() -> EscalationPolicy:
    return load_policy()


@pytest.fixture(scope="session")
def chart() -> WithdrawalChart:
    return load_chart()
