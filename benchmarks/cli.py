"""Command-line start-up: `python -m tco --help` and `python -m tco evaluate FILE` as whole processes.

Each command runs as a new Python process --repeat times (after one untimed run that warms the
file cache); the median wall time is printed against its target (--help under 0.3 s, evaluate of
a bundled scenario under 0.8 s), with the ratio target / median (above 1: within target).
The interpreter's own start-up (`python -c pass`) is printed too, as the floor nothing can beat.
Bytecode caching is on for every run, as in an ordinary install, even where the calling shell sets
PYTHONDONTWRITEBYTECODE (compiling the workbook's modules afresh would add about 50 ms a run).

Run: .venv/bin/python benchmarks/cli.py [--repeat N] [--scenario FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Whole-process targets [s]
HELP_TARGET_S = 0.3
EVALUATE_TARGET_S = 0.8


def median_wall(cmd: list[str], repeat: int) -> float:
    """Median wall time of ``repeat`` runs of ``cmd`` [s] (one warm-up run first, not timed)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "lib"), os.environ.get("PYTHONPATH")]))
    run = lambda: subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)  # noqa: E731
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scenario", default=None, help="scenario for evaluate (default: every bundled one)")
    args = parser.parse_args()
    scenarios = [Path(args.scenario)] if args.scenario else sorted((ROOT / "data" / "scenarios").glob("*.yaml"))
    py = sys.executable
    rows = [("python -c pass (interpreter floor)", median_wall([py, "-c", "pass"], args.repeat), None),
            ("python -m tco --help", median_wall([py, "-m", "tco", "--help"], args.repeat), HELP_TARGET_S)]
    for sc in scenarios:
        rows.append((f"python -m tco evaluate {sc.name}",
                     median_wall([py, "-m", "tco", "evaluate", str(sc)], args.repeat), EVALUATE_TARGET_S))
    print(f"{'command':<58} {'median s':>9} {'target s':>9} {'target/median':>14}")
    for name, med, target in rows:
        if target is None:
            print(f"{name:<58} {med:>9.3f}")
            continue
        flag = "" if med < target else "  over target"
        print(f"{name:<58} {med:>9.3f} {target:>9.2f} {target / med:>14.2f}{flag}")
    over = [r for r in rows if r[2] is not None and r[1] >= r[2]]
    print(f"\n{len(rows) - 1 - len(over)} of {len(rows) - 1} commands within target (median of {args.repeat} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
