"""Mutation kills for tco.sizing (tools/mutation.py): the hosted-API bill with a batchable share, by hand.

gpt-4o-mini in data/catalog/api_prices.csv (LiteLLM prices, as_of 2026-11-20), USD per million
tokens: standard input 0.15, output 0.6; Batch tier input 0.075, output 0.3; no long-context tier.
"""

from types import SimpleNamespace as NS

import pytest

from tco import load_catalog, load_scenario
from tco.context import Context
from tco.sizing import api_cost

from conftest import scenario_path


def _serving(batchable=0.0, cached=0.0, write=0.0, tier="standard"):
    """The API fields of a serving block: tier, batchable share, cached-prompt share, cache-write share."""
    return NS(api_tier=tier, batchable_share=batchable, cached_prompt_share=cached, cache_write_share=write)


def _ctx():
    catalog = load_catalog()
    return Context(load_scenario(scenario_path("deepseek-v3-b200-vs-api"), catalog), catalog)  # currency USD


def test_api_cost_half_batchable_by_hand():
    # per request: 1,000 input and 100 output tokens
    #   standard: (1,000 x 0.15 + 100 x 0.6) / 1e6 = (150 + 60) / 1e6 = 2.1e-4 USD
    #   batch:    (1,000 x 0.075 + 100 x 0.3) / 1e6 = (75 + 30) / 1e6 = 1.05e-4 USD
    # half of 1,000 requests/day batchable: 500 x 2.1e-4 + 500 x 1.05e-4 = 0.105 + 0.0525 = 0.1575 USD/day
    serving = _serving(batchable=0.5)
    cost, note = api_cost(_ctx(), serving, "gpt-4o-mini", 1000.0, 1000.0, 100.0)
    assert cost == pytest.approx(0.1575, rel=1e-12)
    assert note == "50% of requests at the batch price"


def test_api_cost_standard_only_has_no_note():
    # nothing batchable: 1,000 x 2.1e-4 = 0.21 USD/day, plain standard pricing has an empty note
    serving = _serving()
    cost, note = api_cost(_ctx(), serving, "gpt-4o-mini", 1000.0, 1000.0, 100.0)
    assert cost == pytest.approx(0.21, rel=1e-12)
    assert note == ""


def test_training_compute_with_attention_by_hand():
    from tco.sizing import training_compute

    # N = 1e9 active non-embedding parameters, D = 1,000 tokens, full training (c = 6):
    #   c N D = 6 x 1e9 x 1,000 = 6e12 FLOP
    # attention: width = 4 heads x 8 = 32; each token attends over half of 2,048 = 1,024 tokens:
    #   4 x L x width x context = 4 x 2 x 32 x 1,024 = 262,144 FLOP per token (forward)
    #   x c/2 = 3 (forward and backward) x 1,000 tokens = 786,432,000 FLOP
    # total 6e12 + 7.86432e8 = 6,000,786,432,000 FLOP
    model = NS(flop_parameters=1e9, layers=2, attention_heads=4, head_dim=8, hidden_size=None)
    assert training_compute(model, 1000.0, "full", 2048) == pytest.approx(6e12 + 786_432_000, rel=1e-15)
    # LoRA (c = 4): 4e12 + 2 x 262,144 x 1,000 = 4e12 + 524,288,000; head size from hidden_size / heads
    # when no head_dim is given (32 / 4 = 8: the same width)
    lora = NS(flop_parameters=1e9, layers=2, attention_heads=4, head_dim=None, hidden_size=32)
    assert training_compute(lora, 1000.0, "lora", 2048) == pytest.approx(4e12 + 524_288_000, rel=1e-15)
    # no sequence length: c N D only
    assert training_compute(model, 1000.0, "full") == pytest.approx(6e12, rel=1e-15)


# --- size_model on the MoE generative golden (tests/test_golden_moe_generative.py) ------------------
# Its derivation: a decode step of 32 sequences is memory-bound (18.768 ms against 0.388 ms of compute),
# prefill 6.067 ms; without a stated decode batch the batch that fits memory is
# floor((141e9 x 0.9 - 60e9) / (550 x 65,536)) = floor(66.9e9 / 36,044,800) = 1,856.
import numpy as np  # noqa: E402

from tco.errors import ScenarioError  # noqa: E402
from tco.sizing import draft_parameters, roofline_regime, size_model  # noqa: E402

import test_golden_moe_generative as moe  # noqa: E402


def _moe(**extra):
    catalog = load_catalog()
    sc = load_scenario(moe.scenario(**extra), catalog)
    return sc, Context(sc, catalog), catalog


def test_regime_of_a_generative_model_from_its_operating_point():
    sc, _, catalog = _moe()
    h200 = catalog.row("accelerators", "H200-SXM")
    # batch 32: 18.768 ms of memory traffic against 0.388 ms of compute: memory-bound
    assert roofline_regime(sc.models[0], h200, moe.MFU, moe.MBU) == "memory"
    # batch 4,096 with a 4 KiB-per-token cache (tests/test_golden_moe_generative.py): the step reads
    # 60 GB + 4,096 x 550 x 4,096 B = 69.23 GB in 24.04 ms, its FLOPs take 2 x 3e9 x 4,096 / 4.945e14
    # = 49.70 ms: compute-bound
    sc, _, catalog = _moe(decode_batch=4096, kv_bytes_per_token=4096)
    assert roofline_regime(sc.models[0], h200, moe.MFU, moe.MBU) == "compute"


