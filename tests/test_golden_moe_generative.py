"""Golden values for a mixture-of-experts *generative* model (30 B parameters, 3 B active): a decode step
memory-bound on the experts its batch touches, prefill compute-bound on the active parameters, the
replica's request rate, the fleet and its cost, and speculative decoding, all by hand.

Catalog figures used (data/catalog): accelerators.csv, H200-SXM: 989 bf16 TFLOP/s (dense), 4,800 GB/s,
141 GB. Everything else is stated by the scenario: mfu 0.5 and mbu 0.6 (stated, so the efficiency
table does not enter), one H200 per replica and per instance at a stated 10 USD/hour, decode batch 32,
KV cache 64 KiB per token, no architecture (no attention FLOPs, no all-reduce in a one-GPU replica).

The model: 30 B parameters, 3 B active per token; 128 routed experts, 8 per token, holding 28 B of the
parameters, so 2 B are dense (attention, shared layers) and read every step.
Traffic: 8,640,000 requests/day, flat, no cache (100 requests/s); 500 prompt tokens, 100 output tokens.

Rules (lib/tco/operating_point.py, lib/tco/serving.py):
- a decoding step of b sequences reads the dense weights and the experts its b tokens touch,
  E (1 - (1 - k/E)^b) of them (the expected distinct experts of b independent top-k draws), plus the KV
  cache of every sequence at its mean context (prompt + half the output); it computes 2 N_active per
  token; its time is the larger of the two (roofline);
- prefill: 2 N_active x prompt tokens, compute-bound;
- continuous batching: a replica serves 1 / (t_prefill + o / (b tau) x t_step) requests/s;
  TPOT = (t_step + b tau / o x t_prefill) / tau.
"""

import math

import pytest

from tco import evaluate

PEAK = 989e12             # bf16 FLOP/s of an H200 (dense)
BW = 4800e9               # bytes/s
MEM = 141e9               # bytes
MFU, MBU = 0.5, 0.6
TOTAL, ACTIVE, ROUTED = 30e9, 3e9, 28e9
DENSE = TOTAL - ROUTED    # 2e9 read every step
E, K_EXPERTS = 128, 8
KV = 65536                # bytes per token of context
PROMPT, OUT = 500, 100
BATCH = 32
PRICE, RHO = 10.0, 0.7
LAM = 8_640_000 / 86_400  # 100 requests/s

# --- derivation ----------------------------------------------------------------------------------
CONTEXT = PROMPT + OUT / 2                               # 550 tokens held on average while decoding
TOUCHED = E * (1 - (1 - K_EXPERTS / E) ** BATCH)         # 128 x (1 - 0.9375^32 = 1 - 0.12679) = 111.77 experts
WEIGHTS_READ = (DENSE + ROUTED * TOUCHED / E) * 2        # (2e9 + 28e9 x 0.87317) x 2 B = 52.898e9 bytes
KV_READ = BATCH * CONTEXT * KV                           # 32 x 550 x 65,536 = 1.1534e9 bytes
T_MEM = (WEIGHTS_READ + KV_READ) / (BW * MBU)            # 54.052e9 / 2.88e12 = 18.768 ms
T_COMPUTE = 2 * ACTIVE * BATCH / (PEAK * MFU)            # 1.92e11 / 4.945e14 = 0.388 ms
STEP = max(T_MEM, T_COMPUTE)                             # memory-bound: 18.768 ms
PREFILL = 2 * ACTIVE * PROMPT / (PEAK * MFU)             # 3e12 / 4.945e14 = 6.067 ms
RATE = 1 / (PREFILL + OUT / BATCH * STEP)                # 1 / (6.067 + 3.125 x 18.768 = 64.717 ms) = 15.452 req/s
TPOT = STEP + BATCH / OUT * PREFILL                      # 18.768 + 0.32 x 6.067 = 20.709 ms
REPLICAS = math.ceil(LAM / (RATE * RHO))                 # ceil(100 / 10.817 = 9.245) = 10
COST = REPLICAS * 24 * PRICE                             # 2,400 USD/day
# memory: 60 GB of weights (all experts resident) in 141 x 0.9 = 126.9 GB leaves 66.9 GB;
# a request holds 550 x 65,536 = 36.04 MB of KV cache, so floor(66.9e9 / 36.04e6) = 1,856 would fit
WEIGHTS_GB = TOTAL * 2 / 1e9                             # 60 GB
B_MEM = math.floor((MEM * 0.9 - TOTAL * 2) / (CONTEXT * KV))   # 1,856


