"""``wardconsole export`` / ``import`` / ``feed``: work end to end, show progress, and end every
user error with one line and a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from interop_support import SAMPLES

from wardconsole.cli import main


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.sqlite"
    assert main(["demo", "--db", str(path), "--beds", "3", "--days", "2", "--seed", "3"]) == 0
    return path


def test_export_then_import_into_a_new_database(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ward.json"
    assert main(["export", "--db", str(demo_db), "--out", str(out)]) == 0
    assert "Exported 3 patients" in capsys.readouterr().out
    assert json.loads(out.read_text(encoding="utf-8"))["resourceType"] == "Bundle"

    target = tmp_path / "new.sqlite"
    assert main(["db", "init", "--db", str(target)]) == 0
    assert main(["import", "--db", str(target), str(out)]) == 0
    captured = capsys.readouterr()
    assert "] " in captured.err and "sets" in captured.err  # the progress bar
    assert "imported; 3 patients and 3 stays created" in captured.out
    assert "NEWS2 total score (recomputed here from the vital signs)" in captured.out

    assert main(["import", "--db", str(target), str(out)]) == 0
    assert "0 sets (0 values) imported" in capsys.readouterr().out


def test_csv_export_of_one_patient(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "obs.csv"
    assert (
        main(
            [
                "export",
                "--db",
                str(demo_db),
                "--out",
                str(out),
                "--format",
                "csv",
                "--patient",
                "NO-SUCH",
            ]
        )
        == 4
    )
    assert capsys.readouterr().err.strip() == (
        "wardconsole: no patient with hospital number 'NO-SUCH'"
    )
    assert not out.exists()


def test_a_sample_with_the_patient_named(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "samples.sqlite"
    assert main(["db", "init", "--db", str(target)]) == 0
    capsys.readouterr()
    sample = SAMPLES / "fhir" / "Frances_Mann_a2b4d923-446b-4bf4-b0f8-70b0ca5a9887.json"
    assert main(["import", "--db", str(target), str(sample), "--patient", "SYN0001"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("8 sets (14 values) imported; 6 weighings imported")
    assert "    6  not imported: BMI (recomputed here from the weight and height)" in out


def test_a_malformed_file_ends_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "entry": [', encoding="utf-8")
    assert main(["db", "init", "--db", str(tmp_path / "x.sqlite")]) == 0
    capsys.readouterr()
    assert main(["import", "--db", str(tmp_path / "x.sqlite"), str(bad)]) == 4
    err = capsys.readouterr().err.strip()
    assert err.startswith("wardconsole: bad.json: nothing imported: line 1, column 38:")
    assert "\n" not in err


def test_feed_refuses_a_bad_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feed", "--db", str(tmp_path / "x.sqlite"), "--port", "70000"]) == 2
    assert "--port must be between 1 and 65535" in capsys.readouterr().err


def test_an_import_that_adds_nothing_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file with nothing the console can take is an error for a script, not a success."""
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}))
    assert main(["db", "init", "--db", str(tmp_path / "ward.sqlite")]) == 0
    capsys.readouterr()
    code = main(["import", "--db", str(tmp_path / "ward.sqlite"), str(empty)])
    captured = capsys.readouterr()
    assert code == 4, captured
    assert "0 sets (0 values) imported" in captured.out
    assert "empty.json: nothing imported" in captured.err
