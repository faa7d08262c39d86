"""A report set's front page: the scenario folders read back, summary table, index.html, chart, warnings pages.

A report set is every scenario folder in ``--out``, written by this run or by earlier ones. Each
folder carries ``report.json`` (:func:`metadata`, written by :mod:`tco.batch`: name, title, scenario
file, status, message, run date of each chapter, summary row, warnings with their kind), so the index,
``summary.csv`` and ``summary.xlsx`` are rebuilt from all folders (:func:`read_folders`) and a re-run
with other scenarios or chapters never drops what is already there. Folders of older versions (no
``report.json``) are read from ``results.json`` and their pages' banners, or listed as "unknown".

A report set has one reporting currency (:func:`choose_currency`: the most common among its
scenarios unless ``--currency`` names one): every figure is converted with the catalog's ``fx.csv``,
the index names the rates with their source and date, and each scenario's own currency and daily
total stay beside. The chart's axis is linear; one scenario far above the others is cut at the
axis limit and labelled with its value (:func:`axis_limit`), so it does not squash the rest.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from . import __version__
from .catalog import Catalog
from .chapters import CHAPTERS, OPTIONAL_CHAPTERS, OTHER_TITLES
from .dimensions import DIMENSIONS, LABELS
from .errors import CatalogError, ScenarioError
from .files import display_path, spreadsheet_safe

#: The chapter notebooks in reading order (one list, :data:`tco.chapters.CHAPTERS`) and their titles.
CHAPTER_FILES = list(CHAPTERS.values())
#: Every chapter a scenario's folder can hold: those every report runs, then those run only when their
#: input is given (``50-plan-vs-actual`` with ``tco report --bill``); the index links each one present.
REPORT_CHAPTERS = CHAPTER_FILES + list(OPTIONAL_CHAPTERS.values())
CHAPTER_TITLES = {file: {**LABELS, **OTHER_TITLES}[part] for part, file in {**CHAPTERS, **OPTIONAL_CHAPTERS}.items()}
#: The kinds of warnings (``tco.context.Warning_.code``), in the order the index counts them.
WARNING_KINDS = ("unpriced", "stale", "utilisation", "estimate", "assumption")
#: How many warnings of each scenario the index quotes; the rest are on its warnings.html page.
FIRST_WARNINGS = 3
METADATA = "report.json"
MONEY = ["per_day", "per_day_p5", "per_day_p50", "per_day_p95", "per_month", "per_year", "per_1k_requests",
         *[f"{d}_per_day" for d in DIMENSIONS], "net_value_per_day", "net_value_per_day_p5", "net_value_per_day_p95",
         "cost_per_order"]
#: The business case's figures that are not money (shares, probabilities), copied as they are.
BUSINESS_SHARES = ["break_even_uplift", "uplift", "cost_share_of_gmv", "p_net_positive"]
#: Energy and carbon (tco.footprint), copied as they are; ``energy_estimate`` is true when a cloud
#: fleet's figure (an estimate) is in them.
ENERGY = ["kwh_per_day", "kwh_per_day_p5", "kwh_per_day_p95", "tco2e_per_year", "gco2e_per_1k_requests",
          "energy_estimate"]
SUMMARY_COLUMNS = ["scenario", "title", "status", "run_date", "currency", *MONEY, *BUSINESS_SHARES, *ENERGY,
                   "scenario_currency", "fx_rate", "per_day_in_scenario_currency", "warnings", "warnings_by_kind",
                   "file", "message"]


# ------------------------------------------------------------------------------------------
# One scenario folder: its metadata, written and read back
# ------------------------------------------------------------------------------------------
def metadata(name: str, title: str, file: str, status: str, message: str, currency: str, chapters: dict,
             summary: dict, warnings: list[dict]) -> dict:
    """The content of a scenario folder's ``report.json``; ``chapters`` maps each chapter to
    ``{"status", "run_date"}``, ``summary`` is the summary row in the scenario's own currency."""
    dates = [c["run_date"] for c in chapters.values()]
    return {"name": name, "title": title, "file": display_path(file) if file else "", "status": status,
            "message": message, "currency": currency, "run_date": max(dates) if dates else "",
            "chapters": {c: chapters[c] for c in REPORT_CHAPTERS if c in chapters},
            "summary": {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in summary.items()},
            "warnings": warnings, "tco_version": __version__}


