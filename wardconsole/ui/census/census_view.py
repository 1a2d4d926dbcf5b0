"""The census grid: a read-only table that opens a patient on Enter or double-click."""

from __future__ import annotations

import re

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from wardconsole.ui.census.census_model import (
    ADMISSION_ID_ROLE,
    ELIDABLE_ROLE,
    KEEP_SUFFIX_ROLE,
    SHORT_TEXT_ROLE,
    CensusColumn,
)

# Typical longest content per column; widths are measured from these in the table's own font,
# so they follow the theme's font size. Longer text is elided and shown whole in the tooltip.
_COLUMN_SAMPLES = {
    CensusColumn.BED: ("B10", True),
    CensusColumn.PATIENT: ("Aisha Bello-Hart  ⚑Suicide▲ +1", False),
    CensusColumn.AGE: ("88", False),
    CensusColumn.DETOX_DAY: ("10", False),
    CensusColumn.NEWS2: ("12  ● LOW · incomplete", False),  # a longer band word elides
    CensusColumn.SYMPTOMS: ("41/109", False),
    CensusColumn.ESCALATION: ("▲ EMERGENCY · Deterioration +1", True),  # longer kinds elide
    CensusColumn.LAST_OBS: ("3 h 10 min ago", False),
    CensusColumn.NEXT_DUE: ("OVERDUE 23 h 59 min", True),
    CensusColumn.NURSE: ("L. Kowalczyk", False),  # initial + family name (see short_name)
    CensusColumn.CHECKS: ("◆ LATE 23 h 59 min…", True),  # the level's name may elide
    CensusColumn.FLUIDS: ("● 1450/1500 +1250", True),  # longer text collapses to a flag
    CensusColumn.SLEEP: ("● 3.5 h · 2.5 h", True),  # collapses to "● low"
    CensusColumn.MEDICINES: ("●  Dependency review", True),  # (+ air) "● Dep.", then folds
    CensusColumn.WEIGHT: ("●  Weighing due", True),  # (+ air) folds away whole
}
_CELL_PADDING = 12  # the delegate's margins plus a little air
_FOLDED_BELOW = 28  # px: narrower than this, a folding column shows nothing readable
_HEADER_PADDING = 24  # room for the sort arrow

GIVE_WAY_ORDER: tuple[CensusColumn, ...] = (
    CensusColumn.NURSE,
    CensusColumn.LAST_OBS,
    CensusColumn.WEIGHT,
    CensusColumn.SLEEP,
    CensusColumn.AGE,
    CensusColumn.DETOX_DAY,
    CensusColumn.FLUIDS,
    CensusColumn.SYMPTOMS,
    CensusColumn.MEDICINES,
    CensusColumn.PATIENT,
)
"""When the window is narrower than every column's preferred width, these columns shrink, in
this order, each down to its floor: the nurse and the last set's age fold away first, whole
("Next obs" says what is due; both stay in tooltips), then the weighing-due flag (a weekly
task: the Physical care page and the handoff say it too); the sleep flag collapses to "● low"
(the hours stay in its tooltip); age and detox day keep their digits; the
fluids collapse to a worded flag ("● low" when intake is behind at a review); symptoms keep
"39/116"; the medicines flag shortens to "● Dep." and then folds away whole (the Escalation
column and the escalation list still name the dependency review); a name keeps a few letters
and its risk flag (elided text is whole in the tooltip; the bed always places the patient).
Every other column carries risk (bed, NEWS2 and "incomplete", escalation, checks and absence,
next obs due) and keeps its width."""
_GIVE_WAY_FLOORS = {  # in average character widths (plus cell padding)
    CensusColumn.MEDICINES: 0,  # "● Dep.", then folds away: the review is an escalation too
    CensusColumn.WEIGHT: 0,  # folds away: the chart page and the handoff say weighing is due
    CensusColumn.FLUIDS: 6,  # a worded flag whole, bold: "● low", "chart", "rec'd"
    CensusColumn.SLEEP: 6,  # "● low" whole, bold (under the header "Sleep")
    CensusColumn.PATIENT: 11,
    CensusColumn.NURSE: 0,  # folds away: the nurse is in the patient's tooltip and window
    CensusColumn.LAST_OBS: 0,  # folds away: "Next obs" says what is due, and when
    CensusColumn.SYMPTOMS: 7,  # "39/116" whole
    CensusColumn.AGE: 2,
    CensusColumn.DETOX_DAY: 2,
}

_FOLDING = tuple(column for column, chars in _GIVE_WAY_FLOORS.items() if chars == 0)
"""Columns that fold away whole (hidden) when the window is too narrow for them."""

_MORE_SUFFIX = re.compile(r"\s+\+\d+$")
_TEXT_MARGIN = 8  # the style's focus-frame margins on both sides


