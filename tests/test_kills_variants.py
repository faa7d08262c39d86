"""Mutation kills for tco.variants (tools/mutation.py): what each lever changes, field by field.

Each lever edits a copy of a bundled scenario's data and says what it did. The expected changes are
read off the scenario files and the lever's rule (the rule is in its line of the table below):
halve retention days, stop relabelling, keep half the model versions (at least 1), compress 2x,
bill provisioned cloud fleets autoscaled, quantise bf16/fp16/fp32 to fp8 where the accelerator has
fp8, utilisation target up to 0.8, one spare replica fewer, cache hit rate + 0.1 (at most 0.9),
automation + 0.2 (below 0.7), ensemble -> cascade escalating 20% at each stage, fusion complexity
halved. A lever that does not apply returns None and changes nothing.
"""

import pytest

from tco import load_scenario
from tco.scenario import scenario_to_dict
from tco.variants import LEVERS, edit

from conftest import scenario_path

BY_NAME = {lever.__name__: lever for group in LEVERS.values() for lever in group}


def _flat(x, prefix=""):
    if isinstance(x, dict):
        return {k: v for key, value in x.items() for k, v in _flat(value, f"{prefix}.{key}").items()}
    if isinstance(x, list):
        return {k: v for i, value in enumerate(x) for k, v in _flat(value, f"{prefix}.{i}").items()}
    return {prefix[1:]: x}


def _apply(name, lever):
    sc = load_scenario(scenario_path(name))
    before, data = _flat(scenario_to_dict(sc)), scenario_to_dict(sc)
    what = BY_NAME[lever](data, sc)
    after = _flat(data)
    return what, {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after))
                  if before.get(k) != after.get(k)}


