"""Screenshots of the console for review and documentation (works offscreen).

``grab_census(window, path)`` sizes the window to the smallest screen the ward uses
(1366×768), lets layouts and stylesheets settle, and saves what is drawn as a PNG.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

SMALLEST_WARD_SCREEN = (1366, 768)


def grab_census(
    window: QWidget, path: str | Path, size: tuple[int, int] = SMALLEST_WARD_SCREEN
) -> Path:
    """Save ``window`` (usually the ``MainWindow``) at ``size`` as a PNG at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    window.resize(*size)
    if not window.isVisible():
        window.show()
    QApplication.processEvents()
    pixmap = window.grab()
    if not pixmap.save(str(path), "PNG"):
        raise OSError(f"could not write screenshot {path}")
    return path


def grab_widget(widget: QWidget, path: str | Path) -> Path:
    """Save any shown widget (a patient window, a dialog) at its current size."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.isVisible():
        widget.show()
    QApplication.processEvents()
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write screenshot {path}")
    return path
