"""Golden values for a mixture-of-experts model: FLOPs per token from the active parameters, memory
from all of them, throughput and fleet by hand.

Catalog figures used (data/catalog):
- accelerators.csv, L4: 121 bf16 TFLOP/s (dense), 24 GB;
- efficiency.csv, encoder/any: mfu 0.50 (no Ada row for encoders; the cross-family factor applies).
The scenario states the rest: an encoder-kind MoE of 15 B parameters, 2 B active per token (64
experts, 4 routed), bf16, one item of 512 tokens per request; 8,640,000 requests/day, flat, no cache
(100 requests/s); cloud L4 at a stated 10 CNY per instance-hour (one L4 per instance);
utilisation target 0.7, usable memory fraction 0.9 (the default).

An encoder reads its input in one forward pass (prefill only), so the expert count does not enter
(the distinct-experts read of a decode batch, tco.serving.distinct_experts, is for generative models).
"""

import math

import pytest

from tco import evaluate

PEAK = 121e12           # bf16 FLOP/s of an L4
MFU = 0.50              # encoder/any
MEM = 24.0              # GB per L4
TOTAL = 1.5e10          # parameters (memory)
ACTIVE = 2.0e9          # parameters per token (FLOPs)
TOKENS = 1 * 512
LAM = 8_640_000 / 86_400          # 100 requests/s
RHO = 0.7
PRICE = 10.0

FLOPS = 2 * ACTIVE * TOKENS                         # 2.048e12 FLOP per request (2 x N_active x tokens)
MU = PEAK * MFU / FLOPS                             # 60.5e12 / 2.048e12 = 29.541 requests/s per L4
WEIGHTS_GB = TOTAL * 2 / 1e9                        # bf16: 30 GB, all experts resident
REPLICA = 2 ** math.ceil(math.log2(math.ceil(WEIGHTS_GB / (MEM * 0.9))))   # ceil(30 / 21.6) = 2 -> 2 L4
MU_REP = MU * REPLICA                               # 59.082 requests/s per replica
REPLICAS = math.ceil(LAM / (MU_REP * RHO))          # ceil(100 / 41.357 = 2.418) = 3
ACCELERATORS = REPLICAS * REPLICA                   # 6 L4 = 6 instances
COST = ACCELERATORS * 24 * PRICE                    # 1,440 CNY/day


def scenario():
    return {
        "name": "golden-moe", "title": "MoE encoder", "currency": "CNY", "as_of": "2026-11-22",
        "traffic": {"requests_per_day": 8_640_000, "cache_hit_rate": 0.0, "hourly_profile": "flat"},
        "models": [{"name": "moe", "kind": "encoder", "parameters": TOTAL, "active_parameters": ACTIVE,
                    "experts": 64, "active_experts": 4, "precision": "bf16", "items_per_request": 1,
                    "input_tokens_per_item": 512,
                    "serving": {"deployment": "cloud", "accelerator": "L4", "price_per_hour": PRICE,
                                "price_source": "stated for the test", "utilization_target": RHO}}],
        "storage": {"registry_tier": None, "registry_price_per_gb_month": 0},
    }


@pytest.fixture(scope="module")
def model():
    return evaluate(scenario()).models.iloc[0]


def test_flops_from_the_active_parameters(model):
    # mutation caught: FLOPs from all 15 B parameters would give 121e12 x 0.5 / 1.536e13 = 3.94 requests/s
    assert model.throughput_rps_per_accelerator == pytest.approx(MU, rel=1e-9)
    assert model.throughput_rps_per_accelerator == pytest.approx(29.541016, rel=1e-7)
    assert model.service_time_ms == pytest.approx(1000 / MU_REP, rel=1e-9)   # 16.926 ms


def test_memory_from_all_parameters(model):
    # mutation caught: memory from the 2 B active parameters would be 4 GB on one L4
    assert model.weights_gb == pytest.approx(WEIGHTS_GB, rel=1e-9)     # 30 GB
    assert model.memory_needed_gb == pytest.approx(30.0, rel=1e-9)
    assert model.replica_size == REPLICA == 2
    assert model.replica_throughput_rps == pytest.approx(MU_REP, rel=1e-9)


def test_fleet_and_cost(model):
    assert (model.replicas_load, model.replicas, model.accelerators, model.instances) == (3, 3, 6, 6)
    assert model.serving_cost_per_day == pytest.approx(COST, rel=1e-9)             # 1,440 CNY/day
    assert model.utilisation_mean == pytest.approx(LAM / (ACCELERATORS * MU), rel=1e-9)   # 0.5642


def test_a_dense_model_of_the_same_size_is_slower():
    data = scenario()
    del data["models"][0]["active_parameters"]
    dense = evaluate(data).models.iloc[0]
    # every token through all 15 B: 121e12 x 0.5 / (2 x 1.5e10 x 512) = 3.9388 requests/s per L4
    assert dense.throughput_rps_per_accelerator == pytest.approx(PEAK * MFU / (2 * TOTAL * TOKENS), rel=1e-9)
    # ceil(100 / (2 x 3.9388 x 0.7) = 18.13) = 19 replicas of 2 L4
    assert dense.replicas == math.ceil(LAM / (2 * PEAK * MFU / (2 * TOTAL * TOKENS) * RHO)) == 19
