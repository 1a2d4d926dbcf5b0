"""The vital-sign part of the bedside entry form: one row per value, keyboard first.

Each row has the input, its unit, the NEWS2 score the value earns (a coloured chip with the
number and a shape, so never colour alone), the reason it was not taken (only while it is
blank; a blank field's reason box is the next Tab stop, so skipping a value asks why), a
"re-measured" confirmation for extreme values and the °C suggestion for a value that looks like
°F. The panel only shows; ``ObservationDialog`` decides what the values mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from wardconsole.domain.records import BEDSIDE_MISSING_REASONS, Severity
from wardconsole.domain.rules import news2_severity
from wardconsole.ui.widgets.style_property import set_style_property

SCORE_BANDS = {1: "low-medium", 2: "medium", 3: "high"}
_RED_SCORE_SHAPE = (news2_severity("low-medium") or Severity.URGENT).shape
"""A single parameter scoring 3 puts the set at least in the low-medium band (RCP 2017), whose
deterioration escalation is urgent: the chip shows that severity's shape (◆)."""
"""A parameter's NEWS2 score shown in the census band colour of the same weight."""


@dataclass(frozen=True, slots=True)
class VitalField:
    name: str
    label: str
    unit: str
    choices: tuple[tuple[str, str], ...] = ()
    """(value, text) for a choice field; empty for a typed number."""
    scored: bool = True


VITALS: tuple[VitalField, ...] = (
    VitalField("respiration_rate", "&Resp. rate", "/min"),
    VitalField("spo2", "Sp&O₂", "%"),
    VitalField("on_oxygen", "Air or o&xygen", "", (("air", "Air"), ("oxygen", "Oxygen"))),
    VitalField("systolic_bp", "BP s&ystolic", "mmHg"),
    VitalField("diastolic_bp", "BP &diastolic", "mmHg", scored=False),
    VitalField("pulse", "&Pulse", "/min"),
    VitalField(
        "consciousness",
        "&ACVPU",
        "",
        (
            ("A", "A — Alert"),
            ("C", "C — New confusion"),
            ("V", "V — Responds to voice"),
            ("P", "P — Responds to pain"),
            ("U", "U — Unresponsive"),
        ),
    ),
    VitalField("temperature", "&Temperature", "°C"),
    VitalField("glucose", "Capillary &glucose", "mmol/L (or LO/HI)", scored=False),
)
OPTIONAL: frozenset[str] = frozenset({"glucose"})
"""Fields of the bedside set that are not NEWS2 parameters: blank needs no reason. Glucose takes
a number or the meter's LO / HI (REFERENCE-2.md §12.7; LOINC 14743-9 on export)."""
FIELD_LABELS: Mapping[str, str] = {f.name: f.label.replace("&", "") for f in VITALS}


