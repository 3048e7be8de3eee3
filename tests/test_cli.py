"""`python -m geo validate`: run as a person would, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from geo.schema import LAYERS

ROOT = Path(__file__).resolve().parent.parent


def run_validate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo", "validate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_validate_passes_on_the_bundled_data_and_lists_every_layer():
    result = run_validate()
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for name in LAYERS:
        line = next((line for line in lines if line.split()[:1] == [name]), None)
        assert line is not None, (name, result.stdout)
        assert line.rstrip().endswith("0 rejected"), line
    assert lines[-1].startswith("OK")
    assert [line for line in lines if line.startswith("  ")] == []  # no rejection or problem lines


def test_validate_json_prints_one_object_with_every_layer():
    result = run_validate("--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # one object, nothing else on stdout
    assert report["ok"] is True
    assert report["problems"] == []
    assert set(report["layers"]) == set(LAYERS)
    assert len(report["layers"]) == 6
    for name, counts in report["layers"].items():
        assert set(counts) == {"valid", "rejected"}, name
        assert counts["valid"] > 0 and counts["rejected"] == 0, name


def test_validate_json_counts_match_the_files():
    result = run_validate("--json", "--data", str(ROOT / "data"))
    report = json.loads(result.stdout)
    for name in LAYERS:
        features = json.loads((ROOT / "data" / f"{name}.geojson").read_text(encoding="utf-8"))["features"]
        assert report["layers"][name]["valid"] == len(features), name


@pytest.fixture
def tampered(data_copy: Path) -> Path:
    path = data_copy / "receiving_facilities.geojson"
    text = path.read_text(encoding="utf-8")
    assert "Sinuiju" in text
    path.write_text(text.replace("Sinuiju", "Sinuij0", 1), encoding="utf-8")
    return data_copy


def test_validate_fails_on_a_tampered_file_and_names_it(tampered):
    result = run_validate("--data", str(tampered))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "receiving_facilities.geojson does not match the manifest" in result.stdout
    assert result.stdout.splitlines()[-1] == "FAILED"


def test_validate_json_fails_on_a_tampered_file_and_names_it(tampered):
    result = run_validate("--json", "--data", str(tampered))
    assert result.returncode != 0
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert any("receiving_facilities.geojson" in problem for problem in report["problems"])


def test_validate_reports_rejected_rows_with_their_reasons(make_feature, make_data_dir):
    data_dir = make_data_dir(
        {"events": [make_feature("events"), make_feature("events", id="ev-bad", source_ids=["S404"])]}
    )
    result = run_validate("--data", str(data_dir))
    assert result.returncode == 1
    assert "rejected events row 1 (ev-bad): source_ids: source 'S404' is not in the sources table" in result.stdout
    report = json.loads(run_validate("--json", "--data", str(data_dir)).stdout)
    assert report["ok"] is False
    assert report["layers"]["events"] == {"valid": 1, "rejected": 1}
