"""Golden values for every line item of llm-rerank-onprem (catalog prices, on premises, CNY).

Catalog figures used (data/catalog): CNY 6.7758 per USD (fx.csv, FRED EXCHUS June 2026); an 8 x H100-SXM server at
189,637 USD (onprem_servers.csv h100-hgx-hyperscaler-2025, SemiAnalysis Oct 2025); H100-SXM 1,979 fp8 TFLOP/s, 989 bf16, 3,350 GB/s, 700 W, 80 GB
(accelerators.csv); useful life 5 years, support 0.2/year, server power 1.5 x TDP, idle power 0.2 of
rated (serving: draw at the fleet's utilisation), load factor 0.6 (training runs), PUE 1.56, China electricity 0.651886 CNY/kWh (onprem.csv: State Grid Hubei,
two-part 1-10 kV, January 2026); generative mfu 0.60 / mbu 0.60 on Hopper and
training mfu 0.30 on Hopper (efficiency.csv, derived in notebooks/40-validation.ipynb from MLPerf v4.0 on
H100 and the Llama 3 70B GPU-hours on H100); OSS 0.12 / 0.033 CNY/GB-month and off-peak egress 0.25 CNY/GB
(storage.csv); text labelling 0.06 USD (labelling.csv); loaded China AI engineer 431,504 CNY/year and day rate 1,726 (staff_rates.csv
cn-ai-engineer-median-loaded: 312,684 x 1.38; 431,504 / 250 days).
"""

import math

import pytest

from conftest import scenario_path
from tco import evaluate

FX = 6.7758
MONTH = 365 / 12

# --- price of one H100-hour on premises ------------------------------------------------------
CAPEX = 189_637 / 8 * FX                          # 23,704.625 x 6.7758 = 160,617.80 CNY per GPU
DEPRECIATION = CAPEX / (5 * 8760)                 # 160,617.80 / 43,800 = 3.6671 CNY/h
ENERGY = 0.700 * 1.5 * 1.56 * 0.651886 * 0.6      # 1.638 x 0.651886 x 0.6 = 0.6407 CNY/h
SUPPORT = 0.2 * CAPEX / 8760                      # 0.2 x 160,617.80 / 8,760 = 3.6671 CNY/h
HOSTING = 1500 / (MONTH * 24)                     # 2.0548 CNY/h
GPU_HOUR = DEPRECIATION + ENERGY + SUPPORT + HOSTING   # 3.6671 + 0.6407 + 3.6671 + 2.0548 = 10.0296 CNY/h
# (with China electricity at 0.088 USD/kWh x 6.7758 = 0.5962704 CNY/kWh, the 2024 row: energy 0.5860, 9.9750 CNY/h)
# (with the 2023 dgx-h100 row, 270,000 USD, depreciation and support were 5.2211 each: 13.0830 CNY/h)

# --- throughput of one H100 (roofline) ----------------------------------------------------------
N = 8.03e9 - 5.25e8                               # non-embedding parameters
T_PREFILL = 2 * N * 20 * 50 / (1979e12 * 0.6)     # 1,000 prompt tokens: 0.012641 s
KV_SEQ = 65_536 * (1000 + 20 / 2)                 # mean context during decode, fp8
# a step reads the weights outside the input embedding (whose rows are only gathered) and the KV cache
T_STEP = max(2 * N * 8 / (1979e12 * 0.6), (N + 8 * KV_SEQ) / (3350e9 * 0.6))  # memory bound: 3.9973 ms
T_DECODE = 20 * T_STEP / 8                         # 0.0099932 s per request
MU = 1 / (T_PREFILL + T_DECODE)                    # 44.18 requests/s per GPU

# --- fleet ---------------------------------------------------------------------------------------
PEAK = 4e7 * (1 - 0.3) / 86_400 * 1.80 / (21.0 / 24)   # ecommerce profile max 1.80, mean 21/24: 666.67/s
R_LOAD = math.ceil(PEAK / (MU * 0.7))                  # 22 (21.55)
REPLICAS = R_LOAD + 1                                  # N+1 = 23 (the SLO needs fewer)
SERVERS = math.ceil(REPLICAS / 8)                      # 3 servers of 8

# --- serving: the electricity at the fleet's mean utilisation (tco.energy.accelerator_power_kw) ----
UTILISATION = 4e7 * (1 - 0.3) / (SERVERS * 8 * 24 * 3600 * MU)     # 0.3056 of the GPU-hours paid for
DRAW_KW = 0.700 * 1.5 * (0.2 + (1 - 0.2) * UTILISATION)             # 0.4667 kW per GPU with its server share
SERVING_ENERGY = DRAW_KW * 1.56 * 0.651886                          # 0.4667 x 1.56 x 0.651886 = 0.4746 CNY/h
SERVING_GPU_HOUR = DEPRECIATION + SERVING_ENERGY + SUPPORT + HOSTING  # 3.6671 + 0.4746 + 3.6671 + 2.0548 = 9.8636 CNY/h