def scenario(**extra):
    model = {"name": "moe-chat", "kind": "generative", "parameters": TOTAL, "active_parameters": ACTIVE,
             "experts": E, "active_experts": K_EXPERTS, "routed_expert_parameters": ROUTED, "precision": "bf16",
             "items_per_request": 1, "input_tokens_per_item": PROMPT, "output_tokens": OUT,
             "decode_batch": BATCH, "kv_bytes_per_token": KV, "mfu": MFU, "mbu": MBU,
             "serving": {"deployment": "cloud", "accelerator": "H200-SXM", "price_per_hour": PRICE,
                         "price_source": "stated for the test", "utilization_target": RHO,
                         "accelerators_per_replica": 1}}
    model.update(extra)
    return {"name": "golden-moe-gen", "title": "MoE generative", "currency": "USD", "as_of": "2026-11-22",
            "traffic": {"requests_per_day": 8_640_000, "cache_hit_rate": 0.0, "hourly_profile": "flat"},
            "models": [model], "storage": {"registry_tier": None, "registry_price_per_gb_month": 0}}


@pytest.fixture(scope="module")
def model():
    return evaluate(scenario()).models.iloc[0]


def test_hand_values_in_numbers():
    # the derivation above, pinned in numbers so that a slip in it shows
    assert TOUCHED == pytest.approx(111.771, abs=1e-3)
    assert STEP * 1e3 == pytest.approx(18.768, abs=1e-3)
    assert PREFILL * 1e3 == pytest.approx(6.0667, abs=1e-4)
    assert RATE == pytest.approx(15.452, abs=1e-3)
    assert (REPLICAS, B_MEM) == (10, 1856)


def test_decode_is_memory_bound_on_the_touched_experts(model):
    # mutation caught: reading only the active 3 B (6 GB) per step would give a 2.4 ms step and 3x the rate
    assert model.tpot_ms == pytest.approx(TPOT * 1e3, rel=1e-9)          # 20.709 ms
    assert model.decode_batch == BATCH
    assert model.batch_binding == "given"
    assert T_COMPUTE < T_MEM / 40                                         # compute on 3 B active is far below


def test_prefill_and_first_token_compute_on_the_active_parameters(model):
    # TTFT without queueing = prefill + the first step; FLOPs from all 30 B would make prefill 60.7 ms
    assert model.ttft_ms == pytest.approx((PREFILL + STEP) * 1e3, rel=1e-9)   # 6.067 + 18.768 = 24.835 ms


def test_memory_holds_every_expert(model):
    assert model.weights_gb == pytest.approx(WEIGHTS_GB, rel=1e-12)      # 60 GB, not 6 GB
    # the KV cache of the decode batch: 32 x (500 + 100 / 2) x 65,536 B = 1.1534 GB
    assert model.kv_cache_gb == pytest.approx(BATCH * CONTEXT * KV / 1e9, rel=1e-12)
    assert model.memory_needed_gb == pytest.approx(WEIGHTS_GB + BATCH * CONTEXT * KV / 1e9, rel=1e-12)
    assert model.replica_size == 1


def test_rate_fleet_and_cost(model):
    assert model.replica_throughput_rps == pytest.approx(RATE, rel=1e-9)             # 15.452 requests/s
    assert model.throughput_rps_per_accelerator == pytest.approx(RATE, rel=1e-9)
    # Little's law: 32 requests in flight / 15.452 requests/s = 2,071 ms per request
    assert model.service_time_ms == pytest.approx(BATCH / RATE * 1e3, rel=1e-9)
    assert (model.replicas, model.accelerators, model.instances) == (REPLICAS, REPLICAS, REPLICAS)   # 10
    assert model.serving_cost_per_day == pytest.approx(COST, rel=1e-12)                 # 2,400 USD/day
    assert model.utilisation_peak == pytest.approx(LAM / (RATE * REPLICAS), rel=1e-9)   # 0.6472


def test_the_batch_that_fits_memory_when_none_is_given():
    data = scenario()
    del data["models"][0]["decode_batch"]
    m = evaluate(data).models.iloc[0]
    assert m.decode_batch == B_MEM                      # floor(66.9e9 / 36.04e6) = 1,856
    assert m.batch_binding == "memory"
    # at 1,856 sequences every expert is touched: 1 - (1 - 1/16)^1856 = 1 - 1.2e-52
    touched = E * (1 - (1 - K_EXPERTS / E) ** B_MEM)
    step = max((DENSE + ROUTED * touched / E) * 2 + B_MEM * CONTEXT * KV, 0) / (BW * MBU)
    step = max(step, 2 * ACTIVE * B_MEM / (PEAK * MFU))    # 44.06 ms memory vs 22.52 ms compute
    assert step == pytest.approx((TOTAL * 2 + B_MEM * CONTEXT * KV) / (BW * MBU), rel=1e-9)
    assert m.replica_throughput_rps == pytest.approx(1 / (PREFILL + OUT / B_MEM * step), rel=1e-9)


