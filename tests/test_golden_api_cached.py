"""Golden values for a hosted-API deployment with cached input, by tier, and the break-even of
``api_comparison`` against a self-hosted fleet, by hand.

Catalog figures used (data/catalog), read from the CSV files in the test (another change may update a
price; the golden is about the arithmetic, so it reads the row and derives from it):
- api_prices.csv, gpt-4o-mini (USD per million tokens; at the time of writing, as_of 2026-11-20):
  standard input 0.15, cached input 0.075, output 0.6; batch input 0.075, output 0.3, no batch cached
  price (cached batch tokens bill at the batch input price); priority input 0.25, cached 0.125,
  output 1.0. No cache-write price, no long-context threshold.
- fx.csv, CNY per USD (6.7758 at the time of writing, FRED EXCHUS June 2026).

The scenario: 1,000,000 requests/day, flat, 20% answered by the result cache, so Q = 800,000
requests/day reach the model; 1,000 input and 200 output tokens per request; 60% of the input tokens
read from the provider's prompt cache.

Formula (lib/tco/pricing.py, api_tiered_cost_per_day), with c the cached share and b the batch share:
    cost = Q / 1e6 x [(1 - b) (t_in ((1 - c) p_in + c p_cached) + t_out p_out) + b (same at batch prices)]
"""

import csv
import math
from pathlib import Path

import pytest

from tco import evaluate

CATALOG = Path(__file__).resolve().parents[1] / "data" / "catalog"


def catalog_row(table, key_column, key):
    with open(CATALOG / f"{table}.csv", newline="", encoding="utf-8") as f:
        return next(r for r in csv.DictReader(f) if r[key_column] == key)


API = catalog_row("api_prices", "model", "gpt-4o-mini")
P_IN = float(API["input_per_mtok"])                     # 0.15 USD/Mtoken
P_CACHED = float(API["cached_input_per_mtok"])          # 0.075
P_OUT = float(API["output_per_mtok"])                   # 0.6
B_IN = float(API["batch_input_per_mtok"])               # 0.075
B_CACHED = float(API["batch_cached_input_per_mtok"] or API["batch_input_per_mtok"])   # none listed: 0.075
B_OUT = float(API["batch_output_per_mtok"])             # 0.3
PR_IN = float(API["priority_input_per_mtok"])           # 0.25
PR_CACHED = float(API["priority_cached_input_per_mtok"])  # 0.125
PR_OUT = float(API["priority_output_per_mtok"])         # 1.0
FX = float(catalog_row("fx", "currency", "CNY")["per_usd"])   # 6.7758 CNY per USD

# --- derivation ----------------------------------------------------------------------------------
REQUESTS = 1_000_000
HIT = 0.2
Q = REQUESTS * (1 - HIT)                 # 800,000 requests/day reach the API
T_IN, T_OUT = 1000, 200
C = 0.6                                  # cached share of the input tokens
MTOK_IN = Q * T_IN / 1e6                 # 800 million input tokens/day
MTOK_OUT = Q * T_OUT / 1e6               # 160 million output tokens/day


def bill(p_in, p_cached, p_out, cached=C):
    """Daily bill of one tier [USD/day]: 800 x ((1 - c) p_in + c p_cached) + 160 x p_out."""
    return MTOK_IN * ((1 - cached) * p_in + cached * p_cached) + MTOK_OUT * p_out


STANDARD = bill(P_IN, P_CACHED, P_OUT)     # 800 x (0.4 x 0.15 + 0.6 x 0.075) + 160 x 0.6 = 84 + 96 = 180
BATCH = bill(B_IN, B_CACHED, B_OUT)        # 800 x 0.075 + 160 x 0.3 = 60 + 48 = 108
PRIORITY = bill(PR_IN, PR_CACHED, PR_OUT)   # 800 x (0.4 x 0.25 + 0.6 x 0.125) + 160 x 1 = 140 + 160 = 300
UNCACHED = bill(P_IN, P_CACHED, P_OUT, cached=0.0)   # 800 x 0.15 + 96 = 216
HALF_BATCH = 0.5 * STANDARD + 0.5 * BATCH  # 90 + 54 = 144

# the self-hosted alternative: one L4 per replica at a stated 2 USD/hour, a stated 50 requests/s per
# accelerator, utilisation target 0.7, one replica minimum, no redundancy, provisioned all day
PRICE, MU, RHO = 2.0, 50.0, 0.7
LAM = Q / 86_400                                   # 9.259 requests/s
SELF_REPLICAS = max(math.ceil(LAM / (MU * RHO)), 1)   # ceil(9.259 / 35 = 0.265) = 1
SELF = SELF_REPLICAS * 24 * PRICE                  # 48 USD/day
# Break-even: the API bill is linear in the traffic, STANDARD / 1e6 per request of the scenario (the 20%
# cache and the 60% prompt cache are in it); one replica serves up to 35 requests/s = 3.78 M/day, so
# below that the self-hosted cost stays 48 USD/day. They meet at
#     Q* = 48 / (180 / 1e6) = 266,667 requests/day
# and api_comparison reports the first level of its grid (1e-4 .. 1e3 x the scenario's traffic, 20 levels
# per decade: 10^(-4 + k/20)) where self-hosting is cheaper, the first above Q*:
#     k = ceil(20 x (log10(266,667 / 1e6) + 4)) = ceil(68.52) = 69 -> 1e6 x 10^(-0.55) = 281,838 requests/day
Q_STAR = SELF / (STANDARD / REQUESTS)
K = math.ceil(20 * (math.log10(Q_STAR / REQUESTS) + 4))
BREAK_EVEN = REQUESTS * 10 ** (-4 + K / 20)


