"""The store's benchmark (issue 14): reading, one claim's history, one write, on both backends.

    .venv/bin/python -m bench.store                  # 100,000 events, 100,000 revisions of one claim
    .venv/bin/python -m bench.store --events 10000 --revisions 10000 --repeats 3

Rows (medians; the ratios are to the published files, measured in the same run, interleaved):
  - read the current dataset: `geo.io.load_dataset` on a published data directory with N synthetic
    events vs `Store.read_dataset()` on the embedded SQLite file and on PostGIS holding the same rows;
  - one claim's history: the claim with R revisions, and another claim, in a store with R + N revisions;
  - one revision written (`Store.revise`, one transaction, validation included).
PostGIS runs in a throwaway cluster started here (geo/store/cluster.py) and removed afterwards.
Writes bench/results/store.md and bench/results/store.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bench.synthetic import write_data_dir
from geo.io import load_dataset
from geo.store import Store, open_store
from geo.store.cluster import as_store_url, create_database, throwaway_cluster
from geo.store.store import _dumps, _wkb, utc_stamp
from geo.store.tables import records, revisions, store_state

RESULTS = Path(__file__).resolve().parent / "results"


def timed(action: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def add_revisions(store: Store, fid: str, count: int) -> None:
    """`count` revisions of one claim, written in one transaction (as `revise` would write them, without
    its per-write checks: the point is a store that holds them, not how long it took to fill it)."""
    record = store.record(fid)
    assert record is not None
    with store._write() as (conn, current):
        stamp = utc_stamp()
        conn.execute(
            revisions.insert(),
            [
                {
                    "revision": current + i,
                    "created_at": stamp,
                    "author": "benchmark",
                    "reason": f"benchmark revision {i}",
                    "release": None,
                    "release_manifest": None,
                }
                for i in range(1, count + 1)
            ],
        )
        history = []
        for i in range(1, count + 1):
            properties = {**record.properties, "notes": f"benchmark note {i}"}
            history.append(
                {
                    "record_id": fid,
                    "revision": current + i,
                    "layer": record.layer,
                    "position": record.position,
                    "action": "change",
                    "changes": _dumps({"notes": {"old": f"benchmark note {i - 1}", "new": f"benchmark note {i}"}}),
                    "source_ids": "[]",
                    "properties": _dumps(properties),
                    "wkb": _wkb(record.geometry),
                    "retracted": False,
                    "changed_at": stamp,
                }
            )
        conn.execute(store._history_insert(), history)
        conn.execute(store._record_update(), [history[-1]])
        conn.execute(store_state.update().where(store_state.c.id == 1).values(revision=current + count))


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def run(events: int, revision_count: int, repeats: int, writes: int) -> dict:
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="crossings-bench-store-") as tmp, throwaway_cluster() as server:
        data = write_data_dir(events, Path(tmp) / "data")
        stores = {
            "sqlite": open_store(str(Path(tmp) / "store.sqlite"), data),
            "postgis": open_store(as_store_url(create_database(server, "bench")), data),
        }
        for name, store in stores.items():
            store.init()
            rows[f"seed {name}"] = {"seconds": round(timed(lambda s=store: s.seed(data)), 2)}
        load_dataset(data)  # warm the file cache and the imports for every reader alike
        reads: dict[str, list[float]] = {"files": [], "sqlite": [], "postgis": []}
        for _ in range(repeats):
            reads["files"].append(timed(lambda: load_dataset(data)))
            for name, store in stores.items():
                reads[name].append(timed(store.read_dataset))
        floor = statistics.median(reads["files"])
        for name, samples in reads.items():
            rows[f"read {name}"] = {
                "ms": median_ms(samples),
                "ratio_to_files": round(statistics.median(samples) / floor, 2),
            }
        crossings = load_dataset(data).layers["crossings"]
        hot, other = str(crossings["id"].iloc[0]), str(crossings["id"].iloc[1])
        for name, store in stores.items():
            add_revisions(store, hot, revision_count)
            hot_runs = [timed(lambda s=store: s.history(hot)) for _ in range(repeats * 3)]
            other_runs = [timed(lambda s=store: s.history(other)) for _ in range(repeats * 3)]
            rows[f"history of a claim with {revision_count} revisions, {name}"] = {
                "ms": median_ms(hot_runs),
                "entries": len(store.history(hot)),
            }
            rows[f"history of another claim, {name}"] = {"ms": median_ms(other_runs)}
            write_runs = []
            for i in range(writes):
                base = store.record(other).revision
                write_runs.append(
                    timed(
                        lambda s=store, i=i, base=base: s.revise(
                            other, {"notes": f"write {i}"}, author="benchmark", reason="benchmark write", base=base
                        )
                    )
                )
            rows[f"one revision written, {name}"] = {"ms": median_ms(write_runs), "writes": writes}
            with store.engine.connect() as conn:
                total = conn.execute(sa.select(sa.func.count()).select_from(revisions)).scalar_one()
                features = conn.execute(sa.select(sa.func.count()).select_from(records)).scalar_one()
            rows[f"store size, {name}"] = {"revisions": total, "records": features}
        for store in stores.values():
            store.close()
    return rows


def markdown(result: dict) -> str:
    lines = [
        f"# Store benchmark ({result['when']})",
        "",
        f"{result['events']:,} synthetic events; {result['revisions']:,} revisions of one claim; "
        f"medians of {result['repeats']} reads (interleaved with the files) and {result['writes']} writes. "
        f"Machine: {result['machine']}, load average {result['load']}.",
        "",
        "| row | figure |",
        "|---|---|",
    ]
    for name, values in result["rows"].items():
        figure = ", ".join(f"{k} {v}" for k, v in values.items())
        lines.append(f"| {name} | {figure} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--revisions", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--writes", type=int, default=20)
    args = parser.parse_args()
    rows = run(args.events, args.revisions, args.repeats, args.writes)
    result = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "events": args.events,
        "revisions": args.revisions,
        "repeats": args.repeats,
        "writes": args.writes,
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load": round(os.getloadavg()[0], 1),
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "store.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    (RESULTS / "store.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
