"""Dynamic style properties: widgets say *what* they show, the theme's stylesheet says how."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def set_style_property(widget: QWidget, name: str, value: str) -> None:
    """Set a property the stylesheet selects on (``QLabel[tone="alert"]``) and restyle."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