def test_no_speculative_decoding_means_no_draft_parameters():
    sc, _, catalog = _moe()
    assert draft_parameters(sc.models[0], catalog) == 0.0
    sc, _, catalog = _moe(speculative={"draft_parameters": 1.5e9, "acceptance_rate": 0.7, "draft_tokens": 4})
    assert draft_parameters(sc.models[0], catalog) == 1.5e9


def test_size_model_keeps_the_operating_point_and_notes_the_batch_that_fits_memory():
    data = moe.scenario()
    del data["models"][0]["decode_batch"]
    catalog = load_catalog()
    sc = load_scenario(data, catalog)
    sz = size_model(sc.models[0], 0, 1.0, np.full(24, 100.0), Context(sc, catalog))
    assert sz.operating_point is not None and sz.operating_point.batch == moe.B_MEM == 1856
    assert sz.operating_point.binding == "memory"
    # the note formats the batch with a thousands separator
    assert any(n.startswith("1,856 requests decoded together per replica of 1 (memory); TPOT ") for n in sz.notes)


def test_a_ttft_objective_no_fleet_meets_names_the_first_token():
    # TTFT without queueing = prefill 6.067 + first step 18.768 = 24.835 ms > 10 ms
    with pytest.raises(ScenarioError) as info:
        load_and_size = _moe(ttft_slo_ms=10)
        sc, ctx, _ = load_and_size
        size_model(sc.models[0], 0, 1.0, np.full(24, 100.0), ctx)
    field, message = info.value.problems[0]
    assert field == "models[0].ttft_slo_ms"
    assert message.startswith("model 'moe-chat' takes 24.8 ms to the first token without queueing (")
    assert "so no fleet meets a 10 ms TTFT objective; raise it" in message


def test_a_model_too_big_for_its_replica_lists_what_it_holds():
    # a 20 B-parameter encoder in bf16: 40 GB of weights; one L4 holds 24 x 0.9 = 21.6 GB usable
    sc, ctx, _ = _one({"name": "enc", "kind": "encoder", "parameters": 2e10, "precision": "bf16",
                       "items_per_request": 1, "input_tokens_per_item": 64,
                       "serving": {"deployment": "cloud", "instance": "g6.xlarge", "max_accelerators_per_replica": 1}})
    with pytest.raises(ScenarioError) as info:
        size_model(sc.models[0], 0, 1.0, np.full(24, 10.0), ctx)
    assert info.value.problems[0] == ("models[0]", (
        "model 'enc' needs 40.0 GB (weights 40.0, embedding tables 0.0, KV cache 0.0) but a replica of at most "
        "1 x L4 holds 21.6 GB usable; raise serving.max_accelerators_per_replica (now 1), lower the precision, "
        "or choose an accelerator with more memory"))


def test_an_unpriced_cloud_plan_is_recorded_against_its_model():
    from tco.sizing import hardware_rate

    sc, ctx, _ = _one({"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "bf16",
                       "items_per_request": 1, "input_tokens_per_item": 64,
                       "serving": {"deployment": "cloud", "instance": "gpu_1x_b200_sxm6", "pricing": "spot"}})
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    assert rate.price_per_instance_hour != rate.price_per_instance_hour      # NaN, not zero
    assert ctx.warnings[-1].model == "enc"
    assert ctx.warnings[-1].message == (
        "enc: serving on gpu_1x_b200_sxm6 could not be priced: the catalog has no 'spot' price for "
        "gpu_1x_b200_sxm6 (priced plans: on_demand); give serving.price_per_hour. It is left out of the totals.")


# --- API tiers, hardware rates, KV estimate, rated power -------------------------------------------
def test_batch_cache_write_price_of_sonnet_by_hand():
    from tco.sizing import _tier_prices

    # claude-sonnet-4-6 (api_prices.csv, USD/Mtoken): input 3, cached 0.3, cache write 3.75, output 15;
    # batch input 1.5, cached 0.15, output 7.5. The batch cache write = 3.75 x 1.5 / 3 = 1.875
    ctx = _ctx()
    assert _tier_prices(ctx, "claude-sonnet-4-6", "standard") == pytest.approx((3.0, 0.3, 3.75, 15.0))
    assert _tier_prices(ctx, "claude-sonnet-4-6", "batch") == pytest.approx((1.5, 0.15, 1.875, 7.5))


def test_a_stated_cloud_price_says_where_it_comes_from():
    from tco.sizing import hardware_rate

    sc, ctx, _ = _moe()
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "moe-chat")
    assert rate.basis == "price_per_hour given in the scenario (stated for the test)"
    assert rate.price_per_instance_hour == moe.PRICE


def one_data(model, **extra):
    """A one-model scenario (a dict): 100 requests/s, flat, no cache, no registry; ``extra`` top-level keys."""
    return {"name": "one", "currency": "USD", "as_of": "2026-11-22",
            "traffic": {"requests_per_day": 8_640_000, "cache_hit_rate": 0.0, "hourly_profile": "flat"},
            "models": [model], "storage": {"registry_tier": None, "registry_price_per_gb_month": 0}, **extra}


def sized_scenario(data, rate=100.0, catalog=None, quiet=False):
    """The sizing of the scenario ``data`` (a dict) at ``rate`` requests/s every hour, and its context."""
    catalog = catalog or load_catalog()
    sc = load_scenario(data, catalog)
    ctx = Context(sc, catalog)
    return size_model(sc.models[0], 0, 1.0, np.full(24, rate), ctx, quiet=quiet), ctx


