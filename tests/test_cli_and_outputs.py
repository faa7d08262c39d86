"""Command line, JSON fields (DESIGN section 4), schema export and the batch report folders."""

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, SCENARIOS

from tco.catalog import load_catalog
from tco.scenario import json_schema
from tco.text import display_width


def run(*args):
    return subprocess.run([sys.executable, "-m", "tco", *args], cwd=ROOT, capture_output=True, text=True)


def test_evaluate_json_fields():
    out = run("evaluate", str(SCENARIOS / "paper-example.yaml"), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data["totals"]) == {"per_day", "per_month", "per_year", "per_1k_requests"}
    assert data["totals"]["per_day"] == pytest.approx(5058.4795, abs=1e-4)
    assert {"dimension", "item", "model", "cost_per_day", "quantity", "unit", "formula"} <= set(data["items"][0])
    model = data["models"][0]
    assert {"throughput_rps_per_accelerator", "accelerators", "instances"} <= set(model)
    # the idle-fleet warning with its figure by hand: 100,000 requests/day = 1.157/s on one replica of
    # 500 requests/s is 1.157 / 500 = 0.23% of the paid accelerator-hours, written to one decimal
    assert 100_000 / 86_400 / 500 == pytest.approx(0.0023148, rel=1e-4)
    assert any(w.startswith("model-a: the accelerator-hours paid for are 0.2% used on average")
               for w in data["warnings"]), data["warnings"]


def test_evaluate_text_shows_currency_and_warnings():
    out = run("evaluate", str(SCENARIOS / "paper-example.yaml"))
    assert out.returncode == 0
    assert "5,058.48 CNY/day" in out.stdout
    assert "Warnings" in out.stdout


def test_catalog_command_lists_tables_with_age():
    out = run("catalog", "--as-of", "2026-11-22")
    assert out.returncode == 0
    assert "accelerators" in out.stdout and "stale_prices" in out.stdout
    assert "older than 18 months" in out.stdout


def test_schema_file_is_current():
    committed = json.loads((SCENARIOS / "schema.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(json_schema())), "run: python -m tco schema --write"


def run_at(columns, *args):
    """The command with the terminal ``columns`` wide (COLUMNS, as shutil.get_terminal_size reads it)."""
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "tco", *args], cwd=ROOT, capture_output=True, text=True, env=env)


@pytest.mark.parametrize("columns", [100, 160])
def test_catalog_table_fits_the_terminal_and_wraps_sources_whole(columns):
    out = run_at(columns, "catalog", "--table", "instances")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert max(display_width(line) for line in lines) <= columns  # was 577 characters wide
    # every instance is listed, and each source is there in full, its words whole: only a word
    # too wide for any line (a 100-character URL) may break, after a '/'
    frame = load_catalog().instances
    words, compact = set(out.stdout.split()), "".join(out.stdout.split())
    assert set(frame.instance) <= words
    for source in set(frame.source):
        assert "".join(source.split()) in compact, source
        assert {w for w in source.split() if len(w) <= 60} <= words, source


def test_catalog_overview_fits_the_terminal_and_never_calls_the_identity_rate_stale():
    out = run_at(100, "catalog", "--as-of", "2030-01-01")  # every fx rate is years old by then
    assert out.returncode == 0, out.stderr
    assert max(display_width(line) for line in out.stdout.splitlines()) <= 100
    assert "  - fx: CNY (as of 2026-06-01" in out.stdout and "  - fx: EUR (as of 2026-06-01" in out.stdout
    assert "fx: USD" not in out.stdout
    fx_row = next(line for line in out.stdout.splitlines() if line.startswith("fx "))
    assert fx_row.split()[-1] == "2"  # stale_prices: CNY and EUR, not the 1 USD per USD


def test_evaluate_text_keeps_columns_aligned_with_a_cjk_model_name(tmp_path):
    text = (SCENARIOS / "search-rerank-l4.yaml").read_text(encoding="utf-8")
    scenario = tmp_path / "cjk.yaml"
    scenario.write_text(text.replace("cross-encoder-base", "搜索推荐精排 cross-encoder for product search"),
                        encoding="utf-8")
    out = run_at(100, "evaluate", str(scenario))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    items = lines[lines.index("Line items (per day)") + 1:]
    items = items[:items.index("")]
    ends = {display_width(line[:m.end()]) for line in items if (m := re.search(r"\d\.\d\d(?=\s)", line))}
    assert len(ends) == 1  # the cost column ends at one display offset (CJK cells counted twice)
    assert "for product search]" in out.stdout and "精排" in out.stdout  # wrapped, not cut
