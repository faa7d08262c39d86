"""The data dimension: a data source without a price warns and is left out, never a silent zero."""

import math

import pytest

from tco import evaluate, load_scenario
from tco.scenario import scenario_to_dict

from conftest import scenario_path


def _with_source(source: dict):
    d = scenario_to_dict(load_scenario(scenario_path("paper-example")))
    d["data"]["sources"] = [source]
    return evaluate(load_scenario(d), compare=False)


def _acquisition(report):
    items = report.items[report.items.kind == "acquisition"]
    assert len(items) == 1
    return items.iloc[0]


def test_source_without_price_is_unpriced_and_warns():
    report = _with_source({"name": "clicks", "gb_per_day": 20})
    item = _acquisition(report)
    assert math.isnan(item.cost_per_day) and not item.priced
    assert any("Data source 'clicks' could not be priced" in w and "price_per_gb" in w for w in report.warnings)
    # left out of the totals, as every unpriced item: the total is the sum of the priced ones
    assert report.per_day == pytest.approx(report.items[report.items.priced].cost_per_day.sum())


def test_explicit_zero_price_and_licensed_sources_cost_what_they_say():
    free = _with_source({"name": "own logs", "gb_per_day": 20, "price_per_gb": 0})
    assert _acquisition(free).cost_per_day == 0.0
    assert not any("could not be priced" in w for w in free.warnings)
    licensed = _with_source({"name": "feed", "gb_per_day": 20, "licence_fee_per_month": 3650})
    assert _acquisition(licensed).cost_per_day == 0.0
    assert "licence fee covers it" in _acquisition(licensed).note
    licence = licensed.items[licensed.items.kind == "licence"].cost_per_day.iloc[0]
    assert licence == pytest.approx(3650 / (365 / 12))  # 120 per day
    bought = _with_source({"name": "bought", "gb_per_day": 20, "price_per_gb": 2, "usable_fraction": 0.8})
    assert _acquisition(bought).cost_per_day == pytest.approx(20 * 2 / 0.8)  # 50 per day
