"""The SBAR sections side by side: generated facts (read-only) beside the nurse's own words.

Each section is a row: on the left what the record says, on a tinted panel headed "From the
record — read-only"; on the right an ordinary text box headed "Your notes". The two never mix:
the facts are a label, not editable text, and what the nurse types is saved apart from them.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTextBrowser,
    QWidget,
)

from wardconsole.domain.handoff_records import HandoffDraft, Section
from wardconsole.domain.handoff_refresh import FactChange
from wardconsole.services.handoff import HandoffDetail, HandoffView
from wardconsole.ui.handoff import words


class SectionEditor(QScrollArea):
    """Four SBAR rows: facts label | notes editor."""

    notes_changed = Signal()
    """The nurse typed in any section."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SectionEditor")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        facts_heading = QLabel("From the record — generated, read-only")
        notes_heading = QLabel("Your notes — what you add")
        for label in (facts_heading, notes_heading):
            label.setObjectName("ColumnHeading")
        grid.addWidget(facts_heading, 0, 0)
        grid.addWidget(notes_heading, 0, 1)
        self.facts: dict[Section, QLabel] = {}
        self.editors: dict[Section, QPlainTextEdit] = {}
        row = 1
        for section in Section:
            heading = QLabel(f"{section.letter} — {section.heading}")
            heading.setObjectName("SectionHeading")
            grid.addWidget(heading, row, 0, 1, 2)
            facts = QLabel()
            facts.setObjectName("GeneratedFacts")
            facts.setWordWrap(True)
            facts.setTextFormat(Qt.TextFormat.RichText)
            facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            facts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            facts.setAccessibleName(f"{section.heading}: generated facts")
            editor = QPlainTextEdit()
            editor.setObjectName("NurseNotes")
            editor.setAccessibleName(f"{section.heading}: your notes")
            editor.setPlaceholderText(f"Your {section.heading.lower()} notes (optional)")
            editor.setTabChangesFocus(True)
            editor.setMinimumHeight(90)
            editor.textChanged.connect(self._on_text_changed)
            grid.addWidget(facts, row + 1, 0)
            grid.addWidget(editor, row + 1, 1)
            self.facts[section] = facts
            self.editors[section] = editor
            row += 2
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(row, 1)
        self.setWidget(body)
        self._saved: dict[Section, str] = {s: "" for s in Section}
        self._loading = False

    def show_handoff(self, view: HandoffView, *, keep_typing: bool = False) -> None:
        """Show ``view``; with ``keep_typing`` unsaved text stays in the editors."""
        self.show_facts(view.draft, view.changes)
        self._saved = {s: view.notes.get(s, "") for s in Section}
        if keep_typing and self.dirty:
            return
        self._loading = True
        for section, editor in self.editors.items():
            editor.setPlainText(self._saved[section])
        self._loading = False

    def show_facts(self, draft: HandoffDraft, changes: tuple[FactChange, ...] = ()) -> None:
        for section, label in self.facts.items():
            label.setText(words.facts_html(draft, section, changes))

    def set_editable(self, editable: bool) -> None:
        for editor in self.editors.values():
            editor.setReadOnly(not editable)

    def notes(self) -> dict[str, str]:
        return {s.value: e.toPlainText() for s, e in self.editors.items()}

    @property
    def dirty(self) -> bool:
        return any(
            e.toPlainText().strip() != self._saved[s].strip() for s, e in self.editors.items()
        )

    def clear(self) -> None:
        self._loading = True
        for label in self.facts.values():
            label.setText("")
        for editor in self.editors.values():
            editor.setPlainText("")
        self._saved = {s: "" for s in Section}
        self._loading = False

    @Slot()
    def _on_text_changed(self) -> None:
        if not self._loading:
            self.notes_changed.emit()


class HandoffReader(QTextBrowser):
    """A handoff for review: facts, then the nurse's notes in italics, then the trail."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HandoffReader")
        self.setOpenLinks(False)

    def show_detail(self, detail: HandoffDetail, shown: HandoffView | None = None) -> None:
        """The handoff ``shown`` on the board (its facts are what a signature covers), with
        the trail from ``detail``; without ``shown``, the detail's own view."""
        view = shown if shown is not None and shown.id == detail.handoff.id else detail.handoff
        parts = [
            f"<h3>Bed {escape(view.bed)} · {escape(view.patient_name)}</h3>",
            f"<p>{escape(words.describe(view))}</p>",
        ]
        changed = words.changed_text(view)
        if changed:
            parts.append(f"<p><b>{escape(changed)}</b></p>")
        if view.status.value == "sent_back" and view.sent_back_reason:
            parts.append(f"<p><b>↩ Sent back:</b> {escape(view.sent_back_reason)}</p>")
        for section in Section:
            parts.append(f"<h4>{section.letter} — {section.heading}</h4>")
            parts.append(f"<p>{words.facts_html(view.draft, section, view.changes)}</p>")
            note = view.notes.get(section, "").strip()
            if note:
                body = "<br>".join(escape(line) for line in note.splitlines())
                parts.append(f"<blockquote><b>Nurse's notes:</b> <i>{body}</i></blockquote>")
        parts.append("<h4>Trail</h4><p>")
        for event in detail.trail:
            who = escape(event.staff or "—")
            detail_text = f": {escape(event.detail)}" if event.detail else ""
            action = escape(event.action.replace("_", " "))
            parts.append(
                f"{words.clock(event.at, view.shift)} {action} by {who} "
                f"({escape(event.station)}){detail_text}<br>"
            )
        parts.append("</p>")
        self.setHtml("".join(parts))

    def show_nothing(self, text: str) -> None:
        self.setHtml(f"<p><i>{escape(text)}</i></p>")
