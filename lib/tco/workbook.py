"""Spreadsheets a manager can forward unedited: ``summary.xlsx`` of a batch report and ``sweep.xlsx``.

One formatter (:func:`add_sheet`) turns any DataFrame into a sheet with readable headers
(:func:`header`), number formats by the kind of each column (:func:`column_kind`: money with
thousands separators, two decimals and its currency; four decimals per 1,000 requests; whole
counts; percentages), widths from the content (:func:`text_width`: CJK characters count double),
a frozen, wrapped header row and an autofilter. Every text cell is formula-safe
(:func:`tco.files.spreadsheet_safe`) and carries no local absolute path (:func:`without_local_paths`),
and the file's bytes do not depend on when it was written (:func:`to_bytes`).

:func:`summary_workbook` builds the batch report's workbook: the summary, every scenario's line
items, warnings and catalog sources (from each scenario's ``results.json``, :func:`frames_from_results`)
and an "About" sheet. The module sits in the analysis layer (not with the presentation) so that
:mod:`tco.sweep` writes its table with the same formatter.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import math
import re
import unicodedata
import zipfile

import numpy as np
import pandas as pd

from .dimensions import DIMENSIONS, LABELS
from .files import spreadsheet_safe, without_local_paths
from .units import DAYS_PER_MONTH, DAYS_PER_YEAR

#: Number formats by column kind (Excel syntax); money gets its currency in the header or the format.
FORMATS = {
    "money": "#,##0.00",
    "per_1k": "#,##0.0000",
    "count": "#,##0",
    "percent": "0.0##%",  # 15.1%, and small shares such as a break-even uplift of 0.093%
    "number": "#,##0.00##",
    "figure": "General",  # catalog figures: any magnitude, shown as written
    "bool": "General",
    "text": "General",
}

#: Headers of the workbook's known columns; other columns get :func:`header`'s spelled-out name.
HEADERS = {
    "per_1k_requests": "Per 1,000 requests",
    "file": "Scenario file",
    "share": "Share of total",
    "table": "Catalog table",
    "as_of": "As of",
    "unpriced": "Unpriced items",
    "api_per_day": "Hosted API per day",
    "fx_rate": "Exchange rate (reporting currency per unit of the scenario's)",
    **{f"{d}_per_day": f"{LABELS[d]}, per day" for d in DIMENSIONS},
    "kwh_per_day": "Energy, kWh per day", "kwh_per_day_p5": "Energy P5, kWh per day",
    "kwh_per_day_p95": "Energy P95, kWh per day", "tco2e_per_year": "tCO2e per year",
    "gco2e_per_1k_requests": "gCO2e per 1,000 requests", "energy_estimate": "Energy estimated (cloud fleets)",
}

#: Kinds of the workbook's known columns whose name alone does not tell (:func:`column_kind`).
KINDS = {"warnings": "count", "quantity": "number", "value": "figure", "per_day_in_scenario_currency": "money",
         "kwh_per_day": "number", "kwh_per_day_p5": "number", "kwh_per_day_p95": "number", "tco2e_per_year": "number",
         "gco2e_per_1k_requests": "number"}
#: Money columns in another currency than the frame's ``currency`` column: column -> the column naming theirs.
CURRENCY_OF = {"per_day_in_scenario_currency": "scenario_currency"}

#: Widest column, in characters (longer text wraps).
MAX_WIDTH = 60
#: A header wraps onto lines of at least this many characters rather than widening its column.
HEADER_LINE = 12
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip file can record: the bytes never depend on the clock
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")  # fullmatch: no final newline slips past
# totals, their percentiles, the dimensions' costs, and anything named a cost ("tokens_per_day" is no money)
_MONEY = re.compile(rf"^(({'|'.join(DIMENSIONS)}|self_hosted|api|net_value)_)?per_(day|month|year)(_p\d+)?$|cost(?!_share)")
_PERCENT = re.compile(r"share$|share_of|utilisation|fraction|hit_rate$|uplift$|^p_net_positive$")
_CURRENCY = re.compile(r"[A-Za-z]{1,5}")  # fullmatch


# ------------------------------------------------------------------------------------------
# Small rules
# ------------------------------------------------------------------------------------------
def header(column: str, currency: str = "", kind: str = "") -> str:
    """The readable header of a column: from :data:`HEADERS`, else its words spelled out
    (``1k`` is 1,000, ``p5`` a percentile); a money column (``kind``, else :func:`column_kind`
    of the name) names its ``currency`` when given.
    Names that are not identifiers (a sweep's ``traffic.requests_per_day``) are kept as written.

    >>> header("per_day", "USD"), header("per_1k_requests", "USD"), header("per_day_p95")
    ('Per day (USD)', 'Per 1,000 requests (USD)', 'Per day P95')
    >>> header("compute_per_day"), header("fx_rate_to_usd"), header("traffic.requests_per_day")
    ('Compute cost / 计算资源成本, per day', 'Fx rate to usd', 'traffic.requests_per_day')
    """
    if column in HEADERS:
        text = HEADERS[column]
    elif _IDENTIFIER.fullmatch(column):
        words = [w.replace("1k", "1,000") for w in column.split("_")]
        words = [w.upper() if re.fullmatch(r"p\d+", w) else w for w in words]
        text = " ".join(words)
        text = text[:1].upper() + text[1:]
    else:
        return column
    return f"{text} ({currency})" if currency and (kind or column_kind(column)) in ("money", "per_1k") else text


def column_kind(column: str, values: pd.Series | None = None) -> str:
    """The kind of a column (a key of :data:`FORMATS`), from its name, else from its values.

    >>> [column_kind(c) for c in ("per_year", "cost_per_day", "storage_per_day", "per_1k_requests",
    ...                           "share", "warnings", "title")]
    ['money', 'money', 'money', 'per_1k', 'percent', 'count', 'text']
    >>> column_kind("replicas", pd.Series([1.0, 3.0])), column_kind("fx_rate", pd.Series([7.1]))
    ('count', 'number')
    >>> column_kind("per_day_p95"), column_kind("api_per_day"), column_kind("tokens_per_day", pd.Series([1e6]))
    ('money', 'money', 'count')
    >>> column_kind("cost_basis", pd.Series(["list price"]))
    'text'
    """
    if column in KINDS:
        return KINDS[column]
    if values is not None and pd.api.types.is_bool_dtype(values):
        return "bool"
    numeric = values is not None and (pd.api.types.is_numeric_dtype(values) or pd.api.types.infer_dtype(
        values, skipna=True) in ("floating", "integer", "mixed-integer-float", "empty"))
    if values is not None and not numeric:
        return "text"
    if _IDENTIFIER.fullmatch(column):
        if "per_1k" in column:
            return "per_1k"
        if _MONEY.search(column):
            return "money"
        if _PERCENT.search(column):
            return "percent"
    if values is None:
        return "text"
    numbers = values.dropna().to_numpy(dtype=float)
    numbers = numbers[np.isfinite(numbers)]
    return "count" if (numbers == np.round(numbers)).all() else "number"


def text_width(text: str) -> int:
    """Columns a text takes on screen: its longest line, wide (CJK) characters counting double.

    >>> text_width("Compute"), text_width("计算资源成本"), text_width("ab\\n计算")
    (7, 12, 4)
    """
    lines = str(text).split("\n")
    if all(line.isascii() for line in lines):
        return max(map(len, lines))
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines)


def _cell_value(value):
    """The value written to a cell: plain Python, empty for missing, text made safe."""
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return _cell_value(", ".join(str(v) for v in value))
    if value is None or pd.isna(value):
        return None
    if isinstance(value, (_dt.date, pd.Timestamp, np.datetime64)):
        return str(value)[:10]
    if isinstance(value, np.generic):
        return _cell_value(value.item())
    if isinstance(value, (bool, int, float)):
        return value if math.isfinite(value) else None
    return _safe_text(str(value))


@functools.lru_cache(maxsize=4096)
def _safe_text(text: str) -> str:
    """Text as written to a cell (cached: a sweep repeats the same few texts on every row)."""
    return spreadsheet_safe(without_local_paths(text))


def _shown(value, kind: str, suffix: str) -> str:
    """Roughly what a cell shows, for its column's width."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "FALSE"
    if isinstance(value, (int, float)):
        text = {"money": f"{value:,.2f}", "per_1k": f"{value:,.4f}", "count": f"{value:,.0f}",
                "percent": f"{value * 100:.1f}%"}.get(kind, f"{value:,.4f}" if kind == "number" else f"{value:g}")
        return text + suffix
    return str(value)


# ------------------------------------------------------------------------------------------
# The formatter
# ------------------------------------------------------------------------------------------
def add_sheet(wb, title: str, frame: pd.DataFrame, currency: str = "", kinds: dict | None = None,
              headers: dict | None = None):
    """Append ``frame`` to workbook ``wb`` as sheet ``title``, formatted (see the module docstring).

    The currency of money columns is ``currency``, or the frame's ``currency`` column: named in the
    header when all rows share it, else in each row's number format. ``kinds`` and ``headers``
    override :func:`column_kind` and :func:`header` per column. Returns the worksheet.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    kinds, headers = kinds or {}, headers or {}
    ws = wb.create_sheet(title[:31])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    for j, column in enumerate(frame.columns, start=1):
        column = str(column)
        kind = kinds.get(column) or column_kind(column, frame[column])
        money = kind in ("money", "per_1k")
        shared, suffixes = _currencies(frame, CURRENCY_OF.get(column, "currency"), currency) if money else ("", [])
        label = headers.get(column) or header(column, shared, kind)
        cell = ws.cell(row=1, column=j, value=spreadsheet_safe(label))
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        longest_word = max((text_width(w) for w in label.split()), default=0)
        width = max(longest_word, min(text_width(label), HEADER_LINE))
        wrap = False
        for i, raw in enumerate(frame[column].tolist(), start=2):
            value = _cell_value(raw)
            cell = ws.cell(row=i, column=j, value=value)
            suffix = suffixes[i - 2] if money else ""
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.number_format = FORMATS[kind] + suffix
            shown = text_width(_shown(value, kind, suffix.replace('"', "")))
            wrap = wrap or shown > MAX_WIDTH or (isinstance(value, str) and "\n" in value)
            width = max(width, shown)
        if wrap:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(j)].width = min(width, MAX_WIDTH) + 2
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
    return ws


def _currencies(frame: pd.DataFrame, column: str, currency: str) -> tuple[str, list[str]]:
    """The currency of a frame's money (``currency``, else the frame's ``column``): (the one all rows
    share, for the header, or ''; each row's number-format suffix when they differ)."""
    rows = [currency] * len(frame)
    if not currency and column in frame.columns:
        rows = ["" if pd.isna(c) else str(c).lstrip("'") for c in frame[column]]
        found = set(rows) - {""}
        currency = found.pop() if len(found) == 1 else ""
    currency = currency if _CURRENCY.fullmatch(currency) else ""
    return currency, [f' "{c}"' if c and not currency and _CURRENCY.fullmatch(c) else "" for c in rows]


def new_workbook():
    """An empty openpyxl workbook (its default sheet removed) for :func:`add_sheet`."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


class _FixedTimeZip(zipfile.ZipFile):
    """A zip file whose members all carry the same time, so equal workbooks give equal bytes."""

    def writestr(self, name, data, compress_type=None, compresslevel=None):
        if not isinstance(name, zipfile.ZipInfo):
            name = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            name.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(name, data, compress_type, compresslevel)


def to_bytes(wb) -> bytes:
    """The ``.xlsx`` bytes of ``wb``, independent of the clock (fixed document and member times)."""
    from openpyxl.writer.excel import ExcelWriter

    wb.properties.creator = "tco"
    wb.properties.created = wb.properties.modified = _dt.datetime(*_FIXED_TIME)
    buf = io.BytesIO()
    ExcelWriter(wb, _FixedTimeZip(buf, "w", zipfile.ZIP_DEFLATED)).save()
    return buf.getvalue()


# ------------------------------------------------------------------------------------------
# The batch report's workbook
# ------------------------------------------------------------------------------------------
ITEM_COLUMNS = ["scenario", "dimension", "item", "model", "kind", "quantity", "unit", "cost_per_day",
                "cost_per_month", "cost_per_year", "priced", "currency", "note"]
WARNING_COLUMNS = ["scenario", "code", "model", "dimensions", "message"]
SOURCE_FIRST = ["scenario", "table", "key", "source", "as_of", "value", "currency"]


def frames_from_results(results: dict[str, dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The line items, warnings and sources of every scenario, from {scenario name: its parsed
    ``results.json``} (:meth:`tco.report.CostReport.to_dict`). Warnings are read from
    ``warning_details`` when there, else from ``warnings`` (plain messages or dicts).

    >>> items, warnings, sources = frames_from_results({"a": {
    ...     "scenario": {"currency": "CNY"}, "warnings": ["check it"], "sources": [],
    ...     "items": [{"dimension": "data", "item": "x", "cost_per_day": 2.0, "priced": True}]}})
    >>> items[["scenario", "cost_per_day", "cost_per_year", "currency"]].values.tolist()
    [['a', 2.0, 730.0, 'CNY']]
    >>> warnings.values.tolist(), list(sources.columns[:3])
    ([['a', '', '', '', 'check it']], ['scenario', 'table', 'key'])
    """
    items, warnings, sources = [], [], []
    for name, res in results.items():
        currency = (res.get("scenario") or {}).get("currency", "")
        for it in res.get("items") or []:
            day = it.get("cost_per_day")
            day = float("nan") if day is None else float(day)
            items.append({**it, "scenario": name, "cost_per_day": day, "cost_per_month": day * DAYS_PER_MONTH,
                          "cost_per_year": day * DAYS_PER_YEAR, "currency": currency})
        for w in res.get("warning_details") or res.get("warnings") or []:
            w = w if isinstance(w, dict) else {"message": str(w)}
            warnings.append({"scenario": name, "code": w.get("code", ""), "model": w.get("model", ""),
                             "dimensions": ", ".join(w.get("dimensions") or ()), "message": w.get("message", "")})
        sources += [{"scenario": name, **s} for s in res.get("sources") or []]
    sources = pd.DataFrame(sources)
    first = [c for c in SOURCE_FIRST if c in sources.columns] or SOURCE_FIRST
    return (pd.DataFrame(items).reindex(columns=ITEM_COLUMNS), pd.DataFrame(warnings, columns=WARNING_COLUMNS),
            sources.reindex(columns=first + [c for c in sources.columns if c not in first]))


def _about(summary: pd.DataFrame, run_date: str, version: str) -> pd.DataFrame:
    """The "About" sheet: run date, version, scenarios, and, when the summary has them
    (:func:`tco.report_index.summary_frame`), the reporting currency and each exchange rate used.

    >>> s = pd.DataFrame({"currency": ["USD", "USD", None], "scenario_currency": ["CNY", "USD", "EUR"],
    ...                   "fx_rate": [0.1375, 1.0, None]})
    >>> _about(s, "2026-11-22 10:00", "0.1").value.tolist()
    ['2026-11-22 10:00', '0.1', '3', 'USD', '1 CNY = 0.1375 USD']
    """
    rows = [("Report run", run_date), ("tco version", version), ("Scenarios", str(len(summary)))]
    if "currency" in summary.columns:
        reporting = sorted(summary.currency.dropna().astype(str).unique())
        rows.append(("Reporting currency", ", ".join(c for c in reporting if c)))
        if {"scenario_currency", "fx_rate"} <= set(summary.columns) and len(reporting) == 1:
            pairs = summary[["scenario_currency", "fx_rate"]].dropna().drop_duplicates()
            rows += [("Exchange rate", f"1 {own} = {rate:.6g} {reporting[0]}")
                     for own, rate in sorted(pairs.itertuples(index=False)) if own != reporting[0]]
    return pd.DataFrame(rows, columns=["about", "value"])


def read_results(out, names) -> dict[str, dict]:
    """{name: parsed ``out/<name>/results.json``} of each scenario folder that has a readable one
    (a failed scenario has none; an unreadable one is left out rather than stopping the workbook)."""
    import json
    from pathlib import Path

    found = {}
    for name in names:
        try:
            found[name] = json.loads((Path(out) / name / "results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return found


def summary_workbook(summary: pd.DataFrame, items: pd.DataFrame, warnings: pd.DataFrame, sources: pd.DataFrame,
                     run_date: str = "", version: str = "") -> bytes:
    """The batch report's ``summary.xlsx``: sheets "Summary" (one row per scenario, whatever
    columns the frame has), "Line items", "Warnings", "Sources" and "About" (``run_date``,
    ``version``, reporting currency and exchange rates), each formatted by :func:`add_sheet`."""
    wb = new_workbook()
    add_sheet(wb, "Summary", summary)
    add_sheet(wb, "Line items", items)
    add_sheet(wb, "Warnings", warnings)
    add_sheet(wb, "Sources", sources, kinds={"value": "figure"})
    add_sheet(wb, "About", _about(summary, run_date, version), headers={"about": "About", "value": "Value"})
    return to_bytes(wb)
