"""The ward's ketamine withdrawal symptom chart: an UNVALIDATED LOCAL TOOL.

Source: REFERENCE.md §5.6 (design choice, not validated) — CIWA-Ar *structure* only (Sullivan
1989 [17], §4): items 0–7 anchored at 0/1/4/7 plus orientation 0–4; items from the ketamine
literature in §5.2–5.4. Items, anchors, red-flag thresholds and escalation groups live in
``resources/policy/withdrawal_chart.toml`` so clinical governance can change them without code.

There are deliberately **no total-score bands**: none exist for ketamine (§5.6). The total is
shown for trend only; escalation is by item-level red flags (e.g. any hallucination item ≥ 4).
The chart must never drive medication dosing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, TypeGuard

from wardconsole.domain.configfiles import (
    content_digest,
    default_policy_file,
    once_per_content,
    read_toml,
)
from wardconsole.domain.validation import validate_score

CHART_FILE: Final = "withdrawal_chart.toml"
GROUPS: Final[tuple[str, ...]] = ("panic", "hallucination", "confusion")
"""Escalation groups a chart item's red flag can feed (see rules.evaluate)."""

_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}", re.ASCII)
_ITEM_FIELDS: Final = frozenset({"key", "label", "max_score", "anchors", "red_flag_at", "group"})
_CHART_FIELDS: Final = frozenset({"name", "version", "status", "governance_signoff", "reference"})


class ChartConfigError(ValueError):
    """The chart file is unusable; the message names the file, the item and the problem."""


@dataclass(frozen=True, slots=True)
class ChartItem:
    """One rated symptom with its anchor wording and optional red-flag threshold."""

    key: str
    label: str
    max_score: int
    anchors: Mapping[int, str] = field(hash=False)
    red_flag_at: int | None = None
    group: str | None = None

    def anchor_for(self, score: int) -> str:
        """The nearest defined anchor at or below ``score`` (anchors sit at 0/1/4/7)."""
        return self.anchors[max(k for k in self.anchors if k <= score)]


@dataclass(frozen=True, slots=True)
class WithdrawalScore:
    """A scored rating: the trend total, the ratings and the items at red-flag level."""

    total: int
    item_scores: Mapping[str, int] = field(hash=False)
    red_flags: tuple[ChartItem, ...] = ()
    unrated: tuple[str, ...] = ()
    """Chart items not rated this time (the total covers rated items only)."""


@dataclass(frozen=True, slots=True)
class WithdrawalChart:
    """The loaded chart; ``score()`` checks and scores one set of ratings."""

    name: str
    version: str
    status: str
    items: tuple[ChartItem, ...]
    governance_signoff: str = ""
    source: str = ""
    """The file it was loaded from, for the audit trail."""
    digest: str = ""
    """SHA-256 of the file's content (see ``configfiles.content_digest``)."""

    @property
    def max_total(self) -> int:
        return sum(item.max_score for item in self.items)

    @property
    def signed_off(self) -> bool:
        return bool(self.governance_signoff.strip())

    def item(self, key: str) -> ChartItem:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def score(self, item_scores: Mapping[str, int]) -> WithdrawalScore:
        """Check each rating against its item's range; raise ValueError naming the item."""
        by_key = {item.key: item for item in self.items}
        clean: dict[str, int] = {}
        for key, value in item_scores.items():
            item = by_key.get(key)
            if item is None:
                shown = str(key).strip()[:40] or repr(key)
                raise ValueError(f"{shown}: not an item of the {self.name} v{self.version}")
            clean[key] = validate_score(key, value, 0, item.max_score)
        ordered = {item.key: clean[item.key] for item in self.items if item.key in clean}
        red = tuple(
            item
            for item in self.items
            if item.red_flag_at is not None and ordered.get(item.key, 0) >= item.red_flag_at
        )
        return WithdrawalScore(
            total=sum(ordered.values()),
            item_scores=MappingProxyType(ordered),
            red_flags=red,
            unrated=tuple(item.key for item in self.items if item.key not in ordered),
        )

    def red_flags_of(self, item_scores: Mapping[str, int]) -> tuple[ChartItem, ...]:
        """Red-flag items of already stored ratings, skipping keys no longer on the chart."""
        return tuple(
            item
            for item in self.items
            if item.red_flag_at is not None and item_scores.get(item.key, 0) >= item.red_flag_at
        )


