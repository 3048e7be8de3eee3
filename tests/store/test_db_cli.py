"""`python -m geo db …` and `python -m geo export --revision`, run as a researcher would, on both stores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from geo.__main__ import main, validation_report
from geo.io import load_dataset

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def geo(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """`python -m geo …` in this process (the same main() the command runs; a subprocess per call
    would spend most of the test importing GeoPandas). One test below runs the real command."""

    def run(*args: str, url: str | None = None, env_url: str | None = None) -> Result:
        monkeypatch.delenv("CROSSINGS_DATABASE_URL", raising=False)
        if env_url:
            monkeypatch.setenv("CROSSINGS_DATABASE_URL", env_url)
        capsys.readouterr()
        code = main([*args, *(["--url", url] if url else [])])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def ok(result: Result) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def seeded(store_url: str, geo) -> str:
    ok(geo("db", "init", url=store_url))
    assert "as revision 1" in ok(geo("db", "seed", url=store_url))
    return store_url


def a_count(url: str) -> tuple[str, int]:
    crossings = load_dataset().layers["crossings"]
    row = crossings[crossings["count_high"].notna() & (crossings["count_confidence"] == "single-source")].iloc[0]
    return row["id"], int(row["count_high"])


def test_revise_history_and_a_stale_base(geo, seeded: str):
    fid, high = a_count(seeded)
    refused = geo("db", "revise", fid, "--set", f"count_high={high + 20}", "--reason", "r", "--author", "A", url=seeded)
    assert refused.returncode == 1 and "must cite a source" in refused.stderr
    done = ok(
        geo(
            "db", "revise", fid, "--set", f"count_high={high + 20}", "--source", "S5",
            "--reason", "TJWG update", "--author", "Researcher A", "--base", "1", url=seeded,
        )
    )  # fmt: skip
    assert "revision 2" in done and f"count_high: {high} -> {high + 20}" in done
    stale = geo("db", "revise", fid, "--set", "notes=late", "--reason", "r", "--author", "B", "--base", "1", url=seeded)
    assert stale.returncode == 1
    assert "changed after revision 1" in stale.stderr and "revision 2" in stale.stderr and "count_high" in stale.stderr
    history = json.loads(ok(geo("db", "history", fid, "--json", url=seeded)))
    assert [h["revision"] for h in history] == [1, 2]
    assert set(history[-1]) >= {"revision", "author", "time", "reason", "changes", "source_ids"}
    assert history[-1]["changes"] == {"count_high": {"old": high, "new": high + 20}}
    assert (history[-1]["author"], history[-1]["reason"], history[-1]["source_ids"]) == (
        "Researcher A",
        "TJWG update",
        ["S5"],
    )
    text = ok(geo("db", "history", fid, url=seeded))
    assert "TJWG update" in text and "Researcher A" in text


def test_an_invalid_value_is_refused_with_the_validation_reason(geo, seeded: str):
    fid, _ = a_count(seeded)
    refused = geo(
        "db", "revise", fid, "--set", "date_start=2023-13-01", "--source", "S5",
        "--reason", "r", "--author", "A", url=seeded,
    )  # fmt: skip
    assert refused.returncode == 1 and "month 13 does not exist" in refused.stderr
    assert json.loads(ok(geo("db", "history", fid, "--json", url=seeded)))[-1]["revision"] == 1


def test_the_url_comes_from_the_environment_too(geo, seeded: str):
    fid, _ = a_count(seeded)
    assert json.loads(ok(geo("db", "history", fid, "--json", env_url=seeded)))[0]["revision"] == 1


def test_publish_writes_a_release_that_validates(geo, seeded: str, tmp_path: Path):
    fid, high = a_count(seeded)
    ok(
        geo(
            "db",
            "revise",
            fid,
            "--set",
            f"count_low={high - 1}",
            "--source",
            "S5",
            "--reason",
            "r",
            "--author",
            "A",
            url=seeded,
        )
    )
    out = tmp_path / "release"
    assert "OK" in ok(geo("db", "publish", "--out", str(out), url=seeded))
    assert validation_report(out)["ok"]
    assert ok(geo("validate", "--data-dir", str(out))).rstrip().splitlines()[-1].startswith("OK")
    crossings = load_dataset(out).layers["crossings"].set_index("id")
    assert crossings.loc[fid, "count_low"] == high - 1


@pytest.mark.parametrize("fmt", ["csv", "geojson", "kml", "gpkg"])
def test_an_export_by_revision_reproduces_an_earlier_export_byte_for_byte(geo, seeded: str, tmp_path: Path, fmt: str):
    fid, high = a_count(seeded)
    first, again = tmp_path / "first", tmp_path / "again"
    first.mkdir()
    again.mkdir()
    ok(geo("export", "--format", fmt, "--out", str(first / f"all.{fmt}"), url=seeded))
    ok(
        geo(
            "db",
            "revise",
            fid,
            "--set",
            f"count_high={high + 5}",
            "--source",
            "S5",
            "--reason",
            "r",
            "--author",
            "A",
            url=seeded,
        )
    )
    ok(geo("export", "--format", fmt, "--revision", "1", "--out", str(again / f"all.{fmt}"), url=seeded))
    for name in (f"all.{fmt}", f"all.{fmt}.citation.json", f"all.{fmt}.citation.txt"):
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    citation = json.loads((first / f"all.{fmt}.citation.json").read_text(encoding="utf-8"))
    assert citation["dataset_revision"] == 1
    now = tmp_path / f"now.{fmt}"
    ok(geo("export", "--format", fmt, "--out", str(now), url=seeded))
    assert json.loads(Path(f"{now}.citation.json").read_text(encoding="utf-8"))["dataset_revision"] == 2
    assert now.read_bytes() != (first / f"all.{fmt}").read_bytes()


def test_each_exported_row_carries_its_revision(geo, seeded: str, tmp_path: Path):
    fid, high = a_count(seeded)
    ok(
        geo(
            "db",
            "revise",
            fid,
            "--set",
            f"count_high={high + 5}",
            "--source",
            "S5",
            "--reason",
            "r",
            "--author",
            "A",
            url=seeded,
        )
    )
    out = tmp_path / "all.geojson"
    ok(geo("export", "--format", "geojson", "--out", str(out), url=seeded))
    document = json.loads(out.read_text(encoding="utf-8"))
    revisions = {f["id"]: f["properties"]["revision"] for f in document["features"]}
    assert revisions[fid] == 2
    assert {r for i, r in revisions.items() if i != fid} == {1}
    assert document["crossings_citation"]["dataset_revision"] == 2


def test_the_real_command_refuses_a_stale_write_with_a_non_zero_exit(tmp_path: Path):
    env = {**os.environ, "CROSSINGS_DATABASE_URL": str(tmp_path / "store.sqlite")}

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "geo", "db", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )

    first = command(
        "revise", "ev-1986-protocol", "--set", "notes=checked", "--reason", "r", "--author", "A", "--base", "1"
    )
    assert first.returncode == 0, first.stderr  # the embedded file was created and seeded on first use
    stale = command(
        "revise", "ev-1986-protocol", "--set", "notes=other", "--reason", "r", "--author", "B", "--base", "1"
    )
    assert stale.returncode == 1
    assert "changed after revision 1" in stale.stderr and "revision 2" in stale.stderr


def test_set_reads_each_value_with_its_fields_type(geo, seeded: str):
    fid, _ = a_count(seeded)
    ok(
        geo(
            "db", "revise", fid, "--set", "geometry=POINT (129.8 42.9)", "--set", "count_low=null",
            "--set", "notes=2023", "--source", "S5", "--reason", "r", "--author", "A", url=seeded,
        )
    )  # fmt: skip
    changes = json.loads(ok(geo("db", "history", fid, "--json", url=seeded)))[-1]["changes"]
    assert changes["geometry"]["new"] == {"type": "Point", "coordinates": [129.8, 42.9]}
    assert changes["count_low"]["new"] is None
    assert changes["notes"]["new"] == "2023"  # text stays text, even when it looks like a number
    unreadable = geo(
        "db", "revise", fid, "--set", "geometry=POINT (", "--source", "S5", "--reason", "r", "--author", "A", url=seeded
    )
    assert unreadable.returncode == 1 and "geometry: cannot read" in unreadable.stderr
