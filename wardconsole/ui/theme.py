"""Day and night themes, and the status colours the census uses in each.

Night is for dim rooms: a dark background that does not light up the face of a nurse checking a
sleeping ward, with status colours that still stand out. Every status colour comes with words and
a shape elsewhere ('▲ HIGH', '◆ URGENT', 'OVERDUE …'), so colour is never the only cue, and the
bands are ordered by lightness as well as hue so they survive colour-vision deficiency.

The chosen theme is UI state, so it lives in QSettings. While the console runs, the theme in
force is one ``ThemeState``: the application's style sheet and palette follow it, and whatever
paints its own colours (table cells, chart pens, the alarm banner) reads ``theme_state()`` and
re-colours on its ``changed`` signal, instead of each window handing the theme down.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from importlib import resources

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from wardconsole.domain.records import Severity

SETTINGS_KEY = "ui/theme"


class Theme(enum.Enum):
    DAY = "day"
    NIGHT = "night"

    @property
    def label(self) -> str:
        return {Theme.DAY: "Day", Theme.NIGHT: "Night"}[self]


@dataclass(frozen=True, slots=True)
class StatusColours:
    background: QColor
    foreground: QColor


def _pair(background: str, foreground: str) -> StatusColours:
    return StatusColours(QColor(background), QColor(foreground))


@dataclass(frozen=True, slots=True)
class RiskPalette:
    """Status colours for one theme; ``None`` means 'use the ordinary cell colours'."""

    news2: dict[str, StatusColours]
    severity: dict[Severity, StatusColours]
    overdue: StatusColours
    due_soon: QColor
    muted: QColor
    """Text colour for secondary information ('—', 'unassigned', 'incomplete')."""
    ok: QColor
    """Text colour for reassuring counts ('No open escalations')."""

    def for_news2(self, band: str | None) -> StatusColours | None:
        return self.news2.get(band) if band is not None else None

    def for_severity(self, severity: Severity | None) -> StatusColours | None:
        return self.severity.get(severity) if severity is not None else None


_RISK_PALETTES = {
    Theme.DAY: RiskPalette(
        news2={
            "low-medium": _pair("#FFF1A8", "#000000"),
            "medium": _pair("#F0A431", "#000000"),
            "high": _pair("#B2182B", "#FFFFFF"),
        },
        severity={
            Severity.ADVISORY: _pair("#D3E6F8", "#000000"),
            Severity.URGENT: _pair("#F0A431", "#000000"),
            Severity.EMERGENCY: _pair("#B2182B", "#FFFFFF"),
        },
        overdue=_pair("#FFDCDC", "#8B0000"),
        due_soon=QColor("#8A4B00"),
        muted=QColor("#5A5A5A"),
        ok=QColor("#1B5E20"),
    ),
    Theme.NIGHT: RiskPalette(
        news2={
            "low-medium": _pair("#3D3A12", "#FFF59D"),
            "medium": _pair("#7A4A00", "#FFE2B0"),
            "high": _pair("#B71C1C", "#FFFFFF"),
        },
        severity={
            Severity.ADVISORY: _pair("#1D3A57", "#D6EBFF"),
            Severity.URGENT: _pair("#7A4A00", "#FFE2B0"),
            Severity.EMERGENCY: _pair("#B71C1C", "#FFFFFF"),
        },
        overdue=_pair("#5C1414", "#FFB4B4"),
        due_soon=QColor("#FFCC80"),
        muted=QColor("#A8ADB4"),
        ok=QColor("#9CD3A0"),
    ),
}


def risk_palette(theme: Theme) -> RiskPalette:
    return _RISK_PALETTES[theme]


_PALETTE_COLOURS = {
    Theme.DAY: {
        QPalette.ColorRole.Window: "#EFF1F3",
        QPalette.ColorRole.WindowText: "#111111",
        QPalette.ColorRole.Base: "#FFFFFF",
        QPalette.ColorRole.AlternateBase: "#F3F5F7",
        QPalette.ColorRole.Text: "#111111",
        QPalette.ColorRole.Button: "#E4E7EA",
        QPalette.ColorRole.ButtonText: "#111111",
        QPalette.ColorRole.ToolTipBase: "#FFFFE8",
        QPalette.ColorRole.ToolTipText: "#111111",
        QPalette.ColorRole.PlaceholderText: "#6B6B6B",
        QPalette.ColorRole.Highlight: "#1F5FA8",
        QPalette.ColorRole.HighlightedText: "#FFFFFF",
        QPalette.ColorRole.Link: "#0B4F9C",
        QPalette.ColorRole.BrightText: "#FFFFFF",
    },
    Theme.NIGHT: {
        QPalette.ColorRole.Window: "#121417",
        QPalette.ColorRole.WindowText: "#E6E8EB",
        QPalette.ColorRole.Base: "#181B1F",
        QPalette.ColorRole.AlternateBase: "#1F2328",
        QPalette.ColorRole.Text: "#E6E8EB",
        QPalette.ColorRole.Button: "#23272D",
        QPalette.ColorRole.ButtonText: "#E6E8EB",
        QPalette.ColorRole.ToolTipBase: "#23272D",
        QPalette.ColorRole.ToolTipText: "#E6E8EB",
        QPalette.ColorRole.PlaceholderText: "#8D939B",
        QPalette.ColorRole.Highlight: "#2F6DB0",
        QPalette.ColorRole.HighlightedText: "#FFFFFF",
        QPalette.ColorRole.Link: "#8AB8FF",
        QPalette.ColorRole.BrightText: "#FFFFFF",
        QPalette.ColorRole.Light: "#3A3F46",
        QPalette.ColorRole.Midlight: "#2C3036",
        QPalette.ColorRole.Mid: "#24282D",
        QPalette.ColorRole.Dark: "#0C0E10",
        QPalette.ColorRole.Shadow: "#000000",
    },
}

_DISABLED_TEXT = {Theme.DAY: "#8A8A8A", Theme.NIGHT: "#6C727A"}


def make_palette(theme: Theme) -> QPalette:
    palette = QPalette()
    for role, colour in _PALETTE_COLOURS[theme].items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DISABLED_TEXT[theme]))
    return palette


def stylesheet(theme: Theme) -> str:
    """The bundled stylesheet for ``theme`` (resources/styles/<theme>.qss after common.qss)."""
    styles = resources.files("wardconsole.resources").joinpath("styles")
    common = styles.joinpath("common.qss").read_text(encoding="utf-8")
    specific = styles.joinpath(f"{theme.value}.qss").read_text(encoding="utf-8")
    return "\n".join(
        (
            common,
            specific,
            _status_rules(risk_palette(theme)),
            _form_rules(theme),
            _entry_rules(theme),
        )
    )


FORM_PROPERTY = "form"
"""A dialog sets this dynamic property (``FormKind``) to take the form or entry rules below."""


class FormKind(enum.StrEnum):
    ADMISSION = "admission"
    """The admission, bed-move, discharge, intake-amendment and patient-search dialogs."""
    ENTRY = "entry"
    """The bedside entry dialogs (observations, PRN, physical care, medicines, history)."""


def _scoped(kind: FormKind, rules: list[tuple[str, str]]) -> str:
    """``selector { body }`` rules that apply only inside a dialog of ``kind``."""
    scope = f'*[{FORM_PROPERTY}="{kind.value}"]'
    lines = []
    for selectors, body in rules:
        inside = ", ".join(f"{scope} {one.strip()}" for one in selectors.split(","))
        lines.append(f"{inside} {{ {body} }}")
    return "\n".join(lines)


def _tick_image() -> str:
    """The tick's file as a style-sheet ``image`` (nothing if the file is missing: the filled
    box still shows the choice)."""
    tick = resources.files("wardconsole.resources").joinpath("icons", "check-tick.svg")
    if not tick.is_file():
        return ""
    return f" image: url({str(tick).replace(chr(92), '/')});"


def _indicators(theme: Theme) -> list[tuple[str, str]]:
    """Check boxes and radio buttons drawn with an outline in both states and filled when
    chosen, because the night palette's native indicators vanish into the background in a dim
    room; a chosen check box also shows its tick (a filled square alone read as "focused" rather
    than "ticked"). Every form kind has them."""
    colours = _PALETTE_COLOURS[theme]
    base = colours[QPalette.ColorRole.Base]
    chosen = colours[QPalette.ColorRole.Highlight]
    outline = risk_palette(theme).muted.name()
    dot = (
        f"qradialgradient(cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5, stop:0 {chosen},"
        f" stop:0.5 {chosen}, stop:0.6 {base}, stop:1 {base})"
    )
    return [
        (
            "QCheckBox::indicator, QRadioButton::indicator",
            f"border: 1px solid {outline}; background: {base}; width: 13px; height: 13px;",
        ),
        ("QRadioButton::indicator", "border-radius: 7px;"),
        (
            "QCheckBox::indicator:checked",
            f"background: {chosen}; border-color: {chosen};{_tick_image()}",
        ),
        ("QRadioButton::indicator:checked", f"background: {dot}; border-color: {chosen};"),
        (
            "QCheckBox::indicator:disabled, QRadioButton::indicator:disabled",
            "border-style: dotted;",
        ),
    ]


def _form_rules(theme: Theme) -> str:
    """How the admission-side dialogs look beyond the theme: a refused field is framed in the
    alert colour (and named in words too, never by colour alone)."""
    palette = risk_palette(theme)
    return _scoped(
        FormKind.ADMISSION,
        [
            ('*[invalid="true"]', f"border: 2px solid {palette.overdue.foreground.name()};"),
            ('QGroupBox[invalid="true"]', "margin-top: 18px; padding-top: 6px;"),
            (
                'QGroupBox[invalid="true"]::title',
                "subcontrol-origin: margin; left: 8px; padding: 0 4px;",
            ),
            *_indicators(theme),
            ("QLabel#dialog_title", "font-size: 15pt; font-weight: bold;"),
            ("QLabel#flag_preview", "font-size: 12pt; font-weight: bold;"),
            ("QLabel#save_status, QLabel#cssrs_result", "font-weight: bold;"),
        ],
    )


def _entry_rules(theme: Theme) -> str:
    """The bedside entry dialogs: inputs whose value scores on NEWS2 take the census colours of
    that score's weight."""
    rules = [
        (
            f'QLineEdit[band="{band}"], QComboBox[band="{band}"]',
            f"background-color: {colours.background.name()};"
            f" color: {colours.foreground.name()}; font-weight: bold;",
        )
        for band, colours in risk_palette(theme).news2.items()
    ]
    rules += [
        ('QLabel[band="none"]', "background-color: transparent;"),
        ("QLabel#entry_patient", "font-size: 14pt; font-weight: bold;"),
        ("QLabel#entry_news2", "font-size: 13pt; font-weight: bold; padding: 2px 8px;"),
        ("QGroupBox", "font-weight: bold;"),
        (
            "QGroupBox QLabel, QGroupBox QComboBox, QGroupBox QLineEdit, QGroupBox QSpinBox,"
            " QGroupBox QCheckBox",
            "font-weight: normal;",
        ),
        ("QLabel#SaveStatusText", "font-weight: bold;"),
        ('QLabel[tone="busy"]', "font-weight: bold;"),
        ('QLabel[chip="true"]', "padding: 2px 6px; border-radius: 3px;"),
        *_indicators(theme),  # the medicines list's Given/Omitted, "Show stopped lines", …
    ]
    return _scoped(FormKind.ENTRY, rules)