CASES = [
    # recsys-ranking-h100: retention 30 and 180 days -> 15 and 90; relabel 0.1 -> 0; versions 7 -> 7 // 2 = 3;
    # bf16 on H100 (fp8 tensor cores) -> fp8; utilisation 0.7 -> 0.8; redundancy 1 -> 0; cache 0 -> 0.1;
    # automation 0.2 -> 0.4
    ("recsys-ranking-h100", "_lever_retention", "keep retained data half as long",
     {"data.retention.0.days": (30.0, 15.0), "data.retention.1.days": (180.0, 90.0)}),
    ("recsys-ranking-h100", "_lever_relabel", "no relabelling", {"data.labelling.relabel_rate": (0.1, 0.0)}),
    ("recsys-ranking-h100", "_lever_versions", "keep 3 model versions instead of 7",
     {"storage.versions_kept": (7, 3)}),
    ("recsys-ranking-h100", "_lever_compression", "compress stored artifacts 2x",
     {"storage.compression_ratio": (None, 2.0)}),
    ("recsys-ranking-h100", "_lever_precision", "quantise: seq-ranker in fp8", {"models.0.precision": ("bf16", "fp8")}),
    ("recsys-ranking-h100", "_lever_utilisation", "utilisation target 0.8 for seq-ranker",
     {"models.0.serving.utilization_target": (0.7, 0.8)}),
    ("recsys-ranking-h100", "_lever_spares", "one spare replica fewer for seq-ranker",
     {"models.0.serving.redundancy": (1, 0)}),
    ("recsys-ranking-h100", "_lever_cache", "cache hit rate 0 -> 0.1", {"traffic.cache_hit_rate": (0.0, 0.1)}),
    ("recsys-ranking-h100", "_lever_automation", "automation 0.2 -> 0.4 (upkeep and operations)",
     {"staff.automation_factor": (0.2, 0.4)}),
    # on-premises, one model, single strategy: no autoscaling, no API named, no fusion levers
    ("recsys-ranking-h100", "_lever_autoscale", None, {}),
    ("recsys-ranking-h100", "to_hosted_apis", None, {}),
    ("recsys-ranking-h100", "_lever_cascade", None, {}),
    ("recsys-ranking-h100", "_lever_complexity", None, {}),
    ("recsys-ranking-h100", "_lever_single", None, {}),
    # deepseek-v3-b200-vs-api: provisioned cloud fleet -> autoscaled; versions 2 -> 1; cache 0.02 -> 0.12;
    # retention 90 and 365 -> 45 and 182.5; relabel 0.2 -> 0; automation 0.3 -> 0.5; already fp8: no quantising
    ("deepseek-v3-b200-vs-api", "_lever_autoscale", "autoscaled billing for assistant-dsv3",
     {"models.0.serving.billing": ("provisioned", "autoscaled")}),
    ("deepseek-v3-b200-vs-api", "_lever_versions", "keep 1 model versions instead of 2",
     {"storage.versions_kept": (2, 1)}),
    ("deepseek-v3-b200-vs-api", "_lever_cache", "cache hit rate 0.02 -> 0.12", {"traffic.cache_hit_rate": (0.02, 0.12)}),
    ("deepseek-v3-b200-vs-api", "_lever_retention", "keep retained data half as long",
     {"data.retention.0.days": (90.0, 45.0), "data.retention.1.days": (365.0, 182.5)}),
    ("deepseek-v3-b200-vs-api", "_lever_relabel", "no relabelling", {"data.labelling.relabel_rate": (0.2, 0.0)}),
    ("deepseek-v3-b200-vs-api", "_lever_automation", "automation 0.3 -> 0.5 (upkeep and operations)",
     {"staff.automation_factor": (0.3, 0.5)}),
    ("deepseek-v3-b200-vs-api", "_lever_precision", None, {}),
    # paper-example: two cloud models with billing left out (provisioned by default) -> autoscaled;
    # ensemble of 2 -> cascade with one escalation of 0.2; complexity 0.5 -> 0.25; nothing retained,
    # nothing relabelled, versions_kept 1: those levers do not apply
    ("paper-example", "_lever_autoscale", "autoscaled billing for model-a, model-b",
     {"models.0.serving.billing": (None, "autoscaled"), "models.1.serving.billing": (None, "autoscaled")}),
    ("paper-example", "_lever_cascade", "cascade instead of ensemble, escalating 20% at each stage",
     {"fusion.escalation.0": (None, 0.2), "fusion.strategy": ("ensemble", "cascade")}),
    ("paper-example", "_lever_complexity", "fusion algorithm half as complex", {"fusion.complexity": (0.5, 0.25)}),
    ("paper-example", "_lever_automation", "automation 0 -> 0.2 (upkeep and operations)",
     {"staff.automation_factor": (None, 0.2)}),
    ("paper-example", "_lever_retention", None, {}),
    ("paper-example", "_lever_relabel", None, {}),
    ("paper-example", "_lever_versions", None, {}),
    ("paper-example", "_lever_spares", None, {}),
    ("paper-example", "_lever_utilisation", None, {}),
    # search-ensemble: three models, each utilisation 0.7 -> 0.8 and redundancy 1 -> 0; 3 models -> two
    # escalations of 0.2
    ("search-ensemble", "_lever_utilisation", "utilisation target 0.8 for ce-small, ce-large, llm-reranker-8b",
     {f"models.{i}.serving.utilization_target": (0.7, 0.8) for i in range(3)}),
    ("search-ensemble", "_lever_spares", "one spare replica fewer for ce-small, ce-large, llm-reranker-8b",
     {f"models.{i}.serving.redundancy": (1, 0) for i in range(3)}),
    ("search-ensemble", "_lever_cascade", "cascade instead of ensemble, escalating 20% at each stage",
     {"fusion.escalation.0": (None, 0.2), "fusion.escalation.1": (None, 0.2), "fusion.strategy": ("ensemble", "cascade")}),
    ("search-ensemble", "_lever_cache", "cache hit rate 0.3 -> 0.4", {"traffic.cache_hit_rate": (0.3, 0.4)}),
    ("search-ensemble", "_lever_versions", "keep 4 model versions instead of 8", {"storage.versions_kept": (8, 4)}),
]