def sized(model, rate=10.0, quiet=False, **extra):
    """The sizing of a one-model scenario (``one_data``) at ``rate`` requests/s, and its context."""
    return sized_scenario(one_data(model, **extra), rate, quiet=quiet)


def _one(model, **extra):
    catalog = load_catalog()
    sc = load_scenario(one_data(model, **extra), catalog)
    return sc, Context(sc, catalog), catalog


def test_energy_of_an_accelerator_without_a_tdp_is_unpriced_and_says_why():
    from tco.sizing import hardware_rate

    # accelerators.csv gives the A10G no TDP: its energy cannot be priced
    model = {"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "fp16", "items_per_request": 1,
             "input_tokens_per_item": 64, "throughput_rps": 100, "throughput_source": "stated for the test",
             "serving": {"deployment": "on_prem", "accelerator": "A10G", "server_price": 40000,
                         "accelerators_per_server": 4}}
    sc, ctx, _ = _one(model, on_prem={"region": "us", "hosting_per_accelerator_month": 0})
    hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    [w] = [w for w in ctx.warnings if "energy of A10G" in w.message]
    assert w.model == "enc"
    assert w.message == ("enc: energy of A10G could not be priced: A10G has no TDP in the catalog, so its energy "
                         "cannot be priced. It is left out of the totals.")