def _banner_date(page: Path) -> str:
    """The run date in the banner of a chapter page ('' if none)."""
    match = re.search(r"Report run: ([^<·]+?) ·", page.read_text(encoding="utf-8", errors="replace"))
    return html.unescape(match.group(1)) if match else ""


def read_folder(folder: Path) -> dict | None:
    """The metadata of one scenario folder (``report.json``, or what an older run left), None if
    the folder holds no report. ``chapters`` lists the chapters whose page is on disk."""
    meta_file, results_file = folder / METADATA, folder / "results.json"
    on_disk = [c for c in REPORT_CHAPTERS if (folder / f"{c}.html").exists()]
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else None
    except (OSError, ValueError):
        meta = None
    if meta is None:  # an older run: no report.json
        if not on_disk and not results_file.exists() and not (folder / "error.txt").exists():
            return None
        chapters = {c: {"status": "ok", "run_date": _banner_date(folder / f"{c}.html")} for c in on_disk}
        meta = metadata(folder.name, "", "", "unknown", "", "", chapters, {}, [])
        if (folder / "error.txt").exists():
            meta.update(status="failed", message=(folder / "error.txt").read_text(encoding="utf-8").strip())
        elif results_file.exists():
            try:
                results = json.loads(results_file.read_text(encoding="utf-8"))
                totals, scenario = results.get("totals", {}), results.get("scenario", {})
                meta.update(status="ok", title=scenario.get("title", ""), currency=scenario.get("currency", ""),
                            warnings=[{"code": "unknown", "message": w} for w in results.get("warnings", [])])
                meta["summary"] = {**totals, **{f"{d}_per_day": v for d, v in results.get("by_dimension", {}).items()},
                                   "warnings": len(meta["warnings"])}
            except (OSError, ValueError, AttributeError):
                pass
    meta["name"] = folder.name  # links go to the folder, whatever the file says
    meta["chapters"] = {c: meta.get("chapters", {}).get(c, {"status": "ok", "run_date": ""}) for c in on_disk}
    return meta


def read_folders(out: Path) -> list[dict]:
    """The metadata of every scenario folder in ``out``, by name (hidden staging folders skipped)."""
    folders = sorted(p for p in Path(out).iterdir() if p.is_dir() and not p.name.startswith("."))
    return [m for m in map(read_folder, folders) if m is not None]


# ------------------------------------------------------------------------------------------
# One reporting currency
# ------------------------------------------------------------------------------------------
def choose_currency(currencies) -> str:
    """The most common currency; a tie goes to USD if it is among the tied, else alphabetically.

    >>> choose_currency(["CNY", "EUR", "CNY"]), choose_currency(["EUR", "CNY"]), choose_currency(["EUR", "USD"])
    ('CNY', 'CNY', 'USD')
    >>> choose_currency([])
    'USD'
    """
    counts = Counter(c for c in currencies if c)
    if not counts:
        return "USD"
    top = max(counts.values())
    tied = sorted(c for c, n in counts.items() if n == top)
    return "USD" if "USD" in tied else tied[0]


def check_currency(code: str, catalog: Catalog) -> str:
    """``--currency`` in upper case, if fx.csv has a rate for it (else one paragraph naming the allowed codes)."""
    known = list(catalog.fx.index.astype(str))
    if code.upper() not in known:
        raise ScenarioError([("--currency", f"unknown currency {code!r}; allowed (data/catalog/fx.csv): "
                                            f"{', '.join(sorted(known))}")])
    return code.upper()


