"""Ranges in scenarios and the vectorised Monte Carlo, tornado and Sobol analysis (tco.ranges,
tco.uncertainty): hand calculations, analytic percentiles, and the vectorised run against a loop
over ``evaluate``."""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from tco import ScenarioError, capacity, evaluate, load_scenario
from tco import uncertainty as unc
from tco.ranges import Range, _join, substitute

SCENARIOS = ROOT / "data/scenarios"


def raw(name: str) -> dict:
    return yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8"))


def with_range(name: str, path: str, spec: dict) -> dict:
    return substitute(raw(name), {path: spec})


# --- ranges in scenario files -------------------------------------------------------------------
def test_point_values_are_used_everywhere_else():
    data = with_range("search-rerank-l4", "traffic.cache_hit_rate", {"low": 0.2, "mode": 0.3, "high": 0.45})
    data = substitute(data, {"traffic.requests_per_day": {"p5": 2.5e7, "p95": 6.4e7, "dist": "lognormal"},
                             "models[0].serving.min_replicas": {"low": 1, "high": 4}})
    s = load_scenario(data)
    assert s.traffic.cache_hit_rate == 0.3                      # the mode
    assert s.traffic.requests_per_day == pytest.approx(4.0e7)   # the median, sqrt(2.5e7 x 6.4e7)
    assert s.models[0].serving.min_replicas == 2                # midpoint 2.5, an integer field: rounded
    assert s.ranges["models[0].serving.min_replicas"].integer
    # a bundled scenario with ranges costs exactly what the same file costs with each range written
    # as its point value, worked out here without tco.ranges: the median sqrt(p5 x p95) of a
    # lognormal, the mode of a triangular, the midpoint of a uniform.
    # (tests/test_golden_ranges_point_value.py derives such a total by hand, line by line.)
    raw = yaml.safe_load((SCENARIOS / "search-cascade.yaml").read_text(encoding="utf-8"))
    written = []

    def points(node):
        if isinstance(node, dict) and ({"low", "high"} <= set(node) or {"p5", "p95"} <= set(node)):
            written.append(node)
            if "p5" in node:
                return math.sqrt(node["p5"] * node["p95"])
            return node["mode"] if "mode" in node else (node["low"] + node["high"]) / 2
        if isinstance(node, dict):
            return {k: points(v) for k, v in node.items()}
        if isinstance(node, list):
            return [points(v) for v in node]
        return node

    by_hand = points(raw)
    assert len(written) == len(load_scenario(SCENARIOS / "search-cascade.yaml").ranges) == 9
    assert evaluate(SCENARIOS / "search-cascade.yaml").per_day == pytest.approx(evaluate(by_hand).per_day, rel=1e-12)


@pytest.mark.parametrize("spec, message", [
    ({"low": 0.5, "high": 0.2}, "range low (0.5) must be below high (0.2)"),
    ({"low": 0.2, "mode": 0.6, "high": 0.5}, "range needs low <= mode <= high"),
    ({"p5": 1, "p95": 2}, "a range is one of {low, high} (uniform); {low, mode, high} (triangular); "
                          "{p5, p95, dist: lognormal}; got keys p5, p95"),
    ({"p5": 0, "p95": 2, "dist": "lognormal"}, "lognormal range needs 0 < p5 < p95"),
    ({"low": "a", "high": 1}, "range values must be finite numbers"),
    ({"low": 0.1, "high": 0.2, "dist": "beta"}, "range dist 'beta' is not one of uniform, triangular, lognormal"),
    ({"low": 0.5, "high": 1.5}, "with the high end of its range (1.5): Input should be less than or equal to 1"),
])
def test_bad_ranges_name_the_field_and_the_forms(spec, message):
    with pytest.raises(ScenarioError) as err:
        load_scenario(with_range("search-rerank-l4", "traffic.cache_hit_rate", spec))
    assert "traffic.cache_hit_rate" in str(err.value) and message in str(err.value)


