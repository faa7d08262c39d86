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


def _ctx():
    catalog = load_catalog()
    return Context(load_scenario(scenario_path("deepseek-v3-b200-vs-api"), catalog), catalog)  # currency USD


def test_api_cost_half_batchable_by_hand():
    # per request: 1,000 input and 100 output tokens
    #   standard: (1,000 x 0.15 + 100 x 0.6) / 1e6 = (150 + 60) / 1e6 = 2.1e-4 USD
    #   batch:    (1,000 x 0.075 + 100 x 0.3) / 1e6 = (75 + 30) / 1e6 = 1.05e-4 USD
    # half of 1,000 requests/day batchable: 500 x 2.1e-4 + 500 x 1.05e-4 = 0.105 + 0.0525 = 0.1575 USD/day
    serving = NS(api_tier="standard", batchable_share=0.5, cached_prompt_share=0.0, cache_write_share=0.0)
    cost, note = api_cost(_ctx(), serving, "gpt-4o-mini", 1000.0, 1000.0, 100.0)
    assert cost == pytest.approx(0.1575, rel=1e-12)
    assert note == "50% of requests at the batch price"


def test_api_cost_standard_only_has_no_note():
    # nothing batchable: 1,000 x 2.1e-4 = 0.21 USD/day, plain standard pricing has an empty note
    serving = NS(api_tier="standard", batchable_share=0.0, cached_prompt_share=0.0, cache_write_share=0.0)
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
    catalog = load_catalog()
    data = {"name": "big", "currency": "USD", "as_of": "2026-11-22",
            "traffic": {"requests_per_day": 1e6, "hourly_profile": "flat"},
            "models": [{"name": "enc", "kind": "encoder", "parameters": 2e10, "precision": "bf16",
                        "items_per_request": 1, "input_tokens_per_item": 64,
                        "serving": {"deployment": "cloud", "instance": "g6.xlarge",
                                    "max_accelerators_per_replica": 1}}]}
    sc = load_scenario(data, catalog)
    with pytest.raises(ScenarioError) as info:
        size_model(sc.models[0], 0, 1.0, np.full(24, 10.0), Context(sc, catalog))
    assert info.value.problems[0] == ("models[0]", (
        "model 'enc' needs 40.0 GB (weights 40.0, embedding tables 0.0, KV cache 0.0) but a replica of at most "
        "1 x L4 holds 21.6 GB usable; raise serving.max_accelerators_per_replica (now 1), lower the precision, "
        "or choose an accelerator with more memory"))


def test_an_unpriced_cloud_plan_is_recorded_against_its_model():
    from tco.sizing import hardware_rate

    catalog = load_catalog()
    data = {"name": "unpriced", "currency": "USD", "as_of": "2026-11-22",
            "traffic": {"requests_per_day": 1e6, "hourly_profile": "flat"},
            "models": [{"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "bf16",
                        "items_per_request": 1, "input_tokens_per_item": 64,
                        "serving": {"deployment": "cloud", "instance": "gpu_1x_b200_sxm6", "pricing": "spot"}}]}
    sc = load_scenario(data, catalog)
    ctx = Context(sc, catalog)
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    assert rate.price_per_instance_hour != rate.price_per_instance_hour      # NaN, not zero
    assert ctx.warnings[-1].model == "enc"
    assert ctx.warnings[-1].message == (
        "enc: serving on gpu_1x_b200_sxm6 could not be priced: the catalog has no 'spot' price for "
        "gpu_1x_b200_sxm6 (priced plans: on_demand); give serving.price_per_hour. It is left out of the totals.")
