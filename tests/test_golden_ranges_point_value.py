"""Golden value of a scenario written with ranges: its point evaluation uses each range's point
value (mode; midpoint of low/high; median of a lognormal p5/p95), and so costs what the hand
derivation of tests/test_golden_cascade.py gives.

This is the derived counterpart of the figure pinned in tests/test_uncertainty.py
(``search-cascade`` per day 7103.15216046859, a value copied from the engine's output): here the
same property, "a scenario with ranges costs exactly what it does with point values", is checked
against a value worked out by hand.

Catalog figures used: those of tests/test_golden_cascade.py (instances.csv c7i.xlarge 0.1785 USD/h,
4 vCPU; fx.csv 6.7758 CNY per USD).
"""

import math

import pytest

from test_golden_cascade import ALONE, ROUTING, SERVING, TOTAL, scenario
from tco import evaluate, load_scenario


def ranged():
    data = scenario()
    # lognormal p5/p95: the point value is the median sqrt(p5 x p95) = sqrt(4.32e6 x 1.728e7) = 8.64e6
    data["traffic"]["requests_per_day"] = {"p5": 4.32e6, "p95": 1.728e7, "dist": "lognormal"}
    # triangular low/mode/high: the mode, 0.3
    data["fusion"]["escalation"] = [{"low": 0.2, "mode": 0.3, "high": 0.5}, 0.5]
    # uniform low/high: the midpoint, (30 + 50) / 2 = 40 CNY per instance-hour for the third stage
    data["models"][2]["serving"]["price_per_hour"] = {"low": 30, "high": 50}
    return data


def test_point_values():
    s = load_scenario(ranged())
    assert s.traffic.requests_per_day == pytest.approx(math.sqrt(4.32e6 * 1.728e7), rel=1e-12)   # 8.64e6
    assert s.fusion.escalation[0] == 0.3
    assert s.models[2].serving.price_per_hour == 40
    assert len(s.ranges) == 3


def test_a_scenario_with_ranges_costs_its_point_values():
    report = evaluate(ranged())
    # 720 + 960 + 3,840 + 0.362844 = 5,520.362844 CNY/day (derivation in test_golden_cascade.py);
    # a mutation taking the low ends would give 0.2 x 100 = 20 requests/s at stage 2 and 30 CNY/h at stage 3
    assert report.per_day == pytest.approx(TOTAL, rel=1e-9)
    assert report.per_day == pytest.approx(sum(SERVING) + ROUTING, rel=1e-9)
    assert report.first_model_alone_per_day == pytest.approx(ALONE, rel=1e-9)
