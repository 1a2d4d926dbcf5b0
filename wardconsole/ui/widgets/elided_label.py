"""A one-line label that elides (…) instead of widening its layout."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QStyle, QStyleOption, QWidget

MINIMUM_WIDTH = 40


class ElidedLabel(QLabel):
    """Paints as much of its text as fits, elided at ``elide``; ``text()`` stays whole. It asks
    for its full width (``sizeHint``) but can be squeezed to a few characters, so a warning
    beside it in the status bar, or the form it sits in, is never the one cut. Words that must
    never be elided (``set_kept``: "As of 03:10", "Charts not updated:") set its minimum width,
    so the layout gives way elsewhere first."""

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        *,
        elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
    ) -> None:
        super().__init__(text, parent)
        self._elide = elide
        self._kept = ""
        self.setMinimumWidth(MINIMUM_WIDTH)

    def set_kept(self, words: str) -> None:
        """Never squeeze the label below the width of ``words`` (the start of its text with an
        elide on the right): those words are always read whole."""
        self._kept = words
        self.setMinimumWidth(self.minimumSizeHint().width())
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:
        margins = self.contentsMargins()
        kept = self.fontMetrics().horizontalAdvance(self._kept) if self._kept else 0
        width = max(MINIMUM_WIDTH, kept + margins.left() + margins.right() + 2)
        return QSize(width, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), self._elide, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        across = self.alignment() & Qt.AlignmentFlag.AlignHorizontal_Mask
        painter.drawText(rect, int(across | Qt.AlignmentFlag.AlignVCenter), shown)
        painter.end()
