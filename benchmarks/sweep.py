"""Time of a 1,000-point sweep per bundled scenario (target: under 5 s each on a 2-core machine).

The sweep varies the daily traffic over 1,000 geometrically spaced values (1/100 to 10 times the
scenario's own) and, where a model names an API alternative, costs the same grid with it on the
API too: the grid goes through the engine as arrays, in one pass per option
(:func:`tco.sweep.sweep`). Also printed: the same 1,000 points costed one evaluate() at a time
on a sample of 20 points, scaled to 1,000, and the ratio of the two.

Run: .venv/bin/python benchmarks/sweep.py [--points N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

from tco import evaluate, load_catalog, load_scenario  # noqa: E402
from tco.batch import bundled_scenarios  # noqa: E402
from tco.sweep import parse_axis, sweep  # noqa: E402
from tco.variants import edit  # noqa: E402

TARGET_S = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    catalog = load_catalog()
    print(f"{'scenario':28s} {'points':>7s} {'sweep s (median)':>17s} {'one at a time s':>16s} {'ratio':>6s}")
    slowest = 0.0
    for path in bundled_scenarios():
        scenario = load_scenario(path, catalog)
        q = float(scenario.traffic.requests_per_day)
        axis = parse_axis(f"traffic.requests_per_day={q / 100:g}:{q * 10:g}:{args.points}:log")
        times, table = [], None
        for _ in range(args.repeat):
            start = time.perf_counter()
            table = sweep(scenario, [axis], catalog)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        slowest = max(slowest, median)
        sample = axis.values[:: max(1, len(axis.values) // 20)][:20]
        start = time.perf_counter()
        for value in sample:
            v = edit(scenario, lambda d, s, value=value: d["traffic"].__setitem__("requests_per_day", value) or "q",
                     catalog=catalog)
            evaluate(v.scenario, catalog, compare=False)
        loop = (time.perf_counter() - start) / len(sample) * len(axis.values) * (table.option.nunique())
        print(f"{path.stem:28s} {len(table):7,d} {median:17.2f} {loop:16.2f} {loop / median:6.1f}x")
    print(f"\nslowest median {slowest:.2f} s; target {TARGET_S:g} s; ratio target/slowest = {TARGET_S / slowest:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
