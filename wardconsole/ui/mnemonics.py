"""Keyboard mnemonics for labels made from data (a simple kind's "Record urine dipstick…"):
each gets the first letter no other item of its menu or form uses, so every item is one key
away, as the hand-written ones are."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu


def taken_letter(text: str) -> str | None:
    """The letter ``text``'s ampersand marks ("Give &PRN…" -> "p"), or None."""
    at = text.replace("&&", "").find("&")
    if at < 0 or at + 1 >= len(text):
        return None
    return text.replace("&&", "")[at + 1].lower()


def free_mnemonic(word: str, taken: set[str]) -> str:
    """``word`` with an ampersand before its first letter no other label uses (added to
    ``taken``); ``word`` unchanged when every letter is taken."""
    for at, letter in enumerate(word):
        if letter.isalpha() and letter.lower() not in taken:
            taken.add(letter.lower())
            return f"{word[:at]}&{word[at:]}"
    return word


def give_mnemonics(*menus: QMenu) -> None:
    """Give every action of ``menus`` without a mnemonic a letter free in all of them (an action
    shared by two menus keeps one letter that is free in both)."""
    actions = [action for menu in menus for action in menu.actions() if not action.isSeparator()]
    taken = {letter for action in actions if (letter := taken_letter(action.text()))}
    for action in actions:
        if taken_letter(action.text()) is None:
            action.setText(free_mnemonic(action.text(), taken))
