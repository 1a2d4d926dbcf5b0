"""The census grid: a read-only table that opens a patient on Enter or double-click."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from wardconsole.ui.models.census_model import ADMISSION_ID_ROLE, CensusColumn

# Widths (in average character widths of the table font) that fit typical content at 1366 px.
_COLUMN_CHARS = {
    CensusColumn.BED: 5,
    CensusColumn.PATIENT: 24,
    CensusColumn.AGE: 4,
    CensusColumn.DETOX_DAY: 4,
    CensusColumn.NEWS2: 11,
    CensusColumn.SYMPTOMS: 8,
    CensusColumn.ESCALATION: 24,
    CensusColumn.LAST_OBS: 13,
    CensusColumn.NEXT_DUE: 15,
    CensusColumn.NURSE: 10,
}


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
        self.doubleClicked.connect(self._on_double_clicked)
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

    def apply_default_column_widths(self) -> None:
        """Column widths that fit typical content in the current font."""
        average = self.fontMetrics().averageCharWidth()
        header = self.horizontalHeader()
        for column, chars in _COLUMN_CHARS.items():
            if column < header.count():
                header.resizeSection(column, chars * average + 16)

    # -- events -----------------------------------------------------------------------------------

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
