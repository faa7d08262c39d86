"""Explorer: time from a control change to the redrawn panel (recompute + redraw), per scenario.

Each bundled scenario is loaded; a series of controls is moved (requests per day, cache hit rate,
profile, a model's precision and serving, utilisation, fusion strategy where there is one, day
rate); each change re-validates and re-evaluates the scenario and redraws the totals, chart,
sizing table and warnings, the band of the total (Monte Carlo over the scenario's ranges) and the
cost-against-traffic curve. Target: under 200 ms per change on this 2-core machine. (The browser's
own rendering of the new widget values is not included.) The last line times the band
(``BAND_SAMPLES`` samples) and the traffic curve alone, per scenario; target: under 1 s each.

Run: .venv/bin/python benchmarks/explorer.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

from tco.batch import bundled_scenarios  # noqa: E402
from tco.explorer import BAND_SAMPLES, Explorer, band, traffic_curve  # noqa: E402
from tco.ranges import restore  # noqa: E402
from tco.scenario import parse_scenario  # noqa: E402


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


def timed(f) -> float:
    """Milliseconds ``f()`` takes (best of three)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        f()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def main() -> int:
    rows, every, views = [], [], []
    for path in bundled_scenarios():
        start = time.perf_counter()
        ex = Explorer(path)
        load = (time.perf_counter() - start) * 1000
        ranged = parse_scenario(restore(ex.scenario_data(), ex.ranges))
        views.append((path.stem, len(ranged.ranges), timed(lambda: band(ranged)),
                      timed(lambda: traffic_curve(ex.scenario))))
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
    banded = [v for v in views if v[1]]
    print(f"band of the total ({BAND_SAMPLES:,} samples; {len(banded)} scenarios with ranges): worst "
          f"{max(v[2] for v in banded):.1f} ms ({max(banded, key=lambda v: v[2])[0]}); traffic curve: worst "
          f"{max(v[3] for v in views):.1f} ms ({max(views, key=lambda v: v[3])[0]}); target 1,000 ms each")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
