"""House rules a machine can check: layering contracts, lint, format, types, and the lanes
the suite runs in (this file is the first lane, see tests/lanes.py)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import tomllib
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


def test_ruff_format_is_clean() -> None:
    result = _run(sys.executable, "-m", "ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_types_check() -> None:
    """mypy as configured in pyproject.toml: strict on domain, store, services, reports and
    interop; checked on the UI and the app-wide modules. Zero errors."""
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found"), result.stdout


def test_the_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in readme
    assert "README.md" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = readme.split("<!-- test-command -->", 1)[1].split("```")[1]
    assert 'python3 -m pip install -e ".[test]"' in command
    assert "python3 tests/lanes.py" in command


def test_every_lane_path_exists() -> None:
    """A renamed test folder must not drop out of its lane unnoticed."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import lanes
    finally:
        sys.path.remove(str(ROOT / "tests"))
    missing = [p for p in lanes.CHECKS + lanes.CORE if not (ROOT / p).exists()]
    assert missing == []


def test_the_qt_free_lane_config_matches_the_main_one() -> None:
    """tests/qtfree/pytest.ini is pyproject's pytest configuration minus pytest-qt."""
    main = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    main_ini = main["tool"]["pytest"]["ini_options"]
    parser = configparser.ConfigParser()
    parser.read(ROOT / "tests" / "qtfree" / "pytest.ini", encoding="utf-8")
    qt_free = parser["pytest"]

    def lines(text: str) -> list[str]:
        return [line.strip() for line in text.strip().splitlines()]

    assert qt_free["addopts"] == main_ini["addopts"] + " -p no:pytest-qt -p block_qt"
    assert lines(qt_free["filterwarnings"]) == main_ini["filterwarnings"]
    assert lines(qt_free["markers"]) == main_ini["markers"]
    assert qt_free.getboolean("xfail_strict") is main_ini["xfail_strict"]
    assert int(qt_free["faulthandler_timeout"]) == main_ini["faulthandler_timeout"]
    assert not {"qt_api", "qt_log_level_fail"} & set(qt_free)


def test_the_layers_below_the_ui_import_without_qt() -> None:
    """With the Qt-free lane's blocker in place Qt cannot be imported, and every module of
    the domain, store, services, interop and reports still imports."""
    script = """
import importlib, pkgutil, sys
import block_qt
try:
    import PySide6
except ModuleNotFoundError:
    pass
else:
    sys.exit("PySide6 imported despite the blocker")
import wardconsole
for package in ("domain", "store", "services", "interop", "reports"):
    root = importlib.import_module(f"wardconsole.{package}")
    for module in pkgutil.walk_packages(root.__path__, root.__name__ + "."):
        if ".migrations." not in module.name:  # scripts alembic runs itself
            importlib.import_module(module.name)
qt = sorted(m for m in sys.modules if m.partition(".")[0] in block_qt.BLOCKED)
sys.exit(f"Qt modules loaded: {qt}" if qt else 0)
"""
    path = os.pathsep.join([str(ROOT / "tests" / "qtfree"), str(ROOT)])
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_package_is_installed() -> None:
    """pyproject lists packages by hand (resources/ maps in from the top): none may be missing."""
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
