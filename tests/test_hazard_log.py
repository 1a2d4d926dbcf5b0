"""The hazard log cannot rot: every hazard is complete, rated by the matrix, and every test it
names as evidence for a control still exists in the suite.

The log (``docs/safety/hazard-log.md``) is read as structured text and each named test is found
by parsing its file with ``ast`` — no collection, no imports, so the check is fast and strict: a
renamed or deleted test, a class method named as a module function, or a parameter suffix all
fail with the hazard and the node id named.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAFETY = ROOT / "docs" / "safety"
LOG = SAFETY / "hazard-log.md"
PLAN = SAFETY / "clinical-risk-management-plan.md"

REQUIRED = (
    "Hazard",
    "Cause",
    "Effect",
    "Initial risk",
    "Residual risk",
    "Controls",
    "Verified by",
    "Status",
)
DRAFT_MARK = "DRAFT FOR REVIEW BY THE CLINICAL SAFETY OFFICER"
_HEADING = re.compile(r"^## (HAZ-\d{3}): (\S.*)$")
_FIELD = re.compile(r"^- \*\*([A-Za-z ]+):\*\*\s*(.*)$")
_RISK = re.compile(r"^(\w[\w ]*?) × (\w[\w ]*?) → ([1-5])$")
_NODE = re.compile(r"^tests/[\w/]+\.py(::[A-Za-z_]\w*){1,2}$")


@dataclass
class Hazard:
    ident: str
    title: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)

    def where(self) -> str:
        return f"{self.ident} (hazard-log.md line {self.line})"


def parse_log(text: str) -> list[Hazard]:
    """One Hazard per ``## HAZ-NNN: title`` section; a field's indented lines continue it."""
    hazards: list[Hazard] = []
    current: Hazard | None = None
    last_field: str | None = None
    # Comments are blanked line for line, so reported line numbers stay true.
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group().count("\n"), text, flags=re.DOTALL)
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            match = _HEADING.match(line)
            assert match, f"line {number}: a section heading must read '## HAZ-NNN: title'"
            current = Hazard(match.group(1), match.group(2), number)
            hazards.append(current)
            last_field = None
        elif current is None:
            continue
        elif (match := _FIELD.match(line)) is not None:
            name = match.group(1)
            assert name not in current.fields, f"{current.where()}: '{name}' given twice"
            current.fields[name] = match.group(2).strip()
            last_field = name
        elif line.startswith("  ") and last_field is not None:
            current.fields[last_field] += "\n" + line.strip()
        elif line.strip():
            raise AssertionError(f"line {number}: text outside a field in {current.ident}")
    return hazards


def read_matrix(text: str) -> dict[tuple[str, str], int]:
    """(severity, likelihood) -> rating, from the table after ``<!-- risk-matrix -->``."""
    rows = text.split("<!-- risk-matrix -->", 1)[1].strip().splitlines()
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    severities = header[1:]
    matrix: dict[tuple[str, str], int] = {}
    for row in rows[2:]:
        if not row.startswith("|"):
            break
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        for severity, rating in zip(severities, cells[1:], strict=True):
            matrix[severity, cells[0]] = int(rating)
    return matrix


def node_ids(verified_by: str) -> list[str]:
    return re.findall(r"`([^`]+)`", verified_by)