class VitalRow:
    """The widgets of one vital sign (laid out by ``VitalSignsPanel``)."""

    def __init__(self, spec: VitalField, panel: VitalSignsPanel) -> None:
        self.spec = spec
        self.label = QLabel(spec.label)
        self.input: QLineEdit | QComboBox
        if spec.choices:
            combo = QComboBox()
            combo.addItem("—", None)
            for value, text in spec.choices:
                combo.addItem(text, value)
            combo.currentIndexChanged.connect(self._on_value_changed)
            combo.currentIndexChanged.connect(panel._on_value_edited)
            self.input = combo
        else:
            edit = QLineEdit()
            edit.setMaxLength(6)
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            edit.setPlaceholderText("— or LO/HI" if spec.name == "glucose" else "—")
            if spec.name == "glucose":
                edit.setToolTip("Meter reading in mmol/L; type LO or HI when the meter shows it")
            edit.textChanged.connect(self._on_value_changed)
            edit.textChanged.connect(panel._on_value_edited)
            edit.editingFinished.connect(lambda: panel.field_left.emit(spec.name))
            self.input = edit
        self.input.setObjectName(f"vital_{spec.name}")
        self.input.setAccessibleName(FIELD_LABELS[spec.name])
        self.label.setBuddy(self.input)
        self.unit = QLabel(spec.unit)
        set_style_property(self.unit, "tone", "muted")
        self.chip = QLabel()
        self.chip.setObjectName(f"score_{spec.name}")
        self.chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chip.setMinimumWidth(44)
        self.chip.setProperty("chip", True)
        self.reason = QComboBox()
        self.reason.setObjectName(f"reason_{spec.name}")
        self.reason.setAccessibleName(f"{FIELD_LABELS[spec.name]}: reason not taken")
        self.reason.addItem("Why not taken?", None)
        for reason in BEDSIDE_MISSING_REASONS:
            self.reason.addItem(f"Not taken: {reason.label.lower()}", reason.value)
        self.reason.setMaximumWidth(210)
        self.reason.currentIndexChanged.connect(panel._on_reason_changed)
        self.confirm = QCheckBox("Re-measured: record it")
        self.confirm.setObjectName(f"confirm_{spec.name}")
        self.confirm.setVisible(False)
        self.confirm.toggled.connect(panel._on_confirm_toggled)
        self.suggest = QPushButton()
        self.suggest.setObjectName(f"suggest_{spec.name}")
        self.suggest.setAutoDefault(False)
        self.suggest.setVisible(False)
        self.suggest.clicked.connect(lambda: panel._use_suggestion(self))
        self.message = QLabel()
        self.message.setObjectName(f"message_{spec.name}")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self._suggestion: str | None = None

    def _on_value_changed(self) -> None:
        """A confirmation was for the value re-measured; a new value needs its own."""
        if self.confirm.isChecked():
            self.confirm.blockSignals(True)
            self.confirm.setChecked(False)
            self.confirm.blockSignals(False)

    # -- values -------------------------------------------------------------------------------

    def raw(self) -> object:
        """What was entered: text for a number, the choice's value, None when blank."""
        if isinstance(self.input, QComboBox):
            value = self.input.currentData()
            if self.spec.name == "on_oxygen" and value is not None:
                return value == "oxygen"
            return value
        text = self.input.text().strip()
        return text or None

    def set_raw(self, value: object) -> None:
        if isinstance(self.input, QComboBox):
            if self.spec.name == "on_oxygen" and isinstance(value, bool):
                value = "oxygen" if value else "air"
            index = self.input.findData(value) if value is not None else 0
            self.input.setCurrentIndex(max(index, 0))
        else:
            self.input.setText("" if value is None else str(value))

    def missing_reason(self) -> str | None:
        if self.spec.name in OPTIONAL:
            return None
        return self.reason.currentData() if self.raw() is None else None

    def set_missing_reason(self, reason: str | None) -> None:
        index = self.reason.findData(reason) if reason is not None else 0
        self.reason.setCurrentIndex(max(index, 0))

    # -- display ------------------------------------------------------------------------------

    def show_score(self, score: int | None, *, waiting: bool = False) -> None:
        """The value's NEWS2 score, or a blank chip when there is none (yet)."""
        if waiting:
            self.chip.setText("?")
            self.chip.setToolTip("Scored once air or oxygen is entered (SpO₂ Scale 2)")
            set_style_property(self.chip, "band", "none")
            set_style_property(self.input, "band", "none")
            return
        if score is None:
            self.chip.setText("")
            self.chip.setToolTip("")
            set_style_property(self.chip, "band", "none")
            set_style_property(self.input, "band", "none")
            return
        # A single parameter scoring 3 raises the low-medium band's escalation: its shape.
        self.chip.setText(f"{_RED_SCORE_SHAPE} 3" if score == 3 else f"+{score}" if score else "0")
        self.chip.setToolTip(f"{FIELD_LABELS[self.spec.name]} scores {score} on NEWS2")
        band = SCORE_BANDS.get(score, "none")
        set_style_property(self.chip, "band", band)
        set_style_property(self.input, "band", band)

    def show_problem(
        self,
        message: str,
        *,
        tone: str = "alert",
        confirmable: bool = False,
        suggestion: int | Decimal | None = None,
    ) -> None:
        self.message.setText(message)
        set_style_property(self.message, "tone", tone)
        self.message.setVisible(bool(message))
        self.confirm.setVisible(confirmable or self.confirm.isChecked())
        self._suggestion = None if suggestion is None else str(suggestion)
        self.suggest.setVisible(suggestion is not None)
        if suggestion is not None:
            self.suggest.setText(f"Use {suggestion} {self.spec.unit}")

    def clear_problem(self) -> None:
        self.show_problem("")

    @property
    def has_value(self) -> bool:
        return self.raw() is not None


