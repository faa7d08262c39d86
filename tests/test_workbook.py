"""summary.xlsx and sweep.xlsx: readable headers, number formats with the currency, widths, frozen
header, autofilter, formula-safe text, no local paths, the same bytes on every run."""

import io
import tempfile
import time

import openpyxl
import pandas as pd
import pytest

from conftest import ROOT, scenario_path
from tco import evaluate, load_scenario
from tco.sweep import parse_axis, sweep, sweep_workbook
from tco.workbook import add_sheet, frames_from_results, new_workbook, read_results, summary_workbook, to_bytes
from tco.units import DAYS_PER_MONTH

INJECTION = '=HYPERLINK("http://evil.example/x","click me")'


def results(name, currency, title=None):
    """A hand-made results.json: two line items (one unpriced), one warning of each form, one source."""
    return {
        "scenario": {"name": name, "title": title or name, "currency": currency},
        "items": [
            {"dimension": "data", "item": "acquisition", "kind": "acquisition", "model": "", "cost_per_day": 2.0,
             "quantity": 6.0, "unit": "GB/day", "priced": True, "note": "10 CNY/GB"},
            {"dimension": "compute", "item": "inference serving", "kind": "serving", "model": "m1",
             "cost_per_day": 0.0, "quantity": 1.0, "unit": "instances", "priced": False, "note": ""},
        ],
        "warnings": ["m1: idle", "stale price"],
        "warning_details": [
            {"code": "utilisation", "message": "m1: idle", "model": "m1", "dimensions": ["compute"], "detail": ""},
            {"code": "stale", "message": "stale price", "model": "", "dimensions": ["data", "compute"],
             "detail": ""}],
        "sources": [{"table": "instances", "key": "g6.xlarge on_demand", "value": 0.8048, "currency": "USD",
                     "source": "AWS price list", "as_of": "2026-09-24", "stale": False, "assumption": ""}],
    }


def summary_frame(rows):
    return pd.DataFrame([{"scenario": n, "title": t, "status": "ok", "currency": c, "per_day": d,
                          "per_1k_requests": d / 10, "compute_per_day": d, "warnings": 2,
                          "file": f"data/scenarios/{n}.yaml"} for n, t, c, d in rows])


def load(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def headers(ws):
    return [c.value for c in ws[1]]


def column(ws, label):
    """The cells under header ``label`` (data rows only)."""
    j = headers(ws).index(label) + 1
    return [ws.cell(row=i, column=j) for i in range(2, ws.max_row + 1)]


def workbook_of(frame, **kwargs):
    wb = new_workbook()
    add_sheet(wb, "Sheet", frame, **kwargs)
    return load(to_bytes(wb))["Sheet"]


def test_summary_workbook_sheets_rows_headers_and_formats():
    res = {"a": results("a", "CNY"), "b": results("b", "CNY")}
    res["b"]["warnings"] = ["only a message"]  # an older results.json: plain messages, no warning_details
    del res["b"]["warning_details"]
    summary = summary_frame([("a", "A", "CNY", 1234.5), ("b", "B", "CNY", 10.0)])
    wb = load(summary_workbook(summary, *frames_from_results(res), run_date="2026-11-22 10:00", version="9.9"))
    assert wb.sheetnames == ["Summary", "Line items", "Warnings", "Sources", "About"]
    # rows: 2 scenarios; 2 items each; 2 + 1 warnings; 1 source each; header row on top of each
    assert [wb[s].max_row for s in wb.sheetnames[:4]] == [3, 5, 4, 3]
    s = wb["Summary"]
    assert headers(s) == ["Scenario", "Title", "Status", "Currency", "Per day (CNY)", "Per 1,000 requests (CNY)",
                          "Compute cost / 计算资源成本, per day (CNY)", "Warnings", "Scenario file"]
    assert [c.number_format for c in column(s, "Per day (CNY)")] == ["#,##0.00"] * 2
    assert [c.number_format for c in column(s, "Per 1,000 requests (CNY)")] == ["#,##0.0000"] * 2
    assert column(s, "Per 1,000 requests (CNY)")[0].value == pytest.approx(123.45)
    assert [c.number_format for c in column(s, "Warnings")] == ["#,##0"] * 2
    items = wb["Line items"]
    assert headers(items) == ["Scenario", "Dimension", "Item", "Model", "Kind", "Quantity", "Unit",
                              "Cost per day (CNY)", "Cost per month (CNY)", "Cost per year (CNY)", "Priced",
                              "Currency", "Note"]
    # 2.00 CNY a day is 2 x 365 = 730 a year and 2 x 365 / 12 = 60.8333 a month
    assert column(items, "Cost per year (CNY)")[0].value == pytest.approx(730.0)
    assert column(items, "Cost per month (CNY)")[0].value == pytest.approx(2 * DAYS_PER_MONTH)
    assert [c.value for c in column(items, "Priced")] == [True, False, True, False]
    warnings = wb["Warnings"]
    assert headers(warnings) == ["Scenario", "Code", "Model", "Dimensions", "Message"]
    assert [[c.value for c in row] for row in warnings.iter_rows(min_row=2)] == [
        ["a", "utilisation", "m1", "compute", "m1: idle"], ["a", "stale", None, "data, compute", "stale price"],
        ["b", None, None, None, "only a message"]]
    sources = wb["Sources"]
    assert headers(sources)[:7] == ["Scenario", "Catalog table", "Key", "Source", "As of", "Value", "Currency"]
    assert column(sources, "Value")[0].value == pytest.approx(0.8048)
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows(min_row=2)}
    assert about == {"Report run": "2026-11-22 10:00", "tco version": "9.9", "Scenarios": "2",
                     "Reporting currency": "CNY"}
    for ws in wb:  # every sheet: frozen, filtered, wrapped bold header
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{ws.max_row}"
        assert all(c.font.b and c.alignment.wrap_text for c in ws[1])


