"""Line items and their kinds, and the one rule that prices an input.

A kind of line item (``KINDS`` in each module of ``tco.dimensions``) says once what the item is:
its dimension, the formula text of the items table and the library functions that compute it.
Every line item refers to its kind, so the three can no longer disagree; these tests check that
every kind names documented formula functions and that every item of every scenario has one.

``Context.resolve_price`` is the rule "the scenario's figure, else the catalog's price, else a
warning and NaN" that every dimension and the sizing use.
"""

from __future__ import annotations

import copy
import math
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

import tco
from conftest import SCENARIOS
from tco import compare, dimensional, formulas
from tco.chapters import formula_markdown
from tco.context import Context
from tco.dimensions import DIMENSIONS, KINDS

CATALOG = tco.load_catalog()
ALL_KINDS = [kind for dimension in DIMENSIONS for kind in KINDS[dimension].values()]
C7I_XLARGE_PER_HOUR = 0.1785  # USD, data/catalog/instances.csv, on demand


def every_kind_scenario() -> dict:
    """search-ensemble with what no bundled scenario has: a licence, a task, a hosted-API model,
    CPU fleets (priced by the catalog, by the scenario, and not at all) and a stacking meta-model."""
    data = yaml.safe_load((SCENARIOS / "search-ensemble.yaml").read_text())
    data["currency"] = "USD"
    data["data"]["sources"][0]["licence_fee_per_month"] = 300
    data["staff"]["tasks"] = [{"task": "relevance audits", "person_days_per_month": 2}]
    data["models"][2]["serving"] = {"deployment": "api", "api_model": "qwen-plus"}
    data["models"][2].pop("training", None)
    data["fusion"]["strategy"] = "stacking"
    data["fusion"]["meta_model"] = {"instance": "c7i.xlarge", "hours_per_run": 4, "runs_per_month": 4}
    data["compute"] = {"cpu": [{"name": "feature servers", "instance": "c7i.xlarge", "count": 3},
                               {"name": "quoted", "instance": "c7i.xlarge", "count": 2, "price_per_hour": 0.5},
                               {"name": "spot", "instance": "c7i.xlarge", "count": 1, "pricing": "spot"}]}
    return data


@pytest.fixture(scope="module")
def reports() -> dict:
    out = {path.stem: tco.evaluate(path, compare=False) for path in sorted(SCENARIOS.glob("*.yaml"))}
    out["every kind"] = tco.evaluate(every_kind_scenario(), compare=False)
    return out


# --- the kinds ------------------------------------------------------------------------------------

def test_each_dimension_declares_its_kinds_under_their_own_names():
    assert list(KINDS) == list(DIMENSIONS)
    assert list(KINDS["compute"]) == ["inference serving", "hosted API", "training and refresh", "CPU"]
    for dimension, kinds in KINDS.items():
        for name, kind in kinds.items():
            assert (kind.dimension, kind.name) == (dimension, name)


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: f"{k.dimension}:{k.name}")
def test_each_kind_names_formula_functions_with_their_equation(kind):
    assert kind.formula.strip(), "the items table shows the formula text"
    assert len(kind.functions) >= 1, f"{kind.name} names no formula function"
    library = dimensional.formula_functions()  # vectorised, documented, unit-checked
    for func in kind.functions:
        assert func in library, f"{func.__name__} is not a formula function of the library"
        assert formulas.latex(func), f"{func.__name__} has no '.. math::' equation in its docstring"


def test_the_cpu_kind_has_its_own_formula():
    cpu = KINDS["compute"]["CPU"]
    assert cpu.function_names == ["fleet_cost_per_day"]
    assert formulas.latex(cpu.functions[0]) == [r"C = n \cdot 24 \cdot p_{h}"]
    assert cpu.functions[0](3, C7I_XLARGE_PER_HOUR) == pytest.approx(12.852)


def test_every_line_item_of_every_scenario_belongs_to_a_declared_kind(reports):
    assert len(reports) >= 11
    seen = set()
    for name, report in reports.items():
        for it in report.line_items:
            assert it.kind is KINDS[it.dimension][it.kind.name], (name, it.item)
            # the item is named after its kind: 'kind', 'kind: what' or 'kind (what)'
            assert it.item == it.kind.name or it.item.startswith((it.kind.name + ": ", it.kind.name + " (")), it.item
            seen.add((it.dimension, it.kind.name))
        items = report.items
        assert items.kind.tolist() == [it.kind.name for it in report.line_items]
        assert items.formula.tolist() == [KINDS[d][k].formula for d, k in zip(items.dimension, items.kind)]
    # and no kind is declared that no scenario produces
    assert seen == {(kind.dimension, kind.name) for kind in ALL_KINDS}


def test_compare_dependencies_name_declared_kinds():
    for dimension, kind in compare.DEPENDS:
        assert kind == "" or kind in KINDS[dimension], (dimension, kind)


