"""Mutation kills for tco.dimensions.fusion (tools/mutation.py): the combiner and routing lines by hand."""

import pytest

from tco import evaluate

from conftest import scenario_path


@pytest.mark.parametrize("scenario, item", [("search-ensemble", "combiner (learned_weights)"),
                                            ("search-cascade", "routing")])
def test_combiner_line_by_hand(scenario, item):
    # 4.0e7 searches/day x (1 - 0.3 cache hits) = 2.8e7 reach the models; 0.5 CPU-ms each:
    # 2.8e7 x 0.5 / 1,000 / 3,600 = 3.8889 vCPU-hours/day on c7i.xlarge, priced on demand from the
    # catalog row (aws c7i.xlarge us-east-1 on_demand 0.1785 USD/h, as_of 2026-09-24)
    [line] = [li for li in evaluate(scenario_path(scenario)).line_items
              if li.kind.dimension == "fusion" and li.item == item]
    assert line.quantity == pytest.approx(2.8e7 * 0.5 / 1000 / 3600, rel=1e-12)
    assert line.unit == "vCPU-hours/day"
    assert line.note == "c7i.xlarge on_demand (2026-09-24)"


def test_combiner_instance_without_a_price_is_unpriced_and_says_so(monkeypatch):
    # a catalog with no on-demand price for the combiner's instance: the price is NaN (never 0),
    # the basis 'unpriced', and the warning names the instance and the reason; the vCPUs still come
    # from the catalog (c7i.xlarge: 4)
    from types import SimpleNamespace

    from tco.catalog import load_catalog
    from tco.context import Context
    from tco.dimensions import fusion

    catalog = load_catalog()
    # load_catalog() is shared between tests: the patch is undone after this one
    monkeypatch.setattr(catalog, "instance_price", lambda *args, **kwargs: None)
    ctx = Context(SimpleNamespace(currency="USD"), catalog)
    price, vcpus = fusion._instance_hour(ctx, "c7i.xlarge")
    assert vcpus == 4.0
    assert price.basis == "unpriced" and price.value != price.value  # NaN
    assert price.reason == "no on_demand price in the catalog"
    [warning] = ctx.warnings
    assert (warning.code, warning.message) == (
        "unpriced", "instance c7i.xlarge could not be priced: no on_demand price in the catalog. "
                    "It is left out of the totals.")


def test_algorithm_upkeep_note_writes_its_figures_in_digits():
    # search-ensemble with a fusion algorithm costing 2,000,000 CNY/day at a complexity of 0.00005:
    # upkeep 2e6 x 5e-5 = 100 CNY/day, and the note writes both figures in digits, never
    # as 'g' would (2e+06, 5e-05): fmt's default
    from tco import load_scenario
    from tco.scenario import scenario_to_dict

    data = scenario_to_dict(load_scenario(scenario_path("search-ensemble")))
    data["fusion"].update(algorithm_cost_per_day=2e6, complexity=5e-5)
    [line] = [li for li in evaluate(load_scenario(data)).line_items if li.item == "fusion algorithm upkeep"]
    assert line.cost_per_day == pytest.approx(100.0, rel=1e-12)
    assert line.note == "2,000,000 CNY/day × 0.00005"


def test_integration_upkeep_of_two_models_by_hand():
    from test_bad_inputs import two_model_scenario

    from tco import load_scenario

    # an ensemble of 2 models, 2 person-days a model a month of integration upkeep at 1,500 CNY a day:
    # 2 x 2 = 4 person-days/month, 4 x 1,500 = 6,000 CNY/month, / (365 / 12) = 197.260274 CNY/day
    data = two_model_scenario("ensemble")
    data["fusion"]["integration_person_days_per_model_per_month"] = 2
    data["staff"] = {"day_rate": 1500}
    [line] = [li for li in evaluate(load_scenario(data)).line_items if li.item == "integration upkeep"]
    assert (line.quantity, line.unit, line.note) == (4, "person-days/month", "2 models, 1,500 CNY/person-day")
    assert line.cost_per_day == pytest.approx(6000 / (365 / 12), rel=1e-12)


@pytest.mark.parametrize("strategy", ["single", "ensemble"])
def test_no_algorithm_upkeep_without_a_complexity(strategy):
    from test_bad_inputs import base_scenario, two_model_scenario

    from tco import load_scenario

    # an algorithm cost of 300 CNY/day at a complexity of 0 (the default): C x F = 0, and no line is
    # written for it, with one model or two
    data = base_scenario() if strategy == "single" else two_model_scenario(strategy)
    data.setdefault("fusion", {})["algorithm_cost_per_day"] = 300
    items = [li.item for li in evaluate(load_scenario(data)).line_items if li.kind.dimension == "fusion"]
    assert "fusion algorithm upkeep" not in items
