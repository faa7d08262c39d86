"""LLM serving as it is done now: MoE, the model catalog, KV cache, speculative decoding, all-reduce,
continuous batching with TTFT and TPOT. Every expected value is worked out by hand in the test."""

import math
from pathlib import Path

import pytest

from tco import ScenarioError, evaluate, serving, sizing
from tco import operating_point as op
from tco.catalog import load_catalog
from tco.scenario import Model

CATALOG = load_catalog()
H100 = CATALOG.row("accelerators", "H100-SXM")
ROOT_SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def model(**fields):
    return Model.model_validate({"name": "m", "kind": "generative", **fields}, context={"catalog": CATALOG})


# --- mixture of experts ------------------------------------------------------------------------
def test_distinct_experts_by_hand():
    # 8 experts, 2 per token: one token reads 2; four tokens miss an expert with (6/8)^4 = 0.31640625
    assert serving.distinct_experts(8, 2, 1) == pytest.approx(2.0)
    assert serving.distinct_experts(8, 2, 4) == pytest.approx(8 * (1 - 0.31640625))  # 5.46875
    # DeepSeek-V3: 256 experts, 8 per token, 64 tokens: 256 (1 - (248/256)^64) = 222.6... of 256
    assert serving.distinct_experts(256, 8, 64) == pytest.approx(256 * (1 - (248 / 256) ** 64))
    assert serving.distinct_experts(256, 8, 100_000) == pytest.approx(256.0)


def test_moe_flops_use_the_active_parameters_and_memory_the_total():
    mixtral = model(model="mixtral-8x7b", precision="fp8", input_tokens_per_item=600, output_tokens=145)
    # catalog: 46.7e9 parameters, 12.9e9 active, input embedding 32,000 x 4,096 = 131,072,000
    assert mixtral.flop_parameters == pytest.approx(12.9e9 - 131_072_000)
    weights, _, kv_token, _ = sizing.model_memory(mixtral)
    assert weights == pytest.approx(46.7e9)                      # fp8: one byte per parameter
    assert kv_token == 2 * 32 * 8 * 128 * 1                      # 65,536 bytes per token
    # routed experts: 32 MoE layers x 8 experts x 3 matrices of 4,096 x 14,336
    assert mixtral.routed_expert_parameters == 32 * 8 * 3 * 4096 * 14336
    w = op.workload(mixtral, kv_token)
    dense = 46.7e9 - 131_072_000 - 45_097_156_608                # attention, norms, router, head: 1.47e9
    # one token reads the dense part and 2 of 8 experts' share of the routed weights
    one = serving.moe_step_weight_bytes(w.dense_parameters, w.routed_parameters, 8, 2, 1, 1.0)
    assert one == pytest.approx(dense + 45_097_156_608 * 2 / 8)
    # 64 tokens touch all 8 experts (8 (1 - 0.75^64) = 8.0000 to 7 decimals)
    many = serving.moe_step_weight_bytes(w.dense_parameters, w.routed_parameters, 8, 2, 64, 1.0)
    assert many == pytest.approx(dense + 45_097_156_608, rel=1e-7)


def test_shared_experts_are_always_read():
    # DeepSeek-V3's shared expert is outside the routed parameters: part of what every step reads
    dsv3 = model(model="deepseek-v3", precision="fp8", output_tokens=100)
    routed = 58 * 256 * 3 * 7168 * 2048                          # 58 MoE layers x 256 experts x 3 x 7,168 x 2,048
    assert dsv3.routed_expert_parameters == routed
    w = op.workload(dsv3, sizing.kv_bytes_per_token(dsv3))
    assert w.dense_parameters == pytest.approx(671e9 - 926_679_040 - routed)  # 16.2e9, shared experts included


