"""Properties of the cost model (DESIGN section 7), checked with hypothesis.

* On the real engine (``tco.evaluate`` of mappings validated by ``tco.load_scenario``):
  costs are never negative; the total is monotone in traffic, in the cache hit rate and in every
  price a scenario can set; doubling every price doubles the total; fusion never makes the
  total cheaper than the first model alone.
* On the formula functions: a scalar call per element equals one call on arrays (and a scalar
  call returns a float); Erlang C is a probability, falls with the number of servers and equals
  the textbook sum; ``replicas_for_slo`` returns the fewest replicas that meet the SLO.

Runs are reproducible (``derandomize=True``).
"""

from __future__ import annotations

import copy
import inspect
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import tco
from tco import ScenarioError, capacity, performance, pricing, serving
from tco.dimensions import data as data_dim
from tco.dimensions import fusion as fusion_dim
from tco.dimensions import staff as staff_dim
from tco.dimensions import storage as storage_dim
from tco.scenario import Scenario
from tco.units import PEAK_COLUMN

ENGINE = settings(max_examples=60, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
FORMULA = settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

CATALOG = tco.load_catalog()
ACC = CATALOG.accelerators
INST = CATALOG.instance_types


def _supported(accelerator: str) -> list[str]:
    """Precisions the roofline can estimate on an accelerator: a peak, and a memory bandwidth."""
    row = ACC.loc[accelerator]
    if not row["bandwidth_gb_s"] > 0:
        return []
    return [p for p, col in PEAK_COLUMN.items() if row[col] > 0]


#: GPU instances with an on-demand price in the catalog.
GPU_INSTANCES = sorted(i for i in INST.index[INST.accelerators_per_instance > 0]
                       if CATALOG.instance_price(i, "on_demand") is not None)
#: Those whose accelerator has a bf16 peak (usable for training runs).
TRAIN_INSTANCES = [i for i in GPU_INSTANCES if ACC.loc[INST.loc[i, "accelerator"], "bf16_tflops"] > 0]
#: Accelerators that can be owned: a power rating and at least one peak.
ONPREM_ACCELERATORS = sorted(a for a in ACC.index if np.isfinite(ACC.loc[a, "tdp_w"]) and _supported(a))
CATALOG_SERVERS = set(CATALOG.servers.accelerator[CATALOG.servers.price.notna()])
OBJECT_TIERS = sorted(CATALOG.storage.index[CATALOG.storage.kind == "object"])
BLOCK_TIERS = sorted(CATALOG.storage.index[CATALOG.storage.kind == "block"])
EGRESS_TIERS = sorted(CATALOG.storage.index[CATALOG.storage.kind == "egress"])
STAFF_RATES = sorted(CATALOG.staff_rates.index)
LABEL_TASKS = sorted(CATALOG.labelling.index)
API_MODELS = sorted(CATALOG.api_prices.index)

#: Every key that holds money in a scenario file (checked against the schema below).
MONEY_KEYS = {"price_per_hour", "server_price", "price_per_gb", "licence_fee_per_month", "price_per_label",
              "price_per_gb_month", "registry_price_per_gb_month", "transfer_price_per_gb", "price", "day_rate",
              "annual_cost", "algorithm_cost_per_day", "electricity_price_per_kwh", "hosting_per_accelerator_month",
              "average_order_value", "upfront_cost"}


# ---------------------------------------------------------------------------------------------
# Strategies for scenario mappings
# ---------------------------------------------------------------------------------------------
def money(low=0.0, high=1e4):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def traffic_section(draw):
    profile = draw(st.one_of(
        st.sampled_from(["flat", "ecommerce"]),
        st.lists(st.floats(0, 10, allow_subnormal=False), min_size=24, max_size=24).filter(lambda w: sum(w) > 0.1)))
    out = {"requests_per_day": draw(st.floats(0, 1e9)), "cache_hit_rate": draw(st.floats(0, 1)),
           "hourly_profile": profile}
    if draw(st.booleans()):
        top = capacity.max_peak_to_average(profile)
        out["peak_to_average"] = draw(st.floats(1.0, top)) if top > 1.0 else 1.0
    return out


@st.composite
def workload(draw, name: str, kind: str | None = None) -> dict:
    """The model fields that do not depend on where it runs."""
    kind = kind or draw(st.sampled_from(["encoder", "generative", "recsys"]))
    m = {"name": name, "kind": kind, "parameters": draw(st.floats(1e6, 2e10)),
         "items_per_request": draw(st.floats(1, 50)), "input_tokens_per_item": draw(st.floats(1, 256))}
    if kind == "generative":
        m["output_tokens"] = draw(st.floats(0, 128))
        m["decode_batch"] = draw(st.integers(1, 32))
    if kind == "recsys":
        m["embedding_rows"] = draw(st.floats(0, 1e8))
        m["embedding_dim"] = draw(st.integers(8, 256))
        m["embedding_lookups_per_item"] = draw(st.floats(0, 100))
    if draw(st.integers(0, 3)) == 0:
        m["latency_slo_ms"] = draw(st.floats(1, 1e5))
    return m


def _precision_for(draw, m: dict, accelerator: str) -> None:
    supported = _supported(accelerator)
    if supported:
        m["precision"] = draw(st.sampled_from(supported))
    else:  # e.g. A10G: no peak in the catalog, so a measured figure is needed
        m["throughput_rps"] = draw(st.floats(0.1, 1e4))
        m["throughput_source"] = "hypothesis"


@st.composite
def catalog_model(draw, name: str) -> dict:
    """A model priced from the catalog (cloud on demand, on premises, or a hosted API)."""
    m = draw(workload(name))
    deployment = draw(st.sampled_from(["cloud", "cloud", "on_prem", "api"]))
    serving = {"deployment": deployment}
    if deployment == "api":
        serving["api_model"] = draw(st.sampled_from(API_MODELS))
        m.pop("latency_slo_ms", None)
    else:
        if deployment == "cloud":
            serving["instance"] = draw(st.sampled_from(GPU_INSTANCES))
            serving["billing"] = draw(st.sampled_from(["provisioned", "autoscaled"]))
            accelerator = INST.loc[serving["instance"], "accelerator"]
        else:
            accelerator = draw(st.sampled_from(ONPREM_ACCELERATORS))
            serving["accelerator"] = accelerator
            if accelerator not in CATALOG_SERVERS or draw(st.booleans()):
                serving["server_price"] = draw(money(1e4, 5e6))
        _precision_for(draw, m, accelerator)
        serving.update(utilization_target=draw(st.floats(0.05, 1.0)), min_replicas=draw(st.integers(0, 3)),
                       redundancy=draw(st.integers(0, 2)), regions=draw(st.integers(1, 3)),
                       max_accelerators_per_replica=1024)
        if draw(st.booleans()):
            m["api_alternative"] = draw(st.sampled_from(API_MODELS))
    m["serving"] = serving
    if draw(st.integers(0, 3)) == 0:  # every TRAIN_INSTANCES accelerator has a bf16 peak to train with
        m["training"] = {"instance": draw(st.sampled_from(TRAIN_INSTANCES)),
                         "tokens_per_run": draw(st.floats(1e6, 1e11)),
                         "method": draw(st.sampled_from(["full", "lora"])), "runs_per_month": draw(st.floats(0, 8))}
    return m


def _fusion(draw, n: int, priced_in_file: bool) -> dict:
    if n == 1:
        fu = {"strategy": "single"}
    else:
        strategies = ["ensemble", "cascade"] + ([] if priced_in_file else ["stacking"])
        fu = {"strategy": draw(st.sampled_from(strategies))}
        if fu["strategy"] == "cascade":
            fu["escalation"] = draw(st.lists(st.floats(0.01, 1.0), min_size=n - 1, max_size=n - 1))
        if fu["strategy"] == "stacking":
            fu["meta_model"] = {"hours_per_run": draw(st.floats(0, 100)), "runs_per_month": draw(st.floats(0, 8))}
        if not priced_in_file:
            fu["combiner_cpu_ms_per_request"] = draw(st.floats(0, 5))
        fu["integration_person_days_per_model_per_month"] = draw(st.floats(0, 5))
    fu["algorithm_cost_per_day"] = draw(money(0.01, 1e3) if priced_in_file else money(0, 1e3))
    fu["complexity"] = draw(st.floats(0.01, 1) if priced_in_file else st.floats(0, 1))
    return fu


@st.composite
def catalog_scenarios(draw) -> dict:
    """Valid scenario mappings that draw prices from the catalog wherever they can."""
    n = draw(st.integers(1, 3))
    models = [draw(catalog_model(f"m{i}")) for i in range(n)]
    d = {"name": "prop", "currency": draw(st.sampled_from(["CNY", "USD", "EUR"])), "as_of": "2026-11-22",
         "traffic": draw(traffic_section()), "models": models, "fusion": _fusion(draw, n, False)}
    d["data"] = {
        "sources": [{"name": "logs", "gb_per_day": draw(st.floats(0, 1e4)), "price_per_gb": draw(money(0, 100)),
                     "usable_fraction": draw(st.floats(0.05, 1)), "licence_fee_per_month": draw(money(0, 1e5))}],
        "processing": [{"name": "etl", "gb_per_day": draw(st.floats(0, 1e4)), "price_per_gb": draw(money(0, 10))}],
        "labelling": {"task": draw(st.sampled_from(LABEL_TASKS)), "labels_per_day": draw(st.floats(0, 1e5)),
                      "relabel_rate": draw(st.floats(0, 1))},
        "retention": [{"name": "hot", "gb_per_day": draw(st.floats(0, 1e3)), "days": draw(st.floats(0, 365)),
                       "replication": draw(st.floats(1, 3)), "tier": draw(st.sampled_from(OBJECT_TIERS + BLOCK_TIERS))}],
    }
    d["storage"] = {"registry_tier": draw(st.sampled_from(OBJECT_TIERS)), "versions_kept": draw(st.integers(1, 5)),
                    "backups": draw(st.integers(0, 2)), "regions": draw(st.integers(1, 3)),
                    "serving_disk_tier": draw(st.sampled_from([None] + BLOCK_TIERS)),
                    "transfer_tier": draw(st.sampled_from([None] + EGRESS_TIERS)),
                    "on_prem_media": {"capacity_gb": draw(st.floats(100, 2e4)), "price": draw(money(0, 1e4))}}
    d["staff"] = {"day_rate": draw(money(0, 5e3)),
                  "roles": [{"role": "engineer", "fte": draw(st.floats(0, 10)), "rate": draw(st.sampled_from(STAFF_RATES))}],
                  "tasks": [{"task": "on-call", "person_days_per_month": draw(st.floats(0, 20))}],
                  "upkeep_person_days_per_model_per_month": draw(st.floats(0, 5)),
                  "operations": {"nodes_per_engineer": draw(st.floats(1, 500)), "rate": draw(st.sampled_from(STAFF_RATES))},
                  "training_days_per_person_per_year": draw(st.floats(0, 10)),
                  "automation_factor": draw(st.floats(0, 0.99))}
    d["compute"] = {"cpu": [{"name": "features", "instance": draw(st.sampled_from(["c7i.xlarge", "m7i.xlarge"])),
                             "count": draw(st.floats(0, 20))}]}
    if draw(st.booleans()):
        d["on_prem"] = {"region": draw(st.sampled_from(["cn", "us"])),
                        "hosting_per_accelerator_month": draw(money(0, 2e3))}
    return d


@st.composite
def priced_scenarios(draw) -> dict:
    """Valid scenario mappings in which every price is given in the file (no catalog price is used)."""
    n = draw(st.integers(1, 3))
    models = []
    for i in range(n):
        m = draw(workload(f"m{i}"))
        deployment = draw(st.sampled_from(["cloud", "on_prem"]))
        if deployment == "cloud":
            if draw(st.booleans()):
                inst = draw(st.sampled_from(GPU_INSTANCES))
                serving = {"deployment": "cloud", "instance": inst}
                accelerator = INST.loc[inst, "accelerator"]
            else:
                accelerator = draw(st.sampled_from(sorted(a for a in ACC.index if _supported(a))))
                serving = {"deployment": "cloud", "accelerator": accelerator}
            serving["price_per_hour"] = draw(money(0.01, 500))
            serving["billing"] = draw(st.sampled_from(["provisioned", "autoscaled"]))
        else:
            accelerator = draw(st.sampled_from(ONPREM_ACCELERATORS))
            serving = {"deployment": "on_prem", "accelerator": accelerator,
                       "accelerators_per_server": draw(st.sampled_from([1, 2, 4, 8]))}
            if draw(st.booleans()):
                serving["price_per_hour"] = draw(money(0.01, 100))
            else:
                serving["server_price"] = draw(money(1e4, 5e6))
        _precision_for(draw, m, accelerator)
        serving.update(utilization_target=draw(st.floats(0.05, 1.0)), min_replicas=draw(st.integers(1, 3)),
                       redundancy=draw(st.integers(0, 2)), regions=draw(st.integers(1, 2)),
                       max_accelerators_per_replica=1024)
        m["serving"] = serving
        if "precision" in m and draw(st.integers(0, 2)) == 0:  # the serving accelerator has a peak at it
            m["training"] = {"deployment": "cloud", "accelerator": accelerator,
                             "price_per_hour": draw(money(0.01, 500)),
                             "tokens_per_run": draw(st.floats(1e6, 1e11)), "runs_per_month": draw(st.floats(0.1, 8))}
        models.append(m)
    d = {"name": "priced", "currency": "CNY", "as_of": "2026-11-22", "traffic": draw(traffic_section()),
         "models": models, "fusion": _fusion(draw, n, True)}
    d["data"] = {
        "sources": [{"name": "logs", "gb_per_day": draw(st.floats(0, 1e4)), "price_per_gb": draw(money(0.01, 100)),
                     "usable_fraction": draw(st.floats(0.05, 1)), "licence_fee_per_month": draw(money(0.01, 1e5))}],
        "processing": [{"name": "etl", "gb_per_day": draw(st.floats(0, 1e4)), "price_per_gb": draw(money(0.01, 10))}],
        "labelling": {"price_per_label": draw(money(0.01, 1)), "labels_per_day": draw(st.floats(0, 1e5)),
                      "relabel_rate": draw(st.floats(0, 1))},
        "retention": [{"name": "hot", "gb_per_day": draw(st.floats(0, 1e3)), "days": draw(st.floats(0, 365)),
                       "replication": draw(st.floats(1, 3)), "price_per_gb_month": draw(money(0.001, 1))}],
    }
    d["storage"] = {"registry_tier": None, "registry_price_per_gb_month": draw(money(0.001, 10)),
                    "versions_kept": draw(st.integers(1, 5)), "backups": draw(st.integers(0, 2)),
                    "transfer_price_per_gb": draw(money(0.001, 1)),
                    "on_prem_media": {"capacity_gb": draw(st.floats(100, 2e4)), "price": draw(money(1, 1e4))}}
    d["staff"] = {"day_rate": draw(money(1, 5e3)),
                  "roles": [{"role": "engineer", "fte": draw(st.floats(0, 10)), "annual_cost": draw(money(1e4, 1e6))}],
                  "tasks": [{"task": "on-call", "person_days_per_month": draw(st.floats(0, 20)),
                             "day_rate": draw(money(1, 5e3))},
                            {"task": "reviews", "person_days_per_month": draw(st.floats(0, 20))}],
                  "upkeep_person_days_per_model_per_month": draw(st.floats(0, 5)),
                  "operations": {"nodes_per_engineer": draw(st.floats(1, 500)), "annual_cost": draw(money(1e4, 1e6))},
                  "training_days_per_person_per_year": draw(st.floats(0, 10)),
                  "automation_factor": draw(st.floats(0, 0.99))}
    d["compute"] = {"cpu": [{"name": "features", "instance": "c7i.xlarge", "count": draw(st.floats(0, 20)),
                             "price_per_hour": draw(money(0.01, 10))}]}
    d["on_prem"] = {"region": "cn", "electricity_price_per_kwh": draw(money(0.01, 2)), "pue": draw(st.floats(1, 2)),
                    "useful_life_years": draw(st.floats(1, 8)), "maintenance_rate": draw(st.floats(0, 0.3)),
                    "server_power_overhead": draw(st.floats(1, 2)), "load_factor": draw(st.floats(0, 1)),
                    "hosting_per_accelerator_month": draw(money(0.01, 2e3))}
    return d


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def run(data: dict, compare: bool = False):
    """Validate with load_scenario and evaluate; drop draws whose SLO no fleet can meet.

    Any other error is a failure: the strategies only produce valid scenarios.
    """
    scenario = tco.load_scenario(copy.deepcopy(data))
    try:
        return tco.evaluate(scenario, compare=compare)
    except ScenarioError as exc:
        if all(path.endswith("latency_slo_ms") for path, _ in exc.problems):
            assume(False)
        raise


def priced_costs(report) -> np.ndarray:
    items = report.items
    return items.cost_per_day[items.priced].to_numpy(dtype=float)


def assert_items_not_lower(low, high, rel=1e-12):
    """Every priced line item of ``high`` is at least the same item of ``low`` (same structure)."""
    a, b = low.items, high.items
    assert list(a.item) == list(b.item) and list(a.model) == list(b.model)
    both = a.priced.to_numpy() & b.priced.to_numpy()
    x, y = a.cost_per_day.to_numpy()[both], b.cost_per_day.to_numpy()[both]
    bad = y < x * (1 - rel) - 1e-12
    assert not bad.any(), a.assign(higher=b.cost_per_day)[both][bad][["dimension", "item", "model", "cost_per_day", "higher"]]


def scale_money(node, factor: float):
    """A copy of a scenario mapping with every money value multiplied by ``factor``."""
    if isinstance(node, dict):
        return {k: (v * factor if k in MONEY_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool)
                    else scale_money(v, factor)) for k, v in node.items()}
    if isinstance(node, list):
        return [scale_money(v, factor) for v in node]
    return node


