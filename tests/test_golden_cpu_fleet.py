"""Golden values for a CPU fleet (``compute.cpu``): count x price per hour x 24, by hand.

Catalog figures used (data/catalog):
- instances.csv, aws c7i.xlarge on_demand: 0.1785 USD per instance-hour (0 accelerators, 4 vCPU)
- instances.csv, aws m7i.xlarge on_demand: 0.2016 USD per instance-hour
- fx.csv, CNY: 6.7758 CNY per USD (FRED EXCHUS, June 2026)

The scenario is ``tests/test_bad_inputs.py::base_scenario()`` with two CPU fleets added; the CPU lines
do not depend on traffic, so only the two ``CPU:`` rows are checked here.
"""

import pytest

from test_bad_inputs import base_scenario
from tco import evaluate

FX = 6.7758                       # CNY per USD (fx.csv)
C7I = 0.1785                      # USD per c7i.xlarge-hour (instances.csv)
M7I = 0.2016                      # USD per m7i.xlarge-hour (instances.csv)

# --- derivation ----------------------------------------------------------------------------------
ORCH_COUNT = 3
FEATURES_COUNT = 2
ORCH_PER_DAY = ORCH_COUNT * C7I * FX * 24          # 3 x 0.1785 x 24 = 12.852; x 6.7758 = 87.083 CNY/day
FEATURES_PER_DAY = FEATURES_COUNT * M7I * FX * 24  # 2 x 0.2016 x 24 = 9.6768; x 6.7758 = 65.568 CNY/day
OVERRIDE = 1.25                                     # scenario price, CNY per instance-hour (no FX applied)
OVERRIDE_PER_DAY = 4 * OVERRIDE * 24                # 4 x 1.25 x 24 = 120 CNY/day


def scenario(currency="CNY"):
    data = base_scenario()
    data["currency"] = currency
    data["compute"] = {"cpu": [
        {"name": "orchestration", "instance": "c7i.xlarge", "count": ORCH_COUNT},
        {"name": "feature serving", "instance": "m7i.xlarge", "count": FEATURES_COUNT},
    ]}
    return data


def row(report, item):
    rows = report.items[report.items["item"] == item]
    assert len(rows) == 1, item
    return rows.iloc[0]


def test_cpu_fleets_daily_cost():
    report = evaluate(scenario())
    orch = row(report, "CPU: orchestration")
    feats = row(report, "CPU: feature serving")
    assert orch.dimension == "compute"
    # mutation caught: without the x 24 the line would be 1/24 of this (3.628); without FX, 12.852
    assert orch.cost_per_day == pytest.approx(ORCH_PER_DAY, rel=1e-9)
    assert orch.cost_per_day == pytest.approx(87.083, abs=1e-3)   # 12.852 x 6.7758 = 87.0826
    assert feats.cost_per_day == pytest.approx(FEATURES_PER_DAY, rel=1e-9)
    assert feats.cost_per_day == pytest.approx(65.568, abs=1e-3)   # 9.6768 x 6.7758 = 65.5681
    # quantity: instance-hours per day, count x 24 (a fleet running all day, not autoscaled)
    assert (orch.quantity, orch.unit) == (ORCH_COUNT * 24, "instance-hours/day")   # 72
    assert feats.quantity == FEATURES_COUNT * 24                                    # 48


def test_cpu_fleet_in_usd_has_no_fx():
    report = evaluate(scenario("USD"))
    # 3 x 0.1785 x 24 = 12.852 USD/day; a mutation applying the CNY rate twice or not at all
    # in the other currency is caught by the pair of tests
    assert row(report, "CPU: orchestration").cost_per_day == pytest.approx(ORCH_COUNT * C7I * 24, rel=1e-9)
    assert row(report, "CPU: orchestration").cost_per_day == pytest.approx(12.852, rel=1e-9)


def test_cpu_fleet_price_override():
    data = scenario()
    data["compute"]["cpu"] = [{"name": "orchestration", "instance": "c7i.xlarge", "count": 4,
                               "price_per_hour": OVERRIDE}]
    report = evaluate(data)
    # the scenario price is in the scenario's currency: 4 x 1.25 x 24 = 120 CNY/day, not x FX
    assert row(report, "CPU: orchestration").cost_per_day == pytest.approx(OVERRIDE_PER_DAY, rel=1e-9)


def test_cpu_fleet_adds_to_the_total():
    with_cpu = evaluate(scenario())
    data = scenario()
    del data["compute"]
    without = evaluate(data)
    # the fleets change nothing else: the total rises by exactly the two lines (87.083 + 65.568 = 152.651 CNY/day)
    assert with_cpu.totals["per_day"] - without.totals["per_day"] == pytest.approx(
        ORCH_PER_DAY + FEATURES_PER_DAY, rel=1e-9)
