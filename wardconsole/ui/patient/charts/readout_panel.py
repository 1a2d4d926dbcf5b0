"""The crosshair read-out as a nurse reads it: one line per track, the moment on top."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from wardconsole.ui.patient.charts.readout import Readout
from wardconsole.ui.widgets.style_property import set_style_property


class ReadoutPanel(QFrame):
    """Shows a ``Readout``; rows are rebuilt only when the set of tracks changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChartReadout")
        # Sizes only (colours come from the theme): many lines must fit beside the chart.
        self.setStyleSheet(
            "QLabel { font-size: 10pt; }"
            " QLabel#readout_heading { font-size: 11pt; font-weight: bold; }"
        )
        self._heading = QLabel("Point at the chart to read every track")
        self._heading.setObjectName("readout_heading")
        self._heading.setWordWrap(True)
        self._form = QFormLayout()
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setVerticalSpacing(1)
        self._form.setHorizontalSpacing(10)
        self._values: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self._heading)
        layout.addLayout(self._form)

    def texts(self) -> dict[str, str]:
        """Each track's line by key, as shown."""
        return {key: label.text() for key, label in self._values.items()}

    def heading(self) -> str:
        return self._heading.text()

    @Slot(object)
    def set_readout(self, readout: Readout) -> None:
        self._heading.setText(
            f"At {readout.heading}" if readout.at is not None else readout.heading
        )
        keys = [row.key for row in readout.rows]
        if keys != list(self._values):
            while self._form.rowCount():
                self._form.removeRow(0)
            self._values = {}
            for row in readout.rows:
                value = QLabel()
                value.setObjectName(f"readout_{row.key}")
                # Never wider than the column beside the chart, never cut: a long line (the
                # fluid balance) wraps under itself.
                value.setWordWrap(True)
                policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
                policy.setHeightForWidth(True)
                value.setSizePolicy(policy)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                name = QLabel(_short(row.label))
                name.setObjectName("readout_name")
                name.setToolTip(row.label)
                self._form.addRow(name, value)
                self._values[row.key] = value
        for row in readout.rows:
            label = self._values[row.key]
            label.setText(row.value)
            set_style_property(label, "tone", "muted" if row.value.startswith("—") else "")


def _short(label: str) -> str:
    """'Auditory disturbances / hallucinations' -> 'Auditory disturbances'."""
    return label.split(" / ")[0]