def test_mixed_currencies_are_named_in_each_cell_and_the_rates_reach_about():
    # the summary of tco.report_index: money in the reporting currency, each scenario's own beside it
    summary = summary_frame([("a", "A", "USD", 1.0), ("b", "B", "USD", 2.0)])
    summary["scenario_currency"] = ["CNY", "USD"]
    summary["fx_rate"] = [0.1375, 1.0]
    summary["per_day_in_scenario_currency"] = [1.0 / 0.1375, 2.0]
    res = {"a": results("a", "CNY"), "b": results("b", "USD")}
    wb = load(summary_workbook(summary, *frames_from_results(res), run_date="d", version="v"))
    s = wb["Summary"]
    assert "Per day (USD)" in headers(s) and "Per day in scenario currency" in headers(s)
    assert [c.number_format for c in column(s, "Per day in scenario currency")] == ['#,##0.00 "CNY"',
                                                                                   '#,##0.00 "USD"']
    rate = "Exchange rate (reporting currency per unit of the scenario's)"
    assert [c.number_format for c in column(s, rate)] == ["#,##0.00##"] * 2
    items = wb["Line items"]  # each scenario's items in its own currency: no single one for the header
    assert [c.number_format for c in column(items, "Cost per day")] == ['#,##0.00 "CNY"'] * 2 + ['#,##0.00 "USD"'] * 2
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows(min_row=2)}
    assert about["Reporting currency"] == "USD" and about["Exchange rate"] == "1 CNY = 0.1375 USD"
    empty = load(summary_workbook(summary, *frames_from_results({}), run_date="d", version="v"))["Line items"]
    assert empty.max_row == 1 and empty.auto_filter.ref == "A1:M1"  # no results: the headers only


def test_unknown_and_missing_columns_get_a_header_and_a_sensible_format():
    frame = pd.DataFrame({"scenario": ["a"], "gpu_hours": [12.5], "replicas": [3], "cache_share": [0.25],
                          "traffic.requests_per_day": [1e6]})
    ws = workbook_of(frame)
    assert headers(ws) == ["Scenario", "Gpu hours", "Replicas", "Cache share", "traffic.requests_per_day"]
    assert [c.number_format for c in ws[2]] == ["General", "#,##0.00##", "#,##0", "0.0##%", "#,##0"]


def test_column_widths_grow_with_content_and_cjk_counts_double():
    def width(text):
        return workbook_of(pd.DataFrame({"title": [text, "x"]})).column_dimensions["A"].width

    assert width("a" * 30) - width("a" * 20) == 10
    assert width("计" * 15) == width("a" * 30)
    assert width("a" * 500) == 62  # capped; such a column wraps
    ws = workbook_of(pd.DataFrame({"per_day": [1234567.891]}), currency="CNY")
    assert ws.column_dimensions["A"].width == len("1,234,567.89") + 2