def test_range_ends_are_checked_against_cross_field_rules():
    data = with_range("search-cascade", "fusion.escalation[0]", {"low": 0.1, "high": 1.2})
    with pytest.raises(ScenarioError, match=r"every range at its high end: .*escalation"):
        load_scenario(data)


def test_the_json_schema_accepts_ranges_for_numbers():
    import jsonschema

    schema = json.loads((SCENARIOS / "schema.json").read_text(encoding="utf-8"))
    as_json = lambda data: json.loads(json.dumps(data, default=str))  # YAML dates as ISO strings
    jsonschema.validate(as_json(raw("search-cascade")), schema)  # escalation, mfu, fte... as ranges
    bad = with_range("search-rerank-l4", "traffic.cache_hit_rate", {"low": 0.1, "top": 0.3})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(as_json(bad), schema)


def test_quantiles_of_each_distribution():
    tri = Range("x", "triangular", low=0.0, mode=1.0, high=4.0)
    # F(x) = x^2 / 4 up to the mode, so the 25% quantile is the mode 1; above it 1 - F = (4 - x)^2 / 12,
    # so the 75% quantile solves (4 - x)^2 = 3
    assert tri.ppf(0.25) == pytest.approx(1.0)
    assert tri.ppf(0.75) == pytest.approx(4 - math.sqrt(3))
    logn = Range("x", "lognormal", p5=2.0, p95=50.0)
    assert logn.ppf([0.05, 0.5, 0.95]) == pytest.approx([2.0, 10.0, 50.0])  # median sqrt(2 x 50)
    assert Range("x", "lognormal", p5=0.5, p95=0.95, upper=1.0).ppf(0.999) == 1.0  # clipped to the field's bound
    assert Range("x", "uniform", low=1, high=4, integer=True).ppf([0.0, 0.4, 1.0]).tolist() == [1.0, 2.0, 4.0]


# --- Monte Carlo --------------------------------------------------------------------------------
def test_no_ranges_no_spread():
    scenario = load_scenario(SCENARIOS / "paper-example.yaml")
    assert not scenario.ranges
    mc = unc.monte_carlo(scenario, samples=500)
    table = mc.percentiles()
    assert (table["P5"] == table["point estimate"]).all() and (table["P95"] == table["point estimate"]).all()
    assert mc.point_per_day == pytest.approx(evaluate(SCENARIOS / "paper-example.yaml").per_day, rel=1e-12)


def test_a_linear_input_gives_the_analytic_percentiles():
    # acquisition = 80 GB/day x price / 0.8 usable = 100 x price; price uniform on [0.05, 0.15]
    s = load_scenario(with_range("search-rerank-l4", "data.sources[0].price_per_gb", {"low": 0.05, "high": 0.15}))
    base = evaluate(s).per_day - 100 * 0.10
    table = unc.monte_carlo(s, samples=20_000, seed=7).percentiles()
    for q, col in ((0.05, "P5"), (0.50, "P50"), (0.95, "P95")):
        assert table.loc["total per day", col] == pytest.approx(base + 100 * (0.05 + q * 0.10), abs=0.01)
        assert table.loc["data per day", col] - table.loc["data per day", "point estimate"] == \
            pytest.approx(100 * (0.05 + q * 0.10) - 10.0, abs=0.01)
    # only the data dimension moves
    assert table.loc["compute per day", "P5"] == table.loc["compute per day", "P95"]
    # the tornado: the total at each end of the range, by hand
    t = unc.tornado(s)
    assert t.loc[0, "total at low"] == pytest.approx(base + 5.0) and t.loc[0, "swing"] == pytest.approx(10.0)