@once_per_content(CHART_FILE)
def load_chart(path: Path | None = None) -> WithdrawalChart:
    """Load and validate the chart (default: the bundled ``policy/withdrawal_chart.toml``)."""
    source: Path | Traversable = path if path is not None else default_policy_file(CHART_FILE)
    data = read_toml(source, ChartConfigError)
    return replace(_parse_chart(data, str(source)), digest=content_digest(data))


def _parse_chart(data: Mapping[str, Any], where: str) -> WithdrawalChart:
    def fail(problem: str) -> ChartConfigError:
        return ChartConfigError(f"{where}: {problem}")

    header = data.get("chart")
    if not isinstance(header, dict):
        raise fail("missing the [chart] table (name, version, status)")
    unknown = set(header) - _CHART_FIELDS
    if unknown:
        raise fail(f"[chart]: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("name", "version", "status"):
        if not isinstance(header.get(key), str) or not header[key].strip():
            raise fail(f"[chart]: '{key}' must be non-empty text")
    signoff = header.get("governance_signoff", "")
    if not isinstance(signoff, str):
        raise fail("[chart]: 'governance_signoff' must be text")
    unknown_top = set(data) - {"chart", "items"}
    if unknown_top:
        raise fail(f"unknown table(s) {', '.join(sorted(unknown_top))}")

    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise fail("no [[items]] defined")
    items: list[ChartItem] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items, start=1):
        item = _parse_item(raw, index, fail)
        if item.key in seen:
            raise fail(f"item '{item.key}': key is used twice")
        seen.add(item.key)
        items.append(item)
    return WithdrawalChart(
        name=header["name"].strip(),
        version=header["version"].strip(),
        status=header["status"].strip(),
        items=tuple(items),
        governance_signoff=signoff.strip(),
        source=where,
    )


def _parse_item(raw: object, index: int, fail: Any) -> ChartItem:
    if not isinstance(raw, dict):
        raise fail(f"item #{index}: must be a table")
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise fail(f"item #{index}: 'key' must be lower_snake_case text, got {key!r}")
    name = f"item '{key}'"
    unknown = set(raw) - _ITEM_FIELDS
    if unknown:
        raise fail(f"{name}: unknown key(s) {', '.join(sorted(unknown))}")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise fail(f"{name}: 'label' must be non-empty text")
    max_score = raw.get("max_score")
    if not _is_int(max_score) or not 1 <= max_score <= 7:
        raise fail(f"{name}: 'max_score' must be a whole number 1–7, got {max_score!r}")
    anchors = _parse_anchors(raw.get("anchors"), max_score, name, fail)
    red = raw.get("red_flag_at")
    if red is not None and (not _is_int(red) or not 1 <= red <= max_score):
        raise fail(f"{name}: 'red_flag_at' must be a whole number 1–{max_score}, got {red!r}")
    group = raw.get("group")
    if group is not None and group not in GROUPS:
        raise fail(f"{name}: 'group' must be one of {', '.join(GROUPS)}, got {group!r}")
    return ChartItem(
        key=key,
        label=label.strip(),
        max_score=max_score,
        anchors=anchors,
        red_flag_at=red,
        group=group,
    )


def _parse_anchors(raw: object, max_score: int, name: str, fail: Any) -> Mapping[int, str]:
    if not isinstance(raw, dict) or not raw:
        raise fail(f"{name}: 'anchors' must be a table of score = text")
    anchors: dict[int, str] = {}
    for score_text, text in raw.items():
        digits = score_text.isascii() and score_text.isdigit()
        if not digits or not 0 <= int(score_text) <= max_score:
            raise fail(f"{name}: anchor score {score_text!r} is not a whole number 0–{max_score}")
        if not isinstance(text, str) or not text.strip():
            raise fail(f"{name}: anchor {score_text} must be non-empty text")
        anchors[int(score_text)] = text.strip()
    for required in (0, max_score):
        if required not in anchors:
            raise fail(f"{name}: anchors must include {required} (0 and max_score {max_score})")
    return MappingProxyType(dict(sorted(anchors.items())))


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
