"""compare: each group of differing inputs applied alone to scenario a (what-ifs of tco.variants)."""

import pytest

from tco import evaluate, load_scenario
from tco.compare import compare
from tco.scenario import scenario_to_dict

from conftest import ROOT, scenario_path


def _with(path, edit):
    d = scenario_to_dict(load_scenario(scenario_path(path)))
    edit(d)
    return load_scenario(d)


def test_one_change_is_all_of_the_change():
    a = load_scenario(scenario_path("search-rerank-l4"))
    b = _with("search-rerank-l4", lambda d: d["traffic"].__setitem__("requests_per_day", 3.0e7))
    result = compare(a, b)
    [row] = result.alone.to_dict(orient="records")
    assert row["change"] == "traffic" and row["status"] == "ok"
    assert row["delta_per_day"] == pytest.approx(evaluate(b).per_day - evaluate(a).per_day)
    assert result.together == pytest.approx(0.0, abs=1e-9)


def test_changes_alone_and_together_add_up():
    a = load_scenario(scenario_path("search-rerank-l4"))

    def edit(d):
        d["traffic"]["requests_per_day"] = 3.0e7
        d["models"][0]["serving"]["redundancy"] = 2
        d.setdefault("storage", {})["versions_kept"] = 2

    b = _with("search-rerank-l4", edit)
    result = compare(a, b)
    assert set(result.alone.change) == {"traffic", f"models[{a.models[0].name}].serving", "storage"}
    assert (result.alone.status == "ok").all()
    # a spare replica more costs one replica-day of serving (and the staff and disks that scale with it)
    spare = result.alone.set_index("change").delta_per_day[f"models[{a.models[0].name}].serving"]
    # search-rerank-l4 scores on g6.xlarge (1 L4 per instance, a replica of 1), autoscaled: redundancy 1 -> 2
    # adds one instance every hour of the day: 24 x the catalog's on-demand price x CNY per USD
    price = float(_csv_row("instances", instance="g6.xlarge", plan="on_demand")["price_per_hour"])   # 0.8048 USD/h
    fx = float(_csv_row("fx", currency="CNY")["per_usd"])                                            # 6.7758
    assert a.models[0].serving.instance == "g6.xlarge" and a.models[0].serving.redundancy == 1
    spare_only = _with("search-rerank-l4", lambda d: d["models"][0]["serving"].__setitem__("redundancy", 2))
    serving = [evaluate(s).items.set_index("item").cost_per_day["inference serving"] for s in (a, spare_only)]
    assert serving[1] - serving[0] == pytest.approx(24 * price * fx, rel=1e-9)                        # 24 x 0.8048 x 6.7758 = 130.88 CNY/day
    # the change alone is that line plus what scales with the fleet (operations staff, serving disks)
    assert spare == pytest.approx(evaluate(spare_only).per_day - evaluate(a).per_day, rel=1e-12)
    assert spare > 24 * price * fx
    total = evaluate(b).per_day - evaluate(a).per_day
    assert result.alone.delta_per_day.sum() + result.together == pytest.approx(total)
    assert "Each change alone, applied to a" in result.to_text()


def test_a_model_only_in_b_cannot_be_applied_alone():
    a = load_scenario(scenario_path("search-cascade"))
    b = _with("search-cascade", lambda d: d["models"][2].__setitem__("name", "renamed-llm"))
    result = compare(a, b)
    notes = dict(zip(result.alone.change, result.alone.note))
    assert "is only in" in notes["models[renamed-llm]"] or "is only in" in notes[f"models[{a.models[2].name}]"]


def test_each_item_is_explained_by_what_moves_it_first():
    """Cloud against on premises: operations staff grow because fewer nodes per engineer are assumed
    (50 -> 20), not because of the model's efficiency factors, which sort first alphabetically."""
    a, b = load_scenario(scenario_path("llm-rerank-cloud")), load_scenario(scenario_path("llm-rerank-onprem"))
    result = compare(a, b)
    operations = result.items[(result.items.dimension == "staff") & (result.items["item"] == "operations")]
    assert operations.because.iloc[0].startswith("staff.operations.nodes_per_engineer: 50.0 -> 20.0")
    assert "None" not in result.to_text() and "(default)" in result.to_text()


def _csv_row(table, **match):
    """A row of data/catalog/<table>.csv as text, read without the library."""
    import csv

    with open(ROOT / "data" / "catalog" / f"{table}.csv", newline="", encoding="utf-8") as f:
        return next(r for r in csv.DictReader(f) if all(r[k] == v for k, v in match.items()))
