"""Alt letters mean one thing in every dialog a nurse records in.

A tired nurse learns Alt+S as "save"; in one dialog it was Save and in the next the Reason
field, so the same keys typed the reason into nothing or saved too early. In every dialog
(``*dialog*.py``, the observation form's parts ``entry_*.py``, the concern form) the common
actions keep one letter each, and no other label takes it."""

from __future__ import annotations

import re
from pathlib import Path

import wardconsole.ui

UI = Path(wardconsole.ui.__file__).parent
RESERVED = {"S": "save", "N": "now"}
"""Alt+S is only ever Save, Alt+N only ever Now (the entry time)."""
REASON_LETTER = "E"
"""Every Reason field is Alt+E ("R&eason"): Alt+R is RASS and Resp. rate on the vitals form."""
_LABEL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def dialog_files() -> list[Path]:
    return sorted(
        path
        for path in UI.rglob("*.py")
        if "dialog" in path.name or path.name.startswith("entry_") or path.name == "concern.py"
    )


def mnemonic_labels(path: Path) -> list[tuple[str, str]]:
    """(letter, label) for every string literal with one ``&`` mnemonic."""
    found = []
    for text in _LABEL.findall(path.read_text(encoding="utf-8")):
        plain = text.replace("&&", "")
        match = re.search(r"&([A-Za-z])", plain)
        if match:
            found.append((match.group(1).upper(), plain.replace("&", "")))
    return found


def test_there_are_dialogs_to_check() -> None:
    files = dialog_files()
    assert len(files) >= 15
    assert sum(len(mnemonic_labels(path)) for path in files) >= 40


def test_save_reason_and_now_keep_their_letter_in_every_dialog() -> None:
    problems = []
    for path in dialog_files():
        for letter, label in mnemonic_labels(path):
            words = label.lower()
            for reserved, meaning in RESERVED.items():
                if letter == reserved and meaning not in words:
                    problems.append(f"{path.name}: Alt+{letter} on “{label}” (means {meaning})")
            if words.startswith("save") and letter != "S":
                problems.append(f"{path.name}: “{label}” should be Alt+S (or none)")
            if words.startswith("reason") and letter != REASON_LETTER:
                problems.append(f"{path.name}: “{label}” should be Alt+{REASON_LETTER}")
    assert problems == [], "\n".join(problems)
