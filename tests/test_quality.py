"""House rules a machine can check: layering contracts and lint."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_layers_point_one_way() -> None:
    """import-linter: ui -> (reports, interop) -> services -> store -> domain; no Qt below ui."""
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports is missing: install the test extra (pip install -e '.[test]')")
    result = _run(exe, "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean() -> None:
    result = _run(
        sys.executable, "-m", "ruff", "check", "--no-cache", "wardconsole", "tests", "bench"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in readme
    assert "README.md" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_package_is_installed() -> None:
    """pyproject lists packages by hand (resources/ maps in from the top): none may be missing."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
            "packages"
        ]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "wardconsole").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set()