def test_a_lognormal_traffic_range_gives_its_percentiles_where_cost_is_linear_in_traffic():
    # acquisition = gb_per_day x 0.1 CNY/GB / 0.8, linear in the volume; lognormal P5 40, P95 160 GB/day
    s = load_scenario(with_range("search-rerank-l4", "data.sources[0].gb_per_day",
                                 {"p5": 40, "p95": 160, "dist": "lognormal"}))
    base = evaluate(s).per_day - 0.1 * 80 / 0.8  # acquisition at the median 80 GB/day
    table = unc.monte_carlo(s, samples=20_000, seed=3).percentiles()
    assert table.loc["total per day", "P5"] == pytest.approx(base + 0.1 * 40 / 0.8, abs=0.02)
    assert table.loc["total per day", "P95"] == pytest.approx(base + 0.1 * 160 / 0.8, abs=0.02)


def test_same_seed_same_numbers_other_seed_other_numbers():
    s = load_scenario(SCENARIOS / "search-cascade.yaml")
    a, b = unc.monte_carlo(s, 2000, seed=11), unc.monte_carlo(s, 2000, seed=11)
    assert np.array_equal(a.costs.per_day, b.costs.per_day)
    assert a.percentiles().equals(b.percentiles())
    assert not np.array_equal(a.costs.per_day, unc.monte_carlo(s, 2000, seed=12).costs.per_day)
    assert unc.sobol(s, 256, seed=5).equals(unc.sobol(s, 256, seed=5))


def test_sobol_ranks_the_only_input_that_matters_first():
    s = load_scenario(substitute(raw("search-rerank-l4"), {
        "data.sources[0].price_per_gb": {"low": 0.05, "high": 0.15},
        "models[0].training.runs_per_month": {"low": 4.35, "high": 4.35000001},   # (almost) no effect
        "models[0].decode_batch": {"low": 8, "high": 32}}))  # an encoder decodes nothing: no effect
    table = unc.sobol(s, base_samples=512, seed=1)
    assert table.loc[0, "input"] == "Data source 'search and click logs (first-party)': price per GB"
    assert table.loc[0, "ST"] == pytest.approx(1.0, abs=0.05) and table.loc[0, "S1"] == pytest.approx(1.0, abs=0.05)
    assert (table.loc[1:, "ST"].abs() < 0.01).all()


def test_the_sentence_names_the_inputs_that_matter():
    s = load_scenario(SCENARIOS / "recsys-ranking-h100.yaml")
    mc = unc.monte_carlo(s, 4000)
    sobol = unc.sobol(s, 512)
    text = unc.drivers_sentence(mc, sobol, unc.tornado(s), s.currency)
    p = mc.percentiles().loc["total per day"]
    assert text.startswith(f"The daily cost is likely between {p['P5']:,.0f} and {p['P95']:,.0f} CNY")
    first = sobol.loc[0, "input"]
    assert f"Refine first: {first}" in text and first in {"Traffic: requests per day", "seq-ranker: model FLOPs utilisation (MFU)"}
    assert "embedding_cache_hit_rate" not in text  # compute-bound: the hot-row cache does not move the cost


def test_samples_that_miss_the_slo_are_counted_apart():
    from tco.ranges import extract

    points = extract(raw("search-cascade"))[0]  # every other input at its point value: one range only
    s = load_scenario(substitute(points, {"models[2].output_tokens": {"low": 16, "mode": 20, "high": 40}}))
    mc = unc.monte_carlo(s, 4000)

    def misses(tokens):
        data = copy.deepcopy(points)
        data["models"][2]["output_tokens"] = tokens
        try:
            evaluate(load_scenario(data), compare=False)
            return False
        except ScenarioError:
            return True

    # the output length t* above which the 600 ms SLO is missed, by bisection on evaluate (30.918 tokens)
    lo, hi = 20.0, 40.0
    assert not misses(lo) and misses(hi)
    for _ in range(20):
        lo, hi = (lo, (lo + hi) / 2) if misses((lo + hi) / 2) else ((lo + hi) / 2, hi)
    # the share of a triangular(16, 20, 40) above t* > 20: (40 - t*)^2 / ((40 - 16) (40 - 20)) = 0.1718
    expected = (40 - hi) ** 2 / (24 * 20)
    assert expected == pytest.approx(0.1718, abs=1e-3)
    assert mc.infeasible_share == pytest.approx(expected, abs=0.01)   # 4,000 samples: sd 0.006 if random
    assert np.isnan(mc.costs.per_day).sum() == round(mc.infeasible_share * 4000)
    assert np.isfinite(mc.percentiles().loc["total per day", "P95"])
    assert "no fleet meets a 600 ms SLO" in mc.to_text()
    assert "cannot be served as specified" in unc.sobol(s, 128).attrs["note"]
    assert math.isnan(unc.tornado(s).loc[0, "total at high"])  # 40 tokens: the SLO is missed at that end