def test_the_chapters_show_the_equations_of_the_kinds_that_occur(reports):
    text = formula_markdown(reports["search-cascade"], "fusion")
    assert text.split("\n\n")[0] == "**routing**"
    assert "`cascade_shares`" in text and "`combiner_cost_per_day`" in text
    assert "**combiner**" not in text and "**meta-model training**" not in text
    assert "fleet_cost_per_day" not in formula_markdown(reports["search-cascade"], "compute")
    assert "`fleet_cost_per_day`" in formula_markdown(reports["every kind"], "compute")
    # staff of the cascade: its kinds in the order its items come
    items = reports["search-cascade"].items
    assert [row[:2] for row in formulas.formulas_for("staff", items.kind[items.dimension == "staff"])] == [
        ("role", "fte_cost_per_day"), ("model upkeep", "person_days_cost_per_day"), ("operations", "operations_fte"),
        ("operations", "fte_cost_per_day"), ("training", "per_year_to_per_day")]


def test_the_errata_list_every_function_of_a_dimension_once():
    assert [f.__name__ for f in formulas.functions("fusion")] == [
        "cascade_shares", "combiner_cost_per_day", "per_month_to_per_day", "person_days_cost_per_day",
        "algorithm_upkeep_per_day"]
    assert formulas.functions("compute")[-1].__name__ == "fleet_cost_per_day"


# --- scenario figure, else catalog price, else a warning and NaN ---------------------------------

def context(currency: str = "USD") -> Context:
    return Context(SimpleNamespace(currency=currency), CATALOG)


def test_the_scenario_figure_wins_and_the_catalog_is_not_read():
    ctx = context()

    def no_lookup():
        raise AssertionError("the catalog must not be read when the scenario gives the figure")

    got = ctx.resolve_price(np.array([0.04, 0.05]), no_lookup, "{value:g} {currency}/{unit} (scenario)",
                            unit="GB-month")
    np.testing.assert_array_equal(got.value, [0.04, 0.05])
    assert got.basis == "0.04-0.05 USD/GB-month (scenario)"
    assert ctx.prices == {} and ctx.warnings == []


def test_a_catalog_price_is_converted_recorded_and_cited():
    ctx = context("CNY")
    ctx.dimension = "storage"
    got = ctx.resolve_price(None, lambda: CATALOG.storage_price("s3-standard"), "unused",
                            "{key} ({value:g} {currency}/GB-month, {as_of})")
    assert got.value == pytest.approx(0.023 * CATALOG.fx_rate("USD", "CNY"))
    assert got.basis == "s3-standard (0.023 USD/GB-month, 2025-08-29)"
    assert ctx.prices[("storage", "s3-standard")].value == 0.023
    assert ctx.price_dimensions[("storage", "s3-standard")] == {"storage"}


def test_no_catalog_price_warns_and_gives_nan_never_zero():
    ctx = context()
    calls = []

    def reason():
        calls.append(1)
        return "no such plan"

    got = ctx.resolve_price(None, lambda: CATALOG.instance_price("c7i.xlarge", "spot"), what="CPU fleet x",
                            reason=reason, model="m")
    assert math.isnan(got.value) and got.basis == "unpriced" and got.reason == "no such plan"
    assert calls == [1]
    assert [(w.code, w.message, w.model) for w in ctx.warnings] == [
        ("unpriced", "CPU fleet x could not be priced: no such plan. It is left out of the totals.", "m")]
    priced = ctx.resolve_price(None, lambda: CATALOG.instance_price("c7i.xlarge", "on_demand"), reason=reason)
    assert priced.value == C7I_XLARGE_PER_HOUR and calls == [1]  # the reason is built only when needed


def test_cpu_fleets_priced_three_ways(reports):
    report = reports["every kind"]
    cpu = report.items[report.items.kind == "CPU"].set_index("item")
    assert cpu.loc["CPU: feature servers", "cost_per_day"] == pytest.approx(3 * 24 * C7I_XLARGE_PER_HOUR)
    assert cpu.loc["CPU: feature servers", "note"] == "c7i.xlarge on_demand (2026-09-24)"
    assert cpu.loc["CPU: quoted", "cost_per_day"] == pytest.approx(2 * 24 * 0.5)
    assert cpu.loc["CPU: quoted", "note"] == "scenario price"
    assert math.isnan(cpu.loc["CPU: spot", "cost_per_day"]) and not cpu.loc["CPU: spot", "priced"]
    assert cpu.loc["CPU: spot", "quantity"] == 24
    assert ("CPU fleet spot could not be priced: the catalog has no 'spot' price for c7i.xlarge; give compute.cpu "
            "price_per_hour. It is left out of the totals.") in report.warnings
    assert report.per_day == pytest.approx(report.items.cost_per_day[report.items.priced].sum())