@pytest.mark.parametrize("scenario, lever, what, changes", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_lever_changes_exactly_what_it_says(scenario, lever, what, changes):
    got_what, got_changes = _apply(scenario, lever)
    assert got_what == what
    assert got_changes == changes


def test_to_hosted_api_moves_the_model_that_names_one():
    # search-ensemble names qwen-plus as the API alternative of its third model only
    what, changes = _apply("search-ensemble", "to_hosted_apis")
    assert what == "hosted API: llm-reranker-8b -> qwen-plus"
    assert changes["models.2.serving.deployment"] == ("cloud", "api")
    assert changes["models.2.serving.api_model"] == (None, "qwen-plus")
    assert not any(k.startswith(("models.0.", "models.1.")) for k in changes)


def test_edit_gives_a_valid_variant_or_says_why_not():
    sc = load_scenario(scenario_path("recsys-ranking-h100"))
    v = edit(sc, BY_NAME["_lever_versions"], group="storage")
    assert (v.label, v.group, v.note) == ("keep 3 model versions instead of 7", "storage", "")
    assert v.scenario.storage.versions_kept == 3
    assert edit(sc, BY_NAME["_lever_cascade"]) is None

    def negative(d, scenario):
        d["traffic"]["cache_hit_rate"] = -0.5
        return "a cache hit rate below 0"

    bad = edit(sc, negative, group="compute")
    assert bad.scenario is None and bad.label == "a cache hit rate below 0" and bad.group == "compute"
    assert bad.note.startswith("not possible: ")


def test_cheapest_instance_by_hand():
    # on-demand rows of data/catalog/instances.csv (all USD), price per accelerator-hour:
    #   L4: aws g6.xlarge 0.8048 / 1 = 0.8048; gcp g2-standard-4 0.70683228 / 1 = 0.7068 -> g2-standard-4
    #   H100-SXM: aws p5.48xlarge 55.04 / 8 = 6.88; gcp a3-highgpu-8g 87.83 / 8 = 10.98;
    #             azure ND96isr_H100_v5 98.32 / 8 = 12.29; gcp a3-megagpu-8g 93.40 / 8 = 11.68;
    #             nebius gpu-h100-sxm-1gpu 4.50 / 1 = 4.50 -> gpu-h100-sxm-1gpu
    from tco.variants import cheapest_instance

    assert cheapest_instance("L4") == "g2-standard-4"
    assert cheapest_instance("H100-SXM") == "gpu-h100-sxm-1gpu"
    assert cheapest_instance("no-such-accelerator") is None


def test_deployment_options_of_an_on_premises_model():
    # recsys-ranking-h100 runs on premises on H100-SXM and names no API: the options are the cheapest
    # H100 cloud instance on demand (nebius gpu-h100-sxm-1gpu, above) and its own on-premises fleet (current)
    from tco.variants import deployment_options

    options = deployment_options(load_scenario(scenario_path("recsys-ranking-h100")))
    assert [(v.label, v.group, v.current, v.note) for v in options] == [
        ("cloud (gpu-h100-sxm-1gpu on demand)", "seq-ranker", False, ""),
        ("on premises (H100-SXM)", "seq-ranker", True, "")]
    cloud = options[0].scenario.models[0].serving
    assert (cloud.deployment, cloud.instance) == ("cloud", "gpu-h100-sxm-1gpu")


def test_automation_lever_rounds_to_six_decimals():
    # automation 0.1234567 + 0.2 = 0.3234567 -> rounded to 6 decimals 0.323457
    from tco.scenario import parse_scenario

    data = scenario_to_dict(load_scenario(scenario_path("recsys-ranking-h100")))
    data["staff"]["automation_factor"] = 0.1234567
    sc = parse_scenario(data)
    changed = scenario_to_dict(sc)
    assert BY_NAME["_lever_automation"](changed, sc) == "automation 0.123457 -> 0.323457 (upkeep and operations)"
    assert changed["staff"]["automation_factor"] == 0.323457


def test_evaluate_variants_cost_per_thousand_requests():
    # per 1,000 requests = cost per day / (requests per day / 1,000)
    from tco.variants import evaluate_variants

    sc = load_scenario(scenario_path("recsys-ranking-h100"))
    row = evaluate_variants([edit(sc, BY_NAME["_lever_versions"])]).iloc[0]
    assert row.status == "ok"
    assert row.per_1k_requests == pytest.approx(row.per_day / (sc.traffic.requests_per_day / 1000), rel=1e-12)


# --- a user's own catalog is the one a variant is read against -----------------------------------
# A copy of data/catalog with c7i.xlarge taken out (the default meta-model's instance) and a renamed
# g6.xlarge on demand ('test-l4.xlarge', at 0.3 USD/h, the cheapest L4 instance) added: a scenario on
# test-l4.xlarge is valid only against this copy.
import csv  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

from tco.catalog import Catalog  # noqa: E402
from tco.variants import strategies  # noqa: E402

from test_bad_inputs import base_scenario, two_model_scenario  # noqa: E402


@pytest.fixture(scope="module")
def own_catalog(tmp_path_factory):
    folder = tmp_path_factory.mktemp("catalog")
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "catalog", folder, dirs_exist_ok=True)
    with open(folder / "instances.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    kept = [r for r in rows if r["instance"] != "c7i.xlarge"]
    kept += [{**r, "instance": "test-l4.xlarge", "price_per_hour": "0.3"} for r in rows
             if r["instance"] == "g6.xlarge" and r["plan"] == "on_demand"]
    with open(folder / "instances.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(kept)
    return Catalog(folder)


def test_edit_reads_the_changed_scenario_against_the_given_catalog(own_catalog):
    data = base_scenario()
    data["models"][0]["serving"]["instance"] = "test-l4.xlarge"
    sc = load_scenario(data, own_catalog)
    variant = edit(sc, BY_NAME["_lever_utilisation"], catalog=own_catalog)
    assert variant.label == "utilisation target 0.8 for rerank"
    assert variant.note == "" and variant.scenario is not None
    assert variant.scenario.models[0].serving.instance == "test-l4.xlarge"
    assert variant.scenario.models[0].serving.utilization_target == 0.8


def test_a_strategy_the_catalog_cannot_serve_says_why(own_catalog):
    sc = load_scenario(two_model_scenario("ensemble"), own_catalog)
    got = {v.label: (v.scenario is None, v.note, v.current) for v in strategies(sc, catalog=own_catalog)}
    assert got["ensemble"] == (False, "", True)
    assert got["single"] == got["cascade"] == (False, "", False)
    # stacking adds the default meta-model on c7i.xlarge, which this catalog lacks
    impossible, note, current = got["stacking"]
    assert impossible and current is False
    assert note.startswith("unknown instance 'c7i.xlarge' (did you mean 'm7i.xlarge'?); known: ")


def test_compression_lever_on_a_scenario_without_a_storage_section():
    data = base_scenario()
    del data["storage"]
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    assert "storage" not in d
    # compression_ratio defaults to 1: doubled to 2
    assert BY_NAME["_lever_compression"](d, sc) == "compress stored artifacts 2x"
    assert d["storage"] == {"compression_ratio": 2.0}


def test_precision_lever_reads_the_accelerator_of_a_cloud_instance():
    # base scenario: a bf16 encoder on g6.xlarge, whose accelerator (instances.csv) is an L4, which has
    # fp8 tensor cores (accelerators.csv fp8_tflops): quantised to fp8
    sc = load_scenario(base_scenario())
    assert sc.models[0].serving.accelerator is None
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_precision"](d, sc) == "quantise: rerank in fp8"
    assert d["models"][0]["precision"] == "fp8"


def test_relabel_lever_applies_to_any_nonzero_rate():
    data = base_scenario()
    data["data"] = {"labelling": {"labels_per_day": 1000, "price_per_label": 0.4, "relabel_rate": 1.0}}
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_relabel"](d, sc) == "no relabelling"
    assert d["data"]["labelling"]["relabel_rate"] == 0.0


def test_deployment_options_mark_the_hosted_api_in_use():
    from tco.variants import deployment_options

    from test_kills_lines import api_first_scenario

    got = [(v.group, v.label, v.current) for v in deployment_options(load_scenario(api_first_scenario()))]
    assert got == [("api-llm", "hosted API (gpt-4o-mini)", True),
                   ("rerank-small", "cloud (g6.xlarge on_demand)", True),
                   ("rerank-small", "on premises (L4)", False)]


def test_an_unknown_lever_dimension_lists_the_dimensions():
    from tco.errors import ScenarioError
    from tco.variants import levers

    with pytest.raises(ScenarioError) as info:
        levers(load_scenario(base_scenario()), "bogus")
    assert info.value.problems == [("dimension", "'bogus' is not one of data, storage, compute, staff, fusion")]


def test_cache_lever_rounds_to_six_places_and_stops_at_ninety_percent():
    data = base_scenario()
    data["traffic"]["cache_hit_rate"] = 0.1234567
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    # 0.1234567 + 0.1 = 0.2234567, rounded to 6 places: 0.223457
    assert BY_NAME["_lever_cache"](d, sc) == "cache hit rate 0.123457 -> 0.223457"
    assert d["traffic"]["cache_hit_rate"] == 0.223457
    data["traffic"]["cache_hit_rate"] = 0.95                # already above the lever's 0.9: nothing to do
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_cache"](d, sc) is None and d["traffic"]["cache_hit_rate"] == 0.95


def test_retention_lever_on_a_scenario_without_data():
    sc = load_scenario(base_scenario())
    d = scenario_to_dict(sc)
    assert "data" not in d
    assert BY_NAME["_lever_retention"](d, sc) is None


def test_lever_variants_belong_to_their_dimension():
    from tco.variants import levers

    got = [(v.label, v.group) for v in levers(load_scenario(scenario_path("search-cascade")), "fusion")]
    assert got == [("first model (ce-small) alone", "fusion")]


def test_a_variant_that_is_not_possible_costs_nothing():
    from tco.variants import Variant, evaluate_variants

    table = evaluate_variants([Variant("impossible", None, note="not possible: for the test", group="g")])
    row = table.iloc[0]
    assert (row.variant, row.group, row.status, row.note) == ("impossible", "g", "not possible",
                                                              "not possible: for the test")
    assert row[["per_day", "per_1k_requests", "data", "storage", "compute", "staff", "fusion"]].isna().all()


def test_versions_lever_on_a_scenario_without_a_storage_section():
    data = base_scenario()
    del data["storage"]
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    # versions_kept defaults to 3: keep 3 // 2 = 1
    assert BY_NAME["_lever_versions"](d, sc) == "keep 1 model versions instead of 3"
    assert d["storage"] == {"versions_kept": 1}


def test_precision_lever_falls_back_to_int8():
    # T4 (accelerators.csv): int8 tensor cores, no fp8, no bf16 peak: an fp16 model goes to int8
    data = base_scenario()
    data["models"][0]["precision"] = "fp16"
    data["models"][0]["serving"] = {"deployment": "cloud", "instance": "g4dn.xlarge"}
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_precision"](d, sc) == "quantise: rerank in int8"
    assert d["models"][0]["precision"] == "int8"


def test_cheapest_instance_is_cheapest_per_accelerator():
    from tco.variants import cheapest_instance

    # A100-80GB on demand (instances.csv, USD): p4de.24xlarge 27.44705 / 8 = 3.4309 per GPU-hour,
    # NC24ads_A100_v4 3.673 (1 GPU), ND96amsr_A100_v4 32.77 / 8 = 4.096: p4de, though its instance
    # costs the most
    assert cheapest_instance("A100-80GB") == "p4de.24xlarge"


def test_deployment_options_read_the_given_catalog(own_catalog):
    from tco.variants import deployment_options

    # on premises L4: the cloud option is this catalog's cheapest L4 instance, test-l4.xlarge at 0.3 USD/h
    # (in data/catalog it would be g2-standard-4)
    data = base_scenario()
    data["models"][0]["serving"] = {"deployment": "on_prem", "accelerator": "L4", "server_price": 10000,
                                    "accelerators_per_server": 1}
    sc = load_scenario(data, own_catalog)
    labels = [v.label for v in deployment_options(sc, catalog=own_catalog)]
    assert labels == ["cloud (test-l4.xlarge on demand)", "on premises (L4)"]


def test_cascade_lever_replaces_stacking():
    sc = load_scenario(two_model_scenario("stacking") | {"fusion": {"strategy": "stacking",
                                                                    "meta_model": {"hours_per_run": 1}}})
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_cascade"](d, sc) == "cascade instead of stacking, escalating 20% at each stage"
    assert d["fusion"] == {"strategy": "cascade", "escalation": [0.2]}


def test_the_hosted_api_option_is_a_valid_scenario_on_that_api():
    from tco.variants import deployment_options

    data = base_scenario()
    data["models"][0]["api_alternative"] = "gpt-4o-mini"
    [api] = [v for v in deployment_options(load_scenario(data)) if v.label.startswith("hosted API")]
    assert api.label == "hosted API (gpt-4o-mini)" and api.note == ""
    serving = api.scenario.models[0].serving
    assert (serving.deployment, serving.api_model) == ("api", "gpt-4o-mini")


def test_a_variant_no_fleet_can_serve_is_not_possible_and_says_why():
    from tco.variants import Variant, evaluate_variants

    # the base encoder takes 14.2 ms a request on an L4 (8.576e11 FLOP at 121e12 x 0.5): a 5 ms objective
    # is valid to read but no fleet meets it, so the costing says so
    data = base_scenario()
    data["models"][0]["latency_slo_ms"] = 5
    row = evaluate_variants([Variant("tight", load_scenario(data))]).iloc[0]
    assert row.status == "not possible"
    assert row.note.startswith("not possible: model 'rerank' takes 14.2 ms per request (1 / replica throughput) on "
                               "L4, so no fleet meets a 5 ms SLO")


def test_complexity_lever_needs_both_a_cost_and_a_complexity():
    data = two_model_scenario("ensemble")
    data["fusion"].update(algorithm_cost_per_day=300, complexity=0)
    sc = load_scenario(data)
    assert BY_NAME["_lever_complexity"](scenario_to_dict(sc), sc) is None


def test_a_variant_is_costed_against_the_given_catalog(own_catalog):
    from tco.variants import Variant, evaluate_variants

    # the base encoder on test-l4.xlarge, which only this catalog has (0.3 USD/h): costed, not refused;
    # without keep_reports the table has only the variant columns
    data = base_scenario()
    data["models"][0]["serving"]["instance"] = "test-l4.xlarge"
    table = evaluate_variants([Variant("own", load_scenario(data, own_catalog))], catalog=own_catalog)
    assert (table.iloc[0].status, table.iloc[0].note) == ("ok", "")
    assert "report" not in table.columns


def test_deployment_options_a_catalog_cannot_read_are_not_possible_and_say_why(own_catalog):
    from tco.variants import deployment_options

    # the base encoder with a CPU fleet on c7i.xlarge, valid against data/catalog; its options read
    # against the copy without c7i.xlarge: each one is listed, not possible, with the reason and its
    # model, and the option it has now is still marked current
    data = base_scenario()
    data["compute"] = {"cpu": [{"name": "feature-service", "instance": "c7i.xlarge", "count": 2}]}
    sc = load_scenario(data)
    got = [(v.label, v.scenario, v.group, v.current) for v in deployment_options(sc, catalog=own_catalog)]
    assert got == [("cloud (g6.xlarge on_demand)", None, "rerank", True),
                   ("on premises (L4)", None, "rerank", False)]
    for v in deployment_options(sc, catalog=own_catalog):
        assert v.note.startswith("unknown instance 'c7i.xlarge' (did you mean 'm7i.xlarge'?); known: ")


# --- boundaries of the levers' rules ---------------------------------------------------------------
def _staffed(**staff):
    data = base_scenario()
    data["staff"] = {"day_rate": 1000, **staff}
    return load_scenario(data)


def test_automation_lever_stops_at_seventy_percent():
    # upkeep of 2 person-days a model a month and automation already at 0.7: the lever's rule (below 0.7) does
    # not apply; at 0.5 it does (0.5 + 0.2 = 0.7)
    sc = _staffed(upkeep_person_days_per_model_per_month=2, automation_factor=0.7)
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_automation"](d, sc) is None and d["staff"]["automation_factor"] == 0.7
    sc = _staffed(upkeep_person_days_per_model_per_month=2, automation_factor=0.5)
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_automation"](d, sc) == "automation 0.5 -> 0.7 (upkeep and operations)"


def test_automation_lever_needs_upkeep_or_operations():
    # automation 0.5, but no upkeep and no operations: nothing for automation to remove
    sc = _staffed(automation_factor=0.5)
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_automation"](d, sc) is None and d["staff"]["automation_factor"] == 0.5


def test_cache_lever_stops_at_ninety_percent_exactly():
    data = base_scenario()
    data["traffic"]["cache_hit_rate"] = 0.9             # at the lever's 0.9: nothing to do
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_cache"](d, sc) is None and d["traffic"]["cache_hit_rate"] == 0.9
    data["traffic"]["cache_hit_rate"] = 0.85            # 0.85 + 0.1 = 0.95, capped at 0.9
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_cache"](d, sc) == "cache hit rate 0.85 -> 0.9"
    assert d["traffic"]["cache_hit_rate"] == 0.9


def test_utilisation_lever_leaves_a_target_of_eighty_percent():
    # the lever raises a target below 0.8 to 0.8; a target of 0.8 is left as it is
    data = base_scenario()
    data["models"][0]["serving"]["utilization_target"] = 0.8
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_utilisation"](d, sc) is None
    assert d["models"][0]["serving"]["utilization_target"] == 0.8


def test_utilisation_lever_leaves_a_hosted_api_alone():
    # api-llm is on the hosted API (its serving block keeps the default target 0.7, which means nothing
    # there); only rerank-small, self-hosted at 0.7, goes to 0.8
    from test_kills_lines import api_first_scenario

    sc = load_scenario(api_first_scenario())
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_utilisation"](d, sc) == "utilisation target 0.8 for rerank-small"
    assert "utilization_target" not in d["models"][0]["serving"]
    assert d["models"][1]["serving"]["utilization_target"] == 0.8


# --- the precision lever on several models ---------------------------------------------------------
def test_precision_lever_quantises_an_fp32_model():
    # fp32 on a T4 (g4dn.xlarge; accelerators.csv: an fp32 peak, int8 tensor cores, no fp8): quantised to int8
    data = base_scenario()
    data["models"][0]["precision"] = "fp32"
    data["models"][0]["serving"] = {"deployment": "cloud", "instance": "g4dn.xlarge"}
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_precision"](d, sc) == "quantise: rerank in int8"
    assert d["models"][0]["precision"] == "int8"


def test_precision_lever_skips_a_quantised_model_and_goes_on():
    # rerank already in fp8 is left alone; rerank-small (bf16, L4) after it is quantised to fp8
    data = two_model_scenario("ensemble")
    data["models"][0]["precision"] = "fp8"
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_precision"](d, sc) == "quantise: rerank-small in fp8"
    assert [m["precision"] for m in d["models"]] == ["fp8", "fp8"]


def test_precision_lever_names_every_model_it_quantises():
    # two bf16 encoders on L4s: both to fp8, named in order, separated by ", "
    sc = load_scenario(two_model_scenario("ensemble"))
    d = scenario_to_dict(sc)
    assert BY_NAME["_lever_precision"](d, sc) == "quantise: rerank in fp8, rerank-small in fp8"


def test_to_hosted_apis_names_every_model_it_moves():
    data = two_model_scenario("ensemble")
    for m in data["models"]:
        m["api_alternative"] = "gpt-4o-mini"
    sc = load_scenario(data)
    d = scenario_to_dict(sc)
    assert BY_NAME["to_hosted_apis"](d, sc) == "hosted API: rerank -> gpt-4o-mini, rerank-small -> gpt-4o-mini"
    assert [m["serving"] for m in d["models"]] == [{"deployment": "api", "api_model": "gpt-4o-mini"}] * 2


def test_edit_without_a_group_gives_no_group():
    sc = load_scenario(scenario_path("recsys-ranking-h100"))
    v = edit(sc, BY_NAME["_lever_versions"])
    assert (v.label, v.group) == ("keep 3 model versions instead of 7", "")


# --- alternatives ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cny_catalog(tmp_path_factory):
    # a copy of data/catalog with one more L4 instance on demand, 'test-l4-cny.xlarge', priced in CNY
    folder = tmp_path_factory.mktemp("catalog-cny")
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "catalog", folder, dirs_exist_ok=True)
    with open(folder / "instances.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows += [{**r, "instance": "test-l4-cny.xlarge", "price_per_hour": "4.0", "currency": "CNY"} for r in rows
             if r["instance"] == "g6.xlarge" and r["plan"] == "on_demand"]
    with open(folder / "instances.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Catalog(folder)


def test_cheapest_instance_converts_prices_to_usd(cny_catalog):
    from tco.variants import cheapest_instance

    # fx.csv: 6.7758 CNY per USD. test-l4-cny.xlarge: 4.0 CNY / 6.7758 = 0.5903 USD per L4-hour, below
    # g2-standard-4's 0.70683 USD and g6.xlarge's 0.8048 USD: the cheapest (4.0 CNY read as USD, or
    # multiplied by 6.7758, would not be)
    assert cheapest_instance("L4", cny_catalog) == "test-l4-cny.xlarge"


def test_deployment_options_of_a_cloud_accelerator_without_an_instance():
    from tco.variants import deployment_options

    # a cloud L4 priced by the hour without an instance type: the cloud option is the cheapest L4 instance
    # on demand, g2-standard-4 (0.70683 USD/h, against g6.xlarge's 0.8048), then on premises
    data = base_scenario()
    data["models"][0]["serving"] = {"deployment": "cloud", "accelerator": "L4", "price_per_hour": 5.0}
    options = deployment_options(load_scenario(data))
    assert [(v.label, v.note) for v in options] == [("cloud (g2-standard-4 on demand)", ""), ("on premises (L4)", "")]
    assert options[0].scenario.models[0].serving.instance == "g2-standard-4"


def test_deployment_options_are_valid_scenarios_against_the_given_catalog(own_catalog):
    from tco.variants import deployment_options

    # on premises L4: the cloud option test-l4.xlarge exists only in this catalog, and the option's
    # scenario is read against it (data/catalog would refuse the instance)
    data = base_scenario()
    data["models"][0]["serving"] = {"deployment": "on_prem", "accelerator": "L4", "server_price": 10000,
                                    "accelerators_per_server": 1}
    options = deployment_options(load_scenario(data, own_catalog), catalog=own_catalog)
    assert [(v.label, v.note, v.scenario is not None) for v in options] == [
        ("cloud (test-l4.xlarge on demand)", "", True), ("on premises (L4)", "", True)]
    serving = options[0].scenario.models[0].serving
    assert (serving.deployment, serving.instance) == ("cloud", "test-l4.xlarge")


def test_levers_read_the_changed_scenario_against_the_given_catalog(own_catalog):
    from tco.variants import levers

    # the base encoder on test-l4.xlarge (only in this catalog), no storage settings but the tier:
    # versions_kept 3 -> 1 and compression 1 -> 2, both valid against this catalog
    data = base_scenario()
    data["models"][0]["serving"]["instance"] = "test-l4.xlarge"
    got = levers(load_scenario(data, own_catalog), "storage", own_catalog)
    assert [(v.label, v.note) for v in got] == [("keep 1 model versions instead of 3", ""),
                                                ("compress stored artifacts 2x", "")]
    assert got[0].scenario.storage.versions_kept == 1 and got[1].scenario.storage.compression_ratio == 2
    assert all(v.scenario.models[0].serving.instance == "test-l4.xlarge" for v in got)


def test_the_current_strategy_is_marked_even_when_the_catalog_cannot_serve_it(own_catalog):
    # stacking with a meta-model on c7i.xlarge, valid against data/catalog; against the copy without
    # c7i.xlarge stacking is not possible, and it is still the strategy the scenario has
    data = two_model_scenario("stacking")
    data["fusion"]["meta_model"] = {"instance": "c7i.xlarge", "hours_per_run": 1}
    sc = load_scenario(data)
    got = {v.label: (v.scenario is None, v.current) for v in strategies(sc, catalog=own_catalog)}
    assert got == {"single": (False, False), "ensemble": (False, False), "cascade": (False, False),
                   "stacking": (True, True)}


def test_kept_reports_of_variants_are_costed_without_the_comparisons():
    from tco import evaluate
    from tco.variants import Variant, evaluate_variants

    # evaluate(compare=True) adds the marginal cost of fusion (an ensemble of two) and the hosted-API
    # break-even (a model naming gpt-4o-mini); a variant's report is costed without them (compare=False)
    data = two_model_scenario("ensemble")
    data["models"][0]["api_alternative"] = "gpt-4o-mini"
    sc = load_scenario(data)
    full = evaluate(sc)
    assert full.marginal_fusion_cost_per_day is not None and len(full.alternatives) == 1
    report = evaluate_variants([Variant("as is", sc)], keep_reports=True).iloc[0].report
    assert report.marginal_fusion_cost_per_day is None and len(report.alternatives) == 0
    assert report.per_day == pytest.approx(full.per_day, rel=1e-12)


def test_compute_levers_read_the_instance_in_the_given_catalog(own_catalog):
    from tco.variants import levers

    # the base encoder (bf16) on test-l4.xlarge, which only this catalog has: the precision lever looks
    # the instance's accelerator up in that catalog (an L4, with an fp8 peak in accelerators.csv) and
    # quantises to fp8, as it would on g6.xlarge
    data = base_scenario()
    data["models"][0]["serving"]["instance"] = "test-l4.xlarge"
    got = {v.label: v for v in levers(load_scenario(data, own_catalog), "compute", own_catalog)}
    quantised = got["quantise: rerank in fp8"]
    assert quantised.note == ""
    assert quantised.scenario.models[0].precision == "fp8"
    assert quantised.scenario.models[0].serving.instance == "test-l4.xlarge"
