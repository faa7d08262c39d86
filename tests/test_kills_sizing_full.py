"""Mutation kills for tco.sizing from the full run (tools/mutation.py): the operating point, the KV cache,
the roofline and its regime, and training, each by hand.

Catalog figures used (data/catalog): accelerators.csv H100-SXM 989 bf16 TFLOP/s (dense), 3,350 GB/s,
80 GB; H200-SXM 989 bf16 TFLOP/s, 4,800 GB/s, 141 GB. models.csv llama-2-7b: 7e9 parameters, 131,072,000
of them the token embedding (untied). efficiency.csv: training rows for Ampere, Hopper and any family,
no training-fp8 row. The MoE golden (tests/test_golden_moe_generative.py) gives the rest.
"""

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from tco import load_catalog, load_scenario
from tco.catalog import Catalog
from tco.sizing import (draft_parameters, generative_point, kv_bytes_per_token, roofline_regime,
                        roofline_throughput, training_compute, training_efficiency)

import test_golden_moe_generative as moe
from test_kills_sizing import _one
from test_kills_sizing import sized as _size

LLAMA2_7B_DRAFT = 7e9 - 131_072_000   # 6,868,928,000 non-embedding parameters


def _llm(**fields):
    """A dense generative model on a cloud H100 at a stated price (no architecture unless given)."""
    return {"name": "llm", "kind": "generative", "parameters": 6.5e9, "embedding_parameters": 5e8,
            "precision": "bf16", "items_per_request": 1, "input_tokens_per_item": 100, "output_tokens": 10,
            "serving": {"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0}, **fields}


def _catalog_with_test_draft(tmp_path):
    """A copy of data/catalog whose models.csv also has 'test-draft', the llama-2-7b row renamed."""
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "catalog", tmp_path, dirs_exist_ok=True)
    with open(tmp_path / "models.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows.append({**next(r for r in rows if r["model"] == "llama-2-7b"), "model": "test-draft"})
    with open(tmp_path / "models.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Catalog(tmp_path)


# --- generative_point ------------------------------------------------------------------------------
def test_operating_point_of_a_draft_named_by_catalog_id():
    # the MoE golden with speculative decoding, k = 3 draft tokens accepted with probability 0.8
    # (tau = 2.952 tokens a step), the draft named 'llama-2-7b': 6,868,928,000 parameters. Each of the
    # 3 draft steps reads the draft's 13.737856 GB in bf16 at 4,800 GB/s x 0.6 = 2.88e12 B/s: 4.7701 ms
    # (its FLOPs, 2 x 6.869e9 x 32 / 4.945e14 = 0.889 ms, are less); the verify step is the golden's
    # 21.229 ms. Step 21.229 + 3 x 4.7701 = 35.539 ms; the replica serves
    # 1 / (6.067 + 100 / (32 x 2.952) x 35.539 ms) = 1 / 43.69 ms = 22.89 requests/s
    sc, _, catalog = moe_with(speculative={"draft_model": "llama-2-7b", "draft_tokens": moe.K_DRAFT,
                                           "acceptance_rate": moe.ALPHA})
    h200 = catalog.row("accelerators", "H200-SXM")
    draft_step = max(2 * LLAMA2_7B_DRAFT * moe.BATCH / (moe.PEAK * moe.MFU), LLAMA2_7B_DRAFT * 2 / (moe.BW * moe.MBU))
    step = moe.SPEC_VERIFY + moe.K_DRAFT * draft_step
    rate = 1 / (moe.PREFILL + moe.OUT / (moe.BATCH * moe.TAU) * step)
    assert draft_step == pytest.approx(4.7701e-3, abs=1e-7)
    assert rate == pytest.approx(22.89, abs=0.01)
    # no draft passed: generative_point resolves the draft's id in the catalog itself
    pt = generative_point(sc.models[0], h200, moe.MFU, moe.MBU)
    assert pt.rate == pytest.approx(rate, rel=1e-9)


def moe_with(**extra):
    catalog = load_catalog()
    sc = load_scenario(moe.scenario(**extra), catalog)
    return sc, None, catalog


# --- kv_bytes_per_token ----------------------------------------------------------------------------
def test_latent_attention_without_a_rotary_key():
    # multi-head latent attention with no qk_rope_head_dim: only the latent vector is cached,
    # L x d_c x bytes = 61 x 512 x 2 (bf16) = 62,464 B/token
    sc, _, _ = _one(_llm(layers=61, kv_lora_rank=512))
    assert kv_bytes_per_token(sc.models[0]) == 62_464


def test_a_width_without_layers_or_kv_heads_falls_back_to_the_estimate():
    # hidden_size and attention heads but no layers nor KV heads: not an architecture to read the cache
    # from, so the estimate of test_kv_estimate_from_the_non_embedding_parameters: N = 6.5e9 - 5e8 = 6e9,
    # d = (128 x 6e9 / 12)^(1/3) = 4,000, kv = 2 x 4,000^2 / 128 x 2 bytes = 500,000 B/token
    sc, _, _ = _one(_llm(hidden_size=4096, attention_heads=32))
    assert kv_bytes_per_token(sc.models[0]) == pytest.approx(500_000, rel=1e-9)


def test_layers_and_a_width_without_kv_heads_fall_back_to_the_estimate():
    # 32 layers and a width of 4,096 but no KV heads: the same 500,000 B/token estimate
    sc, _, _ = _one(_llm(layers=32, hidden_size=4096))
    assert kv_bytes_per_token(sc.models[0]) == pytest.approx(500_000, rel=1e-9)


# --- roofline_throughput ---------------------------------------------------------------------------
def test_generative_roofline_defaults_to_ninety_percent_of_memory():
    # the MoE golden without a decode batch, at the default 90% of the H200's memory: the batch that
    # fits is floor((141e9 x 0.9 - 60e9) / (550 x 65,536)) = 1,856 (moe.B_MEM); every expert is read
    # (128 x (15/16)^1856 ~ 1e-50 are not): a step reads 60e9 + 1,856 x 550 x 65,536 B = 126.9e9 B in
    # 44.06 ms (compute 2 x 3e9 x 1,856 / 4.945e14 = 22.52 ms); 1 / (6.067 + 100 / 1,856 x 44.06 ms)
    # = 1 / 8.441 ms = 118.47 requests/s
    data = moe.scenario()
    del data["models"][0]["decode_batch"]
    catalog = load_catalog()
    sc = load_scenario(data, catalog)
    h200 = catalog.row("accelerators", "H200-SXM")
    step = (moe.TOTAL * 2 + moe.B_MEM * moe.CONTEXT * moe.KV) / (moe.BW * moe.MBU)
    rate = 1 / (moe.PREFILL + moe.OUT / moe.B_MEM * step)
    assert rate == pytest.approx(118.47, abs=0.01)
    assert roofline_throughput(sc.models[0], h200, moe.MFU, moe.MBU) == pytest.approx(rate, rel=1e-9)


def test_roofline_uses_the_draft_it_is_given(tmp_path):
    # a draft model only the scenario's own catalog knows ('test-draft', the llama-2-7b row): the
    # caller resolves it and passes its parameters; the rate is that of
    # test_operating_point_of_a_draft_named_by_catalog_id, 22.89 requests/s
    own = _catalog_with_test_draft(tmp_path)
    sc = load_scenario(moe.scenario(speculative={"draft_model": "test-draft", "draft_tokens": moe.K_DRAFT,
                                                 "acceptance_rate": moe.ALPHA}), own)
    model, h200 = sc.models[0], own.row("accelerators", "H200-SXM")
    draft = draft_parameters(model, own)
    assert draft == LLAMA2_7B_DRAFT
    step = moe.SPEC_VERIFY + moe.K_DRAFT * LLAMA2_7B_DRAFT * 2 / (moe.BW * moe.MBU)
    rate = 1 / (moe.PREFILL + moe.OUT / (moe.BATCH * moe.TAU) * step)
    assert roofline_throughput(model, h200, moe.MFU, moe.MBU, draft=draft) == pytest.approx(rate, rel=1e-9)
    # and its regime: the verify step reads 54.05 GB against 1.55 ms of FLOPs: memory-bound
    assert roofline_regime(model, h200, moe.MFU, moe.MBU, draft=draft) == "memory"


def test_a_generative_model_without_output_is_a_prefill_roofline_even_with_an_architecture():
    # 8e9 parameters (no embedding stated), 32 layers of 32 heads of 128, 1,000 prompt tokens, no output:
    # the prefill roofline of an encoder, 2 N P = 2 x 8e9 x 1,000 = 1.6e13 FLOP at 989e12 x 0.5:
    # 32.356 ms, 30.906 requests/s (the roofline counts 2 N FLOPs a token, attention not included)
    sc, _, catalog = _one(_llm(parameters=8e9, embedding_parameters=0, input_tokens_per_item=1000,
                               output_tokens=0, layers=32, attention_heads=32, kv_heads=8, head_dim=128))
    h100 = catalog.row("accelerators", "H100-SXM")
    assert roofline_throughput(sc.models[0], h100, 0.5, 0.6) == pytest.approx(989e12 * 0.5 / 1.6e13, rel=1e-12)
    assert 989e12 * 0.5 / 1.6e13 == pytest.approx(30.906, abs=1e-3)


def _l4_without(column=None, **values):
    """A copy of the catalog's L4 row (a mapping) with a peak column removed or set."""
    from tco.catalog import Row

    row = Row(load_catalog().row("accelerators", "L4"))
    row.pop(column, None)
    row.update(values)
    return row


def test_roofline_of_an_accelerator_row_without_the_peak_column_is_nan():
    from test_bad_inputs import base_scenario

    # the base encoder (bf16) on an L4 row that has no bf16 peak column at all: no peak, NaN
    sc = load_scenario(base_scenario(), load_catalog())
    assert np.isnan(roofline_throughput(sc.models[0], _l4_without("bf16_tflops"), 0.5, 0.6))


def test_roofline_of_a_zero_peak_is_nan_and_of_a_tiny_one_is_its_rate():
    from test_bad_inputs import base_scenario

    sc = load_scenario(base_scenario(), load_catalog())
    # a peak of 0 is no peak: NaN, not a rate of 0
    assert np.isnan(roofline_throughput(sc.models[0], _l4_without(bf16_tflops=0.0), 0.5, 0.6))
    # a peak of 0.5 FLOP/s (5e-13 TFLOP/s) is still a peak: 8.576e11 FLOP per request at 0.5 x 0.5 FLOP/s
    # take 3.4304e12 s, a rate of 1 / 3.4304e12 = 2.9151e-13 requests/s
    rate = roofline_throughput(sc.models[0], _l4_without(bf16_tflops=5e-13), 0.5, 0.6)
    assert rate == pytest.approx(0.25 / 8.576e11, rel=1e-9)


# --- roofline_regime -------------------------------------------------------------------------------
def test_regime_when_no_replica_up_to_eight_holds_the_model():
    # 4e11 parameters in bf16 = 800 GB; an H100 holds 80 x 0.9 = 72 GB usable, so a replica needs
    # ceil(800 / 72 = 11.1) -> 16 accelerators, more than the largest (8) tried when no replica size is
    # given: no operating point, and no regime ("")
    sc, _, catalog = _one(_llm(parameters=4e11, kv_bytes_per_token=65536))
    h100 = catalog.row("accelerators", "H100-SXM")
    assert generative_point(sc.models[0], h100, 0.5, 0.6) is None
    assert roofline_regime(sc.models[0], h100, 0.5, 0.6, replica_size=None) == ""
    # one output token decodes too: no point either
    sc, _, _ = _one(_llm(parameters=4e11, kv_bytes_per_token=65536, output_tokens=1))
    assert roofline_regime(sc.models[0], h100, 0.5, 0.6, replica_size=None) == ""


def test_regime_of_a_generative_model_without_output_is_the_prefill_one():
    # the same 800 GB model with no output tokens: only prefill, 2 x 4e11 x 100 FLOP and no bytes
    # (no embedding gathers): compute-bound, whatever the replica
    sc, _, catalog = _one(_llm(parameters=4e11, kv_bytes_per_token=65536, output_tokens=0))
    h100 = catalog.row("accelerators", "H100-SXM")
    assert roofline_regime(sc.models[0], h100, 0.5, 0.6, replica_size=None) == "compute"


def test_regime_at_a_stated_share_of_memory():
    # the MoE golden with a 16,384 B/token cache and no decode batch; a request holds 550 x 16,384 =
    # 9,011,200 B. At 90% of the H200's 141 GB: floor(66.9e9 / 9,011,200) = 7,424 requests, whose FLOPs,
    # 2 x 3e9 x 7,424 / 4.945e14 = 90.08 ms, outlast the step's 60e9 + 66.9e9 B / 2.88e12 = 44.06 ms:
    # compute-bound. At 50%: floor(10.5e9 / 9,011,200) = 1,165 requests, 14.14 ms of FLOPs against
    # (60e9 + 10.498e9) / 2.88e12 = 24.48 ms of memory: memory-bound
    data = moe.scenario(kv_bytes_per_token=16384)
    del data["models"][0]["decode_batch"]
    catalog = load_catalog()
    sc = load_scenario(data, catalog)
    h200 = catalog.row("accelerators", "H200-SXM")
    assert (141e9 * 0.9 - 60e9) // (550 * 16384) == 7424 and (141e9 * 0.5 - 60e9) // (550 * 16384) == 1165
    assert roofline_regime(sc.models[0], h200, moe.MFU, moe.MBU) == "compute"
    assert roofline_regime(sc.models[0], h200, moe.MFU, moe.MBU, usable_memory_fraction=0.5) == "memory"


def test_regime_within_five_percent_is_compute():
    from test_kills_sizing import F_RECSYS, PEAK, _recsys

    # the recommender of tests/test_kills_sizing.py with 4,090 lookups an item at mfu 0.3, mbu 0.9:
    # compute 6e10 / (989e12 x 0.3) = 202.22 us; memory 300 x 4,090 x 256 x 2 = 628,224,000 B
    # / (3.35e12 x 0.9) = 208.37 us, 3.0% more: a free memory term would raise the rate by 3.0%, under
    # 5%, so the regime is "compute"
    sc, _, catalog = _one(_recsys(4090, 0.3, 0.9))
    h100 = catalog.row("accelerators", "H100-SXM")
    compute, memory = F_RECSYS / (PEAK * 0.3), 300 * 4090 * 256 * 2 / (3350e9 * 0.9)
    assert 1.02 < memory / compute < 1.04
    assert roofline_regime(sc.models[0], h100, 0.3, 0.9) == "compute"


# --- training --------------------------------------------------------------------------------------
def test_training_compute_defaults_to_full_training():
    from types import SimpleNamespace as NS

    # no method given: full training, c = 6: 6 x 1e9 x 1,000 = 6e12 FLOP
    model = NS(flop_parameters=1e9, layers=None, attention_heads=None, head_dim=None, hidden_size=None)
    assert training_compute(model, 1000.0) == pytest.approx(6e12, rel=1e-15)


def test_fp8_training_has_no_calibration_and_bf16_reads_the_training_row():
    catalog = load_catalog()
    # efficiency.csv has no training-fp8 row: nothing calibrates fp8 training on any family
    assert training_efficiency(catalog, "fp8", "Hopper") == (None, False)
    # bf16 on Hopper: the training/Hopper row (mfu 0.30), calibrated
    row, calibrated = training_efficiency(catalog, "bf16", "Hopper")
    assert (float(row.mfu), calibrated) == (0.30, True)


# --- second batch: power, estimate labels, a roofline without a point ------------------------------
def test_a_cloud_accelerator_draws_by_its_utilisation_whatever_the_on_prem_load_factor():
    from tco.sizing import accelerator_draw_kw

    # an L4 rented in the cloud (TDP 72 W, server overhead 1.5 from onprem.csv), idle at 20% of rated
    # power (stated), at utilisation 0.5: 1.5 x 0.072 x (0.2 + 0.8 x 0.5) = 0.108 x 0.6 = 0.0648 kW. The
    # scenario's on_prem.load_factor (0.9) belongs to on-premises servers and does not apply
    model = {"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "bf16", "items_per_request": 1,
             "input_tokens_per_item": 64, "serving": {"deployment": "cloud", "instance": "g6.xlarge"}}
    sc, ctx, _ = _one(model, on_prem={"load_factor": 0.9}, energy={"idle_power_fraction": 0.2})
    assert accelerator_draw_kw(sc.models[0].serving, ctx, "L4", 0.5) == pytest.approx(0.0648, rel=1e-12)


def test_estimate_label_of_a_memory_bound_recommender():
    from tco.sizing import estimate_basis

    # efficiency.csv's recsys band does not cover a regime bound by embedding gathers
    assert estimate_basis(0.8, 1.25, "recsys", "memory") == (
        "estimated (roofline), bound by embedding gathers: no published measurement validates this regime; "
        "give a measured throughput_rps")
    assert estimate_basis(0.8, 1.25, "recsys", "compute") == \
        "estimated (roofline), typically within x0.8-x1.25 of measured"


def test_roofline_of_a_model_no_replica_up_to_eight_holds_is_nan():
    # the 800 GB model of test_regime_when_no_replica_up_to_eight_holds_the_model: no replica size given,
    # none up to 8 H100 holds it, so no operating point and no rate
    sc, _, catalog = _one(_llm(parameters=4e11, kv_bytes_per_token=65536))
    h100 = catalog.row("accelerators", "H100-SXM")
    assert np.isnan(roofline_throughput(sc.models[0], h100, 0.5, 0.6, replica_size=None))


def _catalog_with_servers(tmp_path, extra_rows=(), drop_power=False):
    """A copy of data/catalog with rows added to onprem_servers.csv, or without its power_kw column."""
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "catalog", tmp_path, dirs_exist_ok=True)
    with open(tmp_path / "onprem_servers.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = [c for c in rows[0] if not (drop_power and c == "power_kw")]
    rows = [{c: r.get(c, "") for c in fields} for r in [*rows, *extra_rows]]
    with open(tmp_path / "onprem_servers.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(rows)
    return Catalog(tmp_path)


def _onprem_b200(catalog, on_prem=None, **serving):
    data = {**({"on_prem": on_prem} if on_prem else {}),"name": "one", "currency": "USD", "as_of": "2026-11-22",
            "traffic": {"requests_per_day": 8_640_000, "cache_hit_rate": 0.0, "hourly_profile": "flat"},
            "models": [{"name": "llm", "kind": "generative", "parameters": 8e9, "precision": "bf16",
                        "items_per_request": 1, "input_tokens_per_item": 100, "output_tokens": 10,
                        "serving": {"deployment": "on_prem", "accelerator": "B200", **serving}}],
            "storage": {"registry_tier": None, "registry_price_per_gb_month": 0}}
    from tco.context import Context

    sc = load_scenario(data, catalog)
    return sc, Context(sc, catalog)


def test_rated_power_of_a_named_server_that_is_not_the_latest(tmp_path):
    from tco.sizing import rated_power

    # an older B200 server row (2024) rated 10 kW for 8 accelerators, named by the scenario: 10 / 8 =
    # 1.25 kW each, not the 1.7875 kW of the latest B200 server (dgx-b200, 14.3 kW / 8)
    own = _catalog_with_servers(tmp_path, [{
        "server": "test-b200", "accelerator": "B200", "accelerators_per_server": "8", "price": "400000",
        "currency": "USD", "power_kw": "10", "source": "test row", "as_of": "2024-01-01"}])
    sc, ctx = _onprem_b200(own, server="test-b200")
    assert rated_power(sc.models[0].serving, ctx, "B200") == (1.25, 1.0, "server test-b200 rated 10 kW / 8 accelerators")
    sc, ctx = _onprem_b200(own)
    assert rated_power(sc.models[0].serving, ctx, "B200")[0] == pytest.approx(1.7875, rel=1e-12)


def test_rated_power_from_a_server_table_without_a_power_column(tmp_path):
    from tco.sizing import rated_power

    # onprem_servers.csv may leave out power_kw (not a required column): every server then states no
    # power, and the B200's TDP (1,000 W) x the server overhead (onprem.csv, 1.5) applies
    own = _catalog_with_servers(tmp_path, drop_power=True)
    sc, ctx = _onprem_b200(own, server="dgx-b200")
    assert rated_power(sc.models[0].serving, ctx, "B200") == (1.0, 1.5, "B200 TDP 1000 W x server overhead 1.5")


def test_recsys_roofline_reads_only_the_gathers_the_cache_misses():
    from test_kills_sizing import BW, _recsys

    # the recommender of tests/test_kills_sizing.py with 5,000 lookups an item, a quarter of them served
    # by the on-chip cache of hot rows: 300 x 5,000 x 256 x 2 B x (1 - 0.25) = 5.76e8 bytes, at mbu 1:
    # 171.94 us, still above the 121.33 us of compute: 3.35e12 / 5.76e8 = 5,815.97 requests/s
    sc, _, catalog = _one({**_recsys(5000, 0.5, 1.0), "embedding_cache_hit_rate": 0.25})
    h100 = catalog.row("accelerators", "H100-SXM")
    assert roofline_throughput(sc.models[0], h100, 0.5, 1.0) == pytest.approx(BW / 5.76e8, rel=1e-9)
    assert BW / 5.76e8 == pytest.approx(5815.97, abs=0.01)


# --- training through size_model -------------------------------------------------------------------
# A 1e9-parameter model (no embedding stated) trained on 1e9 tokens: full training 6 N D = 6e18 FLOP.
def _trained(accelerator="H100-SXM", **training):
    serving = {"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0}
    tr = {"deployment": "cloud", "tokens_per_run": 1e9, **training}
    if "instance" not in tr:
        tr.update(accelerator=accelerator, price_per_hour=3.0)
    return _size(_llm(parameters=1e9, embedding_parameters=0, serving=serving, training=tr), rate=1.0)


def test_training_run_on_a_catalog_instance_by_hand():
    # p5.48xlarge on demand (instances.csv): 55.04 USD/h for 8 H100, 6.88 USD per accelerator-hour.
    # bf16 peak 989 TFLOP/s at the training/Hopper mfu 0.30 (efficiency.csv): 6e18 / (989e12 x 0.30 x 3,600)
    # = 5.61735 accelerator-hours a run, x 6.88 = 38.6474 USD
    sz, ctx = _trained(instance="p5.48xlarge", method="full")
    hours = 6e18 / (989e12 * 0.30 * 3600)
    assert hours == pytest.approx(5.61735, abs=1e-5)
    assert sz.training_flops_per_run == pytest.approx(6e18, rel=1e-15)
    assert sz.training_accelerator_hours_per_run == pytest.approx(hours, rel=1e-12)
    assert sz.training_cost_per_run == pytest.approx(hours * 55.04 / 8, rel=1e-12)
    assert sz.training_cost_per_run == pytest.approx(38.6474, abs=1e-4)
    assert (sz.training_rate.accelerator, sz.training_rate.accelerators_per_instance) == ("H100-SXM", 8)
    assert sz.training_rate.price_per_instance_hour == 55.04
    assert not [e for e in ctx.uncalibrated if "training" in e[2]]


def test_lora_training_run_by_hand():
    # LoRA, c = 4: 4e18 / (989e12 x 0.30 x 3,600) = 3.74490 accelerator-hours, x 3 USD = 11.2347 USD
    sz, _ = _trained(method="lora")
    hours = 4e18 / (989e12 * 0.30 * 3600)
    assert sz.training_accelerator_hours_per_run == pytest.approx(hours, rel=1e-12)
    assert sz.training_cost_per_run == pytest.approx(3 * hours, rel=1e-12)
    assert 3 * hours == pytest.approx(11.2347, abs=1e-4)


def test_training_on_an_uncalibrated_family_uses_the_cross_family_row_and_notes_its_band():
    # MI300X (CDNA3, 1,307.4 bf16 TFLOP/s): no training row for CDNA3, so training/any: mfu 0.39, band
    # x0.6-x1.6. 6e18 / (1,307.4e12 x 0.39 x 3,600) = 3.26870 accelerator-hours
    sz, ctx = _trained("MI300X")
    assert sz.training_accelerator_hours_per_run == pytest.approx(6e18 / (1307.4e12 * 0.39 * 3600), rel=1e-12)
    assert sz.training_accelerator_hours_per_run == pytest.approx(3.26870, abs=1e-5)
    assert [e for e in ctx.uncalibrated if "training" in e[2]] == [("CDNA3", "MI300X", "bf16 training", "llm",
                                                                     (0.6, 1.6))]


def test_a_stated_training_mfu_needs_no_calibration():
    # the same MI300X run at a stated mfu_train 0.5: 6e18 / (1,307.4e12 x 0.5 x 3,600) = 2.54959 hours,
    # and nothing is noted as uncalibrated (the factor is the analyst's, not the catalog's)
    sz, ctx = _trained("MI300X", mfu_train=0.5)
    assert sz.training_accelerator_hours_per_run == pytest.approx(6e18 / (1307.4e12 * 0.5 * 3600), rel=1e-12)
    assert sz.training_accelerator_hours_per_run == pytest.approx(2.54959, abs=1e-5)
    assert not [e for e in ctx.uncalibrated if "training" in e[2]]


def test_fp8_training_without_a_stated_mfu_is_refused_with_the_whole_message():
    from tco.errors import ScenarioError

    with pytest.raises(ScenarioError) as info:
        _trained(precision="fp8")
    assert info.value.problems == [("models[0].training.mfu_train", (
        "no published measurement calibrates fp8 training (data/catalog/efficiency.csv has no 'training-fp8' "
        "row), so its utilisation of the fp8 peak cannot be defaulted; give training.mfu_train (measured, or an "
        "assumption you state), or train in bf16"))]
    # with mfu_train 0.25 it is costed on the H100's fp8 peak, 1,979 TFLOP/s: 6e18 / (1,979e12 x 0.25 x 3,600)
    # = 3.36870 hours
    sz, _ = _trained(precision="fp8", mfu_train=0.25)
    assert sz.training_accelerator_hours_per_run == pytest.approx(6e18 / (1979e12 * 0.25 * 3600), rel=1e-12)
    assert sz.training_accelerator_hours_per_run == pytest.approx(3.36870, abs=1e-5)


# --- draft_parameters ------------------------------------------------------------------------------
def test_a_mixture_of_experts_draft_counts_its_active_parameters():
    # models.csv qwen3-30b-a3b: 30.5e9 parameters, 3.3e9 active, 311,164,928 of them the token embedding:
    # a draft step reads and computes with 3.3e9 - 311,164,928 = 2,988,835,072 parameters
    sc, _, catalog = moe_with(speculative={"draft_model": "qwen3-30b-a3b", "draft_tokens": 3, "acceptance_rate": 0.8})
    assert draft_parameters(sc.models[0], catalog) == 2_988_835_072


def test_a_draft_without_a_stated_embedding_counts_all_its_parameters(tmp_path):
    # a catalog copy with 'test-draft-noemb': the llama-2-7b row with its embedding cell left empty (and
    # untied): nothing is known to be outside the FLOPs, so the draft is all 7e9 parameters
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "catalog", tmp_path, dirs_exist_ok=True)
    with open(tmp_path / "models.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows.append({**next(r for r in rows if r["model"] == "llama-2-7b"), "model": "test-draft-noemb",
                 "embedding_parameters": ""})
    with open(tmp_path / "models.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    own = Catalog(tmp_path)
    sc = load_scenario(moe.scenario(speculative={"draft_model": "test-draft-noemb", "draft_tokens": 3,
                                                 "acceptance_rate": 0.8}), own)
    assert draft_parameters(sc.models[0], own) == 7e9


# --- model_memory ----------------------------------------------------------------------------------
def test_model_memory_holds_the_stated_decode_batch_by_default():
    from tco.sizing import model_memory

    # the MoE golden: 30e9 parameters in bf16 = 60e9 B of weights, no embedding tables, 65,536 B/token; no
    # batch passed, so the stated decode batch of 32, each holding its prompt and half its output,
    # 500 + 100 / 2 = 550 tokens: 32 x 550 x 65,536 = 1,153,433,600 B of KV cache
    sc, _, _ = moe_with()
    assert model_memory(sc.models[0]) == (60e9, 0.0, 65536, 1_153_433_600)


# --- hardware_rate ---------------------------------------------------------------------------------
def _encoder(serving):
    return {"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "bf16", "items_per_request": 1,
            "input_tokens_per_item": 64, "serving": serving}


def test_a_stated_price_without_a_source_has_a_bare_basis():
    from tco.sizing import hardware_rate

    # cloud: 1.0 an hour for one L4, no price_source: the basis names no source (no "()")
    sc, ctx, _ = _one(_encoder({"deployment": "cloud", "accelerator": "L4", "price_per_hour": 1.0}))
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    assert (rate.price_per_instance_hour, rate.basis) == (1.0, "price_per_hour given in the scenario")
    # on premises: 1.0 per accelerator-hour x the 8 accelerators of the default server (none priced for
    # an L4 in onprem_servers.csv) = 8.0 a server-hour, the same bare basis
    sc, ctx, _ = _one(_encoder({"deployment": "on_prem", "accelerator": "L4", "price_per_hour": 1.0}))
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    assert (rate.price_per_instance_hour, rate.basis) == (8.0, "price_per_hour given in the scenario")


def test_a_catalog_instance_price_names_its_row_and_date():
    from tco.sizing import hardware_rate

    # instances.csv: g6.xlarge on demand 0.8048 USD/h, as_of 2026-09-24
    sc, ctx, _ = _one(_encoder({"deployment": "cloud", "instance": "g6.xlarge"}))
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    assert (rate.price_per_instance_hour, rate.basis) == (0.8048, "g6.xlarge on_demand, catalog 2026-09-24")
    assert rate.reason == ""      # priced: no reason to give


def test_an_unpriced_plan_lists_the_instance_plans():
    from tco.sizing import hardware_rate

    # instances.csv prices NC24ads_A100_v4 on demand and spot only: a 1-year reservation is unpriced
    sc, ctx, _ = _one(_encoder({"deployment": "cloud", "instance": "NC24ads_A100_v4", "pricing": "reserved_1y"}))
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    assert rate.reason == ("the catalog has no 'reserved_1y' price for NC24ads_A100_v4 (priced plans: on_demand, "
                           "spot); give serving.price_per_hour")
    assert ctx.warnings[-1].message == (
        "enc: serving on NC24ads_A100_v4 could not be priced: the catalog has no 'reserved_1y' price for "
        "NC24ads_A100_v4 (priced plans: on_demand, spot); give serving.price_per_hour. It is left out of the totals.")


def test_a_plan_row_without_a_price_is_not_listed_as_priced():
    from tco.sizing import hardware_rate

    # instances.csv has an on-demand row for ecs.gn8v-8x.48xlarge whose price is left empty (no followable
    # CNY list price): no plan of it is priced, so the reason lists none
    sc, ctx, _ = _one(_encoder({"deployment": "cloud", "instance": "ecs.gn8v-8x.48xlarge"}))
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    assert np.isnan(rate.price_per_instance_hour)
    assert rate.reason == ("the catalog has no 'on_demand' price for ecs.gn8v-8x.48xlarge (priced plans: none); "
                           "give serving.price_per_hour")


def test_on_premises_without_a_named_server_prices_the_latest_one_for_the_accelerator():
    from tco.sizing import hardware_rate

    # B200 on premises, no server named: the latest priced B200 server, dgx-b200 (515,000 USD for 8);
    # with no electricity, maintenance or hosting, over 5 years (43,800 h): 515,000 / 8 / 43,800 =
    # 1.469749 USD per accelerator-hour, 8 accelerators a server
    model = {"name": "llm", "kind": "generative", "parameters": 8e9, "precision": "bf16", "items_per_request": 1,
             "input_tokens_per_item": 100, "output_tokens": 10,
             "serving": {"deployment": "on_prem", "accelerator": "B200"}}
    sc, ctx, _ = _one(model, on_prem={"region": "us", "hosting_per_accelerator_month": 0, "maintenance_rate": 0,
                                      "electricity_price_per_kwh": 0, "useful_life_years": 5})
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "llm")
    assert rate.accelerators_per_instance == 8
    assert rate.price_per_accelerator_hour == pytest.approx(515_000 / 8 / (5 * 8760), rel=1e-9)
    assert rate.price_per_accelerator_hour == pytest.approx(1.469749, abs=1e-6)
    assert rate.basis.startswith("server dgx-b200 (")


def test_a_named_server_of_four_accelerators_sets_the_server_size(tmp_path):
    from tco.sizing import hardware_rate

    # a catalog server 'test-b200-4' holding 4 B200 for 200,000 USD, named, no accelerators_per_server in
    # the scenario: a server of 4, each accelerator carrying 200,000 / 4 = 50,000 USD; over 5 years
    # (43,800 h) with no electricity, maintenance or hosting: 50,000 / 43,800 = 1.141553 USD/h each,
    # 4.566210 USD a server-hour
    own = _catalog_with_servers(tmp_path, [{
        "server": "test-b200-4", "accelerator": "B200", "accelerators_per_server": "4", "price": "200000",
        "currency": "USD", "power_kw": "", "source": "test row", "as_of": "2024-01-01"}])
    sc, ctx = _onprem_b200(own, server="test-b200-4",
                           on_prem={"region": "us", "hosting_per_accelerator_month": 0, "maintenance_rate": 0,
                                    "electricity_price_per_kwh": 0, "useful_life_years": 5})
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "llm")
    assert rate.accelerators_per_instance == 4
    assert rate.price_per_instance_hour == pytest.approx(4 * 50_000 / (5 * 8760), rel=1e-9)
    assert rate.price_per_instance_hour == pytest.approx(4.566210, abs=1e-6)


def test_an_accelerator_without_a_priced_server_is_unpriced_against_its_model():
    from tco.sizing import hardware_rate

    # onprem_servers.csv has no L4 server: with no server_price the servers cannot be priced; the
    # warning names the model, what is unpriced and what to give
    sc, ctx, _ = _one(_encoder({"deployment": "on_prem", "accelerator": "L4"}),
                      on_prem={"region": "us", "hosting_per_accelerator_month": 0})
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    assert np.isnan(rate.price_per_instance_hour)
    [w] = [w for w in ctx.warnings if "servers with L4" in w.message]
    assert w.model == "enc"
    assert w.message == ("enc: serving servers with L4 could not be priced: no priced server with L4 in "
                         "onprem_servers.csv; give serving.server_price. It is left out of the totals.")


def test_a_named_server_without_a_price_is_unpriced_and_says_so(tmp_path):
    from tco.sizing import hardware_rate

    # a catalog server row 'test-b200-unpriced' (8 B200, price left empty), named with no server_price:
    # the servers cannot be priced, and the warning says which and what to give
    own = _catalog_with_servers(tmp_path, [{
        "server": "test-b200-unpriced", "accelerator": "B200", "accelerators_per_server": "8", "price": "",
        "currency": "USD", "power_kw": "", "source": "test row", "as_of": "2024-01-01"}])
    sc, ctx = _onprem_b200(own, server="test-b200-unpriced", on_prem={"region": "us", "hosting_per_accelerator_month": 0})
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "llm")
    assert np.isnan(rate.price_per_instance_hour)
    assert rate.reason == "server test-b200-unpriced has no price in onprem_servers.csv; give serving.server_price"


def test_unset_hosting_is_warned_and_left_at_zero():
    from tco.sizing import hardware_rate

    # B200 on premises (dgx-b200, 515,000 USD for 8) with no hosting price: hosting counts 0, so with no
    # electricity or maintenance the hour is depreciation only, 515,000 / 8 / 43,800 h = 1.469749 USD, and
    # the scenario is warned that hosting is unpriced
    model = {"name": "llm", "kind": "generative", "parameters": 8e9, "precision": "bf16", "items_per_request": 1,
             "input_tokens_per_item": 100, "output_tokens": 10,
             "serving": {"deployment": "on_prem", "accelerator": "B200"}}
    sc, ctx, _ = _one(model, on_prem={"region": "us", "maintenance_rate": 0, "electricity_price_per_kwh": 0,
                                      "useful_life_years": 5})
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "llm")
    assert rate.price_per_accelerator_hour == pytest.approx(515_000 / 8 / (5 * 8760), rel=1e-9)
    [w] = [w for w in ctx.warnings if "hosting" in w.message]
    assert (w.code, w.message) == ("unpriced", (
        "on-premises hosting (space, racks, network) is not priced: set on_prem.hosting_per_accelerator_month. "
        "Totals include depreciation, energy and support only."))