# --- the vectorised run is the engine, sample by sample -------------------------------------------
def _every_number_as_a_range(data, path=""):
    """A uniform range below (or, for counts of 1, above) every non-zero number of a scenario."""
    if isinstance(data, dict):
        return {k: _every_number_as_a_range(v, _join(path, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [_every_number_as_a_range(v, _join(path, i)) for i, v in enumerate(data)]
    if isinstance(data, bool) or not isinstance(data, (int, float)) or data == 0:
        return data
    if isinstance(data, int):
        return {"low": data - 1, "high": data} if data > 1 else {"low": data, "high": data + 1}
    return {"low": data * 0.9, "high": data}


def _loadable(data) -> tuple:
    """Drop the ranges whose ends the schema refuses (e.g. a share that must stay below 1)."""
    point = copy.deepcopy(data)
    for _ in range(30):
        try:
            return load_scenario(point), point
        except ScenarioError as exc:
            bad = [p for p, _ in exc.problems]

            def strip(value, path=""):
                if isinstance(value, dict) and set(value) <= {"low", "high"} and any(
                        b == path or b.startswith(path + ".") or path.startswith(b + ".") for b in bad):
                    return value["high"]
                if isinstance(value, dict):
                    return {k: strip(v, _join(path, k)) for k, v in value.items()}
                if isinstance(value, list):
                    return [strip(v, _join(path, i)) for i, v in enumerate(value)]
                return value

            point = strip(point)
    raise AssertionError("could not make the scenario loadable")


@pytest.mark.parametrize("name", ["search-cascade", "llm-rerank-onprem", "recsys-ranking-h100", "paper-example",
                                  "llm-query-rewrite"])
def test_vectorised_costs_equal_a_loop_over_evaluate(name):
    """Every number of the scenario as a range; 24 samples (as many as hours: a misplaced axis
    would broadcast silently) costed in one pass equal 24 separate evaluations."""
    sc, data = _loadable(_every_number_as_a_range(raw(name)))
    assert len(sc.ranges) > 15
    values = unc.draw(sc, 24, seed=4)
    vector = unc.costs(sc, values)
    for k in range(24):
        point = substitute(data, {p: (int(v[k]) if sc.ranges[p].integer else float(v[k])) for p, v in values.items()})
        one = evaluate(load_scenario(point), compare=False)
        assert vector.per_day[k] == pytest.approx(one.per_day, rel=1e-9), k
        for dimension, value in one.by_dimension().items():
            assert vector.by_dimension[dimension][k] == pytest.approx(value, rel=1e-9, abs=1e-9), (k, dimension)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.floats(0.1, 500), st.floats(0.001, 0.5), st.integers(1, 8), st.floats(1.1, 20), st.floats(0.5, 0.999),
       st.integers(0, 40))
def test_replicas_for_slo_from_a_floor_and_below_a_known_count(lam, service, slots, slo_factor, p, floor):
    slo = service * slo_factor
    exact = capacity.replicas_for_slo(lam, service, slots, slo, p)
    assert capacity.replicas_for_slo(lam, service, slots, slo, p, at_least=floor) == max(exact, floor)
    assert capacity.replicas_for_slo(lam, service, slots, slo, p, known=exact) == exact
    assert capacity.replicas_for_slo(lam, service, slots, slo, p, known=exact + 7) == exact


# --- where it shows -------------------------------------------------------------------------------
def test_cli_prints_percentiles_and_json():
    run = [sys.executable, "-m", "tco", "evaluate", str(SCENARIOS / "recsys-ranking-h100.yaml")]
    out = subprocess.run(run + ["--samples", "2000"], capture_output=True, text=True, check=True).stdout
    assert "Monte Carlo: 2,000 samples (seed 2026) of 9 uncertain input(s)" in out and "P95" in out
    data = json.loads(subprocess.run(run + ["--samples", "500", "--seed", "3", "--json"], capture_output=True,
                                     text=True, check=True).stdout)
    p = data["uncertainty"]["percentiles"]["total per day"]
    assert p["P5"] < p["P50"] < p["P95"] and data["uncertainty"]["seed"] == 3
    bad = subprocess.run(run + ["--samples", "0"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--samples must be" in bad.stderr and "Traceback" not in bad.stderr


def test_summary_chapter_helpers():
    from tco import chapters as ch

    plain = ch.open_chapter(SCENARIOS / "paper-example.yaml")
    assert ch.uncertainty(plain) is None
    assert list(ch.totals_table(plain.report).index) == ["total"]
    # search-rerank-l4's only range is its business uplift: the cost has no spread and says why
    only_business = ch.uncertainty(ch.open_chapter(SCENARIOS / "search-rerank-l4.yaml"), samples=500)
    assert only_business.sentence.startswith("The daily cost is a single figure, 3,392 CNY: the inputs written as "
                                             "ranges are all business figures")
    assert only_business.tornado.empty and only_business.sobol.empty
    ranged = ch.open_chapter(SCENARIOS / "llm-rerank-cloud.yaml")
    u = ch.uncertainty(ranged, samples=2000)
    table = ch.totals_table(ranged.report, u)
    assert list(table.index) == ["total (point estimate)", "P5", "P50", "P95"]
    assert table.loc["P50", "per day"] == ch.money(u.mc.percentiles().loc["total per day", "P50"], "CNY")
    assert u.sentence.startswith("The daily cost is likely between")
    result = ch.results(ranged.report, "06-summary", uncertain=u)
    assert result["uncertainty"]["samples"] == 2000 and "Traffic: requests per day" in result["uncertainty"]["sobol_ST"]


def test_saving_from_the_explorer_keeps_the_ranges_nobody_changed(tmp_path):
    from tco.explorer import Explorer

    ex = Explorer(str(SCENARIOS / "search-cascade.yaml"))
    ex.cache.value = 0.35  # the analyst moves one control: that input becomes a number
    saved = load_scenario(ex.save(tmp_path / "mine.yaml"))
    assert saved.traffic.cache_hit_rate == 0.35
    assert set(saved.ranges) == set(load_scenario(SCENARIOS / "search-cascade.yaml").ranges) - {"traffic.cache_hit_rate"}
    assert saved.ranges["fusion.escalation[0]"].describe() == "triangular 0.1 / 0.2 / 0.35"


def test_report_sets_carry_the_percentiles(tmp_path):
    """`tco report`: the summary chapter's totals table and the index / summary.csv give P5-P95."""
    import pandas as pd

    from tco import batch

    out = tmp_path / "reports"
    batch.run_reports([SCENARIOS / "recsys-ranking-h100.yaml"], out, jobs=1, chapters=["06-summary"], progress=False)
    summary = pd.read_csv(out / "summary.csv")
    p = unc.monte_carlo(load_scenario(SCENARIOS / "recsys-ranking-h100.yaml")).percentiles().loc["total per day"]
    assert summary.per_day_p5.iloc[0] == pytest.approx(p["P5"]) and summary.per_day_p95.iloc[0] == pytest.approx(p["P95"])
    assert f"P5-P95 {p['P5']:,.0f}-{p['P95']:,.0f}" in (out / "index.html").read_text(encoding="utf-8")
    page = (out / "recsys-ranking-h100" / "06-summary.html").read_text(encoding="utf-8")
    assert "total (point estimate)" in page and f"{p['P95']:,.2f} CNY" in page
    assert "The daily cost is likely between" in page and "Refine first" in page