# --- speculative decoding: a 0.5 B draft proposes k = 3 tokens, each accepted with probability 0.8 ---
DRAFT, K_DRAFT, ALPHA = 0.5e9, 3, 0.8
TAU = (1 - ALPHA ** (K_DRAFT + 1)) / (1 - ALPHA)            # (1 - 0.4096) / 0.2 = 2.952 tokens per step
SPEC_TOKENS = BATCH * (K_DRAFT + 1)                          # 128 positions verified per step
SPEC_TOUCHED = E * (1 - (1 - K_EXPERTS / E) ** SPEC_TOKENS)  # 127.967 experts: nearly all
SPEC_VERIFY = max(((DENSE + ROUTED * SPEC_TOUCHED / E) * 2 + KV_READ) / (BW * MBU),   # 21.229 ms
                  2 * ACTIVE * SPEC_TOKENS / (PEAK * MFU))                             # vs 1.553 ms
# each of the k draft steps: 2 x 0.5 B x 32 FLOPs (0.065 ms) vs reading the draft's 1 GB (0.347 ms)
DRAFT_STEP = max(2 * DRAFT * BATCH / (PEAK * MFU), DRAFT * 2 / (BW * MBU))
SPEC_STEP = SPEC_VERIFY + K_DRAFT * DRAFT_STEP               # 21.229 + 3 x 0.347 = 22.271 ms
SPEC_RATE = 1 / (PREFILL + OUT / (BATCH * TAU) * SPEC_STEP)  # 1 / (6.067 + 1.0586 x 22.271 = 29.643 ms) = 33.735
SPEC_TPOT = (SPEC_STEP + BATCH * TAU / OUT * PREFILL) / TAU  # (22.271 + 0.9446 x 6.067) / 2.952 = 9.486 ms


def test_speculative_decoding():
    data = scenario(speculative={"draft_parameters": DRAFT, "draft_tokens": K_DRAFT, "acceptance_rate": ALPHA})
    m = evaluate(data).models.iloc[0]
    assert TAU == pytest.approx(2.952, rel=1e-12)
    assert m.tokens_per_step == pytest.approx(TAU, rel=1e-12)
    assert m.replica_throughput_rps == pytest.approx(SPEC_RATE, rel=1e-9)
    assert SPEC_RATE == pytest.approx(33.735, abs=1e-3)
    assert m.tpot_ms == pytest.approx(SPEC_TPOT * 1e3, rel=1e-9)
    # the draft's weights are held beside the model's: 60 + 1 GB + the KV cache
    assert m.memory_needed_gb == pytest.approx(WEIGHTS_GB + DRAFT * 2 / 1e9 + BATCH * CONTEXT * KV / 1e9, rel=1e-12)
    # ceil(100 / (33.735 x 0.7) = 4.235) = 5 replicas: half the fleet of plain decoding
    assert m.replicas == math.ceil(LAM / (SPEC_RATE * RHO)) == 5
    assert m.serving_cost_per_day == pytest.approx(5 * 24 * PRICE, rel=1e-12)


def test_a_large_batch_with_a_small_kv_cache_decodes_compute_bound():
    # 4,096 sequences of a latent-attention-sized cache (4 KiB per token): every expert is touched,
    # (15/16)^4096 ~ 1e-115, and the step reads 60 GB + 4,096 x 550 x 4,096 B = 69.23 GB in 24.04 ms, while
    # its FLOPs, 2 x 3 B active x 4,096 tokens = 2.4576e13, take 2.4576e13 / 4.945e14 = 49.70 ms: compute binds
    batch, kv = 4096, 4096
    memory = (TOTAL * 2 + batch * CONTEXT * kv) / (BW * MBU)
    compute = 2 * ACTIVE * batch / (PEAK * MFU)
    assert (round(memory * 1e3, 2), round(compute * 1e3, 2)) == (24.04, 49.7)
    rate = 1 / (PREFILL + OUT / batch * compute)          # 1 / (6.067 + 0.0244 x 49.70 = 7.280 ms) = 137.36
    m = evaluate(scenario(decode_batch=batch, kv_bytes_per_token=kv)).models.iloc[0]
    # mutation caught: 3 FLOPs per parameter and token in decode would give a 74.55 ms step and 126.8 requests/s
    assert m.replica_throughput_rps == pytest.approx(rate, rel=1e-9)
    assert rate == pytest.approx(137.36, abs=0.01)
    assert m.tpot_ms == pytest.approx((compute + batch / OUT * PREFILL) * 1e3, rel=1e-9)