def mark_form(dialog: QWidget, kind: FormKind) -> None:
    """Give ``dialog`` the application style sheet's rules for its kind of form (before it is
    shown: Qt matches dynamic properties when a widget is polished)."""
    dialog.setProperty(FORM_PROPERTY, kind.value)


def _status_rules(palette: RiskPalette) -> str:
    """Badge rules generated from the risk palette, so the table and the badges always agree.

    Widgets opt in with dynamic properties: ``band`` (a NEWS2 band), ``severity`` (a
    ``Severity`` name in lower case) and ``tone="alert"`` (overdue, stale data).
    """

    # Also under the containers whose own rules (with an id) would otherwise win.
    scopes = ("", "QFrame#SummaryStrip ", "QFrame#PatientHeader ")

    def rule(selector: str, colours: StatusColours) -> str:
        return "\n".join(
            f"{scope}{selector} {{ background-color: {colours.background.name()};"
            f" color: {colours.foreground.name()}; }}"
            for scope in scopes
        )

    def text_rule(selector: str, colour: QColor) -> str:
        return "\n".join(f"{scope}{selector} {{ color: {colour.name()}; }}" for scope in scopes)

    rules = [rule(f'QLabel[band="{band}"]', c) for band, c in palette.news2.items()]
    rules += [rule(f'QLabel[severity="{s.name.lower()}"]', c) for s, c in palette.severity.items()]
    rules.append(rule('QLabel[tone="alert"]', palette.overdue))
    rules.append(text_rule('QLabel[tone="soon"]', palette.due_soon))
    rules.append(text_rule('QLabel[tone="muted"]', palette.muted))
    rules.append(text_rule('QLabel[tone="ok"]', palette.ok))
    return "\n".join(rules)