def _fit_badge(badge: str, name: str, available: int, metrics: QFontMetrics) -> str:
    """The name comes first: when the badge would leave under ~10 characters of it, the badge
    shrinks to a flag and the number of flags (every flag stays in the tooltip)."""
    name_room = available - metrics.horizontalAdvance(badge)
    if name_room >= min(metrics.horizontalAdvance(name), metrics.averageCharWidth() * 10):
        return badge
    more = _MORE_SUFFIX.search(badge)
    count = 1 + (int(more.group().strip()[1:]) if more else 0)
    return f" ⚑{count}" if count > 1 else " ⚑"


def _elide_only(text: str, part: str, width: int, metrics: QFontMetrics) -> str:
    """``text`` fitted to ``width`` by shortening ``part`` alone (to '…' at the least): the
    words around it carry risk and are never the ones cut."""
    available = width - _TEXT_MARGIN
    if metrics.horizontalAdvance(text) <= available:
        return text
    head, _, tail = text.partition(part)
    room = available - metrics.horizontalAdvance(head) - metrics.horizontalAdvance(tail)
    short = metrics.elidedText(part, Qt.TextElideMode.ElideRight, max(0, room))
    return head + (short or "…") + tail


class CensusDelegate(QStyledItemDelegate):
    """Draws census cells so that nothing important is lost to a narrow column or a selection.

    - A cell ending in '+N' (more escalations) elides the text before it, never the count;
      likewise a patient's risk-flag badge (``KEEP_SUFFIX_ROLE``) stays and the name is elided.
    - A selected row keeps its status colours: coloured cells are framed in the selection colour
      instead of being painted over, so an emergency row still looks like one when selected.
    """

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        text = option.text
        short = index.data(SHORT_TEXT_ROLE)
        if (
            text
            and short
            and option.fontMetrics.horizontalAdvance(text) > option.rect.width() - _TEXT_MARGIN
        ):
            option.text = short  # a worded flag, never a cut-off number
            return
        elidable = index.data(ELIDABLE_ROLE)
        if text and elidable and elidable in text:
            option.text = _elide_only(text, elidable, option.rect.width(), option.fontMetrics)
            return
        keep = index.data(KEEP_SUFFIX_ROLE)
        if text and keep and text.endswith(keep):
            start = len(text) - len(keep)
        else:
            match = _MORE_SUFFIX.search(text) if text else None
            if match is None:
                return
            start = match.start()
        metrics = option.fontMetrics
        available = option.rect.width() - _TEXT_MARGIN
        if metrics.horizontalAdvance(text) <= available:
            return
        suffix = text[start:]
        if keep:
            suffix = _fit_badge(suffix, text[:start], available, metrics)
        head = metrics.elidedText(
            text[:start],
            Qt.TextElideMode.ElideRight,
            max(0, available - metrics.horizontalAdvance(suffix)),
        )
        option.text = head + suffix

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if not selected or index.data(Qt.ItemDataRole.BackgroundRole) is None:
            super().paint(painter, option, index)
            return
        plain = QStyleOptionViewItem(option)
        plain.state &= ~QStyle.StateFlag.State_Selected
        super().paint(painter, plain, index)
        pen = QPen(option.palette.highlight().color())
        pen.setWidth(3)
        painter.save()
        painter.setPen(pen)
        rect = option.rect.adjusted(1, 1, -2, -2)
        painter.drawRect(rect)
        painter.restore()