@pytest.mark.parametrize("name, kind, tokens_in, tokens_out, tables_gb", [
    # 20 items x 50 tokens = 1,000 prompt tokens and 20 output tokens (the scenario's reranker)
    ("llm-rerank-onprem", "generative", 1000.0, 20.0, 0.0),
    # 300 items x 32 tokens = 9,600 input tokens, no output; tables 2.0e9 rows x 64 x 2 bytes = 256 GB
    ("recsys-ranking-h100", "recsys", 9600.0, 0.0, 256.0),
])
def test_sizing_records_the_request_and_the_server(name, kind, tokens_in, tokens_out, tables_gb):
    import numpy as np

    from tco import load_catalog, load_scenario
    from tco.context import Context
    from tco.sizing import size_model

    from conftest import scenario_path

    catalog = load_catalog()
    sc = load_scenario(scenario_path(name), catalog)
    sz = size_model(sc.models[0], 0, 1.0, np.full(24, 100.0), Context(sc, catalog))
    assert (sz.kind, sz.input_tokens_per_request, sz.output_tokens) == (kind, tokens_in, tokens_out)
    assert sz.embedding_tables_gb == pytest.approx(tables_gb, rel=1e-12)
    # on premises, 8-GPU servers (h100-hgx-hyperscaler-2025 holds 8 H100s): the fleet's unit is named so
    assert sz.instance == "server of 8"