class ThemeState(QObject):
    """The theme in force for everything the console paints itself; one per application."""

    changed = Signal(object)
    """The new ``Theme`` (emitted only when it differs)."""

    def __init__(self, theme: Theme = Theme.DAY) -> None:
        super().__init__()
        self._theme = theme

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def palette(self) -> RiskPalette:
        return risk_palette(self._theme)

    def set(self, theme: Theme) -> None:
        if theme is not self._theme:
            self._theme = theme
            self.changed.emit(theme)


_STATE: ThemeState | None = None


def theme_state() -> ThemeState:
    """The application's theme state (made on first use, on the UI thread)."""
    global _STATE
    if _STATE is None:
        _STATE = ThemeState()
    return _STATE


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Restyle the whole application (every open window follows). Applying the theme already
    in force does nothing: Qt re-polishes every widget on each style sheet it is given, even an
    identical one (a fifth of a second between sign-in and the census)."""
    if app.style().name().casefold() != "fusion":
        app.setStyle("Fusion")  # the one built-in style that honours a custom palette everywhere
    sheet = stylesheet(theme)
    palette = make_palette(theme)
    if app.styleSheet() != sheet or app.palette() != palette:
        app.setPalette(palette)
        app.setStyleSheet(sheet)
    theme_state().set(theme)  # after the style sheet: painters re-colour over the new one


def load_theme(settings: QSettings | None = None) -> Theme:
    """The theme remembered in QSettings; day when none (or an unknown one) is stored."""
    settings = settings if settings is not None else QSettings()
    value = settings.value(SETTINGS_KEY, Theme.DAY.value)
    try:
        return Theme(str(value))
    except ValueError:
        return Theme.DAY


def save_theme(theme: Theme, settings: QSettings | None = None) -> None:
    settings = settings if settings is not None else QSettings()
    settings.setValue(SETTINGS_KEY, theme.value)
