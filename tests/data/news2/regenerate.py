"""Build ``rcp2017_vectors.json`` from the RCP 2017 tables in ``rcp2017_chart1.json``.

Some published NEWS2 test suites carry no licence that allows copying their vectors, so the
cases they covered (every band edge, Scale 2 on air and on oxygen, the risk bands) are
regenerated here from the published tables alone: the inputs are ours, and every expected
score is read off Chart 1 and Chart 2 by this script, never computed by the console's code.

Run ``python3 tests/data/news2/regenerate.py`` after changing the tables; a test checks that
the checked-in vectors are exactly what this script writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TABLES_PATH = HERE / "rcp2017_chart1.json"
VECTORS_PATH = HERE / "rcp2017_vectors.json"

Band = tuple[float | None, float | None, int]

# Our own complete observation sets, chosen to land in each Chart 2 risk band and on its edges.
AGGREGATE_INPUTS: list[tuple[str, dict[str, Any]]] = [
    ("rcp-well", {}),
    ("rcp-red-rr-low", {"respiration_rate": 7}),
    ("rcp-red-spo2", {"spo2": 90}),
    ("rcp-red-sbp-low", {"systolic_bp": 88}),
    ("rcp-red-sbp-high", {"systolic_bp": 225}),
    ("rcp-red-pulse-low", {"pulse": 38}),
    ("rcp-red-temperature", {"temperature": 34.8}),
    ("rcp-red-new-confusion", {"consciousness": "C"}),
    ("rcp-low-4", {"respiration_rate": 22, "pulse": 95, "temperature": 38.4}),
    ("rcp-red-and-5", {"respiration_rate": 26, "pulse": 100, "temperature": 38.5}),
    ("rcp-medium-6", {"spo2": 93, "systolic_bp": 105, "pulse": 115, "temperature": 36.0}),
    ("rcp-high-7", {"respiration_rate": 23, "spo2": 94, "on_oxygen": True, "pulse": 112}),
    (
        "rcp-maximum-20",
        {
            "respiration_rate": 30,
            "spo2": 85,
            "on_oxygen": True,
            "systolic_bp": 85,
            "pulse": 140,
            "consciousness": "U",
            "temperature": 34.0,
        },
    ),
    ("rcp-hot-and-fast-5", {"pulse": 135, "temperature": 39.5}),
    ("rcp-scale2-air-90", {"spo2_scale": 2, "spo2": 90}),
    ("rcp-scale2-air-85", {"spo2_scale": 2, "spo2": 85}),
    ("rcp-scale2-oxygen-96", {"spo2_scale": 2, "spo2": 96, "on_oxygen": True}),
    ("rcp-scale2-oxygen-98", {"spo2_scale": 2, "spo2": 98, "on_oxygen": True}),
    ("rcp-scale2-oxygen-90", {"spo2_scale": 2, "spo2": 90, "on_oxygen": True}),
]

WELL: dict[str, Any] = {
    "respiration_rate": 14,
    "spo2": 97,
    "spo2_scale": 1,
    "on_oxygen": False,
    "systolic_bp": 130,
    "pulse": 72,
    "consciousness": "A",
    "temperature": 36.6,
}

NUMERIC = ("respiration_rate", "systolic_bp", "pulse", "temperature")


def _band_score(bands: list[Band], value: float) -> int:
    for low, high, score in bands:
        if (low is None or value >= low) and (high is None or value <= high):
            return score
    raise ValueError(f"{value} is in no band")


def _spo2_table(tables: dict[str, Any], scale: int, on_oxygen: bool) -> list[Band]:
    bands = tables["bands"]
    if scale == 1:
        return bands["spo2_scale1"]
    return bands["spo2_scale2_oxygen" if on_oxygen else "spo2_scale2_air"]


def item_scores(tables: dict[str, Any], vitals: dict[str, Any]) -> dict[str, int]:
    """Each parameter's Chart 1 item score, read off the tables."""
    scores = {name: _band_score(tables["bands"][name], vitals[name]) for name in NUMERIC}
    spo2_bands = _spo2_table(tables, vitals["spo2_scale"], vitals["on_oxygen"])
    scores["spo2"] = _band_score(spo2_bands, vitals["spo2"])
    scores["on_oxygen"] = tables["on_oxygen"][str(vitals["on_oxygen"]).lower()]
    scores["consciousness"] = tables["consciousness"][vitals["consciousness"]]
    return scores


