"""The parts of ``tco.sizing`` called directly against hand values: ``hardware_rate`` (the price of an
instance-hour or a server-hour), ``model_memory`` (weights, embedding tables, KV cache) and
``size_model`` with a roofline throughput (no measured figure), two regions and N+1 redundancy.

Catalog figures used (data/catalog), read from the CSV files where the test is about arithmetic:
- instances.csv, g6.xlarge on_demand: 1 x L4, price read from the row (0.8048 USD/h at the time of writing);
- fx.csv, CNY per USD;
- accelerators.csv, L4: 72 W TDP, 121 bf16 TFLOP/s (dense), 24 GB.
Everything else is stated in the scenarios below.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from tco import load_scenario
from tco.catalog import load_catalog
from tco.context import Context
from tco.sizing import hardware_rate, kv_bytes_per_token, model_memory, size_model

CATALOG = load_catalog()
CSV = Path(__file__).resolve().parents[1] / "data" / "catalog"


def csv_row(table, **match):
    with open(CSV / f"{table}.csv", newline="", encoding="utf-8") as f:
        return next(r for r in csv.DictReader(f) if all(r[k] == v for k, v in match.items()))


def loaded(model: dict, currency="USD", **extra):
    spec = {"name": "parts", "currency": currency, "as_of": "2026-11-22",
            "traffic": {"requests_per_day": 1e6, "hourly_profile": "flat"}, "models": [model], **extra}
    sc = load_scenario(spec, CATALOG)
    return sc, Context(sc, CATALOG)


ENCODER = {"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "bf16", "items_per_request": 20,
           "input_tokens_per_item": 64, "serving": {"deployment": "cloud", "instance": "g6.xlarge"}}


# --- hardware_rate ----------------------------------------------------------------------------------
def test_cloud_rate_is_the_catalog_instance_price():
    row = csv_row("instances", instance="g6.xlarge", plan="on_demand")
    fx = float(csv_row("fx", currency="CNY")["per_usd"])
    assert (row["accelerator"], row["accelerators_per_instance"], row["currency"]) == ("L4", "1", "USD")
    sc, ctx = loaded(ENCODER)
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    assert rate.price_per_instance_hour == pytest.approx(float(row["price_per_hour"]), rel=1e-12)   # 0.8048 USD/h
    assert (rate.accelerators_per_instance, rate.accelerator) == (1, "L4")
    sc, ctx = loaded(ENCODER, currency="CNY")
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    # 0.8048 x 6.7758 = 5.4532 CNY per instance-hour
    assert rate.price_per_instance_hour == pytest.approx(float(row["price_per_hour"]) * fx, rel=1e-12)


def test_cloud_rate_of_a_multi_gpu_instance_per_accelerator():
    model = {**ENCODER, "serving": {"deployment": "cloud", "instance": "p5.48xlarge", "price_per_hour": 40.0}}
    sc, ctx = loaded(model)
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    # a stated 40 USD per instance-hour of 8 H100: 5 USD per accelerator-hour
    assert (rate.price_per_instance_hour, rate.accelerators_per_instance) == (40.0, 8)
    assert rate.price_per_accelerator_hour == 5.0


# On premises, everything stated: a 40,000 USD server of 4 L4, 4 years straight line, 10% maintenance a
# year, 30.5 USD hosting per accelerator-month, PUE 1.3, 0.10 USD/kWh, server overhead 1.5, load factor 0.5.
SERVER, PER, LIFE, MAINT, HOSTING = 40_000.0, 4, 4.0, 0.10, 30.5
PUE, KWH, OVERHEAD, LOAD = 1.3, 0.10, 1.5, 0.5
TDP_KW = float(csv_row("accelerators", accelerator="L4")["tdp_w"]) / 1000      # 0.072 kW
CAPEX = SERVER / PER                                      # 10,000 USD per accelerator
DEPRECIATION = CAPEX / (LIFE * 8760)                      # 10,000 / 35,040 = 0.285388 USD/h
ENERGY = TDP_KW * OVERHEAD * LOAD * PUE * KWH             # 0.072 x 1.5 x 0.5 x 1.3 x 0.10 = 0.00702 USD/h
MAINTENANCE = MAINT * CAPEX / 8760                        # 1,000 / 8,760 = 0.114155 USD/h
HOSTING_H = HOSTING / (365 / 12 * 24)                     # 30.5 / 730 = 0.041781 USD/h
SERVER_HOUR = PER * (DEPRECIATION + ENERGY + MAINTENANCE + HOSTING_H)   # 4 x 0.448344 = 1.793376 USD/h


def test_on_premises_server_hour_by_hand():
    model = {**ENCODER, "serving": {"deployment": "on_prem", "accelerator": "L4", "server_price": SERVER,
                                    "accelerators_per_server": PER}}
    sc, ctx = loaded(model, on_prem={"useful_life_years": LIFE, "maintenance_rate": MAINT,
                                     "hosting_per_accelerator_month": HOSTING, "pue": PUE,
                                     "electricity_price_per_kwh": KWH, "server_power_overhead": OVERHEAD,
                                     "load_factor": LOAD})
    rate = hardware_rate(sc.models[0].serving, ctx, "serving", "enc")
    assert TDP_KW == 0.072
    assert SERVER_HOUR == pytest.approx(1.793376, abs=1e-6)
    assert rate.accelerators_per_instance == PER
    # mutations caught: maintenance per hour of life instead of per year (x 4), hosting per day (x 30.4)
    assert rate.price_per_instance_hour == pytest.approx(SERVER_HOUR, rel=1e-12)
    # the stated load factor replaces the utilisation model: the same price at any utilisation
    assert rate.price_at(0.9) == pytest.approx(SERVER_HOUR, rel=1e-12)


# --- model_memory -----------------------------------------------------------------------------------
def test_memory_of_an_encoder_with_embedding_tables():
    model = {"name": "rec", "kind": "recsys", "parameters": 1e8, "precision": "bf16", "embedding_rows": 1e8,
             "embedding_dim": 64, "embedding_precision": "fp16", "embedding_lookups_per_item": 10,
             "serving": {"deployment": "cloud", "instance": "g6.xlarge"}}
    sc, _ = loaded(model)
    weights, tables, kv_token, kv = model_memory(sc.models[0])
    assert weights == 1e8 * 2                 # 0.2 GB of bf16 weights
    assert tables == 1e8 * 64 * 2             # 100 M rows x 64 values x 2 bytes = 12.8 GB
    assert (kv_token, kv) == (0.0, 0.0)       # no KV cache outside generative models


GQA = {"name": "llm", "kind": "generative", "parameters": 8e9, "precision": "w4a16", "layers": 32,
       "kv_heads": 8, "head_dim": 128, "attention_heads": 32, "items_per_request": 2, "input_tokens_per_item": 100,
       "output_tokens": 50, "beam_width": 2, "serving": {"deployment": "cloud", "instance": "g6.xlarge"}}


def test_memory_of_a_generative_model_with_beams():
    sc, _ = loaded(GQA)
    weights, tables, kv_token, kv = model_memory(sc.models[0], batch=10)
    assert weights == 8e9 * 0.5               # w4a16: int4 weights, 4 GB
    assert tables == 0.0
    # K and V x 32 layers x 8 KV heads x 128 dims x 2 bytes (the cache is bf16 in w4a16) = 131,072 bytes
    assert kv_token == 2 * 32 * 8 * 128 * 2 == 131_072
    # each request holds its prompt once (2 x 100) and half its output per beam (2 x 50 / 2): 250 tokens;
    # 10 requests: 10 x 250 x 131,072 = 327,680,000 bytes
    assert kv == 10 * (2 * 100 + 2 * 50 / 2) * 131_072 == 327_680_000
    # no batch given and no decode_batch: no KV cache counted
    assert model_memory(sc.models[0])[3] == 0.0


def test_kv_bytes_of_latent_attention():
    # multi-head latent attention caches the compressed latent and the rope key per layer:
    # 61 layers x (512 + 64) x 2 bytes = 70,272 bytes per token (bf16)
    model = {**GQA, "precision": "bf16", "layers": 61, "kv_lora_rank": 512, "qk_rope_head_dim": 64}
    sc, _ = loaded(model)
    assert kv_bytes_per_token(sc.models[0]) == 61 * (512 + 64) * 2 == 70_272


# --- size_model with a roofline throughput ----------------------------------------------------------
def test_size_model_roofline_two_regions_and_a_spare():
    peak = float(csv_row("accelerators", accelerator="L4")["bf16_tflops"]) * 1e12
    assert peak == 121e12
    model = {**ENCODER, "mfu": 0.5,
             "serving": {"deployment": "cloud", "instance": "g6.xlarge", "price_per_hour": 0.8,
                         "utilization_target": 0.7, "regions": 2, "redundancy": 1}}
    sc, ctx = loaded(model)
    sz = size_model(sc.models[0], 0, 0.5, np.full(24, 100.0), ctx)
    # FLOPs per request: 2 x 3.35e8 x 20 items x 64 tokens = 8.576e11
    # throughput: 121e12 x 0.5 / 8.576e11 = 70.546 requests/s per L4 (compute-bound, no embedding bytes)
    mu = peak * 0.5 / (2 * 3.35e8 * 20 * 64)
    assert sz.throughput_rps_per_accelerator == pytest.approx(mu, rel=1e-12)
    assert mu == pytest.approx(70.546, abs=1e-3)
    assert sz.replica_size == 1                             # 0.67 GB in 24 x 0.9 GB
    # half of 100 requests/s reach the model, 25 in each region:
    # ceil(25 / (70.546 x 0.7 = 49.38)) = 1 replica per region for load, + 1 spare each -> 2 per region
    assert sz.replicas_load == 2 * math.ceil(25 / (mu * 0.7)) == 2
    assert sz.replicas == 2 * (1 + 1) == 4
    assert sz.instances == 4 and sz.instance_hours_per_day == 96
    assert sz.serving_cost_per_day == pytest.approx(96 * 0.8, rel=1e-12)        # 76.80 USD/day
    # mean utilisation of what is paid: 50 / (4 x 70.546) = 17.7%
    assert sz.utilisation_mean == pytest.approx(50 / (4 * mu), rel=1e-12)
    # one region alone would need ceil(50 / 49.38 = 1.0125) = 2 + 1 = 3 replicas
    sc1, ctx1 = loaded({**model, "serving": {**model["serving"], "regions": 1}})
    assert size_model(sc1.models[0], 0, 0.5, np.full(24, 100.0), ctx1).replicas == 3