def money_paths(node, prefix=()):
    """Paths (tuples of keys and indices) of every money value in a mapping."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in MONEY_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool):
                yield prefix + (k,)
            else:
                yield from money_paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from money_paths(v, prefix + (i,))


def set_path(data, path, value):
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def get_path(data, path):
    node = data
    for key in path:
        node = node[key]
    return node


# ---------------------------------------------------------------------------------------------
# Engine properties
# ---------------------------------------------------------------------------------------------
@ENGINE
@given(catalog_scenarios())
def test_costs_are_never_negative(data):
    report = run(data, compare=True)
    costs = priced_costs(report)
    assert (costs >= 0).all(), report.items[report.items.priced & (report.items.cost_per_day < 0)]
    assert np.isfinite(costs).all()
    assert report.items.priced.all(), report.items[~report.items.priced]  # the strategies price everything
    totals = report.totals
    for key in ("per_day", "per_month", "per_year"):
        assert totals[key] >= 0 and math.isfinite(totals[key]), (key, totals[key])
    if report.requests_per_day > 0:
        assert totals["per_1k_requests"] >= 0
    assert (report.models.accelerators.fillna(0) >= 0).all() and (report.models.instances.fillna(0) >= 0).all()
    hourly = report.hourly.requests_per_s.to_numpy()
    assert (hourly >= 0).all(), hourly  # a stretched profile never turns traffic negative


@ENGINE
@given(catalog_scenarios())
def test_fusion_never_costs_less_than_the_first_model_alone(data):
    assume(len(data["models"]) > 1)
    report = run(data, compare=True)
    assert report.marginal_fusion_cost_per_day is not None
    assert report.marginal_fusion_cost_per_day >= -1e-9 * max(report.per_day, 1.0)


@ENGINE
@given(catalog_scenarios(), st.floats(1.0, 100.0), st.floats(0, 1e6))
def test_total_is_monotone_in_requests_per_day(data, factor, extra):
    low = run(data)
    more = copy.deepcopy(data)
    more["traffic"]["requests_per_day"] = data["traffic"]["requests_per_day"] * factor + extra
    high = run(more)
    assert high.per_day >= low.per_day * (1 - 1e-12), (low.per_day, high.per_day)
    assert_items_not_lower(low, high)


@ENGINE
@given(catalog_scenarios(), st.floats(0, 1))
def test_total_is_monotone_in_cache_hit_rate(data, step):
    lower_rate = data["traffic"]["cache_hit_rate"]
    higher_rate = min(1.0, lower_rate + (1.0 - lower_rate) * step)
    cached = copy.deepcopy(data)
    cached["traffic"]["cache_hit_rate"] = higher_rate
    assert run(cached).per_day <= run(data).per_day * (1 + 1e-12)


@ENGINE
@given(priced_scenarios(), st.data())
def test_total_is_monotone_in_each_price(data, draw):
    paths = sorted(money_paths(data), key=str)
    path = draw.draw(st.sampled_from(paths), label="price")
    factor = draw.draw(st.floats(1.0, 10.0), label="factor")
    low = run(data)
    dearer = copy.deepcopy(data)
    set_path(dearer, path, get_path(data, path) * factor + draw.draw(st.floats(0, 100), label="plus"))
    high = run(dearer)
    assert high.per_day >= low.per_day * (1 - 1e-12), (path, low.per_day, high.per_day)
    assert_items_not_lower(low, high)


@pytest.mark.parametrize("path", [
    ("models", 0, "serving", "price_per_hour"),
    ("storage", "registry_price_per_gb_month"),
    ("data", "sources", 0, "price_per_gb"),
    ("staff", "day_rate"),
    ("staff", "roles", 0, "annual_cost"),
    ("compute", "cpu", 0, "price_per_hour"),
    ("data", "retention", 0, "price_per_gb_month"),
], ids=lambda p: ".".join(map(str, p)))
@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=priced_scenarios(), factor=st.floats(1.0, 10.0))
def test_named_price_raises_total(path, data, factor):
    """The prices the brief names, one by one: raising one never lowers the total."""
    try:
        base = get_path(data, path)
    except (KeyError, IndexError):
        assume(False)
    assume(isinstance(base, float))
    low = run(data)
    dearer = copy.deepcopy(data)
    set_path(dearer, path, base * factor)
    high = run(dearer)
    assert high.per_day >= low.per_day * (1 - 1e-12)
    assert_items_not_lower(low, high)


@ENGINE
@given(priced_scenarios())
def test_doubling_every_price_doubles_the_total(data):
    report = run(data, compare=True)
    # the scenario really is priced in the file: no catalog price (or exchange rate) was used
    assert report.sources.empty, report.sources[["table", "key"]]
    assert report.items.priced.all(), report.items[~report.items.priced]
    # the total is the sum of its lines, and not zero (else doubling it would prove nothing)
    assert report.per_day == pytest.approx(report.items.cost_per_day.sum(), rel=1e-12)
    assert report.per_day > 0
    doubled = run(scale_money(data, 2.0), compare=True)
    assert doubled.per_day == pytest.approx(2.0 * report.per_day, rel=1e-9)
    # atol: a subnormal price (hypothesis finds 1e-320) rounds to zero before doubling, not after
    np.testing.assert_allclose(doubled.items.cost_per_day, 2.0 * report.items.cost_per_day, rtol=1e-9, atol=1e-300)
    # and sizing does not move with prices
    np.testing.assert_array_equal(doubled.models.accelerators, report.models.accelerators)


def test_money_keys_cover_every_price_in_the_schema():
    """MONEY_KEYS (used to double prices) must name every field the schema marks as money."""
    schema = Scenario.model_json_schema()
    found = set()
    for definition in [schema, *schema.get("$defs", {}).values()]:
        for key, prop in definition.get("properties", {}).items():
            if "[currency" in prop.get("description", ""):
                found.add(key)
    assert found, "no money fields found in the schema: the check would be vacuous"
    assert found <= MONEY_KEYS, found - MONEY_KEYS


# ---------------------------------------------------------------------------------------------
# Formula functions: scalars and arrays agree
# ---------------------------------------------------------------------------------------------
pos = st.floats(1e-3, 1e12)
frac = st.floats(0.0, 1.0)
unit = st.floats(0.01, 1.0)
count = st.integers(1, 64).map(float)
small = st.floats(0.0, 1e4)


@st.composite
def slo_args(draw):
    service = draw(st.floats(1e-4, 1.0))
    return (draw(st.floats(0, 2000)), service, float(draw(st.integers(1, 32))),
            service * (1 + draw(st.floats(0.01, 20))), draw(st.floats(0.5, 0.999)))


@st.composite
def wait_args(draw):
    return (float(draw(st.integers(0, 200))), float(draw(st.integers(1, 16))), draw(st.floats(1e-4, 1.0)),
            draw(st.floats(0, 2000)), draw(st.floats(0, 2)))


def args_of(*strategies):
    return st.tuples(*strategies)


@st.composite
def moe_args(draw):
    """(experts E, routed per token k <= E, tokens b)."""
    experts = draw(st.integers(1, 256))
    return (float(experts), float(draw(st.integers(1, experts))), float(draw(st.integers(0, 100_000))))


#: name -> (function, strategy for one element's arguments)
FORMULAS = {
    "performance.prefill_flops": (performance.prefill_flops, args_of(pos, count, small)),
    "performance.decode_flops": (performance.decode_flops, args_of(pos, small)),
    "performance.embedding_bytes": (performance.embedding_bytes, args_of(count, small, count, st.sampled_from([0.5, 1.0, 2.0, 4.0]), frac)),
    "performance.prefill_time": (performance.prefill_time, args_of(pos, small, pos, st.floats(10, 1e4), unit, unit)),
    "performance.throughput": (performance.throughput, args_of(st.floats(1e-6, 10), st.floats(0, 10))),
    "performance.weight_bytes": (performance.weight_bytes, args_of(pos, st.sampled_from([0.5, 1.0, 2.0, 4.0]))),
    "performance.kv_bytes_per_token_estimate": (performance.kv_bytes_per_token_estimate, args_of(pos, st.sampled_from([0.5, 1.0, 2.0, 4.0]))),
    "performance.replica_size": (performance.replica_size, args_of(st.floats(0, 1e5), st.floats(1, 200), unit)),
    "performance.training_flops": (performance.training_flops, args_of(pos, pos, st.sampled_from([4.0, 6.0]))),
    "performance.accelerator_hours": (performance.accelerator_hours, args_of(pos, pos, unit)),
    "capacity.erlang_c": (capacity.erlang_c, args_of(st.integers(0, 500).map(float), st.floats(0, 600))),
    "capacity.wait_exceeds_probability": (capacity.wait_exceeds_probability, wait_args()),
    "capacity.replicas_for_load": (capacity.replicas_for_load, args_of(st.floats(0, 1e5), st.floats(0.01, 1e4), unit)),
    "capacity.replicas_for_slo": (capacity.replicas_for_slo, slo_args()),
    "capacity.instances_needed": (capacity.instances_needed, args_of(st.integers(0, 1000).map(float),
                                                                      st.sampled_from([1.0, 2.0, 4.0, 8.0, 16.0, 64.0]),
                                                                      st.sampled_from([1.0, 2.0, 4.0, 8.0]))),
    "pricing.onprem_accelerator_hour_cost": (pricing.onprem_accelerator_hour_cost,
                                             args_of(small, st.floats(1, 10), st.floats(0, 2), st.floats(1, 2),
                                                     st.floats(0, 2), frac, st.floats(0, 0.5), st.floats(0, 5))),
    "pricing.fleet_cost_per_day": (pricing.fleet_cost_per_day, args_of(st.floats(0, 1e4), st.floats(0, 200))),
    "pricing.api_cost_per_day": (pricing.api_cost_per_day, args_of(st.floats(0, 1e9), small, small, st.floats(0, 100), st.floats(0, 100))),
    "pricing.api_tiered_cost_per_day": (pricing.api_tiered_cost_per_day,
                                        args_of(st.floats(0, 1e9), small, small, frac, frac, frac,
                                                *[st.floats(0, 100)] * 8, st.floats(0, 1e6), st.floats(1, 3),
                                                st.floats(1, 3))),
    "pricing.stored_cost_per_day": (pricing.stored_cost_per_day, args_of(st.floats(0, 1e7), st.floats(0, 1))),
    "pricing.per_month_to_per_day": (pricing.per_month_to_per_day, args_of(st.floats(0, 1e9))),
    "pricing.per_year_to_per_day": (pricing.per_year_to_per_day, args_of(st.floats(0, 1e9))),
    "data.volume_cost_per_day": (data_dim.volume_cost_per_day, args_of(small, st.floats(0, 100), unit)),
    "data.labelling_cost_per_day": (data_dim.labelling_cost_per_day, args_of(st.floats(0, 1e6), st.floats(0, 10), frac)),
    "data.retained_gb": (data_dim.retained_gb, args_of(small, st.floats(0, 3650), st.floats(1, 5))),
    "storage.registry_gb": (storage_dim.registry_gb, args_of(small, count, st.integers(0, 3).map(float), count, st.floats(1, 10))),
    "storage.media_cost_per_day": (storage_dim.media_cost_per_day, args_of(st.floats(0, 1e6), st.floats(1, 2e4), small, st.floats(0.5, 10))),
    "storage.transfer_cost_per_day": (storage_dim.transfer_cost_per_day, args_of(small, st.floats(0, 30), st.floats(0, 1e4), st.floats(0, 1))),
    "staff.fte_cost_per_day": (staff_dim.fte_cost_per_day, args_of(st.floats(0, 100), st.floats(0, 1e7))),
    "staff.person_days_cost_per_day": (staff_dim.person_days_cost_per_day, args_of(st.floats(0, 100), st.floats(0, 1e4), st.floats(0, 0.99))),
    "staff.operations_fte": (staff_dim.operations_fte, args_of(st.floats(0, 1e4), st.floats(1, 500), st.floats(0, 0.99))),
    "fusion.combiner_cost_per_day": (fusion_dim.combiner_cost_per_day, args_of(st.floats(0, 1e9), st.floats(0, 10), st.floats(0, 10), count)),
    "fusion.algorithm_upkeep_per_day": (fusion_dim.algorithm_upkeep_per_day, args_of(st.floats(0, 1e6), st.floats(0, 1))),
    "capacity.max_arrival_rate": (capacity.max_arrival_rate, args_of(count, count, st.floats(1e-3, 10), st.floats(0, 10),
                                                                      st.floats(0.5, 0.999))),
    "serving.distinct_experts": (serving.distinct_experts, moe_args()),
    "serving.moe_step_weight_bytes": (serving.moe_step_weight_bytes,
                                      moe_args().map(lambda a: (1.6e9, 4.5e10, *a, 1.0))),
    "serving.kv_bytes_per_token": (serving.kv_bytes_per_token, args_of(count, count, count, st.sampled_from([0.5, 1.0, 2.0]))),
    "serving.mla_kv_bytes_per_token": (serving.mla_kv_bytes_per_token, args_of(count, pos, small, st.sampled_from([1.0, 2.0]))),
    "serving.attention_flops": (serving.attention_flops, args_of(count, pos, small)),
    "serving.speculative_tokens_per_step": (serving.speculative_tokens_per_step, args_of(frac, count)),
    "serving.allreduce_time": (serving.allreduce_time, args_of(small, count, st.floats(10, 2000))),
    "serving.batch_for_memory": (serving.batch_for_memory, args_of(st.floats(-1e9, 1e12), pos)),
    "serving.time_per_output_token": (serving.time_per_output_token,
                                      args_of(st.floats(1e-5, 1), st.floats(0, 1), count, st.floats(1, 1e4),
                                              st.floats(1, 8))),
    "serving.replica_request_rate": (serving.replica_request_rate,
                                     args_of(st.floats(1e-5, 1), st.floats(0, 1), count, st.floats(1, 1e4),
                                             st.floats(1, 8))),
}
#: Formula functions whose output carries an extra axis, tested separately below.
SHAPED = {"capacity.arrival_rates", "capacity.hourly_weights", "fusion.cascade_shares", "performance.cached_lookup_share"}
#: Module functions that are not elementwise formulas of numbers.
NOT_FORMULAS = {"capacity.max_peak_to_average", "data.items", "storage.items", "staff.items", "fusion.items",
                "fusion.traffic_shares"}
MODULES = {"performance": performance, "serving": serving, "capacity": capacity, "pricing": pricing, "data": data_dim,
           "storage": storage_dim, "staff": staff_dim, "fusion": fusion_dim}


def test_every_formula_function_is_covered():
    defined = {f"{short}.{name}" for short, module in MODULES.items()
               for name, fn in inspect.getmembers(module, inspect.isfunction)
               if not name.startswith("_") and getattr(fn, "__module__", "") == module.__name__}
    missing = defined - set(FORMULAS) - SHAPED - NOT_FORMULAS
    assert not missing, f"formula functions without a scalar/array test: {sorted(missing)}"


def _same(vector_value, scalar_value, exact=False):
    if exact:
        return vector_value == scalar_value
    return bool(np.isclose(vector_value, scalar_value, rtol=1e-12, atol=0) or vector_value == scalar_value)


@pytest.mark.parametrize("name", sorted(FORMULAS))
@FORMULA
@given(data=st.data())
def test_scalar_and_array_inputs_agree(name, data):
    fn, element = FORMULAS[name]
    rows = data.draw(st.lists(element, min_size=1, max_size=6), label="rows")
    arrays = [np.array(column, dtype=float) for column in zip(*rows)]
    vector = fn(*arrays)
    assert isinstance(vector, np.ndarray) and vector.shape == (len(rows),), (type(vector), np.shape(vector))
    exact = name.startswith("capacity.replicas") or name == "capacity.instances_needed"
    for i, row in enumerate(rows):
        scalar = fn(*row)
        assert isinstance(scalar, float) and np.ndim(scalar) == 0, f"scalar in must give a float out, got {type(scalar)}"
        assert _same(vector[i], scalar, exact), (i, row, vector[i], scalar)


@FORMULA
@given(st.lists(st.tuples(st.floats(0, 1e9), frac), min_size=1, max_size=6),
       st.lists(st.floats(0, 10), min_size=24, max_size=24).filter(lambda w: sum(w) > 0))
def test_arrival_rates_scalar_and_array_agree(rows, weights):
    q, h = (np.array(c) for c in zip(*rows))
    w = np.asarray(weights) / np.mean(weights)
    vector = capacity.arrival_rates(q, h, w)
    assert vector.shape == (len(rows), 24)
    for i, (qi, hi) in enumerate(rows):
        scalar = capacity.arrival_rates(qi, hi, w)
        assert scalar.shape == (24,)
        np.testing.assert_allclose(vector[i], scalar, rtol=1e-12, atol=0)
        # and the hand formula: lambda_h = Q (1 - h) w_h / 86400
        np.testing.assert_allclose(scalar, qi * (1 - hi) * w / 86400.0, rtol=1e-12, atol=1e-300)


@FORMULA
@given(st.sampled_from(["ecommerce", "list"]), st.data())
def test_hourly_weights_scalar_and_array_agree(kind, data):
    profile = "ecommerce" if kind == "ecommerce" else data.draw(
        st.lists(st.floats(0.1, 10), min_size=24, max_size=24).filter(lambda w: max(w) > min(w) * 1.01))
    top = capacity.max_peak_to_average(profile)
    ratios = data.draw(st.lists(st.floats(1.0, top), min_size=1, max_size=6))
    vector = capacity.hourly_weights(profile, np.array(ratios))
    assert vector.shape == (len(ratios), 24)
    for i, p in enumerate(ratios):
        scalar = capacity.hourly_weights(profile, p)
        np.testing.assert_allclose(vector[i], np.reshape(scalar, 24), rtol=1e-12, atol=1e-12)
        # mean 1, busiest hour p, never negative
        assert np.mean(scalar) == pytest.approx(1.0, rel=1e-9)
        assert np.max(scalar) == pytest.approx(p, rel=1e-9)
        assert np.min(scalar) >= -1e-9


@FORMULA
@given(st.integers(1, 5).flatmap(lambda m: st.lists(st.lists(st.floats(0.01, 1.0), min_size=m, max_size=m),
                                                      min_size=1, max_size=6)))
def test_cascade_shares_scalar_and_array_agree(rows):
    vector = fusion_dim.cascade_shares(np.array(rows))
    assert vector.shape == (len(rows), len(rows[0]) + 1)
    for i, esc in enumerate(rows):
        single = fusion_dim.cascade_shares(esc)
        np.testing.assert_allclose(vector[i], single, rtol=1e-12, atol=0)
        assert single[0] == 1.0 and np.all(np.diff(single) <= 0)  # each stage sees no more than the one before
        np.testing.assert_allclose(single[1:], np.cumprod(esc), rtol=1e-12)


@FORMULA
@given(st.integers(1, 8).flatmap(lambda m: st.tuples(
    st.lists(st.lists(st.integers(1, 10**7).map(float), min_size=m, max_size=m), min_size=1, max_size=5),
    st.lists(st.integers(1, 100).map(float), min_size=m, max_size=m),
    st.lists(st.floats(0, 1e10), min_size=1, max_size=5))))
def test_cached_lookup_share_scalar_and_array_agree(args):
    tables, lookups, caches = args
    grid = performance.cached_lookup_share(np.array(tables)[:, None, :], lookups, 128.0, np.array(caches)[None, :])
    assert grid.shape == (len(tables), len(caches))
    for i, rows in enumerate(tables):
        shares = [performance.cached_lookup_share(rows, lookups, 128.0, c) for c in caches]
        assert all(isinstance(x, float) for x in shares)
        np.testing.assert_allclose(grid[i], shares, rtol=1e-12, atol=0)
        assert all(0.0 <= x <= 1.0 for x in shares)
        ordered = [performance.cached_lookup_share(rows, lookups, 128.0, c) for c in sorted(caches)]
        assert all(a <= b for a, b in zip(ordered, ordered[1:]))  # more cache never caches fewer lookups


def test_cached_lookup_share_dlrm_v2():
    """DLRM-v2's 26 tables (mlcommons/inference recommendation/dlrm_v2): with 16 MB of cache for INT8 rows (128 bytes) the 18
    smallest tables (15.5 MB) stay whole and take 44 of the 214 lookups per pair; the next table
    (405,282 rows, 51.9 MB) does not fit."""
    rows = [40000000, 39060, 17295, 7424, 20265, 3, 7122, 1543, 63, 40000000, 3067956, 405282, 10, 2209, 11938,
            155, 4, 976, 14, 40000000, 40000000, 40000000, 590152, 12973, 108, 36]
    hot = [3, 2, 1, 2, 6, 1, 1, 1, 1, 7, 3, 8, 1, 6, 9, 5, 1, 1, 1, 12, 100, 27, 10, 3, 1, 1]
    assert performance.cached_lookup_share(rows, hot, 128, 16e6) == pytest.approx(44 / 214)
    assert performance.cached_lookup_share(rows, hot, 128, 15.4e6) == pytest.approx(42 / 214)  # 39,060-row table out
    assert performance.cached_lookup_share(rows, hot, 128, 0) == 0.0
    assert performance.cached_lookup_share(rows, hot, 128, 204_184_588 * 128) == 1.0


# ---------------------------------------------------------------------------------------------
# Erlang C and the SLO sizing
# ---------------------------------------------------------------------------------------------
def erlang_c_textbook(c: int, a: float) -> float:
    """C(c, A) = (A^c/c! · c/(c−A)) / (Σ_{k<c} A^k/k! + A^c/c! · c/(c−A)), and 1 when A >= c."""
    if a >= c:
        return 1.0
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)


def erlang_c_recursive(c: int, a: float) -> float:
    """Erlang C through the Erlang B recursion B(k) = A·B(k−1) / (k + A·B(k−1)) (stable for large c)."""
    if a <= 0:
        return 0.0
    if a >= c:
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1 - b))


def test_erlang_c_hand_values():
    assert capacity.erlang_c(3, 2) == pytest.approx(4 / 9, rel=1e-12)  # DESIGN 3.3 test vector
    assert capacity.erlang_c(1, 0.5) == pytest.approx(0.5, rel=1e-12)  # M/M/1: C = rho
    assert capacity.erlang_c(2, 1) == pytest.approx(1 / 3, rel=1e-12)
    assert capacity.erlang_c(4, 4.0) == 1.0 and capacity.erlang_c(4, 0.0) == 0.0


@FORMULA
@given(st.integers(1, 2000), st.floats(0, 3000))
def test_erlang_c_is_a_probability(servers, load):
    value = capacity.erlang_c(servers, load)
    assert 0.0 <= value <= 1.0, value
    if load >= servers:
        assert value == 1.0


@FORMULA
@given(st.integers(1, 1000), st.floats(0, 1500), st.integers(1, 50))
def test_erlang_c_falls_with_servers(servers, load, more):
    fewer, extra = capacity.erlang_c(servers, load), capacity.erlang_c(servers + more, load)
    assert extra <= fewer + 1e-12, (servers, load, more, fewer, extra)
    if load < servers and fewer > 1e-250:
        assert extra < fewer  # strictly, while the queue is stable and waiting is representable


@FORMULA
@given(st.integers(1, 30), st.floats(0, 40))
def test_erlang_c_equals_the_textbook_sum(servers, load):
    expected = erlang_c_textbook(servers, load)
    assert capacity.erlang_c(servers, load) == pytest.approx(expected, rel=1e-9, abs=1e-300)


@FORMULA
@given(st.integers(1, 3000), st.floats(0, 4000))
def test_erlang_c_equals_the_b_recursion_for_large_c(servers, load):
    expected = erlang_c_recursive(servers, load)
    assert capacity.erlang_c(servers, load) == pytest.approx(expected, rel=1e-8, abs=1e-300)


def _slo_tail(replicas: float, slots: float, service: float, rate: float, slo: float) -> float:
    """P(wait > SLO − s) for an M/M/c queue of c = replicas·slots servers of rate 1/s (DESIGN 3.3)."""
    c = int(round(replicas * slots))
    a = rate * service
    if a >= c:
        return 1.0
    return erlang_c_recursive(c, a) * math.exp(-(c / service - rate) * (slo - service))


@FORMULA
@given(slo_args())
def test_replicas_for_slo_is_the_fewest_that_meet_the_slo(args):
    rate, service, slots, slo, percentile = args
    r = capacity.replicas_for_slo(rate, service, slots, slo, percentile)
    assert r >= 1 and r == int(r)
    target = 1.0 - percentile
    assert _slo_tail(r, slots, service, rate, slo) <= target * (1 + 1e-9), (args, r)
    if r > 1:
        assert _slo_tail(r - 1, slots, service, rate, slo) > target * (1 - 1e-9), (args, r)


@FORMULA
@given(slo_args(), st.floats(1.0, 10.0))
def test_replicas_for_slo_grows_with_traffic(args, factor):
    rate, service, slots, slo, percentile = args
    assert (capacity.replicas_for_slo(rate * factor, service, slots, slo, percentile)
            >= capacity.replicas_for_slo(rate, service, slots, slo, percentile))


def test_replicas_for_slo_hand_value():
    """20 req/s of 50 ms, one slot, p99 within 100 ms: 3 replicas give P = 0.0123 > 0.01, 4 give 0.0010."""
    assert _slo_tail(3, 1, 0.05, 20.0, 0.1) > 0.01 > _slo_tail(4, 1, 0.05, 20.0, 0.1)
    assert capacity.replicas_for_slo(20.0, 0.05, 1, 0.1, 0.99) == 4.0


@FORMULA
@given(st.floats(0, 1e5), st.floats(0.01, 1e4), unit)
def test_replicas_for_load_keeps_utilisation_under_target(rate, mu, target):
    r = capacity.replicas_for_load(rate, mu, target)
    assert r >= 0
    if r > 0:
        assert rate / (r * mu) <= target * (1 + 1e-6)
    if r > 1:
        assert rate / ((r - 1) * mu) > target * (1 - 1e-6)
