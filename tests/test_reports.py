"""Batch reports: HTML chapters, index, summaries, fault isolation, atomic writes, escaping, browser."""

import html
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, SCENARIOS
from tco import ScenarioError, batch, evaluate, load_catalog
from tco import report_index as index_mod
from tco.compare import compare
from tco.scenario import load_scenario

CHAPTERS = ["01-data-cost", "06-summary"]
HOSTILE = "<script>alert('x')</script> & <b>bold</b>"


@pytest.fixture(scope="module")
def report_set(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reports")
    hostile = yaml.safe_load((SCENARIOS / "paper-example.yaml").read_text(encoding="utf-8"))
    hostile["name"] = "hostile-text"
    hostile["title"] = HOSTILE
    (tmp / "hostile.yaml").write_text(yaml.safe_dump(hostile, allow_unicode=True), encoding="utf-8")
    (tmp / "../broken file.yaml".replace("../", "")).write_text(
        "name: broken\ntraffic: {requests_per_day: -1}\nmodels: []\n", encoding="utf-8")
    files = [str(SCENARIOS / "search-rerank-l4.yaml"), str(tmp / "broken file.yaml"), str(tmp / "hostile.yaml")]
    out = tmp / "out"
    status = batch.run_reports(files, out, jobs=2, chapters=CHAPTERS, progress=False)
    return status, out


def test_good_scenarios_are_reported_and_the_failure_is_visible(report_set):
    status, out = report_set
    assert status == 1  # one scenario failed
    good = out / "search-rerank-l4"
    report = evaluate(SCENARIOS / "search-rerank-l4.yaml")
    # each page shows its figure, as the chapters write money: the data dimension, then the total
    for chapter, figure in zip(CHAPTERS, (report.by_dimension()["data"], report.per_day)):
        assert f"{figure:,.2f} {report.currency}" in (good / f"{chapter}.html").read_text(encoding="utf-8"), chapter
        assert (good / f"{chapter}.ipynb").exists()
    results = json.loads((good / "results.json").read_text(encoding="utf-8"))
    expected = report.totals["per_day"]
    assert results["totals"]["per_day"] == pytest.approx(expected, rel=1e-12)
    # the broken scenario: its failed notebook is kept with the error, its page shows it
    broken = out / "broken-file"
    assert "traffic.requests_per_day" in (broken / "error.txt").read_text(encoding="utf-8")
    page = (broken / "01-data-cost.html").read_text(encoding="utf-8")
    assert "traffic.requests_per_day" in page
    assert not (broken / "06-summary.html").exists()  # stopped after the chapter that shows why


def test_index_and_summaries(report_set):
    _, out = report_set
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="comparison"' in index and 'id="chart"' in index
    assert "search-rerank-l4/06-summary.html" in index and "search-rerank-l4/01-data-cost.html" in index
    assert "failed" in index and "traffic.requests_per_day" in index
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.scenario) == ["search-rerank-l4", "broken-file", "hostile-text"]
    assert list(summary.status) == ["ok", "failed", "ok"]
    # pages link each other as HTML (a link to a notebook would open its raw JSON in a browser)
    page = (out / "search-rerank-l4" / "06-summary.html").read_text(encoding="utf-8")
    assert 'href="01-data-cost.html"' in page and 'href="01-data-cost.ipynb"' not in page
    # everything is readable by everyone: files 0644, folders 0755
    for path in [out / "index.html", out / "summary.xlsx", out / "search-rerank-l4",
                 *(out / "search-rerank-l4").rglob("*")]:
        assert path.stat().st_mode & 0o777 == (0o755 if path.is_dir() else 0o644), path
    xlsx = pd.read_excel(out / "summary.xlsx", sheet_name="Summary")
    assert xlsx["Per day (CNY)"].iloc[0] == pytest.approx(summary.per_day.iloc[0])
    assert {"data_per_day", "compute_per_day", "fusion_per_day", "per_1k_requests"} <= set(summary.columns)