class VitalSignsPanel(QWidget):
    """The vital-sign grid; emits ``values_changed`` on every edit."""

    values_changed = Signal()
    """A value, a missing reason or a confirmation changed."""

    field_left = Signal(str)
    """The nurse finished editing a typed field (focus left it, or Enter): show its problems."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("VitalSignsPanel")
        self.rows: dict[str, VitalRow] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(1)
        grid.setColumnStretch(4, 1)
        line = 0
        for spec in VITALS:
            row = VitalRow(spec, self)
            self.rows[spec.name] = row
            grid.addWidget(row.label, line, 0)
            if spec.choices:
                grid.addWidget(row.input, line, 1, 1, 2)
            else:
                grid.addWidget(row.input, line, 1)
                grid.addWidget(row.unit, line, 2)
            grid.addWidget(row.chip, line, 3)
            grid.addWidget(row.reason, line, 4)
            grid.addWidget(row.confirm, line + 1, 1, 1, 2)
            grid.addWidget(row.suggest, line + 1, 3, 1, 2)
            grid.addWidget(row.message, line + 2, 0, 1, 5)
            line += 3
        self.all_reason = QComboBox()
        self.all_reason.setObjectName("reason_all_blank")
        self.all_reason.addItem("All blank values: why not taken?", None)
        for reason in BEDSIDE_MISSING_REASONS:
            self.all_reason.addItem(f"All blank values: {reason.label.lower()}", reason.value)
        self.all_reason.activated.connect(self._on_all_reason_chosen)
        grid.addWidget(self.all_reason, line, 0, 1, 5)
        for row in self.rows.values():
            if isinstance(row.input, QLineEdit):
                row.input.setFixedWidth(96)
            else:
                row.input.setMinimumWidth(150)
        self._sync_reason_boxes()

    def set_scale_text(self, text: str) -> None:
        self.rows["spo2"].unit.setText(text)

    def values(self) -> dict[str, object]:
        return {name: row.raw() for name, row in self.rows.items()}

    def missing_reasons(self) -> dict[str, str]:
        return {
            name: reason
            for name, row in self.rows.items()
            if (reason := row.missing_reason()) is not None
        }

    def confirmed(self) -> set[str]:
        return {name for name, row in self.rows.items() if row.confirm.isChecked()}

    def any_entered(self) -> bool:
        return any(row.has_value or row.missing_reason() for row in self.rows.values())

    def load(self, values: Mapping[str, object], reasons: Mapping[str, str]) -> None:
        """Fill the form (a correction starts from the original set)."""
        for name, row in self.rows.items():
            row.set_raw(values.get(name))
            row.set_missing_reason(reasons.get(name))
        self._sync_reason_boxes()
        self.values_changed.emit()

    def set_read_only(self, read_only: bool) -> None:
        for row in self.rows.values():
            for widget in (row.input, row.reason, row.confirm, row.suggest):
                widget.setEnabled(not read_only)
        self.all_reason.setEnabled(not read_only)
        if not read_only:
            self._sync_reason_boxes()

    def first_input(self) -> QWidget:
        return self.rows["respiration_rate"].input

    # -- slots ------------------------------------------------------------------------------------

    @Slot()
    def _on_value_edited(self) -> None:
        self._sync_reason_boxes()
        self.values_changed.emit()

    @Slot()
    def _on_reason_changed(self) -> None:
        self.values_changed.emit()

    @Slot()
    def _on_confirm_toggled(self) -> None:
        self.values_changed.emit()

    @Slot(int)
    def _on_all_reason_chosen(self, index: int) -> None:
        reason = self.all_reason.itemData(index)
        if reason is None:
            return
        for row in self.rows.values():
            if not row.has_value:
                row.set_missing_reason(reason)
        self.all_reason.setCurrentIndex(0)
        self.values_changed.emit()

    def _use_suggestion(self, row: VitalRow) -> None:
        if row._suggestion is not None and isinstance(row.input, QLineEdit):
            row.input.setText(row._suggestion)
            row.input.setFocus(Qt.FocusReason.OtherFocusReason)
            self._on_value_edited()

    def _sync_reason_boxes(self) -> None:
        """A reason box is usable (and a Tab stop) only while its value is blank."""
        for row in self.rows.values():
            blank = not row.has_value and row.spec.name not in OPTIONAL
            row.reason.setVisible(blank)
            row.reason.setEnabled(blank and self.isEnabled())
            if not blank and row.reason.currentIndex() != 0:
                row.reason.setCurrentIndex(0)
