"""The business return (tco.business, issue 17 part 1): hand calculations on the bundled scenarios,
the Monte Carlo probability that a deployment pays for itself, missing inputs, bounds."""

import json
import math

import numpy as np
import pytest
import yaml

from conftest import SCENARIOS
from tco import ScenarioError, business, evaluate, load_scenario
from tco.scenario import parse_scenario
from tco.uncertainty import monte_carlo


def test_search_rerank_case_by_hand():
    """search-rerank-l4: 40 M searches/day x 3% = 1.2 M orders; x 180 CNY = 216 M CNY GMV; x 15% =
    32.4 M CNY gross profit. The uplift is uniform 0.1%-1%, whose point value is the midpoint 0.55%."""
    report = evaluate(SCENARIOS / "search-rerank-l4.yaml")
    b = report.business
    cost = report.per_day
    assert b["sessions_basis"] == "traffic.requests_per_day" and b["sessions_per_day"] == 4e7
    assert b["orders_per_day"] == pytest.approx(1_200_000)
    assert b["gmv_per_day"] == pytest.approx(216_000_000)
    assert b["gross_profit_per_day"] == pytest.approx(32_400_000)
    assert b["cost_per_order"] == pytest.approx(cost / 1_200_000)
    assert b["cost_share_of_gmv"] == pytest.approx(cost / 216_000_000)
    assert b["break_even_uplift"] == pytest.approx(cost / 32_400_000)  # attribution 1
    assert b["uplift"] == pytest.approx(0.0055)
    assert b["added_gross_profit_per_day"] == pytest.approx(32_400_000 * 0.0055)  # 178,200
    assert b["net_value_per_day"] == pytest.approx(178_200 - cost)
    assert b["payback_days"] == pytest.approx(150_000 / (178_200 - cost))
    assert b["missing"] == []
    assert json.loads(report.to_json())["business"]["net_value_per_day"] == pytest.approx(178_200 - cost)
    assert "Break-even uplift +0.010%" in report.to_text()  # 3,391.58 / 32.4 M = 0.01047%


def test_attribution_and_given_sessions_by_hand():
    """recsys-ranking-h100: 65 M sessions (midpoint of 40-90 M) x 2% (midpoint of 1-3%) = 1.3 M orders;
    x 150 CNY x 15% = 29.25 M CNY gross profit; 80% of the lift credited: break-even = cost / 23.4 M."""
    report = evaluate(SCENARIOS / "recsys-ranking-h100.yaml")
    b = report.business
    assert b["sessions_basis"] == "business.sessions_per_day"
    assert b["gross_profit_per_day"] == pytest.approx(65e6 * 0.02 * 150 * 0.15)
    assert b["break_even_uplift"] == pytest.approx(report.per_day / (29_250_000 * 0.8))
    assert b["net_value_per_day"] == pytest.approx(29_250_000 * 0.011 * 0.8 - report.per_day)


def test_missing_inputs_leave_their_figures_out_and_say_so():
    data = yaml.safe_load((SCENARIOS / "search-rerank-l4.yaml").read_text(encoding="utf-8"))
    data["business"] = {"conversion_rate": 0.02}
    report = evaluate(parse_scenario(data))
    b = report.business
    assert b["orders_per_day"] == pytest.approx(800_000) and b["cost_per_order"] == pytest.approx(report.per_day / 8e5)
    assert math.isnan(b["gross_profit_per_day"]) and math.isnan(b["net_value_per_day"])
    assert b["missing"] == ["average_order_value", "gross_margin", "uplift"]
    text = report.to_text()
    assert "Not given (the figures that need them are left out): business.average_order_value" in text
    assert "Break-even" not in text
    assert evaluate(SCENARIOS / "paper-example.yaml").business is None  # no section, no case


@pytest.mark.parametrize("field, value", [("conversion_rate", 1.5), ("gross_margin", 0), ("uplift", -2),
                                          ("attribution", 1.2), ("average_order_value", 1e9)])
def test_out_of_range_business_inputs_are_refused(field, value):
    data = yaml.safe_load((SCENARIOS / "search-rerank-l4.yaml").read_text(encoding="utf-8"))
    data["business"][field] = value
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    assert f"business.{field}" in str(info.value)


def test_probability_of_paying_off_is_the_share_of_samples_with_positive_net_value():
    """llm-rerank-cloud: recompute each sample's net value from its drawn inputs and its costed
    total, independently of tco.business, and compare the share above zero."""
    scenario = load_scenario(SCENARIOS / "llm-rerank-cloud.yaml")
    mc = monte_carlo(scenario, samples=2000, seed=7)
    x = mc.inputs
    ok = mc.costs.feasible
    profit = x["traffic.requests_per_day"] * x["business.conversion_rate"] * x["business.average_order_value"] \
        * x["business.gross_margin"]
    net = profit * x["business.uplift"] * 1.0 - mc.costs.per_day
    assert mc.p_net_positive == pytest.approx(np.mean(net[ok] > 0), abs=1e-12)
    assert 0.5 < mc.p_net_positive < 1.0  # an uplift near 0 is possible: some samples lose money
    table = mc.percentiles()
    assert table.loc["net value per day", "P5"] == pytest.approx(np.percentile(net[ok], 5))
    assert table.loc["net value per day", "P5"] < table.loc["net value per day", "P95"]
    assert table.loc["net value per day", "point estimate"] == pytest.approx(evaluate(scenario).business["net_value_per_day"])
    assert mc.to_dict()["p_net_positive"] == pytest.approx(mc.p_net_positive)


def test_an_uplift_range_above_break_even_pays_off_in_every_sample():
    data = yaml.safe_load((SCENARIOS / "search-rerank-l4.yaml").read_text(encoding="utf-8"))
    data["business"]["uplift"] = {"low": 0.005, "high": 0.01}  # break-even is ~0.009%: far below
    mc = monte_carlo(parse_scenario(data), samples=500)
    assert mc.p_net_positive == 1.0


def test_formulas_broadcast_and_edge_cases():
    assert business.break_even_uplift(100.0, 0.0) == math.inf  # nothing to lift
    np.testing.assert_allclose(business.net_value_per_day(np.array([1e6, 2e6]), 0.01, 1.0, 5_000.0), [5_000.0, 15_000.0])
    assert business.payback_days(10_000, 0.0) == math.inf and business.payback_days(0, 0.0) == 0.0


def test_the_summary_opens_with_whether_it_pays():
    from tco import chapters as ch

    chapter = ch.open_chapter(SCENARIOS / "search-rerank-l4.yaml")
    b = chapter.report.business
    text = ch.answer(chapter)
    assert (f"**It pays for itself if conversion (or revenue per session) rises by {b['break_even_uplift']:.3%} or "
            "more** on the 40,000,000 sessions a day it touches.") in text
    assert f"At the expected uplift of 0.55% it adds {ch.money(178_200 - chapter.report.per_day, 'CNY')} per day" in text
    assert "pays for itself" not in ch.answer(ch.open_chapter(SCENARIOS / "paper-example.yaml"))