def test_summary_workbook_has_every_scenarios_rows_and_no_local_paths(report_set):
    """summary.xlsx gathers the line items, warnings and sources of each scenario's results.json;
    the broken scenario's file (in a temporary folder) shows by name, not by its absolute path."""
    import openpyxl

    _, out = report_set
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    assert wb.sheetnames == ["Summary", "Line items", "Warnings", "Sources", "About"]
    saved = [json.loads((out / name / "results.json").read_text(encoding="utf-8"))
             for name in ("search-rerank-l4", "hostile-text")]
    assert wb["Line items"].max_row - 1 == sum(len(r["items"]) for r in saved)
    assert wb["Warnings"].max_row - 1 == sum(len(r["warnings"]) for r in saved)
    assert wb["Sources"].max_row - 1 == sum(len(r["sources"]) for r in saved)
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "broken file.yaml" in texts and HOSTILE in texts
    assert not [t for t in texts if str(ROOT) in t or str(out.parent) in t or t.startswith("/")]


def test_scenario_text_is_escaped_everywhere(report_set):
    _, out = report_set
    pages = [out / "index.html", *sorted((out / "hostile-text").glob("*.html"))]
    assert [p.name for p in pages[1:]] == ["01-data-cost.html", "06-summary.html", "warnings.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text, page
        assert "&lt;script&gt;" in text, page


def test_rerun_replaces_cleanly_and_leaves_no_temporary_folders(report_set, tmp_path):
    """A re-run with --chapters replaces the chapters named and keeps the others (issue 15, item 3);
    the index and summaries still list the scenarios of the earlier run, with their dates (item 4)."""
    _, out = report_set
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    good = copy / "search-rerank-l4"
    (good / "stale.txt").write_text("from an older run", encoding="utf-8")
    kept_page = (good / "01-data-cost.html").read_bytes()
    # the earlier run, as if it had been an older one: its dates must survive in the new index
    for folder in (good, copy / "hostile-text", copy / "broken-file"):
        meta = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        meta["run_date"] = "2000-01-02 03:04"
        meta["chapters"] = {c: {**info, "run_date": "2000-01-02 03:04"} for c, info in meta["chapters"].items()}
        (folder / "report.json").write_text(json.dumps(meta), encoding="utf-8")
    assert batch.run_reports([str(SCENARIOS / "search-rerank-l4.yaml")], copy, jobs=1, chapters=["06-summary"],
                             progress=False) == 0
    assert not (good / "stale.txt").exists()  # only the chapters are carried over, nothing else
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".")) == []
    assert (good / "01-data-cost.html").read_bytes() == kept_page
    assert (good / "01-data-cost.ipynb").exists() and (good / "chapters" / "01-data-cost.json").exists()
    meta = json.loads((good / "report.json").read_text(encoding="utf-8"))
    assert meta["chapters"]["01-data-cost"]["run_date"] == "2000-01-02 03:04"  # kept, with its own date
    assert meta["chapters"]["06-summary"]["run_date"] > "2000-01-02 03:04"  # this run
    assert meta["run_date"] == meta["chapters"]["06-summary"]["run_date"]
    assert good.stat().st_mode & 0o777 == 0o755 and (good / "chapters").stat().st_mode & 0o777 == 0o755
    index = (copy / "index.html").read_text(encoding="utf-8")
    for chapter in CHAPTERS:
        assert f'href="search-rerank-l4/{chapter}.html"' in index
    summary = pd.read_csv(copy / "summary.csv")
    assert list(summary.scenario) == ["search-rerank-l4", "broken-file", "hostile-text"]  # this run first
    assert list(summary.status) == ["ok", "failed", "ok"]
    assert list(summary.run_date[1:]) == ["2000-01-02 03:04"] * 2
    assert index.count("2000-01-02 03:04") >= 2 and "traffic.requests_per_day" in index
    assert "hostile-text/06-summary.html" in index and "oldest chapter <span class=\"date\">2000-01-02 03:04</span>" in index


def test_chapter_links_lead_only_to_pages_the_folder_holds(report_set):
    """A page links to the chapters that were run; the others are marked, not dead links (issue 15, item 1)."""
    import re

    _, out = report_set
    for folder in (out / "search-rerank-l4", out / "hostile-text", out / "broken-file"):
        for page in folder.glob("*.html"):
            text = page.read_text(encoding="utf-8")
            local = [h for h in re.findall(r'href="([^"#:]+)"', text) if not h.startswith(("http", "data"))]
            assert local, page
            for href in local:
                assert (folder / href).exists(), f"{page.name} links to missing {href}"
    summary = (out / "search-rerank-l4" / "06-summary.html").read_text(encoding="utf-8")
    assert 'href="01-data-cost.html"' in summary
    assert 'data-chapter="03-compute-cost" title="not in this report"' in summary
    assert 'href="03-compute-cost.html"' not in summary


