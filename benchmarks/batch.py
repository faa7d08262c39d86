"""Batch reports: `python -m tco report` against the naive way, on the same machine, same run.

The naive way runs, for every bundled scenario and chapter, one after another:
    papermill NB out.ipynb -p scenario FILE      (a new process and a new kernel per notebook)
    jupyter nbconvert --to html --no-input out.ipynb
The workbook's way is one `python -m tco report` (a kernel per worker reused across chapters,
imports paid once per kernel, one in-process HTML exporter, scenarios spread over the cores).
It prints both wall times, the ratio (target: at least 3x), where the fast run spends its time,
and checks that both produced the same chapter outputs.

Run: .venv/bin/python benchmarks/batch.py [--scenarios N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHAPTERS = ["01-data-cost", "02-storage-cost", "03-compute-cost", "04-staff-cost", "05-fusion-cost", "06-summary"]


def outputs(path: Path) -> list[str]:
    """The text a reader sees in an executed notebook (plain text, Markdown and HTML of outputs)."""
    nb = nbformat.read(path, as_version=4)
    seen = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            seen.append(o.get("text", "") + data.get("text/plain", "") + data.get("text/markdown", "")
                        + data.get("text/html", ""))
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=0, help="use only the first N bundled scenarios")
    args = parser.parse_args()
    scenarios = sorted((ROOT / "data" / "scenarios").glob("*.yaml"))
    if args.scenarios:
        scenarios = scenarios[:args.scenarios]
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        for sc in scenarios:
            out = tmp / "naive" / sc.stem
            out.mkdir(parents=True)
            for ch in CHAPTERS:
                nb = out / f"{ch}.ipynb"
                subprocess.run([str(BIN / "papermill"), str(ROOT / "notebooks" / f"{ch}.ipynb"), str(nb),
                                "-p", "scenario", str(sc)], **quiet)
                subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)], **quiet)
        naive = time.perf_counter() - start

        start = time.perf_counter()
        fast_run = subprocess.run([sys.executable, "-m", "tco", "report", *map(str, scenarios), "--out",
                                   str(tmp / "fast"), "--no-progress", "--timings"], cwd=ROOT, capture_output=True,
                                  text=True, check=True)
        fast = time.perf_counter() - start

        same = all(outputs(tmp / "naive" / sc.stem / f"{ch}.ipynb") == outputs(tmp / "fast" / sc.stem / f"{ch}.ipynb")
                   for sc in scenarios for ch in CHAPTERS)
        pages = all((tmp / "fast" / sc.stem / f"{ch}.html").exists() for sc in scenarios for ch in CHAPTERS)

    n = len(scenarios) * len(CHAPTERS)
    print(f"{len(scenarios)} scenarios x {len(CHAPTERS)} chapters = {n} notebooks")
    print(f"naive (papermill CLI + nbconvert CLI, serial): {naive:8.1f} s  ({naive / n:.2f} s per notebook)")
    print(f"tco report (shared kernels, parallel):         {fast:8.1f} s  ({fast / n:.2f} s per notebook)")
    print(f"ratio naive / tco report: {naive / fast:.1f}x (target >= 3x)")
    print(f"same chapter outputs in both runs: {same}; every HTML page written: {pages}")
    print(next((line for line in fast_run.stderr.splitlines() if line.startswith("timings")), ""))
    return 0 if same and pages else 1


if __name__ == "__main__":
    raise SystemExit(main())
