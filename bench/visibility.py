"""How long the privacy choke point (geo.visibility.public_view) takes at 100,000 events.

    . scripts/gdal-env && .venv/bin/python -m bench.visibility [N]

Three cases: no record hidden (the function returns its input), 1 % restricted, and 1 % restricted
plus 1 % generalised. The app pays this once per dataset revision (cached per version), not per rerun.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

from bench.synthetic import synthetic_dataset
from geo.visibility import public_view


def timed(function, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def with_visibility(dataset, restricted_every: int, generalised_every: int | None):
    events = dataset.layers["events"].copy()
    values = ["public"] * len(events)
    for index in range(0, len(events), restricted_every):
        values[index] = "restricted"
    if generalised_every:
        for index in range(1, len(events), generalised_every):
            values[index] = "generalised"
    events["visibility"] = values
    return replace(dataset, layers={**dataset.layers, "events": events})


def main(n: int) -> None:
    dataset = synthetic_dataset(n)
    cases = {
        "nothing hidden": dataset,
        "1% restricted": with_visibility(dataset, 100, None),
        "1% restricted + 1% generalised": with_visibility(dataset, 100, 100),
    }
    print(f"public_view at {len(dataset.layers['events']):,} events (best of 3)")
    for label, case in cases.items():
        print(f"  {label:32} {timed(lambda case=case: public_view(case)) * 1000:8.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
