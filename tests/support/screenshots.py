"""Screenshots of the console for review and documentation (works offscreen).

``grab_census(window, path)`` sizes the window to the smallest screen the ward uses
(1366×768), lets layouts and stylesheets settle, and saves what is drawn as a PNG.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget

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


SMALLEST_WINDOW_FRAME = (1366, 728)
"""A 1366 × 768 screen less a 40-px taskbar: the most a window's frame may take."""
WINDOW_DECORATION = (8, 34)
"""What a desktop window manager adds around a window (borders and the title bar; openbox's
default theme adds 2 × 1 px and about 24 px, some themes more)."""


def fits_smallest_frame() -> tuple[int, int]:
    """The largest client size whose framed window still fits ``SMALLEST_WINDOW_FRAME``."""
    return (
        SMALLEST_WINDOW_FRAME[0] - WINDOW_DECORATION[0],
        SMALLEST_WINDOW_FRAME[1] - WINDOW_DECORATION[1],
    )


def size_problems(widget: QWidget) -> list[str]:
    """Why ``widget`` (a top-level window) cannot fit the smallest frame; empty if it can."""
    limit_w, limit_h = fits_smallest_frame()
    problems = []
    for what, size in (
        ("minimum size hint", widget.minimumSizeHint()),
        ("minimum size", widget.minimumSize()),
        ("size on opening", widget.size()),
    ):
        if size.width() > limit_w or size.height() > limit_h:
            problems.append(f"{what} {size.width()}×{size.height()} > {limit_w}×{limit_h}")
    return problems


def cut_texts(widget: QWidget) -> list[str]:
    """Texts drawn in ``widget`` (and its shown children) that do not fit where they are drawn:
    a one-line label or button narrower than its words, a wrapped label shorter than its
    lines, a line edit narrower than its hint. Empty when everything is read whole."""
    cut = []
    for child in [widget, *widget.findChildren(QWidget)]:
        if not child.isVisible():
            continue
        width, height = child.contentsRect().width(), child.contentsRect().height()
        advance = child.fontMetrics().horizontalAdvance
        if isinstance(child, QLabel) and child.text():
            text = child.text().replace("&", "") if child.buddy() else child.text()
            if child.textFormat() == Qt.TextFormat.RichText or "<" in text:
                continue
            if child.wordWrap():
                if child.heightForWidth(width) > height:
                    cut.append(text)
            elif "\n" not in text and advance(text) > width:
                cut.append(text)
        elif isinstance(child, QAbstractButton) and child.text():
            text = child.text().replace("&", "")
            if advance(text) > child.width():
                cut.append(text)
        elif (
            isinstance(child, QLineEdit)
            and child.placeholderText()
            and not child.text()
            and advance(child.placeholderText()) > child.width() - 8
        ):
            cut.append(child.placeholderText())
    return cut


def over_window(window: QWidget, dialog: QWidget, path: str | Path) -> Path:
    """Save ``window`` with ``dialog`` drawn centred over it, as a nurse sees a dialog opened
    from it (an offscreen grab of a window never includes its dialogs)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    picture = window.grab()
    painter = QPainter(picture)
    top = dialog.grab()
    painter.drawPixmap(
        (picture.width() - top.width()) // 2, (picture.height() - top.height()) // 2, top
    )
    painter.end()
    if not picture.save(str(path), "PNG"):
        raise OSError(f"could not write screenshot {path}")
    return path