def test_kv_estimate_from_the_non_embedding_parameters():
    from tco.sizing import kv_bytes_per_token

    # 6.5 B parameters, 0.5 B of them the token embedding: N = 6e9 non-embedding
    # d = (128 x 6e9 / 12)^(1/3) = (6.4e10)^(1/3) = 4,000; kv = 2 d^2 / 128 x 2 bytes (bf16) = 500,000 B/token
    model = {"name": "llm", "kind": "generative", "parameters": 6.5e9, "embedding_parameters": 5e8,
             "precision": "bf16", "items_per_request": 1, "input_tokens_per_item": 100, "output_tokens": 10,
             "serving": {"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0}}
    sc, _, _ = _one(model)
    assert kv_bytes_per_token(sc.models[0]) == pytest.approx(500_000, rel=1e-9)


def test_rated_power_of_a_server_that_states_its_own():
    from tco.sizing import rated_power

    # onprem_servers.csv dgx-b200: 8 x B200, 14.3 kW (host included): 14.3 / 8 = 1.7875 kW per accelerator
    model = {"name": "llm", "kind": "generative", "parameters": 8e9, "precision": "bf16", "items_per_request": 1,
             "input_tokens_per_item": 100, "output_tokens": 10,
             "serving": {"deployment": "on_prem", "accelerator": "B200", "server": "dgx-b200"}}
    sc, ctx, _ = _one(model)
    kw, overhead, basis = rated_power(sc.models[0].serving, ctx, "B200")
    assert (kw, overhead) == (pytest.approx(1.7875, rel=1e-12), 1.0)
    assert basis == "server dgx-b200 rated 14.3 kW / 8 accelerators"


# --- the roofline of a recommender: embedding gathers against dense FLOPs -----------------------------
# H100-SXM (accelerators.csv): 989 bf16 TFLOP/s, 3,350 GB/s. 300 items a request, one token each, a
# 1e8-parameter dense tower: F = 2 x 1e8 x 300 = 6e10 FLOP; embedding rows of 256 fp16 values.
PEAK, BW = 989e12, 3350e9
F_RECSYS = 2 * 1e8 * 300


def _recsys(lookups, mfu, mbu):
    return {"name": "rank", "kind": "recsys", "parameters": 1e8, "precision": "bf16", "items_per_request": 300,
            "input_tokens_per_item": 1, "embedding_rows": 1e9, "embedding_dim": 256, "embedding_precision": "fp16",
            "embedding_lookups_per_item": lookups, "mfu": mfu, "mbu": mbu,
            "serving": {"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0}}


def test_recsys_roofline_reads_embedding_bytes_at_their_precision():
    from tco.sizing import roofline_throughput

    # 5,000 lookups: B = 300 x 5,000 x 256 x 2 B = 7.68e8 bytes; at mbu 1: 7.68e8 / 3.35e12 = 229.25 us,
    # against 6e10 / (989e12 x 0.5) = 121.33 us of compute: memory-bound, 1 / 229.25 us = 4,361.98 requests/s
    sc, _, catalog = _one(_recsys(5000, 0.5, 1.0))
    h100 = catalog.row("accelerators", "H100-SXM")
    bytes_ = 300 * 5000 * 256 * 2
    assert roofline_throughput(sc.models[0], h100, 0.5, 1.0) == pytest.approx(BW / bytes_, rel=1e-9)
    assert BW / bytes_ == pytest.approx(4361.98, abs=0.01)
    # and its regime: memory, even with mbu 1 (a free memory term would double the rate)
    assert roofline_regime(sc.models[0], h100, 0.5, 1.0) == "memory"


def test_size_model_reads_the_regime_at_the_model_efficiencies():
    # 2,646 lookups: B = 300 x 2,646 x 256 x 2 = 406,425,600 bytes. At mfu 0.3, mbu 0.9:
    # compute 6e10 / (989e12 x 0.3) = 202.22 us, memory 406,425,600 / (3.35e12 x 0.9) = 134.80 us:
    # compute-bound (memory free changes nothing), so no warning that a memory-bound recommender
    # estimate is unvalidated
    sc, ctx, _ = _one(_recsys(2646, 0.3, 0.9))
    sz = size_model(sc.models[0], 0, 1.0, np.full(24, 100.0), ctx)
    assert sz.throughput_rps_per_accelerator == pytest.approx(PEAK * 0.3 / F_RECSYS, rel=1e-9)   # 4,945 /s
    assert not [w for w in ctx.warnings if w.code == "estimate"]
    # the same model at mbu 0.3: memory 404.4 us > compute 202.2 us, memory-bound: warned
    sc, ctx, _ = _one(_recsys(2646, 0.3, 0.3))
    size_model(sc.models[0], 0, 1.0, np.full(24, 100.0), ctx)
    assert [w.model for w in ctx.warnings if w.code == "estimate"] == ["rank"]


def test_a_generative_model_without_output_is_a_prefill_roofline():
    from tco.sizing import roofline_throughput

    # the MoE golden with no output tokens: only prefill, 2 x 3e9 active x 500 tokens / (989e12 x 0.5)
    # = 6.0667 ms: 164.83 requests/s
    sc, _, catalog = _moe(output_tokens=0)
    h200 = catalog.row("accelerators", "H200-SXM")
    assert roofline_throughput(sc.models[0], h200, moe.MFU, moe.MBU) == pytest.approx(1 / moe.PREFILL, rel=1e-9)
    assert 1 / moe.PREFILL == pytest.approx(164.83, abs=0.01)


def test_an_uncalibrated_family_is_named_in_the_basis():
    # efficiency.csv has no encoder row for CDNA3 (MI300X): the cross-family factor, and the basis says so
    model = {"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "bf16", "items_per_request": 20,
             "input_tokens_per_item": 64,
             "serving": {"deployment": "cloud", "accelerator": "MI300X", "price_per_hour": 4.0}}
    sc, ctx, _ = _one(model)
    sz = size_model(sc.models[0], 0, 1.0, np.full(24, 100.0), ctx)
    assert sz.throughput_basis.endswith("; no encoder measurement on CDNA3 hardware calibrates it: the "
                                        "cross-family factor is used and the band is wider")
    assert ctx.uncalibrated[0][:4] == ("CDNA3", "MI300X", "encoder throughput", "enc")


def test_autoscaled_fleet_in_two_regions_counts_the_instances_of_both():
    # the MoE golden, autoscaled over 2 regions: 50 requests/s in each, flat; one replica serves
    # 15.452 x 0.7 = 10.817 requests/s, so ceil(50 / 10.817 = 4.62) = 5 replicas (one H200 instance each)
    # per region, every hour: 10 instances, 10 x 24 = 240 instance-hours a day
    data = moe.scenario()
    data["models"][0]["serving"].update(billing="autoscaled", regions=2)
    catalog = load_catalog()
    sc = load_scenario(data, catalog)
    sz = size_model(sc.models[0], 0, 1.0, np.full(24, 100.0), Context(sc, catalog))
    assert (sz.replicas, sz.instances) == (10, 10)
    assert sz.instance_hours_per_day == pytest.approx(240.0)


def test_samples_that_miss_the_slo_are_named_with_their_own_times():
    from tco.uncertainty import with_values

    from test_bad_inputs import base_scenario

    # two samples of a measured throughput, 1 and 100 requests/s on one L4: one request at a time takes
    # 1 / 1 = 1,000 ms and 1 / 100 = 10 ms. Against a 500 ms SLO the first sample cannot be served
    data = base_scenario()
    data["models"][0].update(throughput_rps=50, throughput_source="stated for the test", latency_slo_ms=500)
    catalog = load_catalog()
    sampled = with_values(load_scenario(data, catalog), {"models[0].throughput_rps": np.array([1.0, 100.0])})
    ctx = Context(sampled, catalog)
    size_model(sampled.models[0], 0, 1.0, np.full((2, 24), 5.0), ctx)
    [w] = [w for w in ctx.warnings if w.code == "infeasible"]
    assert w.model == "rerank"
    assert w.message.startswith("50.0% of the samples: model 'rerank' takes 1,000.0 ms per request "
                                "(1 / replica throughput) on L4, so no fleet meets a 500 ms SLO; raise it")


def test_a_draft_model_is_read_from_the_scenario_catalog(tmp_path):
    import csv
    import shutil
    from pathlib import Path

    from tco.catalog import Catalog

    # a copy of data/catalog whose models.csv also has 'test-draft', the llama-2-7b row renamed:
    # 7e9 parameters, 131,072,000 of them the token embedding -> a draft of 6,868,928,000 parameters
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "catalog", tmp_path, dirs_exist_ok=True)
    with open(tmp_path / "models.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows.append({**next(r for r in rows if r["model"] == "llama-2-7b"), "model": "test-draft"})
    with open(tmp_path / "models.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    own = Catalog(tmp_path)
    sc = load_scenario(moe.scenario(speculative={"draft_model": "test-draft", "acceptance_rate": 0.6,
                                                 "draft_tokens": 4}), own)
    sz = size_model(sc.models[0], 0, 1.0, np.full(24, 100.0), Context(sc, own))
    draft = 7e9 - 131_072_000
    assert draft_parameters(sc.models[0], own) == draft
    # memory: 60 GB of weights + the KV cache of 32 sequences (1.1534 GB) + the draft in bf16 (13.74 GB)
    assert sz.memory_needed_gb == pytest.approx((moe.WEIGHTS_GB * 1e9 + moe.KV_READ + 2 * draft) / 1e9, rel=1e-12)


def test_output_tokens_do_not_change_an_encoder_roofline():
    from tco.sizing import roofline_throughput

    from test_bad_inputs import base_scenario

    # the base encoder: 3.35e8 parameters x 20 items x 64 tokens x 2 = 8.576e11 FLOP per request on an L4
    # (121 bf16 TFLOP/s) at the cross-family mfu 0.5 (efficiency.csv encoder/any): 14.175 ms, 70.5457
    # requests/s; an output length given to an encoder is not a decode (only generative models decode)
    data = base_scenario()
    data["models"][0]["output_tokens"] = 10
    catalog = load_catalog()
    sc = load_scenario(data, catalog)
    l4 = catalog.row("accelerators", "L4")
    assert roofline_throughput(sc.models[0], l4, 0.5, 0.6) == pytest.approx(121e12 * 0.5 / 8.576e11, rel=1e-12)
    assert 121e12 * 0.5 / 8.576e11 == pytest.approx(70.5457, abs=1e-4)


# --- training, on-premises servers, KV from the hidden size -----------------------------------------
def test_training_flops_include_attention_over_the_stated_sequence():
    # the case of test_training_compute_with_attention_by_hand, through size_model: 1e9 parameters, 2 layers,
    # 4 heads of 8, 1,000 tokens a run at sequence length 2,048, full training:
    # 6 x 1e9 x 1,000 + 4 x 2 x 32 x 1,024 x 3 x 1,000 = 6e12 + 786,432,000 FLOP
    model = {"name": "llm", "kind": "generative", "parameters": 1e9, "precision": "bf16", "items_per_request": 1,
             "input_tokens_per_item": 100, "output_tokens": 10, "layers": 2, "attention_heads": 4, "kv_heads": 4,
             "head_dim": 8,
             "serving": {"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0},
             "training": {"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0, "method": "full",
                          "tokens_per_run": 1000, "sequence_length": 2048}}
    sc, ctx, _ = _one(model)
    sz = size_model(sc.models[0], 0, 1.0, np.full(24, 1.0), ctx)
    assert sz.training_flops_per_run == pytest.approx(6e12 + 786_432_000, rel=1e-15)


def _onprem_b200(**serving):
    return {"name": "llm", "kind": "generative", "parameters": 8e9, "precision": "bf16", "items_per_request": 1,
            "input_tokens_per_item": 100, "output_tokens": 10,
            "serving": {"deployment": "on_prem", "accelerator": "B200", **serving}}


def test_rated_power_of_the_default_server_of_an_accelerator():
    from tco.sizing import rated_power

    # no server named: the catalog's B200 server, dgx-b200, states 14.3 kW for 8: 1.7875 kW each
    sc, ctx, _ = _one(_onprem_b200())
    assert rated_power(sc.models[0].serving, ctx, "B200")[0] == pytest.approx(1.7875, rel=1e-12)


def test_a_catalog_server_price_is_shared_by_its_own_accelerators():
    from tco.sizing import hardware_rate

    # dgx-b200 costs 515,000 USD for 8 B200; a scenario that puts 4 per server still pays 515,000 / 8 =
    # 64,375 USD per accelerator; over 5 years (43,800 h) that is 1.469749 USD/h of depreciation
    sc, ctx, _ = _one(_onprem_b200(server="dgx-b200", accelerators_per_server=4),
                      on_prem={"region": "us", "hosting_per_accelerator_month": 0, "maintenance_rate": 0,
                               "electricity_price_per_kwh": 0, "useful_life_years": 5})
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "llm")
    assert rate.accelerators_per_instance == 4
    assert rate.price_per_accelerator_hour == pytest.approx(515_000 / 8 / (5 * 8760), rel=1e-9)


def test_a_named_server_is_the_one_priced():
    from tco.sizing import hardware_rate

    # H100 servers: dgx-h100 (270,000 USD, 2023) is named, not the newest H100 row
    # (h100-hgx-hyperscaler-2025); 270,000 / 8 / 43,800 h = 0.770548 USD/h of depreciation
    model = {"name": "llm", "kind": "generative", "parameters": 8e9, "precision": "bf16", "items_per_request": 1,
             "input_tokens_per_item": 100, "output_tokens": 10,
             "serving": {"deployment": "on_prem", "accelerator": "H100-SXM", "server": "dgx-h100"}}
    sc, ctx, _ = _one(model, on_prem={"region": "us", "hosting_per_accelerator_month": 0, "maintenance_rate": 0,
                                      "electricity_price_per_kwh": 0, "useful_life_years": 5})
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "llm")
    assert rate.price_per_accelerator_hour == pytest.approx(270_000 / 8 / (5 * 8760), rel=1e-9)
    assert "dgx-h100" in rate.basis


def test_kv_cache_from_the_hidden_size_when_no_head_size_is_given():
    from tco.sizing import kv_bytes_per_token

    # 32 layers, 8 KV heads, head size 4,096 / 32 heads = 128, bf16: 2 x 32 x 8 x 128 x 2 = 131,072 B/token
    model = {"name": "llm", "kind": "generative", "parameters": 8e9, "precision": "bf16", "items_per_request": 1,
             "input_tokens_per_item": 100, "output_tokens": 10, "layers": 32, "kv_heads": 8, "attention_heads": 32,
             "hidden_size": 4096, "serving": {"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0}}
    sc, _, _ = _one(model)
    assert kv_bytes_per_token(sc.models[0]) == 131_072


def test_generative_roofline_is_the_operating_point():
    from tco.sizing import roofline_throughput

    # the MoE golden: 15.452 requests/s per H200 at decode batch 32
    sc, _, catalog = _moe()
    h200 = catalog.row("accelerators", "H200-SXM")
    assert roofline_throughput(sc.models[0], h200, moe.MFU, moe.MBU) == pytest.approx(moe.RATE, rel=1e-9)


def test_regime_defaults_to_one_accelerator_at_ninety_percent_of_memory():
    # the MoE golden with a 50,000 B/token KV cache and no decode batch given: the batch that fits one
    # H200 at 90% of its memory is floor((126.9e9 - 60e9) / (550 x 50,000)) = 2,432 sequences; a step then
    # reads 60 GB + 2,432 x 550 x 50,000 B = 126.9 GB in 44.06 ms and computes 2 x 3e9 x 2,432 / 4.945e14
    # = 29.5 ms: memory-bound. A replica of 2 H200 (or 190% of the memory) fits a larger batch, which
    # becomes compute-bound, so the defaults (1 accelerator, 0.9) are what the answer rests on
    data = moe.scenario(kv_bytes_per_token=50000)
    del data["models"][0]["decode_batch"]
    sc = load_scenario(data, load_catalog())
    h200 = load_catalog().row("accelerators", "H200-SXM")
    assert (126.9e9 - 60e9) // (550 * 50000) == 2432
    assert roofline_regime(sc.models[0], h200, moe.MFU, moe.MBU) == "memory"
    assert roofline_regime(sc.models[0], h200, moe.MFU, moe.MBU, replica_size=2.0) == "compute"


# --- fresh sample seed 11 -----------------------------------------------------------------------------
def test_long_context_prices_scale_both_tiers():
    # gemini-2.5-pro (api_prices.csv): 1.25 / 10 USD per Mtoken, above 200,000 prompt tokens 2.5 / 15:
    # x2 input and x1.5 output. 10 requests of 300,000 prompt and 1,000 output tokens a day:
    # 10 x (300,000 x 2.5 + 1,000 x 15) / 1e6 = 10 x (0.75 + 0.015) = 7.65 USD/day
    serving = _serving()
    cost, note = api_cost(_ctx(), serving, "gemini-2.5-pro", 10.0, 300_000.0, 1000.0)
    assert cost == pytest.approx(7.65, rel=1e-12)
    assert note == "prompts above 200,000 tokens at long-context prices (x2 input, x1.5 output)"


def test_rated_power_from_the_tdp_and_the_server_overhead():
    from tco.sizing import rated_power

    # L4 (accelerators.csv 72 W) on premises with no catalog server power: TDP x the catalog's server
    # overhead (onprem.csv server_power_overhead, global: 1.5, an assumption)
    model = {"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "bf16", "items_per_request": 1,
             "input_tokens_per_item": 64, "serving": {"deployment": "on_prem", "accelerator": "L4"}}
    sc, ctx, _ = _one(model)
    assert rated_power(sc.models[0].serving, ctx, "L4") == (0.072, 1.5, "L4 TDP 72 W x server overhead 1.5")


def test_generative_roofline_at_a_stated_share_of_memory():
    from tco.sizing import roofline_throughput

    # the MoE golden without a decode batch, at 50% of the H200's memory: the batch that fits is
    # floor((141e9 x 0.5 - 60e9) / (550 x 65,536)) = floor(10.5e9 / 36,044,800) = 291; all but
    # 128 x (15/16)^291 ~ 1e-6 of the experts are read: (60e9 + 291 x 550 x 65,536) / 2.88e12 = 24.475 ms a
    # step (compute 3.53 ms); 1 / (6.0667 + 100 / 291 x 24.475 ms) = 69.07 requests/s
    data = moe.scenario()
    del data["models"][0]["decode_batch"]
    catalog = load_catalog()
    sc = load_scenario(data, catalog)
    h200 = catalog.row("accelerators", "H200-SXM")
    touched = moe.E * (1 - (1 - moe.K_EXPERTS / moe.E) ** 291)
    step = ((moe.DENSE + moe.ROUTED * touched / moe.E) * 2 + 291 * moe.CONTEXT * moe.KV) / (moe.BW * moe.MBU)
    rate = 1 / (moe.PREFILL + moe.OUT / 291 * step)
    assert rate == pytest.approx(69.07, abs=0.01)
    assert roofline_throughput(sc.models[0], h200, moe.MFU, moe.MBU, usable_memory_fraction=0.5) == \
        pytest.approx(rate, rel=1e-9)


def test_kv_note_of_an_estimated_cache():
    # the 500,000 B/token estimate of test_kv_estimate_from_the_non_embedding_parameters: 500.0 kB
    model = {"name": "llm", "kind": "generative", "parameters": 6.5e9, "embedding_parameters": 5e8,
             "precision": "bf16", "items_per_request": 1, "input_tokens_per_item": 100, "output_tokens": 10,
             "serving": {"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0}}
    sc, ctx, _ = _one(model)
    sz = size_model(sc.models[0], 0, 1.0, np.full(24, 1.0), ctx)
    assert sz.notes[0] == "KV cache 500.0 kB/token (estimated from the parameter count)"


def test_peak_rate_per_sample():
    # two samples of the hourly arrivals, flat at 5 and at 7 requests/s: each keeps its own peak
    sc, ctx, _ = _moe()
    sz = size_model(sc.models[0], 0, 1.0, np.stack([np.full(24, 5.0), np.full(24, 7.0)]), ctx)
    assert sz.peak_rps.tolist() == [5.0, 7.0]


def test_a_ttft_objective_on_an_encoder_is_refused():
    model = {"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "bf16", "items_per_request": 1,
             "input_tokens_per_item": 64, "ttft_slo_ms": 100,
             "serving": {"deployment": "cloud", "instance": "g6.xlarge"}}
    try:
        sc, ctx, _ = _one(model)
    except ScenarioError as exc:      # refused when read: the same message
        problems = exc.problems
    else:
        with pytest.raises(ScenarioError) as info:
            size_model(sc.models[0], 0, 1.0, np.full(24, 1.0), ctx)
        problems = info.value.problems
    assert problems == [("models[0].ttft_slo_ms", "a time-to-first-token objective applies to generative models "
                                                  "with output_tokens > 0; use latency_slo_ms")]


# --- fresh sample seed 23 -----------------------------------------------------------------------------
def test_training_on_an_uncalibrated_family_is_noted_and_a_calibrated_one_is_not():
    def training_on(accelerator):
        model = {"name": "llm", "kind": "generative", "parameters": 1e9, "precision": "bf16", "items_per_request": 1,
                 "input_tokens_per_item": 100, "output_tokens": 10,
                 "serving": {"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0},
                 "training": {"deployment": "cloud", "accelerator": accelerator, "price_per_hour": 3.0,
                              "method": "full", "tokens_per_run": 1000}}
        sc, ctx, _ = _one(model)
        size_model(sc.models[0], 0, 1.0, np.full(24, 1.0), ctx)
        return [e[:4] for e in ctx.uncalibrated if "training" in e[2]]

    # efficiency.csv has training/Hopper (calibrated) but no training row for CDNA3
    assert training_on("H100-SXM") == []
    assert training_on("MI300X") == [("CDNA3", "MI300X", "bf16 training", "llm")]


def test_where_the_kv_figure_comes_from():
    from tco.sizing import kv_source

    sc, _, _ = _moe()
    assert kv_source(sc.models[0]) == "given"
    # layers alone (no KV heads, no latent rank) are not an architecture to read the cache from
    model = {"name": "llm", "kind": "generative", "parameters": 6.5e9, "embedding_parameters": 5e8, "layers": 32,
             "precision": "bf16", "items_per_request": 1, "input_tokens_per_item": 100, "output_tokens": 10,
             "serving": {"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0}}
    sc, _, _ = _one(model)
    assert kv_source(sc.models[0]) == "estimated from the parameter count"


def test_an_encoder_is_compute_bound_with_or_without_an_output_length():
    from test_bad_inputs import base_scenario

    # the base encoder (8.576e11 FLOP, 14.2 ms on an L4; no embedding gathers): compute-bound
    catalog = load_catalog()
    l4 = catalog.row("accelerators", "L4")
    data = base_scenario()
    assert roofline_regime(load_scenario(data, catalog).models[0], l4, 0.5, 0.6) == "compute"
    data["models"][0]["output_tokens"] = 10
    assert roofline_regime(load_scenario(data, catalog).models[0], l4, 0.5, 0.6) == "compute"


def test_one_output_token_is_one_decode_step():
    from tco.sizing import roofline_throughput

    # the MoE golden with 1 output token: context 500 + 1/2; the step reads the same 52.898e9 bytes of
    # experts and 32 x 500.5 x 65,536 B of cache; the replica serves 1 / (prefill + 1/32 step)
    sc, _, catalog = _moe(output_tokens=1)
    h200 = catalog.row("accelerators", "H200-SXM")
    step = (moe.WEIGHTS_READ + moe.BATCH * 500.5 * moe.KV) / (moe.BW * moe.MBU)
    rate = 1 / (moe.PREFILL + 1 / moe.BATCH * step)
    assert rate == pytest.approx(150.3, abs=0.1)
    assert roofline_throughput(sc.models[0], h200, moe.MFU, moe.MBU) == pytest.approx(rate, rel=1e-9)


def test_a_measured_service_time_is_labelled_measured():
    model = {"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "bf16", "items_per_request": 20,
             "input_tokens_per_item": 64, "service_time_ms": 40,
             "serving": {"deployment": "cloud", "instance": "g6.xlarge"}}
    sc, ctx, _ = _one(model)
    sz = size_model(sc.models[0], 0, 1.0, np.full(24, 1.0), ctx)
    assert sz.service_time_basis == "measured"
    # 70.5457 requests/s per L4 (test_output_tokens_do_not_change_an_encoder_roofline) x 40 ms = 2.82 requests
    # in flight: 3 slots, each request taking 3 / 70.5457 = 42.526 ms (Little's law)
    assert sz.slots == 3
    assert sz.service_time_ms == pytest.approx(3 / (121e12 * 0.5 / 8.576e11) * 1000, rel=1e-9)
    assert sz.service_time_ms == pytest.approx(42.526, abs=1e-3)


def test_cache_write_share_in_the_note_and_a_cloud_fleet_without_an_instance_type():
    serving = _serving(write=0.5)
    _, note = api_cost(_ctx(), serving, "claude-sonnet-4-6", 1000.0, 1000.0, 100.0)
    assert note == "50% written to the cache"
    # the MoE golden rents H200s by the hour with no instance type named: no instance label
    sc, ctx, _ = _moe()
    assert size_model(sc.models[0], 0, 1.0, np.full(24, 100.0), ctx).instance == ""


# --- the full run (every mutant) -------------------------------------------------------------------
def test_api_cost_batch_tier_bills_every_request_at_the_batch_price_once():
    # gpt-4o-mini in its Batch tier, with half the requests also marked batchable: every request is
    # already at the batch price, (1,000 x 0.075 + 100 x 0.3) / 1e6 = 1.05e-4 USD, x 1,000 = 0.105 USD/day,
    # and the note names the tier only (the batchable share adds nothing in that tier)
    cost, note = api_cost(_ctx(), _serving(batchable=0.5, tier="batch"), "gpt-4o-mini", 1000.0, 1000.0, 100.0)
    assert cost == pytest.approx(0.105, rel=1e-12)
    assert note == "batch tier"


def test_api_cost_cached_share_at_the_cached_price_with_its_note():
    # gpt-4o-mini, half the input tokens from the prompt cache (cached input 0.075 USD/Mtoken):
    # (500 x 0.15 + 500 x 0.075 + 100 x 0.6) / 1e6 = (75 + 37.5 + 60) / 1e6 = 1.725e-4 USD, x 1,000 = 0.1725
    cost, note = api_cost(_ctx(), _serving(cached=0.5), "gpt-4o-mini", 1000.0, 1000.0, 100.0)
    assert cost == pytest.approx(0.1725, rel=1e-12)
    assert note == "50% of input tokens cached, at the cached-input price"


def test_api_cost_cached_share_without_a_cached_price_is_billed_as_input():
    # claude-3.5-haiku has no cached-input price in the catalog (0.8 input, 4 output USD/Mtoken): the
    # cached half is billed as input, (1,000 x 0.8 + 100 x 4) / 1e6 = 1.2e-3 USD, x 1,000 = 1.2 USD/day
    cost, note = api_cost(_ctx(), _serving(cached=0.5), "claude-3.5-haiku", 1000.0, 1000.0, 100.0)
    assert cost == pytest.approx(1.2, rel=1e-12)
    assert note == "50% of input tokens cached, at the input price (no cached price in the catalog)"


def test_api_cost_note_joins_its_parts():
    # half batchable and half the input cached, gpt-4o-mini:
    #   500 requests standard: 1.725e-4 USD each (above)          = 0.08625
    #   500 requests batch: no batch cached price, so input at 0.075: (1,000 x 0.075 + 100 x 0.3) / 1e6
    #                       = 1.05e-4 each                          = 0.0525
    #   0.08625 + 0.0525 = 0.13875 USD/day
    cost, note = api_cost(_ctx(), _serving(batchable=0.5, cached=0.5), "gpt-4o-mini", 1000.0, 1000.0, 100.0)
    assert cost == pytest.approx(0.13875, rel=1e-12)
    assert note == "50% of requests at the batch price; 50% of input tokens cached, at the cached-input price"


def test_cache_write_price_scales_with_the_tier_input_price():
    # claude-haiku-4-5 (USD/Mtoken): input 1, cache write 1.25, output 5; Batch tier input 0.5, output 2.5.
    # In the Batch tier the cache write scales with the input, 1.25 x 0.5 / 1 = 0.625. Half the 1,000
    # input tokens written to the cache: (500 x 0.5 + 500 x 0.625 + 100 x 2.5) / 1e6 = 8.125e-4 USD,
    # x 1,000 requests = 0.8125 USD/day
    cost, note = api_cost(_ctx(), _serving(write=0.5, tier="batch"), "claude-haiku-4-5", 1000.0, 1000.0, 100.0)
    assert cost == pytest.approx(0.8125, rel=1e-12)
    assert note == "batch tier; 50% written to the cache"


def test_cache_write_price_of_a_model_free_at_standard(tmp_path):
    import csv
    import shutil
    import warnings
    from pathlib import Path

    from tco.catalog import Catalog

    # a catalog copy with a model whose standard input is free (0), cache write 0.5, output 1, Batch
    # input 0 and output 0.5 USD/Mtoken: the ratio of the tier's input to the standard one is 0 / 0,
    # so the cache write keeps its own price, 0.5. Batch tier, half of 1,000 input tokens written:
    # (500 x 0 + 500 x 0.5 + 100 x 0.5) / 1e6 = 3e-4 USD, x 1,000 requests = 0.3 USD/day
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "catalog", tmp_path, dirs_exist_ok=True)
    with open(tmp_path / "api_prices.csv", newline="", encoding="utf-8") as f:
        fields = next(csv.reader(f))
    with open(tmp_path / "api_prices.csv", "a", newline="", encoding="utf-8") as f:
        csv.DictWriter(f, fields).writerow({
            "model": "test-free", "provider": "test", "input_per_mtok": 0, "output_per_mtok": 1, "currency": "USD",
            "cache_write_per_mtok": 0.5, "batch_input_per_mtok": 0, "batch_output_per_mtok": 0.5,
            "source": "test row", "as_of": "2026-12-01", "assumption": "a test model"})
    catalog = Catalog(tmp_path)
    ctx = Context(load_scenario(scenario_path("deepseek-v3-b200-vs-api"), catalog), catalog)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        cost, _ = api_cost(ctx, _serving(write=0.5, tier="batch"), "test-free", 1000.0, 1000.0, 100.0)
    assert cost == pytest.approx(0.3, rel=1e-12)