# --- the model catalog -------------------------------------------------------------------------
def test_catalog_fills_the_architecture_and_explicit_fields_win():
    m = model(model="llama-3.1-70b", precision="fp8", output_tokens=10)
    assert (m.parameters, m.layers, m.kv_heads, m.head_dim) == (70e9, 80, 8, 128)
    assert sizing.kv_bytes_per_token(m) == 2 * 80 * 8 * 128 * 1  # 163,840 bytes in fp8
    assert sizing.kv_source(m) == "from the architecture"
    assert model(model="llama-3.1-70b", precision="fp8", kv_precision="bf16").cache_precision == "bf16"
    assert sizing.kv_bytes_per_token(model(model="llama-3.1-70b", kv_precision="bf16")) == 2 * 80 * 8 * 128 * 2
    explicit = model(model="llama-3.1-70b", parameters=7.06e10, kv_bytes_per_token=1000)
    assert explicit.parameters == 7.06e10 and sizing.kv_bytes_per_token(explicit) == 1000


def test_latent_attention_caches_the_latent_vector():
    # DeepSeek-V3: 61 layers x (512 latent + 64 rotary) values, fp8 cache: 35,136 bytes per token
    dsv3 = model(model="deepseek-v3", precision="fp8")
    assert sizing.kv_bytes_per_token(dsv3) == 61 * (512 + 64) * 1


def test_an_unknown_model_id_names_the_field_and_the_ids():
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as err:
        model(model="llama-9-1t")
    first = err.value.errors()[0]
    assert first["loc"] == ("model",) and "unknown model 'llama-9-1t'" in first["msg"]
    assert "llama-3.1-70b" in first["msg"]


def test_precision_shorthands_and_fp4():
    w4 = model(parameters=8e9, precision="w4a16")
    assert (w4.weights_precision, w4.cache_precision, w4.math_precision) == ("int4", "bf16", "bf16")
    assert sizing.model_memory(w4)[0] == pytest.approx(4e9)      # 0.5 bytes per int4 weight
    fp4 = model(parameters=8e9, precision="fp4")
    assert sizing.model_memory(fp4)[0] == pytest.approx(8e9 * 0.5625)  # NVFP4: 4.5 bits a value


# --- speculative decoding and the all-reduce -----------------------------------------------------
def test_speculative_tokens_per_step_by_hand():
    # alpha 0.8, 4 drafted: (1 - 0.8^5) / 0.2 = (1 - 0.32768) / 0.2 = 3.3616
    assert serving.speculative_tokens_per_step(0.8, 4) == pytest.approx(3.3616)
    assert serving.speculative_tokens_per_step(0.0, 4) == pytest.approx(1.0)   # nothing accepted
    assert serving.speculative_tokens_per_step(1.0, 4) == pytest.approx(5.0)   # all accepted
    # alpha 0.85, one MTP token: 1 + 0.85 = 1.85
    assert serving.speculative_tokens_per_step(0.85, 1) == pytest.approx(1.85)


def test_allreduce_by_hand():
    # 256 tokens x 8,192 x 2 bytes = 4,194,304 bytes over 8 GPUs at 450 GB/s a direction:
    # 2 x 7/8 x 4,194,304 / 450e9 = 16.31 us
    assert serving.allreduce_time(256 * 8192 * 2, 8, 450) == pytest.approx(2 * 7 / 8 * 4_194_304 / 450e9)
    assert serving.allreduce_time(256 * 8192 * 2, 1, 450) == 0.0
    # in a step: 2 per layer; Llama 3.1 70B on 2 x H100 (NVLink 900 GB/s both ways), 64 sequences
    m = model(model="llama-3.1-70b", precision="fp8", input_tokens_per_item=100, output_tokens=100)
    w, hw = op.workload(m, sizing.kv_bytes_per_token(m)), op.hardware(H100, "fp8", 0.6, 0.6)
    with_comm = op.step_seconds(w, hw, 2, 64)
    hw_free = op.hardware({**H100, "scaleup_bandwidth_gb_s": float("nan")}, "fp8", 0.6, 0.6)
    # 160 all-reduces of 1 MiB: 0.373 ms of transfer, plus NCCL's ring latencies (3.6 us to launch,
    # 0.47 us for each of the 2 steps over NVLink): 160 x 4.54 us = 0.726 ms
    extra = 2 * 80 * (2 * (2 - 1) / 2 * (64 * 8192 * 2) / 450e9 + 3.6e-6 + 2 * 0.47e-6)
    assert with_comm - op.step_seconds(w, hw_free, 2, 64) == pytest.approx(extra)
    assert serving.allreduce_time(4_194_304, 8, 450, 3.6e-6, 0.47e-6) == pytest.approx(
        2 * 7 / 8 * 4_194_304 / 450e9 + 3.6e-6 + 14 * 0.47e-6)      # 26.49 us: 14 ring steps


