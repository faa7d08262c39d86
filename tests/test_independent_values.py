"""Where each area that is tested by comparing the code with itself is also tested against an
independent value (a hand calculation, a published figure or an identity).

The self-comparisons (explorer against ``evaluate``, chapter JSON against ``evaluate``, batch reports
against ``evaluate``, vectorised uncertainty against a loop, catalog defaults against the validation
derivation) check consistency: two paths through the code agree. They cannot see a formula that is
wrong in both. Each area below therefore also has a test whose expected value is derived without the
code:

======================  =====================================================================  ===========================
area                    independent test                                                       kind of value
======================  =====================================================================  ===========================
explorer                test_independent_values.py::test_explorer_shows_the_hand_derived_api_bill  hand calculation
                        (180 USD/day; 112.50 after a 50% result cache)
chapters                test_independent_values.py::test_chapter_results_hold_the_hand_derived_fleet  hand calculation
                        (MoE generative golden: 10 H200, 2,400 USD/day)
                        test_independent_values.py::test_chapter_totals_are_per_day_times_the_month  identity
reports (batch, index)  test_independent_values.py::test_report_index_converts_the_hand_derived_total  hand calculation
                        test_reports.py::test_a_mixed_currency_set_is_converted_at_the_fx_csv_rates  identity (FX rates)
uncertainty             test_uncertainty.py::test_a_linear_input_gives_the_analytic_percentiles  closed form
                        test_uncertainty.py::test_a_lognormal_traffic_range_gives_its_percentiles_where_cost_is_linear_in_traffic
                        test_golden_ranges_point_value.py (point values of ranges, by hand)      hand calculation
validation              test_validation.py::test_llama2_7b_training_hours_by_hand,                hand calculation
                        ::test_bert_offline_and_server_by_hand, ::test_llama2_70b_offline_by_hand  against published
                        ::test_dlrm_is_compute_bound_with_int8_embeddings                         measurements
plots                   test_plots.py (bar lengths equal the CPU-fleet golden's hand values)      hand calculation
sizing parts            test_sizing_parts.py, test_sizing.py (hand-calculated cases)              hand calculation
hosted API              test_golden_api_cached.py (tiers, cached share, break-even)               hand calculation
MoE generative          test_golden_moe_generative.py (decode, prefill, fleet, speculative)       hand calculation
CPU fleet, regions,     test_golden_cpu_fleet.py, test_golden_two_regions.py,                     hand calculation
autoscaling, cascade,   test_golden_autoscaled_billing.py, test_golden_cascade.py,
SLO-bound fleet, MoE    test_golden_slo_bound_fleet.py, test_golden_moe.py,
encoder, on premises    test_golden_llm_rerank_onprem.py, test_golden_paper_example.py
======================  =====================================================================  ===========================
"""

import re
from pathlib import Path

import pytest
import yaml

import test_golden_api_cached as api
import test_golden_moe_generative as moe
from tco import evaluate, load_catalog
from tco import chapters
from tco import report_index as index_mod


def write(tmp_path, data, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_explorer_shows_the_hand_derived_api_bill(tmp_path):
    from tco.explorer import Explorer

    ex = Explorer(write(tmp_path, api.scenario(), "golden-api"))
    shown = ex.figures()
    # the only line is the hosted API: 800 M input tokens x (0.4 x 0.15 + 0.6 x 0.075) + 160 M x 0.6 = 180 USD/day
    assert shown["per_day"] == pytest.approx(api.STANDARD, rel=1e-12)
    assert shown["compute_per_day"] == pytest.approx(api.STANDARD, rel=1e-12)
    assert f"{api.STANDARD:,.2f} USD" in ex.totals.value                  # "180.00 USD"
    # a 50% result cache leaves 500,000 of the 1,000,000 requests: the bill scales to 180 x 5 / 8 = 112.50
    ex.cache.value = 0.5
    assert ex.figures()["per_day"] == pytest.approx(api.STANDARD * 500_000 / api.Q, rel=1e-12)


def test_chapter_results_hold_the_hand_derived_fleet(tmp_path):
    chapter = chapters.open_chapter(write(tmp_path, moe.scenario(), "golden-moe-gen"))
    got = chapters.results(chapter.report, "03-compute-cost", "compute")
    # 10 replicas of one H200 at 10 USD/hour, all day: 10 x 24 x 10 = 2,400 USD/day
    assert [m["accelerators"] for m in got["models"]] == [moe.REPLICAS] == [10]
    assert got["models"][0]["throughput_rps_per_accelerator"] == pytest.approx(moe.RATE, rel=1e-9)   # 15.452
    serving = [i for i in got["items"] if i["item"] == "inference serving"]
    assert [i["cost_per_day"] for i in serving] == pytest.approx([moe.COST])
    assert got["dimension_per_day"] == pytest.approx(moe.COST, rel=1e-12)


def test_chapter_totals_are_per_day_times_the_month(tmp_path):
    chapter = chapters.open_chapter(write(tmp_path, api.scenario(), "golden-api"))
    totals = chapters.results(chapter.report, "06-summary")["totals"]
    # identities: a month is 365 / 12 days, a year 365; per 1,000 of the scenario's requests (before the cache)
    assert totals["per_month"] == pytest.approx(api.STANDARD * 365 / 12, rel=1e-12)     # 5,475
    assert totals["per_year"] == pytest.approx(api.STANDARD * 365, rel=1e-12)           # 65,700
    assert totals["per_1k_requests"] == pytest.approx(api.STANDARD / 1000, rel=1e-12)   # 0.18 USD


def test_report_index_converts_the_hand_derived_total():
    report = evaluate(api.scenario())
    summary = {**report.totals, **{f"{d}_per_day": v for d, v in report.by_dimension().items()}, "warnings": 0}
    entry = index_mod.metadata("golden-api", "Hosted API", "golden-api.yaml", "ok", "", "USD",
                               {"06-summary": {"status": "ok", "run_date": ""}}, summary, [])
    row = index_mod.summary_frame([entry], "CNY", load_catalog()).iloc[0]
    # 180 USD/day x 6.7758 CNY per USD (fx.csv) = 1,219.64 CNY/day
    assert row["per_day"] == pytest.approx(api.STANDARD * api.FX, rel=1e-12)
    assert row["compute_per_day"] == pytest.approx(api.STANDARD * api.FX, rel=1e-12)
    assert row["per_day_in_scenario_currency"] == pytest.approx(api.STANDARD, rel=1e-12)


def test_the_map_names_tests_that_exist():
    """Every ``file.py::test`` (or ``::test`` continuing the file above it) in the table is a test of that file."""
    here = Path(__file__).parent
    current = None
    named = 0
    for line in __doc__.splitlines():
        for file_name, test in re.findall(r"(test_\w+\.py)?::(test_\w+)", line):
            current = file_name or current
            source = (here / current).read_text(encoding="utf-8")
            assert f"def {test}(" in source, f"{current}::{test}"
            named += 1
        for file_name in re.findall(r"(test_\w+\.py)(?!::)", line):
            assert (here / file_name).exists(), file_name
    assert named >= 10