def test_formula_injection_in_scenario_text_is_neutralised():
    res = {INJECTION: results(INJECTION, "CNY", title=INJECTION)}
    res[INJECTION]["items"][0]["item"] = "@SUM(A1:A9)"
    summary = summary_frame([(INJECTION, INJECTION, "CNY", 1.0)])
    wb = load(summary_workbook(summary, *frames_from_results(res), run_date="d", version="v"))
    texts = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" and c.value[:1] not in "=+-@" for c in texts)
    assert "'" + INJECTION in [c.value for c in texts]
    assert "'@SUM(A1:A9)" in [c.value for c in texts]


def test_no_absolute_paths_anywhere_in_the_workbook():
    tmp = tempfile.gettempdir()
    summary = summary_frame([("a", "A", "CNY", 1.0), ("b", "B", "CNY", 1.0)])
    summary["file"] = [f"{tmp}/run-x/broken file.yaml", str(ROOT / "data/scenarios/a.yaml")]
    summary["message"] = [f"FileNotFoundError: {tmp}/run-x/missing.yaml", "see https://example.org/a/b"]
    res = {"a": results("a", "CNY")}
    res["a"]["sources"][0]["source"] = f"{ROOT}/data/catalog/instances.csv"
    wb = load(summary_workbook(summary, *frames_from_results(res), run_date="d", version="v"))
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [t for t in texts if str(ROOT) in t or tmp in t or t.startswith("/")]
    assert {"broken file.yaml", "data/scenarios/a.yaml", "FileNotFoundError: missing.yaml",
            "see https://example.org/a/b", "data/catalog/instances.csv"} <= set(texts)


def test_the_bytes_do_not_depend_on_the_clock(monkeypatch):
    summary = summary_frame([("a", "A", "CNY", 1.0)])
    first = summary_workbook(summary, *frames_from_results({"a": results("a", "CNY")}), run_date="d", version="v")
    later = time.time() + 86_400
    monkeypatch.setattr(time, "time", lambda: later)  # what zip member times and "now" are read from
    assert summary_workbook(summary, *frames_from_results({"a": results("a", "CNY")}), run_date="d",
                            version="v") == first


def test_warnings_keep_their_code_in_results_json():
    report = evaluate(load_scenario(scenario_path("paper-example")))
    data = report.to_dict()
    assert data["warnings"] == report.warnings  # unchanged for older readers
    assert [w["code"] for w in data["warning_details"]] == ["utilisation", "utilisation"]
    assert [w["message"] for w in data["warning_details"]] == report.warnings
    _, warnings, sources = frames_from_results({"paper-example": data})
    assert list(warnings.code) == ["utilisation", "utilisation"]
    assert list(warnings.model) == ["model-a", "model-b"] and list(warnings.dimensions) == ["compute"] * 2
    assert len(sources) == len(report.sources)


def test_the_sweep_workbook_is_formatted():
    s = load_scenario(scenario_path("llm-query-rewrite"))
    table = sweep(s, [parse_axis("traffic.requests_per_day=1e5:1e7:3:log")])
    ws = load(sweep_workbook(table, s.currency))["Sweep"]
    cur = s.currency
    assert headers(ws) == ["traffic.requests_per_day", "Option", f"Per day ({cur})", f"Per 1,000 requests ({cur})",
                           f"Data cost / 数据成本, per day ({cur})", f"Model storage cost / 模型存储成本, per day ({cur})",
                           f"Compute cost / 计算资源成本, per day ({cur})", f"Staff cost / 人员成本, per day ({cur})",
                           f"Multi-model fusion cost / 多模型融合成本, per day ({cur})", "Feasible", "Unpriced items"]
    assert ws.max_row == len(table) + 1 == 7
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:K7"
    row = ws[2]
    assert [c.number_format for c in row[:9]] == ["#,##0", "General", "#,##0.00", "#,##0.0000", *["#,##0.00"] * 5]
    assert row[2].value == pytest.approx(table.per_day.iloc[0])


def test_read_results_skips_folders_without_a_readable_results_json(tmp_path):
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "results.json").write_text('{"items": []}', encoding="utf-8")
    (tmp_path / "torn").mkdir()
    (tmp_path / "torn" / "results.json").write_text('{"items": [', encoding="utf-8")  # an interrupted write
    (tmp_path / "failed").mkdir()  # a failed scenario writes none
    assert read_results(tmp_path, ["good", "torn", "failed", "absent"]) == {"good": {"items": []}}