# --- continuous batching: TPOT and TTFT ---------------------------------------------------------
#: A dense 8 B model in fp8 on one H100 with no architecture given (no attention FLOPs, no all-reduce)
DENSE = dict(parameters=8e9, precision="fp8", kv_bytes_per_token=131072, input_tokens_per_item=1000,
             output_tokens=200)
PEAK = 1979e12 * 0.6             # fp8 FLOP/s at mfu 0.60
BW = 3350e9 * 0.6                # bytes/s at mbu 0.60
T_PRE = 2 * 8e9 * 1000 / PEAK    # 13.475 ms to prefill 1,000 tokens
KV_REQ = (1000 + 200 / 2) * 131072  # 144.2 MB: the prompt and half the output (paged cache)


def t_step(b):  # memory-bound at every batch here: 8 GB of weights + the batch's KV cache
    assert 2 * 8e9 * b / PEAK < (8e9 + b * KV_REQ) / BW
    return (8e9 + b * KV_REQ) / BW


def test_tpot_caps_the_batch_by_hand():
    # TPOT(b) = t_step(b) + (b / o) t_pre = 3.980 ms + b x (71.73 + 67.37) us, linear in b
    per_request = KV_REQ / BW + T_PRE / 200
    b = math.floor((0.020 - 8e9 / BW) / per_request)             # the most within 20 ms: 115
    assert b == 115
    pt = sizing.generative_point(model(**DENSE), H100, 0.6, 0.6, replica_size=1, tpot_slo_s=0.020)
    assert pt.batch == b and pt.binding == "TPOT objective"
    assert pt.tpot_s == pytest.approx(t_step(b) + b / 200 * T_PRE) and pt.tpot_s <= 0.020
    assert pt.rate == pytest.approx(1 / (T_PRE + 200 * t_step(b) / b))     # 28.78 requests/s
    assert pt.ttft_s == pytest.approx(T_PRE + t_step(b))                      # 25.7 ms before queueing
    # without the objective the batch is what memory holds: (72 - 8) GB / 144.2 MB = 443 requests
    free = sizing.generative_point(model(**DENSE), H100, 0.6, 0.6, replica_size=1)
    assert free.batch == math.floor((80e9 * 0.9 - 8e9) / KV_REQ) == 443 and free.binding == "memory"


def test_prefix_cache_skips_prefill_flops():
    cached = sizing.generative_point(model(**DENSE, prefix_cache_hit_rate=0.75), H100, 0.6, 0.6, replica_size=1)
    # 250 of 1,000 prompt tokens are prefilled; the KV cache still holds all 1,000
    assert cached.prefill_s == pytest.approx(T_PRE / 4)
    assert cached.batch == 443


