"""What-ifs (tco.variants): the switch rules, the fusion defaults, the levers and the tidy table."""

import re
from pathlib import Path

import pytest

from tco import evaluate, load_scenario
from tco.errors import ScenarioError
from tco.scenario import switched_serving
from tco.variants import (LEVERS, VARIANT_COLUMNS, apply_strategy, deployment_options, evaluate_variants,
                          first_model_alone, levers, strategies, with_billing, with_deployment, with_strategy)

from conftest import ROOT, scenario_path

LIB = Path(__file__).resolve().parents[1] / "lib" / "tco"


def test_switch_to_other_hardware_keeps_how_the_fleet_is_run_only():
    current = {"deployment": "cloud", "instance": "g6.xlarge", "pricing": "reserved_1y", "price_per_hour": 0.9,
               "billing": "autoscaled", "utilization_target": 0.6, "redundancy": 2, "accelerators_per_replica": 2}
    to_other_cloud = switched_serving(current, {"deployment": "cloud", "instance": "g6e.xlarge"})
    assert to_other_cloud == {"utilization_target": 0.6, "redundancy": 2, "billing": "autoscaled",
                              "deployment": "cloud", "instance": "g6e.xlarge"}
    to_prem = switched_serving(current, {"deployment": "on_prem", "accelerator": "L4"})
    assert to_prem == {"utilization_target": 0.6, "redundancy": 2, "deployment": "on_prem", "accelerator": "L4"}
    assert switched_serving(current, {"deployment": "api", "api_model": "qwen-plus"}) == {
        "deployment": "api", "api_model": "qwen-plus"}


def test_switch_on_the_same_hardware_keeps_its_prices():
    current = {"deployment": "on_prem", "accelerator": "H100", "server_price": 250000.0, "accelerators_per_server": 8}
    assert switched_serving(current, {"deployment": "on_prem", "accelerator": "H100"}) == current
    cloud = {"instance": "g6.xlarge", "price_per_hour": 0.7, "billing": "autoscaled"}
    kept = switched_serving(cloud, {"deployment": "cloud", "instance": "g6.xlarge", "pricing": "spot"})
    assert kept["price_per_hour"] == 0.7 and kept["pricing"] == "spot" and kept["billing"] == "autoscaled"


def test_with_deployment_to_api_is_the_api_cost():
    s = load_scenario(scenario_path("llm-query-rewrite"))
    api = with_deployment(s, s.models[0].name, {"deployment": "api", "api_model": s.models[0].api_alternative})
    report = evaluate(api, compare=False)
    hosted = report.items[report.items["item"] == "hosted API"]
    assert len(hosted) == 1
    # 5e7 searches x 0.7 (cache misses) x 0.15 (long tail) = 5.25 M rewrites/day of 40 input and 30 output
    # tokens at qwen-plus 0.8 / 2 CNY per M tokens (api_prices.csv): 5.25 x (40 x 0.8 + 30 x 2) = 483 CNY/day
    import csv

    with open(ROOT / "data" / "catalog" / "api_prices.csv", newline="", encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["model"] == "qwen-plus")
    assert row["currency"] == "CNY"
    m = s.models[0]
    assert (s.traffic.requests_per_day, s.traffic.cache_hit_rate, m.traffic_share) == (5e7, 0.3, 0.15)
    assert (m.items_per_request, m.input_tokens_per_item, m.output_tokens) == (1, 40, 30)
    q = 5e7 * (1 - 0.3) * 0.15
    assert hosted.cost_per_day.iloc[0] == pytest.approx(
        q / 1e6 * (40 * float(row["input_per_mtok"]) + 30 * float(row["output_per_mtok"])), rel=1e-9)
    with pytest.raises(ScenarioError, match="no model is named 'nope'"):
        with_deployment(s, "nope", {"deployment": "api", "api_model": "qwen-plus"})
    with pytest.raises(ScenarioError, match="api_model"):
        with_deployment(s, 0, {"deployment": "api", "api_model": "no-such-api"})


