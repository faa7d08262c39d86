"""Batch reports: HTML chapters, index, summaries, fault isolation, atomic writes, escaping, browser."""

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, SCENARIOS
from tco import batch, evaluate
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
    for chapter in CHAPTERS:
        assert (good / f"{chapter}.html").stat().st_size > 10_000
        assert (good / f"{chapter}.ipynb").exists()
    results = json.loads((good / "results.json").read_text(encoding="utf-8"))
    expected = evaluate(SCENARIOS / "search-rerank-l4.yaml").totals["per_day"]
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
    assert len(pages) == 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text, page
        assert "&lt;script&gt;" in text, page


def test_rerun_replaces_cleanly_and_leaves_no_temporary_folders(report_set, tmp_path):
    _, out = report_set
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    (copy / "search-rerank-l4" / "stale.txt").write_text("from an older run", encoding="utf-8")
    assert batch.run_reports([str(SCENARIOS / "search-rerank-l4.yaml")], copy, jobs=1, chapters=["06-summary"],
                             progress=False) == 0
    assert not (copy / "search-rerank-l4" / "stale.txt").exists()
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".")) == []


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