# --- what is named when a rate is unpriced, the basis of a scenario's server price, the artifact ------
def _encoder_on_l4(**serving):
    """An encoder with a stated throughput on premises on L4 (onprem_servers.csv has no L4 server)."""
    return _encoder({"deployment": "on_prem", "accelerator": "L4", **serving})


def test_an_unpriced_serving_server_names_the_serving_fleet_and_the_field_to_give():
    # onprem_servers.csv has no L4 server, and the scenario gives no server_price
    _, ctx = _size(_encoder_on_l4(accelerators_per_server=4), on_prem={"region": "us", "hosting_per_accelerator_month": 0})
    [w] = [w for w in ctx.warnings if "servers with L4" in w.message]
    assert w.model == "enc"
    assert w.message == ("enc: serving servers with L4 could not be priced: no priced server with L4 in "
                         "onprem_servers.csv; give serving.server_price. It is left out of the totals.")


def test_an_unpriced_training_server_names_the_training_fleet_and_the_field_to_give():
    model = _encoder_on_l4(server_price=40000, accelerators_per_server=4)
    model["training"] = {"deployment": "on_prem", "accelerator": "L4", "accelerators_per_server": 4,
                         "tokens_per_run": 1e9, "runs_per_month": 1, "method": "full", "mfu_train": 0.3}
    sz, ctx = _size(model, on_prem={"region": "us", "hosting_per_accelerator_month": 0})
    [w] = [w for w in ctx.warnings if "servers with L4" in w.message]
    assert w.message == ("enc: training servers with L4 could not be priced: no priced server with L4 in "
                         "onprem_servers.csv; give training.server_price. It is left out of the totals.")
    assert sz.training_rate.basis == "unpriced"
    assert np.isnan(sz.training_cost_per_run)