def test_strategy_defaults():
    d = {"models": [{}, {}, {}], "fusion": {"strategy": "stacking", "meta_model": {"hours_per_run": 1}}}
    assert apply_strategy(d, "cascade")["fusion"] == {"strategy": "cascade", "escalation": [0.2, 0.2]}
    d = {"models": [{}, {}], "fusion": {"strategy": "cascade", "escalation": [0.35]}}
    assert apply_strategy(d, "cascade")["fusion"]["escalation"] == [0.35]  # its own escalation kept
    assert apply_strategy(d, "stacking")["fusion"] == {"strategy": "stacking", "meta_model": {
        "instance": "c7i.xlarge", "hours_per_run": 4.0, "runs_per_month": 4.0}}
    assert apply_strategy(d, "single") == {"models": [{}], "fusion": {"strategy": "single"}}
    with pytest.raises(ScenarioError, match="not one of single, ensemble, cascade, stacking"):
        apply_strategy(d, "voting")


def test_strategies_and_first_model_alone_cost_what_the_engine_reports():
    s = load_scenario(scenario_path("search-cascade"))
    table = evaluate_variants(strategies(s), base=evaluate(s))
    assert list(table.variant) == ["single", "ensemble", "cascade", "stacking"]
    assert table.loc[table.variant == "cascade", "current"].item()
    assert table.loc[table.variant == "cascade", "per_day"].item() == pytest.approx(evaluate(s).per_day)
    alone = evaluate(first_model_alone(s)).per_day
    assert table.loc[table.variant == "single", "per_day"].item() == pytest.approx(alone)
    assert evaluate(s).marginal_fusion_cost_per_day == pytest.approx(evaluate(s).per_day - alone)
    assert with_strategy(s, "ensemble").fusion.escalation is None


def test_billing_variant():
    s = load_scenario(scenario_path("search-rerank-l4"))
    prov, auto = with_billing(s, "provisioned"), with_billing(s, "autoscaled")
    assert evaluate(auto).per_day <= evaluate(prov).per_day
    assert with_billing(load_scenario(scenario_path("llm-rerank-onprem")), "autoscaled") is None


def test_lever_utilisation_by_hand():
    s = load_scenario(scenario_path("search-rerank-l4"))
    [v] = [v for v in levers(s, "compute") if v.label.startswith("utilisation target")]
    assert all(m.serving.utilization_target == 0.8 for m in v.scenario.models if m.serving.deployment != "api")
    assert set(LEVERS) == {"data", "storage", "compute", "staff", "fusion"}


def test_evaluate_variants_table():
    s = load_scenario(scenario_path("search-cascade"))
    base = evaluate(s)
    table = evaluate_variants(deployment_options(s), base=base, keep_reports=True)
    assert list(table.columns) == VARIANT_COLUMNS + ["report"]
    ok = table[table.status == "ok"]
    assert list(ok.per_day) == pytest.approx(list(ok[["data", "storage", "compute", "staff", "fusion"]].sum(axis=1)))
    assert list(ok.saving_per_day) == pytest.approx(list(base.per_day - ok.per_day))
    current = table[table.current]
    assert len(current) == len(s.models)  # one current option per model
    for row in current.itertuples():
        assert row.per_day == pytest.approx(base.per_day)  # the option the scenario has costs the same


def test_one_implementation_of_each_switch():
    """Only tco.edits switches a deployment or a fusion strategy (tco.variants uses it); only tco.scenario
    says what survives a switch."""
    patterns = [r'\["serving"\]\s*=', r'\["strategy"\]\s*=', r"DEFAULT_META_MODEL\)", r'\["fusion"\]\s*=\s*\{']
    offenders = []
    for path in LIB.rglob("*.py"):
        if path.name in ("edits.py", "scenario.py"):
            continue
        text = path.read_text()
        offenders += [f"{path.name}: {p}" for p in patterns if re.search(p, text)]
    assert offenders == []
