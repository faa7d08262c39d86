"""Batch reports: every scenario into ``reports/<name>/``, written atomically, faults isolated.

Each scenario gets ``report.txt`` (the terminal report) and ``results.json``; then
``reports/summary.csv`` has one row per scenario. A folder is first written under a temporary
name and renamed into place, so an interrupted run never leaves a half-written report.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

from .dimensions import DIMENSIONS
from .errors import ScenarioError
from .scenario import repo_path


def safe_name(text: str) -> str:
    """A folder name made only of ``[a-z0-9_-]`` from any text.

    >>> safe_name("../Etc/Passwd v2"), safe_name("..")
    ('etc-passwd-v2', 'scenario')
    """
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    return slug[:64] or "scenario"


def bundled_scenarios() -> list[Path]:
    return sorted(repo_path("data/scenarios").glob("*.yaml"))


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_dir(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``, replacing an older ``target`` with no moment of absence of both."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)


def report_one(file: Path, out: Path) -> dict:
    """Evaluate one scenario file into ``out/<name>/``; return its summary row."""
    from .engine import evaluate
    from .scenario import load_scenario

    name = safe_name(file.stem)
    row = {"scenario": name, "file": str(file), "status": "ok", "message": ""}
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=out))
    try:
        try:
            scenario = load_scenario(file)
            name = row["scenario"] = safe_name(scenario.name)
            report = evaluate(scenario)
        except ScenarioError as exc:
            row.update(status="failed", message=str(exc))
            (staging / "error.txt").write_text(str(exc) + "\n", encoding="utf-8")
        except Exception as exc:  # one failing scenario never stops the others
            row.update(status="failed", message=f"{exc.__class__.__name__}: {exc}")
            (staging / "error.txt").write_text(row["message"] + "\n", encoding="utf-8")
        else:
            (staging / "report.txt").write_text(report.to_text() + "\n", encoding="utf-8")
            (staging / "results.json").write_text(report.to_json() + "\n", encoding="utf-8")
            row.update(title=report.title, currency=report.currency, **report.totals,
                       **{f"{d}_per_day": v for d, v in report.by_dimension().items()},
                       warnings=len(report.warnings))
        replace_dir(staging, out / name)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return row


def run_reports(files: list[str] | None, out: Path) -> int:
    paths = [Path(f) for f in files] if files else bundled_scenarios()
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, path in enumerate(paths, 1):
        row = report_one(path, out)
        mark = "ok" if row["status"] == "ok" else "FAILED"
        print(f"[{i}/{len(paths)}] {row['scenario']}: {mark}", file=sys.stderr)
        if row["status"] != "ok":
            print("    " + row["message"].replace("\n", "\n    "), file=sys.stderr)
        rows.append(row)
    columns = ["scenario", "title", "status", "currency", "per_day", "per_month", "per_year", "per_1k_requests",
               *[f"{d}_per_day" for d in DIMENSIONS], "warnings", "file", "message"]
    summary = pd.DataFrame(rows).reindex(columns=columns)
    write_atomic(out / "summary.csv", summary.to_csv(index=False))
    failed = int((summary.status != "ok").sum())
    print(f"{len(rows) - failed} report(s) written to {out}/, {failed} failed; summary in {out / 'summary.csv'}",
          file=sys.stderr)
    return 1 if failed else 0
