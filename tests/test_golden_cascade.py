"""Golden values for a three-stage cascade with escalation: shares per stage, each stage's fleet,
the routing line, and the total against the first model alone.

Catalog figures used (data/catalog):
- instances.csv, aws c7i.xlarge on_demand: 0.1785 USD per instance-hour, 4 vCPU (the router);
- fx.csv, CNY: 6.7758 CNY per USD (FRED EXCHUS, June 2026).
Everything else is stated in the scenario: 8,640,000 requests/day, no cache, flat profile (100
requests/s); stages at 50, 20 and 5 requests/s per accelerator (``throughput_rps``), each on one
accelerator per instance priced 10, 20 and 40 CNY per instance-hour; utilisation target 0.8;
escalation 0.3 from stage 1 to 2 and 0.5 from stage 2 to 3; routing 0.5 ms of CPU per request.

Formulas: s_1 = 1, s_m = prod_{j<=m} e_j (lib/tco/dimensions/fusion.py cascade_shares);
routing per day = Q t_cpu / 1000 / 3600 x price / vCPU (combiner_cost_per_day).
"""

import math

import pytest

from tco import evaluate

FX = 6.7758
C7I = 0.1785            # USD per instance-hour, 4 vCPU
Q = 8_640_000
LAM = Q / 86_400        # 100 requests/s entering the cascade
RHO = 0.8
MU = [50.0, 20.0, 5.0]
PRICE = [10.0, 20.0, 40.0]
ESCALATION = [0.3, 0.5]

SHARES = [1.0, 0.3, 0.3 * 0.5]                       # 1, 0.3, 0.15 of the traffic
RATES = [LAM * s for s in SHARES]                    # 100, 30, 15 requests/s
REPLICAS = [math.ceil(r / (m * RHO)) for r, m in zip(RATES, MU)]   # ceil(2.5, 1.875, 3.75) = 3, 2, 4
SERVING = [n * 24 * p for n, p in zip(REPLICAS, PRICE)]           # 720, 960, 3,840 CNY/day
ROUTING_VCPU_HOURS = Q * 0.5 / 1000 / 3600           # 1.2 vCPU-hours/day
ROUTING = ROUTING_VCPU_HOURS * C7I * FX / 4          # 1.2 x 0.1785 = 0.2142; x 6.7758 / 4 = 0.362844 CNY/day
TOTAL = sum(SERVING) + ROUTING                       # 720 + 960 + 3,840 + 0.362844 = 5,520.363 CNY/day
ALONE = SERVING[0]                                   # first model alone: 720 CNY/day


def scenario():
    models = [{
        "name": name, "kind": "encoder", "parameters": 1.0e8, "precision": "bf16",
        "throughput_rps": mu, "throughput_source": "stated for the test",
        "serving": {"deployment": "cloud", "accelerator": "A10", "price_per_hour": price,
                    "price_source": "stated for the test", "utilization_target": RHO},
    } for name, mu, price in zip(["small", "medium", "large"], MU, PRICE)]
    return {
        "name": "golden-cascade", "title": "Three-stage cascade", "currency": "CNY", "as_of": "2026-11-22",
        "traffic": {"requests_per_day": Q, "cache_hit_rate": 0.0, "hourly_profile": "flat"},
        "models": models,
        "fusion": {"strategy": "cascade", "escalation": ESCALATION, "combiner_cpu_ms_per_request": 0.5,
                   "combiner_instance": "c7i.xlarge"},
        "storage": {"registry_tier": None, "registry_price_per_gb_month": 0},
    }


@pytest.fixture(scope="module")
def report():
    return evaluate(scenario())


def test_stage_shares_and_replicas(report):
    m = report.models.set_index("model")
    for name, rate, replicas in zip(["small", "medium", "large"], RATES, REPLICAS):
        # a mutation escalating each stage from the entry traffic (0.3, 0.5) gives 50 requests/s to
        # the third stage and 13 replicas; one ignoring escalation sends 100 requests/s to every stage
        assert m.loc[name, "peak_rps"] == pytest.approx(rate, rel=1e-9), name
        assert m.loc[name, "replicas"] == replicas, name
    assert REPLICAS == [3, 2, 4]


def test_serving_and_routing_lines(report):
    items = report.items
    for name, cost in zip(["small", "medium", "large"], SERVING):
        row = items[(items["item"] == "inference serving") & (items["model"] == name)]
        assert row.cost_per_day.iloc[0] == pytest.approx(cost, rel=1e-9), name
    routing = items[items["item"] == "routing"]
    assert len(routing) == 1 and routing.dimension.iloc[0] == "fusion"
    # every request entering the cascade is routed (not only the escalated ones);
    # a mutation charging the whole instance-hour instead of one vCPU would be x 4
    assert routing.quantity.iloc[0] == pytest.approx(ROUTING_VCPU_HOURS, rel=1e-9)
    assert routing.cost_per_day.iloc[0] == pytest.approx(ROUTING, rel=1e-9)
    assert routing.cost_per_day.iloc[0] == pytest.approx(0.362844, abs=1e-6)


def test_total_against_the_first_model_alone(report):
    assert report.totals["per_day"] == pytest.approx(TOTAL, rel=1e-9)              # 5,520.363
    assert report.first_model_alone_per_day == pytest.approx(ALONE, rel=1e-9)      # 720
    assert report.marginal_fusion_cost_per_day == pytest.approx(TOTAL - ALONE, rel=1e-9)   # 5,520.363 - 720 = 4,800.363
