"""Monte Carlo speed: 100,000 samples of each bundled scenario, vectorised against a loop over evaluate.

For each bundled scenario: its own ranges, or, for a scenario written with point values only, a
standard set (traffic lognormal 0.6x-1.6x, every self-hosted model's mfu and mbu triangular
x0.8-x1.25 of the catalog default, utilisation target 0.6-0.8). Prints the time of
``tco.uncertainty.monte_carlo`` for N samples (median of --repeat runs after a warm-up), the time
per sample of a Python loop that costs the same samples one by one with ``evaluate`` (on --loop
samples, the cheapest possible loop: no YAML, no validation), and the ratio.
Targets: 100,000 samples in under 1 s; at least 50x faster than the loop.
Run: .venv/bin/python benchmarks/uncertainty.py [--samples N] [--loop N] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

from tco import ScenarioError, evaluate, load_catalog, load_scenario  # noqa: E402
from tco import uncertainty as unc  # noqa: E402
from tco.batch import bundled_scenarios  # noqa: E402
from tco.ranges import substitute  # noqa: E402
from tco.scenario import scenario_to_dict  # noqa: E402

#: Time of 100,000 samples of one scenario [s]
TARGET_S = 1.0


def _accelerator(model, catalog) -> str:
    """The accelerator a self-hosted model is served on (its instance's, on a cloud instance)."""
    s = model.serving
    if s.deployment == "cloud" and s.instance is not None:
        return str(catalog.row("instance_types", s.instance).accelerator)
    return s.accelerator


def standard_ranges(scenario, catalog) -> dict:
    """Ranges for a scenario written with point values only (see the module docstring)."""
    data = scenario_to_dict(scenario)
    q = float(scenario.traffic.requests_per_day)
    ranges = {"traffic.requests_per_day": {"p5": 0.6 * q, "p95": q / 0.6, "dist": "lognormal"}}
    for i, m in enumerate(scenario.models):
        if m.serving.deployment == "api" or m.throughput_rps is not None:
            continue
        family = catalog.row("accelerators", _accelerator(m, catalog))["family"]
        eff, _ = catalog.efficiency_for(m.kind, family)
        for factor in ("mfu", "mbu"):
            point = float(getattr(m, factor) or eff[factor])
            ranges[f"models[{i}].{factor}"] = {"low": point * 0.8, "mode": point, "high": min(1.0, point * 1.25)}
        ranges[f"models[{i}].serving.utilization_target"] = {"low": 0.6, "mode": 0.7, "high": 0.8}
    for path in ranges:  # keys the file left to defaults must exist before they can be replaced
        node = data
        *parents, leaf = path.replace("]", "").replace("[", ".").split(".")
        for key in parents:
            node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
        node.setdefault(leaf, 0)
    return load_scenario(substitute(data, ranges), catalog)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--loop", type=int, default=100, help="samples costed one by one for the loop timing")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    catalog = load_catalog()
    rows = []
    for path in bundled_scenarios():
        scenario = load_scenario(path, catalog)
        own = bool(scenario.ranges)
        if not own:
            scenario = standard_ranges(scenario, catalog)
        unc.monte_carlo(scenario, 1000, catalog=catalog)  # warm-up (imports, caches)
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            unc.monte_carlo(scenario, args.samples, catalog=catalog)
            runs.append(time.perf_counter() - start)
        vector = statistics.median(runs)
        values = unc.draw(scenario, args.loop)
        start = time.perf_counter()
        for k in range(args.loop):
            try:
                evaluate(unc.with_values(scenario, {p: float(v[k]) for p, v in values.items()}), catalog,
                         compare=False)
            except ScenarioError:  # a sample that misses its latency objective (the vectorised run counts it)
                pass
        per_sample_loop = (time.perf_counter() - start) / args.loop
        per_sample_vector = vector / args.samples
        rows.append((path.stem, "own" if own else "standard", len(scenario.ranges), vector, per_sample_loop * 1e3,
                     per_sample_loop / per_sample_vector))
    print(f"{'scenario':<22} {'ranges':>13} {args.samples:>9,} samples s {'loop ms/sample':>15} {'vectorised x':>13}")
    for name, kind, n, vector, loop_ms, ratio in rows:
        flags = ("" if vector < TARGET_S else f"  > {TARGET_S:g} s target") + ("" if ratio >= 50 else "  < 50x target")
        print(f"{name:<22} {kind:>8} ({n:>2}) {vector:>17.2f} {loop_ms:>15.2f} {ratio:>13,.0f}{flags}")
    print(f"\nslowest {max(r[3] for r in rows):.2f} s for {args.samples:,} samples (target {TARGET_S:g} s); "
          f"smallest speed-up {min(r[5] for r in rows):,.0f}x over the loop (target 50x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
