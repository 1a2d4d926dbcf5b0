"""Moving a patient to another bed: only free beds are offered, and the move joins the bed
history shown above the choice. A bed taken at another station meanwhile, or a patient moved
or discharged elsewhere, is refused with a message and the free beds are read again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.admission_records import AdmissionDetail, BedStay
from wardconsole.services.admissions import AdmissionChoices, AdmissionService
from wardconsole.services.context import Actor, ConflictError, InvalidInput, ServiceError
from wardconsole.ui import formatting as fmt
from wardconsole.ui.access.session import reader
from wardconsole.ui.tasks import TaskHandle, TaskRunner
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.style_property import set_style_property


class BedMoveDialog(QDialog):
    """Move one admitted patient to a free bed."""

    def __init__(
        self,
        service: AdmissionService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        admission_id: int,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("BedMoveDialog")
        self.setWindowTitle("Move bed — WardConsole")
        mark_form(self, FormKind.ADMISSION)
        self._service = service
        self._actor = current_actor
        """Who is acting: asked on the UI thread when the nurse acts."""
        self._runner = runner
        self._admission_id = admission_id
        self._detail: AdmissionDetail | None = None
        self._handles: list[TaskHandle] = []
        self.result_value: str | None = None

        self.title = QLabel("Move bed")
        self.title.setObjectName("dialog_title")
        self.history = QLabel("Reading the bed history…")
        self.history.setObjectName("bed_history")
        self.history.setWordWrap(True)
        self.history.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bed = QComboBox()
        self.bed.setObjectName("new_bed")
        self.bed.addItem("loading free beds…", None)
        self.reason = QLineEdit()
        self.reason.setObjectName("move_reason")
        self.reason.setPlaceholderText("optional, e.g. nearer the nursing station for 1:1")
        self.status = QLabel()
        self.status.setObjectName("save_status")
        self.status.setWordWrap(True)
        self.move_button = QPushButton("&Move patient")
        self.move_button.setObjectName("move_button")
        self.move_button.setDefault(True)
        self.move_button.setEnabled(False)
        cancel = QPushButton("Cancel")
        cancel.setAutoDefault(False)

        form = QFormLayout()
        form.addRow("Beds this stay:", self.history)
        form.addRow("Move to:", self.bed)
        form.addRow("Reason:", self.reason)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.move_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.move_button.clicked.connect(self.move_patient)
        cancel.clicked.connect(self.reject)
        self._load()
        self.resize(620, 300)

    @classmethod
    def ask(
        cls,
        service: AdmissionService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        admission_id: int,
        *,
        parent: QWidget | None = None,
    ) -> str | None:
        """Show the dialog modally; the new bed, or None when the patient was not moved."""
        dialog = cls(service, current_actor, runner, admission_id, parent=parent)
        dialog.exec()
        result = dialog.result_value
        dialog.setParent(None)  # the local reference is its only owner from here
        return result

    @property
    def loaded(self) -> bool:
        """The patient's bed history and the free beds are on screen."""
        return self._detail is not None

    # -- reading ---------------------------------------------------------------------------------

    def _load(self) -> None:
        service, admission_id, who = self._service, self._admission_id, reader(self._actor)

        def read() -> tuple[AdmissionDetail, AdmissionChoices, list[BedStay]]:
            return (
                service.admission(admission_id, reader=who),
                service.choices(),
                service.bed_history(admission_id, reader=who),
            )

        self._track(
            self._runner.run(self, read, on_success=self._on_loaded, on_failure=self._on_failed)
        )

    def _on_loaded(self, loaded: tuple[AdmissionDetail, AdmissionChoices, list[BedStay]]) -> None:
        detail, choices, history = loaded
        self._detail = detail
        where = f"bed {detail.bed}" if detail.bed else "no bed"
        self.title.setText(f"Move {detail.name} ({where})")
        self.history.setText(_history_text(history))
        self.bed.clear()
        if detail.discharged_at is not None:
            self.bed.addItem("discharged — no move possible", None)
            self._say("This patient has been discharged; the record is read-only.", "alert")
            return
        if not choices.free_beds:
            self.bed.addItem("no free bed on the ward", None)
            self._say("There is no free bed to move to.", "alert")
            return
        for label in choices.free_beds:
            self.bed.addItem(label, label)
        self.move_button.setEnabled(True)
        self.bed.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_failed(self, error: BaseException) -> None:
        self._say(f"Could not read the beds: {error}", "alert")

    # -- moving ------------------------------------------------------------------------------------

    def move_patient(self) -> None:
        """Move to the chosen bed (not ``move``, which would hide ``QWidget.move``)."""
        bed = self.bed.currentData()
        if bed is None or self._detail is None:
            return
        service, actor, admission_id = self._service, self._actor(), self._admission_id
        reason, version = self.reason.text(), self._detail.version
        self.move_button.setEnabled(False)
        self._say(f"Moving to bed {bed}…", "muted")
        self._track(
            self._runner.run(
                self,
                lambda: service.move_bed(
                    actor, admission_id, bed, reason=reason, expected_version=version
                ),
                on_success=lambda _none: self._on_moved(bed),
                on_failure=self._on_move_failed,
            )
        )

    def _on_moved(self, bed: str) -> None:
        self.result_value = bed
        self.accept()

    def _on_move_failed(self, error: BaseException) -> None:
        if isinstance(error, InvalidInput):
            self._say("Not moved: " + "; ".join(error.problems.values()), "alert")
            self.move_button.setEnabled(True)
        elif isinstance(error, ConflictError | ServiceError):
            self._say(f"Not moved: {error}. The beds have been read again.", "alert")
            self._load()
        else:
            self._say(
                f"The database did not answer ({error}); the patient was not moved. Try again.",
                "alert",
            )
            self.move_button.setEnabled(True)

    def _say(self, text: str, tone: str) -> None:
        self.status.setText(text)
        set_style_property(self.status, "tone", tone)

    def _track(self, handle: TaskHandle) -> None:
        self._handles = [h for h in self._handles if not h.finished and not h.cancelled]
        self._handles.append(handle)

    def done(self, result: int) -> None:
        for handle in self._handles:
            handle.cancel()
        super().done(result)


def _history_text(history: list[BedStay]) -> str:
    if not history:
        return "no bed so far"
    parts = []
    for n, stay in enumerate(history):
        how = "on admission" if n == 0 else f"moved by {stay.moved_by}" if stay.moved_by else ""
        parts.append(
            f"{stay.bed} from {fmt.local_datetime_text(stay.since)}" + (f" ({how})" if how else "")
        )
    return " → ".join(parts)