def _rate(catalog: Catalog, from_currency: str, to_currency: str) -> float:
    try:
        return catalog.fx_rate(from_currency, to_currency)
    except CatalogError:
        return math.nan  # a folder of an older run in a currency this catalog lacks: no converted figures


def fx_notes(currencies, currency: str, catalog: Catalog) -> list[str]:
    """One sentence per conversion used, and the fx.csv rows behind them with their source and date."""
    others = sorted({c for c in currencies if c and c != currency})
    notes = [f"1 {c} = {_rate(catalog, c, currency):.6g} {currency}" for c in others]
    fx = catalog.fx
    rows = [f"{c}: {fx.per_usd[c]:g} per USD ({fx.source[c]}; as of {fx.as_of[c]})"
            for c in sorted({currency, *others}) if c in fx.index and c != "USD"]
    return notes + rows if notes else []


def summary_frame(entries: list[dict], currency: str, catalog: Catalog) -> pd.DataFrame:
    """One row per scenario folder, money in ``currency`` (``fx_rate``: units of it per unit of the
    scenario's currency); text cells safe for spreadsheets."""
    rows = []
    for e in entries:
        s, own = e.get("summary", {}), e.get("currency", "")
        rate = _rate(catalog, own, currency) if own else math.nan
        kinds = Counter(w.get("code", "unknown") for w in e.get("warnings", []))
        rows.append({
            "scenario": e["name"], "title": e.get("title", ""), "status": e["status"], "run_date": e.get("run_date", ""),
            **{m: s[m] * rate for m in MONEY if s.get(m) is not None},
            **{k: s[k] for k in BUSINESS_SHARES if s.get(k) is not None},
            **{k: s[k] for k in ENERGY if s.get(k) is not None},
            "currency": currency if s else "", "scenario_currency": own, "fx_rate": rate if s else math.nan,
            "per_day_in_scenario_currency": s.get("per_day"), "warnings": s.get("warnings", len(e.get("warnings", []))),
            "warnings_by_kind": ", ".join(f"{k} {n}" for k, n in _ordered(kinds)),
            "file": e.get("file", ""), "message": e.get("message", "")})
    frame = pd.DataFrame(rows).reindex(columns=SUMMARY_COLUMNS)
    for column in ("scenario", "title", "file", "message", "run_date"):
        frame[column] = frame[column].map(spreadsheet_safe)
    return frame