def test_a_server_price_from_the_scenario_is_the_basis_of_the_rate():
    sz, _ = _size(_encoder_on_l4(server_price=40000, accelerators_per_server=4),
                  on_prem={"region": "us", "hosting_per_accelerator_month": 0})
    assert sz.rate.basis == "server_price given in the scenario"


def test_a_stated_artifact_size_is_kept_and_otherwise_it_is_the_weights_and_tables():
    # 3.35e8 fp16 parameters: 6.7e8 bytes = 0.67 GB, no embedding tables
    kw = {"server_price": 40000, "accelerators_per_server": 4}
    site = {"on_prem": {"region": "us", "hosting_per_accelerator_month": 0}}
    assert _size(_encoder_on_l4(**kw), **site)[0].artifact_gb == pytest.approx(0.67, rel=1e-12)
    assert _size({**_encoder_on_l4(**kw), "artifact_gb": 2.5}, **site)[0].artifact_gb == 2.5


def test_the_efficiency_row_is_the_accelerators_own_family():
    # an encoder on an H100 (Hopper) without a measured throughput: efficiency.csv has encoder/Hopper,
    # so the estimate is calibrated: no cross-family note and nothing noted as uncalibrated
    model = {"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "fp16", "items_per_request": 1,
             "input_tokens_per_item": 64, "serving": {"deployment": "cloud", "accelerator": "H100-SXM",
                                                      "price_per_hour": 3.0}}
    sz, ctx = _size(model)
    assert "cross-family" not in sz.throughput_basis
    assert ctx.uncalibrated == []
    # on an L4 (Ada, no encoder row) the cross-family row is used and said to be
    sz, ctx = _size({**model, "serving": {**model["serving"], "accelerator": "L4"}})
    assert "no encoder measurement on Ada hardware calibrates it" in sz.throughput_basis


