"""Explorer: time from a control change to the redrawn panel (recompute + redraw), per scenario.

Each bundled scenario is loaded; a series of controls is moved (requests per day, cache hit rate,
profile, a model's precision and serving, utilisation, fusion strategy where there is one, day
rate); each change re-validates and re-evaluates the scenario and redraws the totals, chart,
sizing table and warnings. Target: under 200 ms per change on this 2-core machine. (The browser's
own rendering of the new widget values is not included.)

Run: .venv/bin/python benchmarks/explorer.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

from tco.batch import bundled_scenarios  # noqa: E402
from tco.explorer import Explorer  # noqa: E402


def changes(ex: Explorer):
    yield "requests/day x2", lambda: setattr(ex.requests, "value", ex.requests.value * 2)
    yield "cache hit rate", lambda: setattr(ex.cache, "value", min(0.9, ex.cache.value + 0.1))
    yield "profile flat", lambda: setattr(ex.profile, "value", "flat")
    m = ex.model_controls[0]
    yield "precision", lambda: setattr(m["precision"], "value", "fp16" if m["precision"].value != "fp16" else "bf16")
    yield "utilisation", lambda: setattr(m["utilization"], "value", 0.8)
    yield "serving: g6.xlarge", lambda: setattr(m["serving"], "value", ("cloud", "g6.xlarge"))
    if len(ex.strategy.options) > 1:
        yield "strategy", lambda: setattr(ex.strategy, "value", "ensemble" if ex.strategy.value != "ensemble" else "cascade")
    if not ex.day_rate.disabled:
        yield "day rate", lambda: setattr(ex.day_rate, "value", ex.day_rate.value * 1.1)


def main() -> int:
    rows, every = [], []
    for path in bundled_scenarios():
        start = time.perf_counter()
        ex = Explorer(path)
        load = (time.perf_counter() - start) * 1000
        times = []
        for _ in range(3):
            ex.reset()
            for name, change in changes(ex):
                start = time.perf_counter()
                change()
                times.append((time.perf_counter() - start) * 1000)
        every += times
        rows.append((path.stem, load, statistics.median(times), max(times)))
    print(f"{'scenario':<24} {'load ms':>9} {'change ms (median)':>19} {'worst':>8}")
    for name, load, med, worst in rows:
        print(f"{name:<24} {load:>9.1f} {med:>19.1f} {worst:>8.1f}")
    print(f"\nall {len(every)} changes: median {statistics.median(every):.1f} ms, worst {max(every):.1f} ms; "
          f"target 200 ms; ratio target / worst = {200 / max(every):.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
