"""Saving and printing the chart as it is on screen, with who and when written on it.

A printed chart leaves the console, so every image carries the patient's identity, the time
range in local time and when it was produced. The dialogs expose ``ask()`` classmethods that
tests replace.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QWidget

CAPTION_HEIGHT = 44


class ExportDialog:
    @classmethod
    def ask(cls, parent: QWidget | None, suggested: str) -> Path | None:
        """Where to save the PNG; None when the nurse cancels."""
        path, _filter = QFileDialog.getSaveFileName(
            parent, "Export chart as PNG", suggested, "PNG image (*.png)"
        )
        if not path:
            return None
        return Path(path if path.lower().endswith(".png") else f"{path}.png")


class PrintDialog:
    @classmethod
    def ask(cls, parent: QWidget | None) -> QPrinter | None:
        """A configured printer, or None when the nurse cancels."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle("Print chart")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return None
        return printer


def compose(view: QPixmap, caption: str, background: QColor, foreground: QColor) -> QImage:
    """``view`` under a caption line (patient, range, printed at)."""
    image = QImage(view.width(), view.height() + CAPTION_HEIGHT, QImage.Format.Format_RGB32)
    image.fill(background)
    painter = QPainter(image)
    try:
        font = QFont()
        font.setPointSize(11)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(foreground)
        painter.drawText(
            QRect(10, 0, view.width() - 20, CAPTION_HEIGHT),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
            caption,
        )
        painter.drawPixmap(0, CAPTION_HEIGHT, view)
    finally:
        painter.end()
    return image


def print_image(image: QImage, printer: QPrinter) -> None:
    """Fit ``image`` to the printer's page, keeping its proportions."""
    painter = QPainter(printer)
    try:
        page = painter.viewport()
        size = image.size().scaled(page.size(), Qt.AspectRatioMode.KeepAspectRatio)
        painter.setViewport(page.x(), page.y(), size.width(), size.height())
        painter.setWindow(image.rect())
        painter.drawImage(0, 0, image)
    finally:
        painter.end()