def test_a_generative_model_with_no_output_is_sized_by_its_prefill_and_one_token_is_decoded():
    # output_tokens 0: no decoding, so no operating point; the prefill roofline on an H100
    # (989 TFLOP/s bf16 x mfu 0.60, generative/Hopper): 2 x 6e9 FLOP-parameters x 100 tokens = 1.2e12 FLOPs
    # in 1.2e12 / 5.934e14 = 2.0222 ms, 494.5 requests/s
    sz, _ = _size(_llm(output_tokens=0))
    assert sz.operating_point is None
    assert sz.throughput_rps_per_accelerator == pytest.approx(989e12 * 0.60 / 1.2e12, rel=1e-12)
    # one output token is decoded: an operating point with a batch
    sz, _ = _size(_llm(output_tokens=1))
    assert sz.operating_point is not None and sz.decode_batch >= 1


def test_an_encoder_with_output_tokens_is_not_decoded():
    # output_tokens on an encoder (allowed, e.g. for a hosted-API alternative) does not make it generative
    model = {"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "fp16", "items_per_request": 1,
             "input_tokens_per_item": 64, "output_tokens": 5,
             "serving": {"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0}}
    sz, _ = _size(model)
    assert sz.operating_point is None
    assert np.isnan(sz.decode_batch)      # no decode batch: nothing is decoded


def test_fp8_training_of_a_hosted_model_is_refused_at_its_own_index():
    from tco.errors import ScenarioError

    # a model served by a hosted API (gpt-4o-mini) but fine-tuned in fp8 on a cloud H100 with no mfu_train:
    # the refusal names the training field of that model, models[0]
    model = _llm(serving={"deployment": "api", "api_model": "gpt-4o-mini"},
                 training={"deployment": "cloud", "accelerator": "H100-SXM", "price_per_hour": 3.0,
                           "tokens_per_run": 1e9, "precision": "fp8"})
    with pytest.raises(ScenarioError) as info:
        _size(model, rate=1.0)
    assert [field for field, _ in info.value.problems] == ["models[0].training.mfu_train"]


def test_an_unpriced_training_line_shows_no_nan_price():
    """The training line of an unpriced server: its cost is NaN (warned above), and its detail says
    "unpriced" instead of writing "nan USD/accelerator-hour"."""
    from tco.dimensions import compute

    model = _encoder_on_l4(server_price=40000, accelerators_per_server=4)
    model["training"] = {"deployment": "on_prem", "accelerator": "L4", "accelerators_per_server": 4,
                         "tokens_per_run": 1e9, "runs_per_month": 2, "method": "full", "mfu_train": 0.3}
    sz, ctx = _size(model, on_prem={"region": "us", "hosting_per_accelerator_month": 0})
    [line] = [i for i in compute.items(ctx, [sz]) if i.item == "training and refresh"]
    assert np.isnan(line.cost_per_day)
    assert "nan" not in line.note
    assert line.note.endswith(" L4-hours per run, 2 runs/month; unpriced")
