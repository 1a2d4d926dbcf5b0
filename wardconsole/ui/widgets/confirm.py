"""Asking before an action that would record something unfinished or leave something open."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm_despite(parent: QWidget, title: str, problems: list[str], proceed: str) -> bool:
    """Name what is unfinished or open and ask; True only when the user chose ``proceed``.

    Going back is the default and Escape's answer: a tired nurse pressing Enter twice must not
    record the unfinished thing."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText("\n".join(problems))
    go_on = box.addButton(proceed, QMessageBox.ButtonRole.AcceptRole)
    back = box.addButton("Go back", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(back)
    box.setEscapeButton(back)
    box.setObjectName("confirm_despite")
    box.exec()
    return box.clickedButton() is go_on