def test_fleet_sizing():
    m = evaluate(scenario_path("llm-rerank-onprem")).models.iloc[0]
    assert m.throughput_rps_per_accelerator == pytest.approx(MU, rel=1e-9)
    assert m.peak_rps == pytest.approx(PEAK, rel=1e-9)
    assert (R_LOAD, REPLICAS, SERVERS) == (22, 23, 3)
    assert (m.replicas_load, m.replicas, m.instances) == (R_LOAD, REPLICAS, SERVERS)
    assert m.replicas_slo <= R_LOAD
    assert m.service_time_ms == pytest.approx(8 / MU * 1000, rel=1e-9)  # 8 in flight, Little's law: 181.1 ms
    assert m.utilisation_mean == pytest.approx(UTILISATION, rel=1e-9)
    assert m.price_per_instance_hour == pytest.approx(8 * SERVING_GPU_HOUR, rel=1e-9)


def test_every_line_item():
    report = evaluate(scenario_path("llm-rerank-onprem"))
    lora_hours = 4 * N * 4.1e8 / (989e12 * 0.30 * 3600)            # 11.52 GPU-hours per run
    ops_fte = SERVERS / 20 * (1 - 0.3)                                # 0.105
    expected = [
        ("data", "acquisition: search and click logs (first-party)", 80 * 0.1 / 0.8),         # 10
        ("data", "processing: listwise training-sample generation", 80 * 0.5),                # 40
        ("data", "labelling", 1000 * 0.06 * FX * (1 + 0.1)),                                   # 60 x 6.7758 x 1.1 = 447.20
        ("data", "retention: raw logs, hot", 80 * 90 * 1 * 0.12 / MONTH),                      # 28.41
        ("data", "retention: raw logs, cold archive", 80 * 365 * 1 * 0.033 / MONTH),          # 31.68
        ("storage", "model registry", 8.03 * 6 * (1 + 1) * 1 * 0.12 / MONTH),                 # 0.380
        ("storage", "on-premises media", math.ceil(SERVERS * 8.03 / 3840) * 3000 / (5 * 365)),  # 1.644
        ("storage", "distribution transfer", 8.03 * 1 * SERVERS * 0.25 / MONTH),              # 0.198
        ("compute", "inference serving", SERVERS * 8 * 24 * SERVING_GPU_HOUR),                 # 576 x 9.8636 = 5,681.42
        ("compute", "training and refresh", lora_hours * GPU_HOUR * 1 / MONTH),                # 11.52 x 10.0296 / 30.4167 = 3.800
        ("staff", "role: LLM re-ranking engineer", 1.0 * 431_504 / 365),                       # 1,182.20
        ("staff", "role: search engineer integrating the re-ranker (timeouts, fallbacks, A/B tests)",
         0.5 * 431_504 / 365),                                                                 # 591.10
        ("staff", "model upkeep", 4 * 1726 * (1 - 0.3) / MONTH),                               # 4,832.8 / 30.4167 = 158.89
        ("staff", "operations", ops_fte * 431_504 / 365),                                      # 0.105 x 1,182.20 = 124.13
        ("staff", "training", (1.0 + 0.5 + ops_fte) * 5 * 1726 / 365),                        # 1.605 x 8,630 / 365 = 37.95
    ]
    items = report.items
    assert len(items) == len(expected)
    for (dimension, item, value), row in zip(expected, items.itertuples()):
        assert (row.dimension, row.item) == (dimension, item)
        assert row.cost_per_day == pytest.approx(value, rel=1e-6), item
    assert report.totals["per_day"] == pytest.approx(sum(v for _, _, v in expected), rel=1e-9)
    # 10 + 40 + 447.2028 + 28.4055 + 31.68 + 0.3802 + 1.6438 + 0.198 + 5,681.4216 + 3.7997
    # + 1,182.2027 + 591.1014 + 158.8866 + 124.1313 + 37.9484 = 8,339.00 CNY/day
    # (8,315.66 with the 2024 China electricity row, 0.088 USD/kWh: serving 5,658.0972, training 3.7790;
    # 10,107.05 with the 2023 dgx-h100 server at 270,000 USD as well: serving 7,448.3118, training 4.9564)
    assert report.totals["per_day"] == pytest.approx(8_339.00, abs=0.01)
    assert report.totals["per_1k_requests"] == pytest.approx(8_339.00 / 40_000, abs=1e-5)
    # prices older than 18 months are flagged; the server price (Oct 2025) is not one of them
    assert not any("onprem_servers" in w for w in report.warnings)
    # nor the China electricity price (State Grid Hubei, 2026-01-08), the off-peak egress (2026-10-08) or OSS Archive
    # (two secondary notes of 2026-05-23 and 2026-06-17): the scenario has no stale price left
    assert not any("electricity_price" in w or "offpeak" in w or "oss-archive" in w for w in report.warnings)
    assert not [w for w in report.warnings if "more than 18 months" in w]
    assert not any("'pue" in w for w in report.warnings)  # settings are not prices
