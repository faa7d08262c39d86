"""Batch reports: every scenario's chapters executed, converted to HTML, indexed and summarised.

``python -m tco report [SCENARIO ...] [--out reports/] [--jobs N] [--chapters ...]`` writes, for each
scenario, ``reports/<name>/`` with the executed chapter notebooks, their HTML (no code cells; a
banner with title, scenario, run date, library version and catalog dates on every page) and
``results.json``; then ``reports/index.html``, ``reports/summary.csv`` and ``reports/summary.xlsx``.

Speed: the chapters run through papermill with one long-lived kernel per worker thread (kernel
start and imports are paid once per worker, not once per notebook) and one HTML exporter; the
scenarios are spread over ``--jobs`` workers.

Faults: a scenario that fails keeps its failed notebook (error visible in the notebook and its
HTML), is listed as failed in the index with its message, and the command exits 1; the other
scenarios are not affected. Each scenario folder is written under a temporary name and renamed
into place, so an interrupted run never leaves a report that looks complete.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__
from .dimensions import DIMENSIONS, LABELS
from .errors import ScenarioError
from .files import replace_dir, safe_name, write_atomic
from .scenario import repo_path

CHAPTER_FILES = ["01-data-cost", "02-storage-cost", "03-compute-cost", "04-staff-cost", "05-fusion-cost",
                 "06-summary"]
CHAPTER_TITLES = {
    "01-data-cost": LABELS["data"], "02-storage-cost": LABELS["storage"], "03-compute-cost": LABELS["compute"],
    "04-staff-cost": LABELS["staff"], "05-fusion-cost": LABELS["fusion"], "06-summary": "Summary / 总结",
}


def bundled_scenarios() -> list[Path]:
    return sorted(repo_path("data/scenarios").glob("*.yaml"))


# ------------------------------------------------------------------------------------------
# Workers: one kernel each, reused for every chapter they run
# ------------------------------------------------------------------------------------------
@dataclass
class Timings:
    """Where the time goes (seconds, summed over workers)."""

    kernel_start: float = 0.0
    execution: float = 0.0
    html: float = 0.0
    evaluate: float = 0.0
    notebooks: int = 0

    def add(self, other: "Timings") -> None:
        for name in ("kernel_start", "execution", "html", "evaluate", "notebooks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class _Worker:
    """A kernel kept alive across notebooks, and an HTML exporter."""

    def __init__(self):
        self.km = None
        self.exporter = None

    def kernel(self, timings: Timings):
        from jupyter_client.manager import KernelManager

        if self.km is None or not self.km.is_alive():
            start = time.perf_counter()
            self.km = KernelManager(kernel_name="python3")
            env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="module://matplotlib_inline.backend_inline")
            self.km.start_kernel(cwd=str(repo_path("")), env=env, extra_arguments=["--HistoryManager.enabled=False"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            client = self.km.client()
            client.start_channels()
            client.wait_for_ready(timeout=120)
            # warm the imports every chapter needs, once per kernel
            client.execute_interactive("import pandas, numpy, seaborn, matplotlib.pyplot\nfrom tco import chapters, plots",
                                       timeout=300)
            client.stop_channels()
            timings.kernel_start += time.perf_counter() - start
        else:  # a clean namespace for the next notebook, imports stay cached
            client = self.km.client()
            client.start_channels()
            client.execute_interactive("%reset -f", timeout=60)
            client.stop_channels()
        return self.km

    def html_exporter(self):
        if self.exporter is None:
            from nbconvert import HTMLExporter

            self.exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
        return self.exporter

    def close(self):
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:
                pass
            self.km = None


_local = threading.local()
_workers: list[_Worker] = []
_workers_lock = threading.Lock()


def _worker() -> _Worker:
    w = getattr(_local, "worker", None)
    if w is None:
        w = _local.worker = _Worker()
        with _workers_lock:
            _workers.append(w)
    return w


def _close_workers() -> None:
    with _workers_lock:
        for w in _workers:
            w.close()
        _workers.clear()


# ------------------------------------------------------------------------------------------
# One scenario
# ------------------------------------------------------------------------------------------
def banner(title: str, scenario: str, chapter: str, run_date: str, catalog_dates: str) -> str:
    """The header every report page carries (all text escaped)."""
    e = html.escape
    return (
        '<div class="tco-banner" style="font-family:sans-serif;border-bottom:2px solid #444;padding:8px 16px;'
        'margin-bottom:12px;background:#f5f5f5">'
        f'<div style="font-size:1.25em;font-weight:bold">{e(title)}</div>'
        f'<div>Chapter: {e(CHAPTER_TITLES.get(chapter, chapter))} · Scenario: <code>{e(scenario)}</code> · '
        f'Report run: {e(run_date)} · tco {e(__version__)} · Catalog figures dated {e(catalog_dates)} · '
        '<a href="../index.html">all scenarios</a> · <a href="06-summary.html">summary</a></div></div>'
    )


def _insert_banner(page: str, block: str) -> str:
    match = re.search(r"<body[^>]*>", page)
    if not match:
        return block + page
    return page[:match.end()] + block + page[match.end():]


@dataclass
class ScenarioResult:
    name: str
    file: str
    status: str = "ok"
    message: str = ""
    title: str = ""
    row: dict = field(default_factory=dict)
    chapters: dict = field(default_factory=dict)  # chapter -> "ok" | "failed"
    timings: Timings = field(default_factory=Timings)


def report_scenario(file: Path, out: Path, chapters: list[str], run_date: str, on_chapter=None) -> ScenarioResult:
    """Evaluate ``file`` and run its chapters into ``out/<name>/`` (atomically)."""
    import papermill as pm

    from .engine import evaluate
    from .scenario import load_scenario

    res = ScenarioResult(safe_name(file.stem), str(file))
    timings = res.timings
    staging = Path(tempfile.mkdtemp(prefix=f".{res.name}.", dir=out))
    try:
        start = time.perf_counter()
        report = None
        try:
            scenario = load_scenario(file)
            res.name = safe_name(scenario.name)
            report = evaluate(scenario)
            res.title = report.title
        except ScenarioError as exc:
            res.status, res.message = "failed", str(exc)
        except Exception as exc:  # one failing scenario never stops the others
            res.status, res.message = "failed", f"{exc.__class__.__name__}: {exc}"
        timings.evaluate += time.perf_counter() - start
        if report is not None:
            write_atomic(staging / "results.json", report.to_json() + "\n")
            dates = report.sources.as_of.astype(str)
            catalog_dates = f"{dates.min()} to {dates.max()}" if len(dates) else "(none used)"
            res.row = {"title": report.title, "currency": report.currency, **report.totals,
                       **{f"{d}_per_day": v for d, v in report.by_dimension().items()},
                       "warnings": len(report.warnings)}
            if scenario.ranges:  # the same samples as the summary chapter (its default samples and seed)
                from .uncertainty import monte_carlo

                p = monte_carlo(scenario).percentiles().loc["total per day"]
                res.row.update(per_day_p5=p["P5"], per_day_p50=p["P50"], per_day_p95=p["P95"])
        else:
            catalog_dates = "(not evaluated)"
        worker = _worker()
        for chapter in chapters:
            out_nb = staging / f"{chapter}.ipynb"
            start = time.perf_counter()
            failed = ""
            try:
                km = worker.kernel(timings)
                start = time.perf_counter()
                pm.execute_notebook(
                    str(repo_path(f"notebooks/{chapter}.ipynb")), str(out_nb), kernel_name="python3", km=km,
                    parameters={"scenario": str(Path(file).resolve()),
                                "results_path": str(staging / "chapters" / f"{chapter}.json")},
                    progress_bar=False, log_output=False, request_save_on_cell_execute=False)
            except pm.PapermillExecutionError as exc:
                failed = f"{exc.ename}: {exc.evalue}"
            except Exception as exc:
                failed = f"{exc.__class__.__name__}: {exc}"
                worker.close()
            timings.execution += time.perf_counter() - start
            timings.notebooks += 1
            res.chapters[chapter] = "failed" if failed else "ok"
            if failed and res.status == "ok":
                res.status, res.message = "failed", f"{chapter}: {failed}"
            start = time.perf_counter()
            if out_nb.exists():
                import nbformat

                nb = nbformat.read(out_nb, as_version=4)
                body, _ = worker.html_exporter().from_notebook_node(
                    nb, resources={"metadata": {"name": f"{res.title or res.name}: {CHAPTER_TITLES[chapter]}"}})
                page = _insert_banner(body, banner(res.title or res.name, res.name, chapter, run_date, catalog_dates))
                write_atomic(staging / f"{chapter}.html", page)
            timings.html += time.perf_counter() - start
            if on_chapter is not None:
                on_chapter(1)
            if failed and report is None:
                break  # the scenario is invalid: the first chapter shows why, the others would repeat it
        if res.status != "ok":
            write_atomic(staging / "error.txt", res.message + "\n")
        replace_dir(staging, out / res.name)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return res


# ------------------------------------------------------------------------------------------
# All scenarios: summary, index
# ------------------------------------------------------------------------------------------
SUMMARY_COLUMNS = ["scenario", "title", "status", "currency", "per_day", "per_day_p5", "per_day_p50", "per_day_p95",
                   "per_month", "per_year", "per_1k_requests", *[f"{d}_per_day" for d in DIMENSIONS], "warnings",
                   "file", "message"]


def _summary_frame(results: list[ScenarioResult]) -> pd.DataFrame:
    rows = [{"scenario": r.name, "status": r.status, "file": r.file, "message": r.message, **r.row}
            for r in results]
    return pd.DataFrame(rows).reindex(columns=SUMMARY_COLUMNS)


def _chart_png(summary: pd.DataFrame) -> str:
    """Cost per 1,000 requests per scenario (log scale) and each scenario's split into the five
    dimensions (shares), as a base64 PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .plots import ENGLISH, PALETTE

    ok = summary[summary.status == "ok"].reset_index(drop=True)
    height = 0.45 * max(len(ok), 2) + 1.6
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, height), sharey=True,
                                      gridspec_kw={"width_ratios": [1, 1.2]})
    left.barh(ok.scenario, ok.per_1k_requests, color="0.35")
    if len(ok) and ok.per_1k_requests.max() / max(ok.per_1k_requests.min(), 1e-12) > 100:
        left.set_xscale("log")
    left.set_xlabel("cost per 1,000 requests (scenario currency)")
    left.invert_yaxis()
    start = pd.Series(0.0, index=ok.index)
    for d in DIMENSIONS:
        share = ok[f"{d}_per_day"] / ok.per_day * 100
        right.barh(ok.scenario, share, left=start, color=PALETTE[d], label=ENGLISH[d])
        start += share
    right.set_xlabel("share of the daily cost (%)")
    right.set_xlim(0, 100)
    right.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle("Cost per 1,000 requests, and where it goes")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def index_html(results: list[ScenarioResult], summary: pd.DataFrame, chapters: list[str], run_date: str) -> str:
    """The report set's front page: comparison table, chart and links (all text escaped)."""
    e = html.escape
    rows = []
    for r, s in zip(results, summary.to_dict(orient="records")):
        links = " ".join(
            f'<a href="{e(r.name)}/{c}.html" class="{"failed" if r.chapters.get(c) == "failed" else ""}">{c[:2]}</a>'
            for c in chapters if c in r.chapters)
        if r.status == "ok":
            cur = s["currency"]
            spread = (f'<br><small>P5-P95 {s["per_day_p5"]:,.0f}-{s["per_day_p95"]:,.0f}</small>'
                      if pd.notna(s.get("per_day_p5")) else "")
            cells = (f'<td class="num">{s["per_day"]:,.2f}{spread}</td><td class="num">{s["per_month"]:,.0f}</td>'
                     f'<td class="num">{s["per_year"]:,.0f}</td><td class="num">{s["per_1k_requests"]:,.4f}</td>'
                     + "".join(f'<td class="num">{s[f"{d}_per_day"]:,.2f}</td>' for d in DIMENSIONS)
                     + f'<td>{e(str(cur))}</td><td class="num">{int(s["warnings"])}</td>')
            status = "ok"
        else:
            cells = f'<td colspan="{10 + len(DIMENSIONS) - 4}" class="error"><pre>{e(r.message)}</pre></td>'
            status = '<span class="error">failed</span>'
        title = e(r.title or r.name)
        first = f'<a href="{e(r.name)}/06-summary.html">{title}</a>' if "06-summary" in r.chapters else title
        rows.append(f"<tr><td>{first}<br><code>{e(r.name)}</code></td><td>{status}</td>{cells}<td>{links}</td></tr>")
    chart = _chart_png(summary) if (summary.status == "ok").any() else ""
    failed = int((summary.status != "ok").sum())
    dims = "".join(f"<th>{e(LABELS[d])}<br>/day</th>" for d in DIMENSIONS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>AI deployment cost reports</title>
<style>
body {{ font-family: sans-serif; margin: 24px; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }}
th {{ background: #eee; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.error {{ color: #b00; }}
a.failed {{ color: #b00; }}
pre {{ white-space: pre-wrap; margin: 0; }}
</style></head><body>
<h1>AI deployment cost reports / AI大模型部署成本报告</h1>
<p>Report run {e(run_date)} · tco {e(__version__)} · {len(results)} scenario(s), {failed} failed.
Totals per day, month, year and per 1,000 requests, and the five dimensions per day, in each scenario's currency.
A scenario with ranges also shows the P5-P95 of its daily total (Monte Carlo, as in its summary chapter).
Chapter links: 01 data, 02 model storage, 03 compute, 04 staff, 05 fusion, 06 summary.</p>
<table id="comparison">
<thead><tr><th>Scenario</th><th>Status</th><th>per day</th><th>per month</th><th>per year</th><th>per 1,000 requests</th>
{dims}<th>currency</th><th>warnings</th><th>chapters</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
{f'<h2>Cost per 1,000 requests</h2><img id="chart" alt="cost per 1,000 requests by dimension" src="data:image/png;base64,{chart}">' if chart else ''}
<p>Also: <a href="summary.csv">summary.csv</a> · <a href="summary.xlsx">summary.xlsx</a></p>
</body></html>
"""


def run_reports(files: list[str] | None, out: Path, jobs: int | None = None, chapters: list[str] | None = None,
                progress: bool = True, timings: Timings | None = None) -> int:
    """Report every scenario in ``files`` (default: the bundled ones) into ``out``; exit status."""
    from tqdm import tqdm

    paths = [Path(f) for f in files] if files else bundled_scenarios()
    chapters = chapters or list(CHAPTER_FILES)
    unknown = [c for c in chapters if c not in CHAPTER_FILES]
    if unknown:
        raise ScenarioError([("--chapters", f"unknown chapter(s) {', '.join(unknown)}; known: {', '.join(CHAPTER_FILES)}")])
    out.mkdir(parents=True, exist_ok=True)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(paths) or 1))
    run_date = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    results: dict[int, ScenarioResult] = {}
    bar = tqdm(total=len(paths) * len(chapters), unit="chapter", disable=not progress, file=sys.stderr,
               desc="reports")
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(report_scenario, p, out, chapters, run_date, bar.update): i
                       for i, p in enumerate(paths)}
            for future in as_completed(futures):
                i = futures[future]
                try:
                    res = future.result()
                except Exception as exc:  # the runner itself failed for this scenario
                    res = ScenarioResult(safe_name(paths[i].stem), str(paths[i]), "failed",
                                         f"{exc.__class__.__name__}: {exc}")
                results[i] = res
                bar.update(len(chapters) - sum(1 for _ in res.chapters))  # chapters skipped after a failure
                if res.status != "ok":
                    tqdm.write(f"{res.name}: FAILED\n    " + res.message.replace("\n", "\n    "), file=sys.stderr)
    finally:
        bar.close()
        _close_workers()
    ordered = [results[i] for i in range(len(paths))]
    names = defaultdict(int)
    for r in ordered:
        names[r.name] += 1
    summary = _summary_frame(ordered)
    write_atomic(out / "summary.csv", summary.to_csv(index=False))
    buf = io.BytesIO()
    summary.to_excel(buf, index=False, sheet_name="summary")
    write_atomic(out / "summary.xlsx", buf.getvalue())
    write_atomic(out / "index.html", index_html(ordered, summary, chapters, run_date))
    if timings is not None:
        for r in ordered:
            timings.add(r.timings)
    failed = int((summary.status != "ok").sum())
    dupes = sorted(n for n, c in names.items() if c > 1)
    if dupes:
        print(f"warning: several files share the scenario name(s) {', '.join(dupes)}; the last one written wins",
              file=sys.stderr)
    print(f"{len(ordered) - failed} scenario report(s) written to {out}/ ({out / 'index.html'}), {failed} failed",
          file=sys.stderr)
    return 1 if failed else 0
