"""Command line, JSON fields (DESIGN section 4), schema export and the batch report folders."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT, SCENARIOS

from tco.scenario import json_schema


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
    assert isinstance(data["warnings"], list)


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
