"""Time of tco.evaluate() per bundled scenario (target: a median under 5 ms each on a 2-core machine).

Prints a table: scenario, median and best time of evaluate() with the hosted-API and fusion
comparisons (the default), the same without them, and the load+validate time of the YAML file.
Run: .venv/bin/python benchmarks/engine.py [--repeat N]
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

#: Median time of one evaluate() with the comparisons, per scenario [ms]
TARGET_MS = 5.0


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000.0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    catalog = load_catalog()
    rows = []
    for path in bundled_scenarios():
        scenario = load_scenario(path, catalog)
        evaluate(scenario, catalog)  # warm caches
        full = timed(lambda: evaluate(scenario, catalog), args.repeat)
        core = timed(lambda: evaluate(scenario, catalog, compare=False), args.repeat)
        load = timed(lambda: load_scenario(path, catalog), args.repeat)
        rows.append((path.stem, statistics.median(full), min(full), statistics.median(core), statistics.median(load)))
    print(f"{'scenario':<24} {'evaluate ms (median)':>21} {'best':>7} {'no comparisons':>15} {'load+validate':>14}")
    for name, med, best, core, load in rows:
        flag = "" if med < TARGET_MS else f"  > {TARGET_MS:g} ms target"
        print(f"{name:<24} {med:>21.2f} {best:>7.2f} {core:>15.2f} {load:>14.2f}{flag}")
    worst = max(r[1] for r in rows)
    print(f"\nslowest median {worst:.2f} ms; target {TARGET_MS:g} ms; ratio target/slowest = {TARGET_MS / worst:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