def _ordered(counts: Counter) -> list[tuple[str, int]]:
    """``counts`` in the order of :data:`WARNING_KINDS`, other kinds after."""
    rank = {k: i for i, k in enumerate(WARNING_KINDS)}
    return sorted(counts.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


# ------------------------------------------------------------------------------------------
# Chart
# ------------------------------------------------------------------------------------------
def axis_limit(values, ratio: float = 3.0) -> float:
    """The end of a linear axis for ``values``: the largest value, unless it is more than ``ratio``
    times the next one; such outliers (at most half of the values) are cut at the limit.

    >>> axis_limit([1.0, 2.0, 2.5]), axis_limit([1.0, 2.0, 50.0]), axis_limit([1.0, 100.0])
    (2.5, 2.0, 1.0)
    """
    rest = sorted((float(v) for v in values if pd.notna(v) and v > 0), reverse=True)
    cut = 0
    while len(rest) - cut > 1 and cut < len(rest) // 2 and rest[cut] > ratio * rest[cut + 1]:
        cut += 1
    return rest[cut] if rest else 1.0


def chart_figure(summary: pd.DataFrame, currency: str):
    """Cost per 1,000 requests per scenario in ``currency`` (linear axis, outliers cut and labelled,
    every bar labelled with its value) and each scenario's split into the five dimensions (shares)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .plots import ENGLISH, PALETTE

    ok = summary[(summary.status == "ok") & summary.per_1k_requests.notna()].reset_index(drop=True)
    height = 0.45 * max(len(ok), 2) + 1.6
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, height), sharey=True,
                                      gridspec_kw={"width_ratios": [1, 1.2]})
    limit = axis_limit(ok.per_1k_requests)
    cut = ok.per_1k_requests > limit
    shown = ok.per_1k_requests.where(~cut, limit * 1.1)  # a cut bar reaches past the others, hatched
    left.barh(ok.scenario, shown, color=["0.6" if c else "0.35" for c in cut],
              hatch=["//" if c else "" for c in cut])
    for i, (value, is_cut) in enumerate(zip(ok.per_1k_requests, cut)):
        label = f"{value:,.4g}" + (" (bar cut)" if is_cut else "")
        left.text(min(value, limit * 1.1), i, f" {label}", va="center", fontsize="small",
                  fontweight="bold" if is_cut else "normal")
    left.set_xlim(0, limit * 1.3)
    left.set_xlabel(f"cost per 1,000 requests ({currency}, linear axis)")
    left.invert_yaxis()
    start = pd.Series(0.0, index=ok.index)
    for d in DIMENSIONS:
        share = ok[f"{d}_per_day"] / ok.per_day * 100
        right.barh(ok.scenario, share, left=start, color=PALETTE[d], label=ENGLISH[d])
        start += share
    right.set_xlabel("share of the daily cost (%)")
    right.set_xlim(0, 100)
    right.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(f"Cost per 1,000 requests ({currency}), and where it goes")
    fig.tight_layout()
    return fig


def chart_png(summary: pd.DataFrame, currency: str) -> str:
    """:func:`chart_figure` as a base64 PNG."""
    import matplotlib.pyplot as plt

    fig = chart_figure(summary, currency)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


# ------------------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------------------
STYLE = """body { font-family: sans-serif; margin: 16px; }
table { border-collapse: collapse; font-size: 0.8em; }
td:first-child { min-width: 11em; }
th, td { border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; }
.date { white-space: nowrap; }
th { background: #eee; word-break: keep-all; overflow-wrap: normal; min-width: 4em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.num small { white-space: normal; display: inline-block; min-width: 10em; max-width: 13em; }
div.wide { overflow-x: auto; }  /* a narrow window scrolls the table, never the page */
.error { color: #b00; }
a.failed { color: #b00; }
pre { white-space: pre-wrap; margin: 0; }
small { color: #555; }
li.warning { margin-bottom: 4px; }"""


def warning_kinds(warnings: list[dict]) -> str:
    """``"stale 2 · estimate 1"``: the warnings counted by kind ('' if none).

    >>> warning_kinds([{"code": "estimate"}, {"code": "stale"}, {"code": "stale"}])
    'stale 2 · estimate 1'
    """
    return " · ".join(f"{k} {n}" for k, n in _ordered(Counter(w.get("code", "unknown") for w in warnings)))


def warnings_html(entry: dict, banner_block: str) -> str:
    """A scenario's page listing every warning with its kind (all text escaped)."""
    e = html.escape
    items = "".join(f'<li class="warning"><b>{e(w["code"])}</b>: {e(w["message"])}</li>' for w in entry["warnings"])
    title = e(entry.get("title") or entry["name"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}: warnings</title><style>
{STYLE}</style></head><body>
{banner_block}
<h1>Warnings / 警示 ({len(entry["warnings"])})</h1>
<p>{e(warning_kinds(entry["warnings"])) or "No warnings."}</p>
<ol id="warnings">{items}</ol>
</body></html>
"""


def business_note(row: dict) -> str:
    """The business case under a scenario's total in the index: net value per day, break-even
    uplift and the probability of paying off, where the scenario has them; '' otherwise.

    >>> business_note({"net_value_per_day": 135612.3, "break_even_uplift": 0.00093, "p_net_positive": 0.94})
    '<br><small>net value 135,612/day; break-even uplift +0.093%; pays off in 94% of samples</small>'
    >>> business_note({"per_day": 1.0})
    ''
    """
    parts = []
    if pd.notna(row.get("net_value_per_day")):
        parts.append(f'net value {row["net_value_per_day"]:,.0f}/day')
    if pd.notna(row.get("break_even_uplift")) and math.isfinite(row["break_even_uplift"]):
        parts.append(f'break-even uplift {row["break_even_uplift"]:+.3%}')
    if pd.notna(row.get("p_net_positive")):
        parts.append(f'pays off in {row["p_net_positive"]:.0%} of samples')
    return f"<br><small>{'; '.join(parts)}</small>" if parts else ""


def energy_note(row: dict) -> str:
    """Energy and carbon under a scenario's total in the index; '' when not estimated.

    >>> energy_note({"kwh_per_day": 419.6, "tco2e_per_year": 82.2, "gco2e_per_1k_requests": 5.63,
    ...              "energy_estimate": True})
    '<br><small>energy 420 kWh/day, 82.2 tCO2e/year, 5.63 gCO2e per 1,000 requests (estimate)</small>'
    >>> energy_note({"per_day": 1.0})
    ''
    """
    if pd.isna(row.get("kwh_per_day")):
        return ""
    label = " (estimate)" if row.get("energy_estimate") is True or row.get("energy_estimate") == 1 else ""
    return (f'<br><small>energy {row["kwh_per_day"]:,.0f} kWh/day, {row["tco2e_per_year"]:,.1f} tCO2e/year, '
            f'{row["gco2e_per_1k_requests"]:,.3g} gCO2e per 1,000 requests{label}</small>')


def index_html(entries: list[dict], summary: pd.DataFrame, run_date: str, currency: str, catalog: Catalog) -> str:
    """The report set's front page: comparison table, warnings, chart and links (all text escaped).
    ``summary`` is :func:`summary_frame` of ``entries`` (same order)."""
    e = html.escape
    rows, warning_blocks = [], []
    for m, s in zip(entries, summary.to_dict(orient="records")):
        name = e(m["name"])
        links = " ".join(
            f'<a href="{name}/{c}.html" class="{"failed" if info.get("status") == "failed" else ""}" '
            f'title="{e(CHAPTER_TITLES[c])}, run {e(info.get("run_date") or "unknown")}">{c[:2]}</a>'
            for c, info in m["chapters"].items())
        dates = sorted({info.get("run_date") for info in m["chapters"].values()} - {"", None})
        run = f'<span class="date">{e(m.get("run_date") or "unknown")}</span>' + (
            f'<br><small>oldest chapter <span class="date">{e(dates[0])}</span></small>' if len(dates) > 1 else "")
        warnings = m.get("warnings", [])
        if m["status"] == "ok" and m.get("summary"):
            own, rate = m.get("currency", ""), s["fx_rate"]
            spread = (f'<br><small>P5-P95 {s["per_day_p5"]:,.0f}-{s["per_day_p95"]:,.0f}</small>'
                      if pd.notna(s.get("per_day_p5")) else "")
            mine = (f'<br><small>{e(own)} {s["per_day_in_scenario_currency"]:,.2f}</small>' if own != currency else "")
            mine += business_note(s) + energy_note(s)
            rate_note = f"<br><small>1 {e(own)} = {rate:.4g} {e(currency)}</small>" if own != currency else ""
            kinds = warning_kinds(warnings)
            count = int(s["warnings"]) if pd.notna(s["warnings"]) else len(warnings)
            warn_cell = (f'<a href="#warnings-{name}">{count}</a><br><small>{e(kinds)}</small>' if count else "0")
            cells = (f'<td class="num">{s["per_day"]:,.2f}{spread}{mine}</td><td class="num">{s["per_month"]:,.0f}</td>'
                     f'<td class="num">{s["per_year"]:,.0f}</td><td class="num">{s["per_1k_requests"]:,.4f}</td>'
                     + "".join(f'<td class="num">{s[f"{d}_per_day"]:,.2f}</td>' for d in DIMENSIONS)
                     + f'<td>{e(own)}{rate_note}</td><td>{warn_cell}</td>')
            status = "ok"
        else:
            text = m.get("message") or "No readable metadata in this folder (an older or interrupted run)."
            cells = f'<td colspan="{6 + len(DIMENSIONS)}" class="error"><pre>{e(text)}</pre></td>'
            status = f'<span class="error">{e(m["status"])}</span>'
        title = e(m.get("title") or m["name"])
        page = "06-summary" if "06-summary" in m["chapters"] else next(iter(m["chapters"]), None)
        first = f'<a href="{name}/{page}.html">{title}</a>' if page else title  # the summary, else a chapter
        rows.append(f"<tr><td>{first}<br><code>{name}</code></td><td>{status}</td><td>{run}</td>{cells}"
                    f"<td>{links}</td></tr>")
        if warnings:
            quoted = "".join(f'<li class="warning"><b>{e(w["code"])}</b>: {e(w["message"])}</li>'
                             for w in warnings[:FIRST_WARNINGS])
            more = f"all {len(warnings)}" if len(warnings) > FIRST_WARNINGS else "the list"
            warning_blocks.append(
                f'<h3 id="warnings-{name}">{title}: {len(warnings)} warning(s), {e(warning_kinds(warnings))}</h3>'
                f'<ul>{quoted}</ul><p><a href="{name}/warnings.html">{more}</a></p>')
    ok = summary[(summary.status == "ok") & summary.per_1k_requests.notna()]
    chart = chart_png(summary, currency) if len(ok) else ""
    failed = int((summary.status != "ok").sum())
    notes = fx_notes([m.get("currency") for m in entries if m.get("summary")], currency, catalog)
    fx = (f"<p id=\"fx\">Converted with the catalog's exchange rates (data/catalog/fx.csv): "
          f"{e('; '.join(notes))}.</p>" if notes else f'<p id="fx">Every scenario is costed in {e(currency)}: '
          "no conversion.</p>")
    dims = "".join(f"<th>{e(LABELS[d])}<br>/day</th>" for d in DIMENSIONS)
    chart_block = (f'<h2>Cost per 1,000 requests ({e(currency)})</h2><img id="chart" '
                   f'alt="cost per 1,000 requests by dimension" src="data:image/png;base64,{chart}">' if chart else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>AI deployment cost reports</title>
<style>
{STYLE}
</style></head><body>
<h1>AI deployment cost reports / AI大模型部署成本报告</h1>
<p>Index written {e(run_date)} · tco {e(__version__)} · {len(entries)} scenario(s), {failed} not ok.
Every figure is in <b id="currency">{e(currency)}</b>: totals per day, month, year and per 1,000 requests, and the
five dimensions per day; a scenario costed in another currency also shows its own currency and daily total.
A scenario with ranges also shows the P5-P95 of its daily total (Monte Carlo, as in its summary chapter); one
with a business case its net value and break-even uplift; every scenario with a fleet of its own its energy and
carbon (an estimate for cloud fleets). Chapter links: 01 data, 02 model storage, 03 compute, 04 staff, 05 fusion, 06 summary, 07 business case (hover for the run date).</p>
{fx}
<div class="wide">
<table id="comparison">
<thead><tr><th>Scenario</th><th>Status</th><th>Run</th><th>per day</th><th>per month</th><th>per year</th>
<th>per 1,000 requests</th>{dims}<th>scenario currency</th><th>warnings</th><th>chapters</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
</div>
{chart_block}
{'<h2 id="warnings">Warnings / 警示</h2>' + chr(10).join(warning_blocks) if warning_blocks else ''}
<p>Also: <a href="summary.csv">summary.csv</a> · <a href="summary.xlsx">summary.xlsx</a></p>
</body></html>
"""