def scenario(currency="USD", serving=None, self_hosted=False):
    model = {"name": "writer", "kind": "generative", "parameters": 1.0e9, "precision": "bf16",
             "items_per_request": 1, "input_tokens_per_item": T_IN, "output_tokens": T_OUT,
             "kv_bytes_per_token": 32768}
    if self_hosted:
        model.update({"api_alternative": "gpt-4o-mini", "throughput_rps": MU, "throughput_source": "stated"})
        model["serving"] = {"deployment": "cloud", "accelerator": "L4", "price_per_hour": PRICE,
                            "price_source": "stated for the test", "utilization_target": RHO,
                            "accelerators_per_replica": 1, "cached_prompt_share": C}
    else:
        model["serving"] = {"deployment": "api", "api_model": "gpt-4o-mini", "cached_prompt_share": C,
                            **(serving or {})}
    return {"name": "golden-api", "title": "Hosted API with cached input", "currency": currency,
            "as_of": "2026-11-22",
            "traffic": {"requests_per_day": REQUESTS, "cache_hit_rate": HIT, "hourly_profile": "flat"},
            "models": [model], "storage": {"registry_tier": None, "registry_price_per_gb_month": 0}}


def api_line(report):
    rows = report.items[report.items["item"] == "hosted API"]
    assert len(rows) == 1
    return rows.iloc[0]


def test_standard_tier_with_cached_input():
    report = evaluate(scenario())
    line = api_line(report)
    assert line.dimension == "compute" and line.model == "writer"
    # 800 x (0.4 x 0.15 + 0.6 x 0.075) + 160 x 0.6 = 180 USD/day
    assert line.cost_per_day == pytest.approx(STANDARD, rel=1e-12)
    assert (line.quantity, line.unit) == (Q, "requests/day")          # 800,000 after the result cache
    model = report.models.iloc[0]
    assert model.api_cost_per_day == pytest.approx(STANDARD, rel=1e-12)
    assert model.serving_cost_per_day == pytest.approx(STANDARD, rel=1e-12)
    assert (model.replicas, model.accelerators, model.binding) == (0, 0, "hosted API")


def test_the_cache_saves_the_cached_share_of_the_input_bill():
    plain = api_line(evaluate(scenario(serving={"cached_prompt_share": 0.0}))).cost_per_day
    cached = api_line(evaluate(scenario())).cost_per_day
    assert plain == pytest.approx(UNCACHED, rel=1e-12)                 # 800 x 0.15 + 96 = 216
    # the saving is 800 M x 0.6 x (0.15 - 0.075) = 36 USD/day
    assert plain - cached == pytest.approx(MTOK_IN * C * (P_IN - P_CACHED), rel=1e-9)


@pytest.mark.parametrize("tier, expected", [("batch", BATCH), ("priority", PRIORITY)])
def test_other_tiers(tier, expected):
    # batch: no cached batch price, cached tokens at the batch input price: 800 x 0.075 + 160 x 0.3 = 108
    # priority: 800 x (0.4 x 0.25 + 0.6 x 0.125) + 160 x 1.0 = 300
    assert api_line(evaluate(scenario(serving={"api_tier": tier}))).cost_per_day == pytest.approx(expected, rel=1e-12)


def test_half_the_requests_through_the_batch_interface():
    line = api_line(evaluate(scenario(serving={"batchable_share": 0.5})))
    assert line.cost_per_day == pytest.approx(HALF_BATCH, rel=1e-12)    # 0.5 x 180 + 0.5 x 108 = 144


def test_in_another_currency_the_bill_is_converted():
    line = api_line(evaluate(scenario("CNY")))
    assert line.cost_per_day == pytest.approx(STANDARD * FX, rel=1e-9)  # 180 x 6.7758 = 1,219.64 CNY/day


def test_api_comparison_break_even_against_a_fleet():
    report = evaluate(scenario(self_hosted=True))
    model = report.models.iloc[0]
    assert (model.replicas, model.accelerators) == (SELF_REPLICAS, 1)
    assert model.serving_cost_per_day == pytest.approx(SELF, rel=1e-12)        # 48 USD/day
    assert model.api_cost_per_day == pytest.approx(STANDARD, rel=1e-12)        # 180 USD/day
    assert len(report.alternatives) == 1
    row = report.alternatives.iloc[0]
    assert row["api_model"] == "gpt-4o-mini"
    assert row["self_hosted_per_day"] == pytest.approx(SELF, rel=1e-12)
    assert row["api_per_day"] == pytest.approx(STANDARD, rel=1e-12)
    assert row["cheaper"] == ("hosted API" if STANDARD < SELF else "self-hosted")
    if STANDARD == pytest.approx(180.0):   # the prices of the time of writing: the 69th level of the grid
        assert (K, round(BREAK_EVEN)) == (69, 281_838)
    assert row["break_even_requests_per_day"] == pytest.approx(BREAK_EVEN, rel=1e-9)   # 281,838
    assert Q_STAR < row["break_even_requests_per_day"] < Q_STAR * 10 ** (1 / 20)
    assert not row["api_cheaper_everywhere"] and not row["self_hosting_cheaper_everywhere"]
