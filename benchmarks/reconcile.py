"""Reconciling a 5-million-row FOCUS bill: time and peak memory (issue 18 target: < 20 s, < 1 GB).

It generates a synthetic bill of search-rerank-l4 (tco.billgen: price x1.1, usage x0.8, 5%
unmapped) in a temporary folder, as Parquet and as CSV.gz, then reconciles each in a fresh child
process (`python -m tco reconcile ... --json`) and reports the wall time and the child's peak
resident memory (ru_maxrss of the finished child: the whole process, Python, DuckDB and the
scenario's evaluation included; tracemalloc would miss DuckDB's own allocations). It also checks
that the multipliers came back.

Run: .venv/bin/python benchmarks/reconcile.py [--rows 5000000] [--formats parquet,csv.gz]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "data" / "scenarios" / "search-rerank-l4.yaml"


def child_peak_mb(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stdout of ``python -m tco ARGS`` in a child process, waited for
    with os.wait4 so that the rusage is this child's alone."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tco", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=ROOT)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"tco {args[0]} failed: {err.decode(errors='replace').strip()}")
    return wall, usage.ru_maxrss / 1024, out.decode()  # ru_maxrss is in KiB on Linux


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--formats", default="parquet,csv.gz")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores; rows asked {args.rows:,}, {args.days} days")
    with tempfile.TemporaryDirectory(prefix="tco-reconcile-") as folder:
        for fmt in args.formats.split(","):
            bill = Path(folder) / f"bill.{fmt}"
            wall, peak, out = child_peak_mb(["generate-bill", str(SCENARIO), "--out", str(bill), "--rows",
                                             str(args.rows), "--days", str(args.days)])
            size = bill.stat().st_size / 1e6
            print(f"{fmt:8s} generate: {wall:6.2f} s, peak {peak:7.1f} MB; {out.strip().split(': ', 1)[1]}; "
                  f"{size:,.1f} MB on disk")
            wall, peak, out = child_peak_mb(["reconcile", str(SCENARIO), str(bill), "--json"])
            data = json.loads(out)
            serving = next(r for r in data["implied"] if r["kind"] == "inference serving")
            verdict = "ok" if wall < 20 and peak < 1024 else "OVER TARGET"
            print(f"{fmt:8s} reconcile: {wall:6.2f} s, peak {peak:7.1f} MB ({verdict}: target < 20 s, < 1,024 MB); "
                  f"recovered price x{serving['price_ratio']:.4f}, usage x{serving['quantity_ratio']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
