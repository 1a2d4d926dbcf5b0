"""What staff read never points at the project's internal documents.

"(REFERENCE §5.2)" means nothing to a nurse at 3 a.m.; sources belong in docstrings, comments
and the clinical-safety file. Every string the UI code builds (its literals, not docstrings) is
checked, so a new one cannot slip in.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import wardconsole.ui

UI = Path(wardconsole.ui.__file__).parent
INTERNAL = ("REFERENCE §", "REFERENCE-2", "REFERENCE.md", "§")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                ids.add(id(value))
        # Attribute docstrings: a bare string right after an assignment.
        if isinstance(body, list):
            for before, after in itertools.pairwise(body):
                if (
                    isinstance(before, ast.Assign | ast.AnnAssign)
                    and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                ):
                    ids.add(id(after.value))
    return ids


def test_no_ui_text_names_an_internal_reference() -> None:
    found = []
    files = sorted(UI.rglob("*.py"))
    assert len(files) > 40
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
                and any(mark in node.value for mark in INTERNAL)
            ):
                found.append(f"{path.relative_to(UI)}:{node.lineno}: {node.value[:60]!r}")
    assert found == []