@cache
def _definitions(path: Path) -> frozenset[str]:
    """Module-level test functions as ``name`` and test-class methods as ``Class::name``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return frozenset(names)


def missing_reason(node_id: str) -> str | None:
    """Why ``node_id`` does not name a test in the suite, or None when it does."""
    if not _NODE.match(node_id):
        return "not a node id of the form tests/…/test_x.py::test_name (no parameters)"
    path_text, _, name = node_id.partition("::")
    path = ROOT / path_text
    if not path.name.startswith("test_") or not path.is_file():
        return f"no test file {path_text}"
    if not name.rpartition("::")[2].startswith("test"):
        return f"{name} is not a test (pytest collects only test* names)"
    if name not in _definitions(path):
        return f"{path_text} defines no {name}"
    return None


@cache
def hazards() -> tuple[Hazard, ...]:
    return tuple(parse_log(LOG.read_text(encoding="utf-8")))


def test_every_safety_document_is_marked_as_a_draft_for_the_cso() -> None:
    documents = sorted(SAFETY.glob("*.md"))
    assert {d.name for d in documents} >= {
        "README.md",
        "intended-use.md",
        "clinical-risk-management-plan.md",
        "hazard-log.md",
    }
    for document in documents:
        assert DRAFT_MARK in document.read_text(encoding="utf-8"), document.name


def test_hazards_have_unique_ids_and_every_field() -> None:
    found = hazards()
    assert len(found) >= 20
    idents = [h.ident for h in found]
    assert len(idents) == len(set(idents)), "a hazard id is used twice"
    for hazard in found:
        missing = [name for name in REQUIRED if name not in hazard.fields]
        assert not missing, f"{hazard.where()} lacks {', '.join(missing)}"
        for name in ("Hazard", "Cause", "Effect", "Controls"):
            assert hazard.fields[name], f"{hazard.where()}: '{name}' is empty"


def test_ratings_follow_the_risk_matrix_of_the_plan() -> None:
    matrix = read_matrix(PLAN.read_text(encoding="utf-8"))
    assert len(matrix) == 25
    for hazard in hazards():
        for name in ("Initial risk", "Residual risk"):
            value = hazard.fields[name]
            if name == "Residual risk" and value == "pending":
                assert hazard.fields["Status"].startswith("Open"), (
                    f"{hazard.where()}: only an Open hazard may have its residual risk pending"
                )
                continue
            match = _RISK.match(value)
            assert match, f"{hazard.where()}: {name} must read 'Severity × Likelihood → n'"
            severity, likelihood, rating = match.groups()
            assert (severity, likelihood) in matrix, (
                f"{hazard.where()}: {name} '{severity} × {likelihood}' is not in the matrix"
            )
            assert matrix[severity, likelihood] == int(rating), (
                f"{hazard.where()}: {severity} × {likelihood} is "
                f"{matrix[severity, likelihood]} in the matrix, not {rating}"
            )


def test_a_controlled_hazard_names_its_verifying_tests() -> None:
    for hazard in hazards():
        status = hazard.fields["Status"]
        assert status.startswith(("Controlled", "Open")), f"{hazard.where()}: status {status!r}"
        named = node_ids(hazard.fields["Verified by"])
        if status.startswith("Controlled"):
            assert named, f"{hazard.where()} is Controlled but names no verifying test"
        leftover = re.sub(r"`[^`]+`", "", hazard.fields["Verified by"]).replace("-", "")
        assert not leftover.strip(), (
            f"{hazard.where()}: 'Verified by' holds only node ids in backticks"
        )


def test_every_verifying_test_exists_in_the_suite() -> None:
    problems = [
        f"{hazard.where()}: {node_id}: {reason}"
        for hazard in hazards()
        for node_id in node_ids(hazard.fields["Verified by"])
        if (reason := missing_reason(node_id)) is not None
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("node_id", "expected"),
    [
        ("tests/test_hazard_log.py::test_every_verifying_test_exists_in_the_suite", None),
        ("tests/test_hazard_log.py::test_no_such_thing", "defines no"),
        ("tests/no_such_file_test.py::test_x", "no test file"),
        ("tests/test_hazard_log.py::parse_log", "is not a test"),
        ("tests/test_hazard_log.py::test_every_verifying_test_exists_in_the_suite[x]", "form"),
        ("tests/test_hazard_log.py::Hazard::test_where", "defines no"),
    ],
)
def test_the_existence_check_itself_refuses_what_pytest_would_not_run(
    node_id: str, expected: str | None
) -> None:
    reason = missing_reason(node_id)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason


def test_the_parser_reads_continued_fields_and_refuses_stray_text() -> None:
    text = (
        "# Log\n\n## HAZ-001: Title\n- **Hazard:** a\n  continued\n"
        "- **Verified by:**\n  - `tests/x.py::test_a`\n  - `tests/x.py::test_b`\n"
    )
    (hazard,) = parse_log(text)
    assert hazard.fields["Hazard"] == "a\ncontinued"
    assert node_ids(hazard.fields["Verified by"]) == ["tests/x.py::test_a", "tests/x.py::test_b"]
    with pytest.raises(AssertionError, match="text outside a field"):
        parse_log(text + "stray words\n")
    with pytest.raises(AssertionError, match="HAZ-NNN"):
        parse_log("## Hazard one\n")