def risk(tables: dict[str, Any], scores: dict[str, int]) -> str:
    """Chart 2's precedence: high, then medium, then a single red item, then low."""
    rule = tables["risk"]
    total = sum(scores.values())
    if total >= rule["high_from"]:
        return "high"
    if total >= rule["medium_from"]:
        return "medium"
    if rule["red_item_score"] in scores.values():
        return "low-medium"
    return "low"


def _edge_values(bands: list[Band]) -> list[float]:
    return [edge for low, high, _ in bands for edge in (low, high) if edge is not None]


def subscore_vectors(tables: dict[str, Any]) -> list[dict[str, Any]]:
    """Both edges of every band of every parameter, on each SpO2 scale and oxygen state."""
    vectors: list[dict[str, Any]] = []

    def add(ident: str, parameter: str, value: Any, scale: int, on_oxygen: bool) -> None:
        vitals = {**WELL, "spo2_scale": scale, "on_oxygen": on_oxygen, parameter: value}
        vectors.append(
            {
                "id": ident,
                "parameter": parameter,
                "value": value,
                "spo2_scale": scale,
                "on_oxygen": on_oxygen,
                "expected_score": item_scores(tables, vitals)[parameter],
            }
        )

    bands = tables["bands"]
    for name in NUMERIC:
        for edge in _edge_values(bands[name]):
            add(f"rcp-{name}-{edge}", name, edge, 1, False)
    for table, scale, on_oxygen in (
        ("spo2_scale1", 1, False),
        ("spo2_scale2_air", 2, False),
        ("spo2_scale2_oxygen", 2, True),
    ):
        for edge in _edge_values(bands[table]):
            add(f"rcp-{table}-{edge}", "spo2", edge, scale, on_oxygen)
        add(f"rcp-{table}-100", "spo2", 100, scale, on_oxygen)
    for level in tables["consciousness"]:
        add(f"rcp-acvpu-{level}", "consciousness", level, 1, False)
    for on_oxygen in (False, True):
        add(f"rcp-oxygen-{str(on_oxygen).lower()}", "on_oxygen", on_oxygen, 1, on_oxygen)
    return vectors


def aggregate_vectors(tables: dict[str, Any]) -> list[dict[str, Any]]:
    vectors = []
    for ident, changes in AGGREGATE_INPUTS:
        vitals = {**WELL, **changes}
        scores = item_scores(tables, vitals)
        vectors.append(
            {
                "id": ident,
                "input": vitals,
                "expected": {
                    "total": sum(scores.values()),
                    "risk": risk(tables, scores),
                    "red_flag": tables["risk"]["red_item_score"] in scores.values(),
                    "parameter_scores": scores,
                },
            }
        )
    return vectors


def render() -> str:
    """The vectors file's exact text."""
    tables = json.loads(TABLES_PATH.read_text(encoding="utf-8"))
    document = {
        "about": (
            "NEWS2 vectors regenerated by regenerate.py from the RCP 2017 tables in "
            "rcp2017_chart1.json (inputs are ours; expected values read off Chart 1 and Chart 2). "
            "'aggregate' vectors call news2(CompleteVitals(**input)); 'subscore' vectors give "
            "one parameter value and its expected item score. Do not edit by hand."
        ),
        "risk_values": tables["risk"]["values"],
        "aggregate": aggregate_vectors(tables),
        "subscore": subscore_vectors(tables),
    }
    return json.dumps(document, indent=2) + "\n"


if __name__ == "__main__":
    VECTORS_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {VECTORS_PATH}")