def test_a_failed_chapter_shows_no_absolute_path(report_set):
    _, out = report_set
    page = (out / "broken-file" / "01-data-cost.html").read_text(encoding="utf-8")
    assert "broken file.yaml" in page and str(out.parent) not in page


def test_summary_names_files_without_absolute_paths(report_set):
    _, out = report_set
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.file) == ["data/scenarios/search-rerank-l4.yaml", "broken file.yaml", "hostile.yaml"]
    assert json.loads((out / "hostile-text" / "report.json").read_text(encoding="utf-8"))["file"] == "hostile.yaml"
    text = (out / "summary.csv").read_text(encoding="utf-8")
    assert str(out.parent) not in text and "Scenario broken file.yaml is not valid" in text  # the message too


def test_warnings_are_counted_by_kind_and_listed_in_full(tmp_path):
    """The index counts each scenario's warnings by kind, quotes the first ones and links the full list.
    search-rerank-l4 estimated in 2029: every catalog price it uses is then over 18 months old, so it
    has more warnings than the index quotes."""
    data = yaml.safe_load((SCENARIOS / "search-rerank-l4.yaml").read_text(encoding="utf-8"))
    data["name"], data["as_of"] = "aged-rerank", "2029-01-01"
    (tmp_path / "aged.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    assert batch.run_reports([str(tmp_path / "aged.yaml")], out, jobs=1, chapters=["01-data-cost"], progress=False) == 0
    report = evaluate(tmp_path / "aged.yaml")
    assert len(report.warning_codes) == len(report.warnings) > index_mod.FIRST_WARNINGS
    assert report.warning_codes.count("stale") >= 5
    assert set(report.warning_codes) <= set(index_mod.WARNING_KINDS)
    meta = json.loads((out / "aged-rerank" / "report.json").read_text(encoding="utf-8"))
    assert [w["code"] for w in meta["warnings"]] == report.warning_codes
    assert [w["message"] for w in meta["warnings"]] == report.warnings
    counts = Counter(report.warning_codes)
    kinds = " · ".join(f"{k} {counts[k]}" for k in index_mod.WARNING_KINDS if counts[k])
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"<small>{html.escape(kinds)}</small>" in index
    assert f'{len(report.warnings)} warning(s), {html.escape(kinds)}' in index
    assert html.escape(report.warnings[0]) in index
    assert html.escape(report.warnings[-1]) not in index  # beyond the first few: on the warnings page
    assert 'href="aged-rerank/warnings.html"' in index
    page = (out / "aged-rerank" / "warnings.html").read_text(encoding="utf-8")
    assert page.count('<li class="warning">') == len(report.warnings)
    assert all(html.escape(w) in page for w in report.warnings) and "tco-banner" in page
    assert "word-break: keep-all" in index  # Chinese headings do not wrap mid-word


# ------------------------------------------------------------------------------------------
# The index's functions with hand-made inputs (no notebooks run)
# ------------------------------------------------------------------------------------------
FX = pd.read_csv(ROOT / "data" / "catalog" / "fx.csv", index_col="currency").per_usd


def _entry(name, currency, per_day, per_1k, warnings=()):
    """Metadata as report.json holds it: a scenario costing ``per_day`` a day, 60% of it compute."""
    summary = {"per_day": per_day, "per_month": per_day * 30, "per_year": per_day * 365, "per_1k_requests": per_1k,
               "data_per_day": 0.1 * per_day, "storage_per_day": 0.1 * per_day, "compute_per_day": 0.6 * per_day,
               "staff_per_day": 0.2 * per_day, "fusion_per_day": 0.0, "warnings": len(warnings)}
    chapters = {"06-summary": {"status": "ok", "run_date": "2026-12-01 10:00"}}
    return index_mod.metadata(name, f"<i>{name}</i>", f"{name}.yaml", "ok", "", currency, chapters, summary,
                              [{"code": c, "message": f"{c} #{i}"} for i, c in enumerate(warnings)])


def test_a_mixed_currency_set_is_converted_at_the_fx_csv_rates():
    catalog = load_catalog()
    entries = [_entry("eur-a", "EUR", 100.0, 2.0), _entry("cny-b", "CNY", 727.34, 50.0),
               _entry("cny-c", "CNY", 1000.0, 10.0, ["stale", "stale", "estimate"])]
    currency = index_mod.choose_currency(e["currency"] for e in entries)
    assert currency == "CNY"  # two CNY against one EUR
    summary = index_mod.summary_frame(entries, currency, catalog).set_index("scenario")
    # 100 EUR = 100 / (EUR per USD) USD = 100 / (EUR per USD) * (CNY per USD) CNY
    eur_in_cny = FX["CNY"] / FX["EUR"]
    assert summary.loc["eur-a", "per_day"] == pytest.approx(100.0 * eur_in_cny, rel=1e-12)
    assert summary.loc["eur-a", "per_1k_requests"] == pytest.approx(2.0 * eur_in_cny, rel=1e-12)
    assert summary.loc["eur-a", "compute_per_day"] == pytest.approx(60.0 * eur_in_cny, rel=1e-12)
    assert summary.loc["eur-a", "per_day_in_scenario_currency"] == 100.0
    assert summary.loc["eur-a", "scenario_currency"] == "EUR" and summary.loc["eur-a", "currency"] == "CNY"
    assert summary.loc["cny-b", "per_day"] == 727.34 and summary.loc["cny-b", "fx_rate"] == 1.0
    assert summary.loc["cny-c", "warnings_by_kind"] == "stale 2, estimate 1"
    usd = index_mod.summary_frame(entries, "USD", catalog).set_index("scenario")
    assert usd.loc["cny-b", "per_day"] == pytest.approx(727.34 / FX["CNY"], rel=1e-12)
    assert usd.loc["eur-a", "per_day"] == pytest.approx(100.0 / FX["EUR"], rel=1e-12)
    page = index_mod.index_html(entries, index_mod.summary_frame(entries, currency, catalog), "2026-12-05 06:00",
                                currency, catalog)
    assert f"1 EUR = {eur_in_cny:.6g} CNY" in page and "FRED series EXCHUS" in page and "2026-06-01" in page
    assert f"{100.0 * eur_in_cny:,.2f}" in page and "EUR 100.00" in page  # converted, and its own figure
    assert "<i>" not in page and "&lt;i&gt;eur-a&lt;/i&gt;" in page
    assert 'href="cny-c/warnings.html"' in page and "stale 2 · estimate 1" in page


def test_reporting_currency_default_and_validation(tmp_path):
    assert index_mod.choose_currency(["CNY", "EUR", "CNY", "USD"]) == "CNY"
    assert index_mod.choose_currency(["EUR", "CNY"]) == "CNY"  # a tie: alphabetical
    assert index_mod.choose_currency(["EUR", "USD", "CNY"]) == "USD"  # a tie with USD: USD
    assert index_mod.check_currency("eur", load_catalog()) == "EUR"
    with pytest.raises(ScenarioError) as err:
        batch.run_reports([str(SCENARIOS / "paper-example.yaml")], tmp_path / "out", currency="XYZ", progress=False)
    assert "--currency" in str(err.value) and "CNY, EUR, USD" in str(err.value) and "'XYZ'" in str(err.value)
    assert not (tmp_path / "out").exists()  # nothing written
    cli = subprocess.run([sys.executable, "-m", "tco", "report", "--currency", "XYZ", "--out", str(tmp_path / "o")],
                         cwd=ROOT, capture_output=True, text=True)
    assert cli.returncode != 0 and "Traceback" not in cli.stderr and "allowed" in cli.stderr


def test_the_chart_is_linear_and_cuts_an_outlier_with_its_value():
    catalog = load_catalog()
    entries = [_entry("a", "CNY", 1000.0, 50.0), _entry("b", "CNY", 500.0, 2.0), _entry("c", "CNY", 400.0, 1.5),
               _entry("d", "CNY", 100.0, 0.5)]
    fig = index_mod.chart_figure(index_mod.summary_frame(entries, "CNY", catalog), "CNY")
    left = fig.axes[0]
    assert left.get_xscale() == "linear"
    assert left.get_xlim() == pytest.approx((0.0, 2.0 * 1.3))  # the axis ends past b (2.0), not at a (50)
    widths = [bar.get_width() for bar in left.patches]
    assert widths == pytest.approx([2.2, 2.0, 1.5, 0.5])  # a is cut just past the others
    labels = [t.get_text().strip() for t in left.texts]
    assert labels == ["50 (bar cut)", "2", "1.5", "0.5"]
    import matplotlib.pyplot as plt

    plt.close(fig)
    # nothing cut when the values are comparable, even if they differ by a factor of 3
    assert index_mod.axis_limit([3.0, 1.0, 2.0]) == 3.0
    assert index_mod.axis_limit([100.0, 90.0, 1.0]) == 100.0  # no more than half of the bars are cut


def test_folders_of_older_runs_are_listed_with_what_can_be_read(tmp_path):
    report = evaluate(SCENARIOS / "paper-example.yaml")
    old = tmp_path / "paper-example"
    old.mkdir()
    (old / "results.json").write_text(report.to_json(), encoding="utf-8")
    (old / "06-summary.html").write_text(
        '<body><div class="tco-banner">Report run: 2025-11-30 08:00 · tco 0.0.9</div></body>', encoding="utf-8")
    (tmp_path / "mystery").mkdir()
    (tmp_path / "mystery" / "01-data-cost.html").write_text("<body></body>", encoding="utf-8")
    (tmp_path / "not-a-report").mkdir()
    (tmp_path / ".staging.x").mkdir()
    entries = index_mod.read_folders(tmp_path)
    assert [e["name"] for e in entries] == ["mystery", "paper-example"]
    mystery, paper = entries
    assert mystery["status"] == "unknown" and list(mystery["chapters"]) == ["01-data-cost"]
    assert paper["status"] == "ok" and paper["run_date"] == "2025-11-30 08:00" and paper["currency"] == "CNY"
    assert paper["summary"]["per_day"] == pytest.approx(report.per_day)
    assert [w["message"] for w in paper["warnings"]] == report.warnings
    summary = index_mod.summary_frame(entries, "CNY", load_catalog())
    page = index_mod.index_html(entries, summary, "2026-12-05 06:00", "CNY", load_catalog())
    assert "No readable metadata" in page and 'href="paper-example/06-summary.html"' in page


def test_an_interrupted_scenario_leaves_no_report_that_looks_complete(tmp_path, monkeypatch):
    import papermill

    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch.report_scenario(SCENARIOS / "paper-example.yaml", tmp_path, CHAPTERS, "2026-11-22 00:00")
    assert calls and list(tmp_path.iterdir()) == []  # neither a report folder nor a staging folder


def test_safe_names():
    assert batch.safe_name("../../etc/passwd") == "etc-passwd"
    assert batch.safe_name("Search Re-Ranking (L4)") == "search-re-ranking-l4"


def test_compare_explains_each_change(tmp_path):
    a = load_scenario(SCENARIOS / "search-rerank-l4.yaml")
    data = yaml.safe_load((SCENARIOS / "search-rerank-l4.yaml").read_text(encoding="utf-8"))
    data["traffic"]["requests_per_day"] *= 2
    data["staff"]["day_rate"] = data["staff"]["day_rate"] * 1.5
    b_path = tmp_path / "b.yaml"
    b_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = compare(a, load_scenario(b_path))
    items = result.items.set_index(["dimension", "item"])
    serving = items.loc[("compute", "inference serving")]
    assert serving.delta_per_day > 0 and "traffic.requests_per_day" in serving.because
    upkeep = items.loc[("staff", "model upkeep")]
    assert "staff.day_rate" in upkeep.because and "requests_per_day" not in upkeep.because
    ra, rb = evaluate(a), evaluate(load_scenario(b_path))
    assert result.totals["per_day"]["change"] == pytest.approx(rb.per_day - ra.per_day)
    assert result.items.delta_per_day.sum() == pytest.approx(rb.per_day - ra.per_day)
    cli = subprocess.run([str(Path(__import__("sys").executable)), "-m", "tco", "compare",
                          str(SCENARIOS / "search-rerank-l4.yaml"), str(b_path), "--json"],
                         cwd=ROOT, capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["totals"]["per_day"]["change"] == pytest.approx(rb.per_day - ra.per_day)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium'; .ci/run "
                                              "installs it); the browser check cannot run here")
def test_pages_render_in_a_real_browser(report_set, tmp_path):
    from PIL import Image

    _, out = report_set
    for page, must in [(out / "index.html", ['id="comparison"', 'id="chart"', "search-rerank-l4"]),
                       (out / "search-rerank-l4" / "06-summary.html", ["<table", "<img", "tco-banner"])]:
        profile = tmp_path / f"profile-{page.stem}"
        dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                             capture_output=True, text=True, timeout=120)
        for text in must:
            assert text in dom.stdout, (page, text)
        shot = tmp_path / f"{page.stem}.png"
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--window-size=1280,1600",
                        f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
        import numpy as np

        dark = int((np.asarray(Image.open(shot).convert("L")) < 128).sum())
        assert dark > 5_000, (page, dark)  # text, table rules and chart bars were drawn