def test_speculative_decoding_in_the_step():
    spec = dict(DENSE, speculative={"draft_parameters": 1e9, "draft_tokens": 3, "acceptance_rate": 0.8})
    pt = sizing.generative_point(model(**spec), H100, 0.6, 0.6, replica_size=1, tpot_slo_s=None)
    tau = (1 - 0.8 ** 4) / 0.2                                   # 2.952 tokens per step
    b = math.floor((80e9 * 0.9 - 8e9 - 1e9) / KV_REQ)            # the draft's 1 GB of fp8 weights take memory too
    assert pt.batch == b == 436 and pt.tokens_per_step == pytest.approx(tau)
    # the step verifies 4 positions per sequence (memory-bound as before) and runs 3 draft steps
    verify = max(2 * 8e9 * b * 4 / PEAK, (8e9 + b * KV_REQ) / BW)
    draft = max(2 * 1e9 * b / PEAK, 1e9 / BW)
    assert pt.step_s == pytest.approx(verify + 3 * draft)
    assert pt.rate == pytest.approx(1 / (T_PRE + 200 * pt.step_s / (b * tau)))


def test_scenario_sizing_meets_ttft_and_tpot_or_says_why(tmp_path):
    spec = {
        "name": "ttft", "traffic": {"requests_per_day": 4e6, "hourly_profile": "flat"},
        "models": [{"name": "llm", **DENSE, "kind": "generative", "tpot_slo_ms": 20, "ttft_slo_ms": 60,
                    "serving": {"deployment": "cloud", "instance": "p5.48xlarge", "accelerators_per_replica": 1}}],
    }
    m = evaluate(spec).models.iloc[0]
    assert (m.decode_batch, m.batch_binding) == (115, "TPOT objective")
    assert m.tpot_ms == pytest.approx((t_step(115) + 115 / 200 * T_PRE) * 1000)
    # 46.3 requests/s, flat; each replica 28.78 requests/s at rho 0.7: load needs 3 replicas
    rate = 4e6 / 86_400
    assert m.replicas_load == math.ceil(rate / (0.7 / (T_PRE + 200 * t_step(115) / 115)))
    assert m.replicas >= m.replicas_load
    # to the first token a request waits for the replica's prefill too (13.5 ms each, one at a time):
    # 26 ms leaves 0.3 ms of wait at p99, so nearly every request needs an idle prefill: M/M/c with
    # c replicas, A = 46.3 x 0.0135 = 0.624 erlang: C(3, 0.624) = 2.7% wait at all (too many for p99),
    # C(4, 0.624) = 0.40% (enough): 4 replicas
    spec["models"][0]["ttft_slo_ms"] = 26
    tight = evaluate(spec).models.iloc[0]
    assert tight.replicas_slo == 4 > m.replicas_slo
    spec["models"][0]["tpot_slo_ms"] = 3       # below one memory-bound step of the weights alone (3.98 ms)
    with pytest.raises(ScenarioError, match=r"not even one request meets tpot_slo_ms 3"):
        evaluate(spec)
    spec["models"][0].update(tpot_slo_ms=20, ttft_slo_ms=20)   # prefill + a step take 25.7 ms
    with pytest.raises(ScenarioError, match=r"models\[0\]\.ttft_slo_ms"):
        evaluate(spec)


def test_catalog_fields_are_marked_and_not_saved_back():
    from tco import chapters, load_scenario
    from tco.scenario import scenario_to_dict

    sc = load_scenario(ROOT_SCENARIOS / "moe-query-understanding-h20.yaml")
    filled = sc.models[0]._catalog_fields
    assert {"parameters", "active_parameters", "experts", "routed_expert_parameters"} <= set(filled)
    table = chapters.inputs_table(sc, "compute").set_index("path")
    assert table.loc["models[0].experts", ["value", "set by"]].tolist() == ["128", "model catalog (qwen3-30b-a3b)"]
    assert table.loc["models[0].prefix_cache_hit_rate", ["value", "set by"]].tolist() == ["0.75", "scenario"]
    saved = scenario_to_dict(sc)["models"][0]
    assert saved["model"] == "qwen3-30b-a3b" and not set(filled) & set(saved)
    assert load_scenario(scenario_to_dict(sc)).models[0].routed_expert_parameters == sc.models[0].routed_expert_parameters