class CensusView(QTableView):
    """Row-selecting, read-only table over a ``CensusProxyModel``."""

    patient_requested = Signal(int)
    """The nurse asked to open a patient (Enter or double-click); carries the admission id."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CensusView")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setShowGrid(False)
        self.setCornerButtonEnabled(False)
        self.setAccessibleName("Ward census")
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setItemDelegate(CensusDelegate(self))
        self.doubleClicked.connect(self._on_double_clicked)
        self._preferred: dict[int, int] = {}
        self._folded: set[int] = set()
        """Columns hidden because the window is too narrow for them (shown again when wider)."""
        self._fitting = False
        header.sectionResized.connect(self._on_section_resized)
        self._fit_rows_to_font()

    # -- queries and commands -----------------------------------------------------------------

    def selected_admission_id(self) -> int | None:
        index = self.currentIndex()
        if not index.isValid() or not self.selectionModel().isRowSelected(index.row()):
            return None
        return index.data(ADMISSION_ID_ROLE)

    def select_admission(self, admission_id: int) -> bool:
        model = self.model()
        if model is None:
            return False
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            if index.data(ADMISSION_ID_ROLE) == admission_id:
                self.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.scrollTo(index)
                return True
        return False

    def default_width(self, column: int) -> int:
        """The width that fits the column's typical content in the table's (styled) font."""
        self.ensurePolished()
        header = self.horizontalHeader()
        header.ensurePolished()
        model = self.model()
        sample, is_bold = _COLUMN_SAMPLES.get(CensusColumn(column), ("", False))
        font = QFont(self.font())
        font.setBold(is_bold)
        content = QFontMetrics(font).horizontalAdvance(sample) + _CELL_PADDING
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "") if model else ""
        return max(content, QFontMetrics(header.font()).horizontalAdvance(title) + _HEADER_PADDING)

    def apply_default_column_widths(self) -> None:
        """Column widths that fit typical content in the table's (styled) font."""
        header = self.horizontalHeader()
        model = self.model()
        for column in _COLUMN_SAMPLES:
            if model is None or column >= header.count():
                continue
            header.resizeSection(column, self.default_width(column))
        if model is not None:
            # Columns give way in GIVE_WAY_ORDER (see there); spare room goes to the names.
            header.setMinimumSectionSize(min(header.minimumSectionSize(), 24))
            header.setStretchLastSection(False)
            self.take_column_widths_as_preferred()
        if model is not None and header.count() > CensusColumn.CHECKS:
            # Safety checks sit next to the escalations, where a nurse looks for what is urgent.
            header.moveSection(
                header.visualIndex(CensusColumn.CHECKS),
                header.visualIndex(CensusColumn.ESCALATION) + 1,
            )

    def take_column_widths_as_preferred(self) -> None:
        """The widths now set (measured defaults, or a nurse's restored ones) are preferred; a
        column that had folded away when they were saved comes back at its default width."""
        header = self.horizontalHeader()
        for column in _FOLDING:  # only the fitting hides a column; a restored state may not
            header.showSection(column)
        self._folded.clear()
        self._preferred = {
            c: header.sectionSize(c) or self.default_width(c) for c in range(header.count())
        }
        self._fit_columns()

    def give_way_floor(self, column: int) -> int:
        """The narrowest a give-way column becomes (its preferred width for any other)."""
        chars = _GIVE_WAY_FLOORS.get(CensusColumn(column)) if column in _GIVE_WAY_FLOORS else None
        preferred = self._preferred.get(column, self.horizontalHeader().sectionSize(column))
        if chars is None:
            return preferred
        if chars == 0:
            return 0  # folds away whole rather than show a letter
        return min(preferred, self.fontMetrics().averageCharWidth() * chars + _CELL_PADDING)

    def minimum_table_width(self) -> int:
        """Every risk column whole and every give-way column at its floor (plus the frame)."""
        header = self.horizontalHeader()
        columns = [c for c in range(header.count()) if not header.isSectionHidden(c)]
        scrollbar = self.verticalScrollBar().sizeHint().width()
        return sum(self.give_way_floor(c) for c in columns) + scrollbar + 2 * self.frameWidth()

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if not self._preferred:
            return hint
        return QSize(max(hint.width(), self.minimum_table_width()), hint.height())

    def _fit_columns(self) -> None:
        """Share the viewport's width out: preferred widths, shrinking give-way columns first
        and folding away (hiding) those that fold rather than show a sliver."""
        header = self.horizontalHeader()
        if not self._preferred or self._fitting:
            return
        columns = [
            c for c in range(header.count()) if not header.isSectionHidden(c) or c in self._folded
        ]
        widths = {c: self._preferred.get(c, header.sectionSize(c)) for c in columns}
        spare = self.viewport().width() - sum(widths.values())
        for column in GIVE_WAY_ORDER:
            if spare >= 0:
                break
            if column in widths:
                cut = min(-spare, widths[column] - self.give_way_floor(column))
                widths[column] -= max(0, cut)
                spare += max(0, cut)
                if widths[column] < _FOLDED_BELOW and self.give_way_floor(column) == 0:
                    spare += widths[column]  # a sliver of a column says nothing: fold it
                    widths[column] = 0
        if spare > 0 and CensusColumn.PATIENT in widths:
            widths[CensusColumn.PATIENT] += spare  # spare room goes to the names
        self._fitting = True
        try:
            for section, width in widths.items():
                if width == 0:
                    self._folded.add(section)
                    header.hideSection(section)
                    continue
                if section in self._folded:
                    self._folded.discard(section)
                    header.showSection(section)
                if header.sectionSize(section) != width:
                    header.resizeSection(section, width)
        finally:
            self._fitting = False

    @Slot(int, int, int)
    def _on_section_resized(self, column: int, _old: int, new: int) -> None:
        """A nurse dragged a column edge: that width becomes the column's preferred one."""
        if not self._fitting and self._preferred:
            self._preferred[column] = new

    # -- events -----------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            admission_id = self.selected_admission_id()
            if admission_id is not None:
                self.patient_requested.emit(admission_id)
                event.accept()
                return
        super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_rows_to_font()

    def _fit_rows_to_font(self) -> None:
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)

    @Slot(QModelIndex)
    def _on_double_clicked(self, index: QModelIndex) -> None:
        admission_id = index.data(ADMISSION_ID_ROLE)
        if admission_id is not None:
            self.patient_requested.emit(admission_id)
