"""``tco.sizing.size_model``: one model sized for hourly arrival rates, the arithmetic written out.

``size_model(model, index, share, arrival_rates_h, ctx)`` is what ``tco.engine`` calls for every
model of a scenario (``_size_all``): ``arrival_rates_h`` are the 24 hourly rates of requests that
missed the cache [requests/s], ``share`` the fraction of them reaching this model after fusion
routing. The hand-calculated cases give prices in the scenario (``price_per_hour``), so they do not
move when the catalog's prices are refreshed; what they take from the catalog (accelerators per
instance, an accelerator's peak and bandwidth, an API's price) is asserted first.

The properties (hypothesis) check what must hold for any input: cost never falls as traffic grows
or as spare replicas are added, and a cache that answers everything leaves nothing to serve.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tco import evaluate, load_scenario
from tco.catalog import load_catalog
from tco.context import Context
from tco.sizing import size_model

CATALOG = load_catalog()
PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def scenario_spec(model: dict, **traffic) -> dict:
    return {"name": "sizing", "currency": "USD",
            "traffic": {"requests_per_day": 1e6, "hourly_profile": "flat", **traffic}, "models": [model]}


def size(model: dict, rates, share: float = 1.0):
    """Size the one model of a scenario for the given hourly arrival rates [requests/s]."""
    sc = load_scenario(scenario_spec(model), CATALOG)
    return size_model(sc.models[0], 0, share, np.asarray(rates, dtype=float), Context(sc, CATALOG))


#: A cross-encoder with a measured throughput of 200 requests/s per accelerator; 0.3 B parameters
#: in bf16 are 0.6 GB, so one accelerator holds a replica.
ENCODER = {
    "name": "ce", "kind": "encoder", "parameters": 3e8, "precision": "bf16", "input_tokens_per_item": 128,
    "throughput_rps": 200, "throughput_source": "load test (for this test)",
    "serving": {"deployment": "cloud", "instance": "p5.48xlarge", "price_per_hour": 40.0,
                "utilization_target": 0.7, "min_replicas": 1, "redundancy": 1},
}
#: 100 requests/s every hour but 21:00, which has 700.
PEAKY = np.array([100.0] * 21 + [700.0] + [100.0] * 2)


def with_serving(model: dict, **serving) -> dict:
    out = copy.deepcopy(model)
    out["serving"].update(serving)
    return out


# --- hand-calculated cases --------------------------------------------------------------------------
def test_encoder_on_a_cloud_instance_by_hand():
    assert CATALOG.row("instance_types", "p5.48xlarge").accelerators_per_instance == 8
    sz = size(ENCODER, PEAKY, share=0.5)
    # half the traffic reaches the model: 50 requests/s, 350 at 21:00
    # requests served per day: (23 x 50 + 350) / 24 x 86,400 = 62.5 x 86,400 = 5,400,000
    assert sz.requests_per_day_served == pytest.approx(5_400_000)
    assert sz.peak_rps == pytest.approx(350)
    assert sz.weights_gb == pytest.approx(0.6) and sz.replica_size == 1
    assert sz.throughput_rps_per_accelerator == 200 and sz.throughput_basis.startswith("measured")
    # replicas for the peak at the utilisation target: ceil(350 / (200 x 0.7)) = ceil(2.5) = 3
    assert sz.replicas_load == 3 and sz.replicas_slo == 0
    # plus one spare (redundancy): 4 replicas of 1 H100, all on one 8-GPU instance
    assert sz.replicas == 4 and sz.binding == "load"
    assert sz.accelerators == 4 and sz.instances == 1
    # provisioned: the instance runs all day: 24 instance-hours, 24 x 8 = 192 accelerator-hours
    assert sz.instance_hours_per_day == 24 and sz.accelerator_hours_per_day == 192
    assert sz.serving_cost_per_day == pytest.approx(24 * 40.0)                       # 960 USD/day
    # mean utilisation of what is paid for: 5,400,000 / (192 h x 3,600 s x 200/s) = 3.9%
    assert sz.utilisation_mean == pytest.approx(5_400_000 / (192 * 3600 * 200))     # 0.0390625
    # at the peak: 350 / (4 replicas x 200) = 43.75%
    assert sz.utilisation_peak == pytest.approx(0.4375)
    assert sz.service_time_ms == pytest.approx(5.0)                                  # 1 / 200 s


def test_autoscaling_pays_each_hour_its_own_fleet_by_hand():
    assert CATALOG.row("instance_types", "g6.xlarge").accelerators_per_instance == 1
    model = with_serving(ENCODER, instance="g6.xlarge", price_per_hour=0.8)
    provisioned = size(model, PEAKY, share=0.5)
    # the peak needs 3 + 1 = 4 replicas, one L4 instance each, all day: 96 instance-hours
    assert provisioned.instances == 4 and provisioned.instance_hours_per_day == 96
    assert provisioned.serving_cost_per_day == pytest.approx(96 * 0.8)               # 76.80
    autoscaled = size(with_serving(model, billing="autoscaled"), PEAKY, share=0.5)
    # 23 hours of 50/s: ceil(50 / 140) = 1 replica, + 1 spare = 2 instances; 21:00 needs 4
    assert list(autoscaled.hourly_replicas) == [2.0] * 21 + [4.0] + [2.0] * 2
    assert autoscaled.instance_hours_per_day == 23 * 2 + 4                          # 50
    assert autoscaled.serving_cost_per_day == pytest.approx(50 * 0.8)                # 40.00
    assert autoscaled.instances == 4                                                 # the largest hour


def test_latency_objective_by_erlang_c_by_hand():
    # 20 requests/s of 50 ms each (20 per second per replica), p99 within 100 ms
    model = with_serving({**ENCODER, "throughput_rps": 20, "latency_slo_ms": 100, "latency_percentile": 0.99},
                         instance="g6.xlarge", price_per_hour=0.8, redundancy=0)
    sz = size(model, np.full(24, 20.0))
    # load alone: ceil(20 / (20 x 0.7)) = 2 replicas
    assert sz.replicas_load == 2
    # M/M/c with A = 20 x 0.05 = 1 erlang; P(wait > 50 ms) = C(c, A) exp(-(c/s - lambda) 0.05):
    #   c = 3: C = (1/6 x 3/2) / (1 + 1 + 1/2 + 1/4) = 0.0909; x exp(-(60 - 20) 0.05) = 0.0123 > 1%
    #   c = 4: C = (1/24 x 4/3) / (1 + 1 + 1/2 + 1/6 + 1/18) = 0.0204; x exp(-(80 - 20) 0.05) = 0.0010 <= 1%
    c3 = (1 / 6 * 3 / 2) / (1 + 1 + 1 / 2 + 1 / 4) * math.exp(-(60 - 20) * 0.05)
    c4 = (1 / 24 * 4 / 3) / (1 + 1 + 1 / 2 + 1 / 6 + 1 / 18) * math.exp(-(80 - 20) * 0.05)
    assert c3 > 0.01 >= c4
    assert sz.replicas_slo == 4 and sz.replicas == 4 and sz.binding == "latency SLO"
    assert sz.serving_cost_per_day == pytest.approx(4 * 24 * 0.8)                    # 76.80


def test_on_premises_prices_the_server_hour_by_hand():
    # price_per_hour on premises is an accelerator-hour; a server holds 4 L4 here
    model = {**ENCODER, "serving": {"deployment": "on_prem", "accelerator": "L4", "price_per_hour": 0.5,
                                    "accelerators_per_server": 4, "min_replicas": 1, "redundancy": 1}}
    sz = size(model, PEAKY, share=0.5)
    assert sz.rate.price_per_instance_hour == pytest.approx(4 * 0.5)                 # 2 per server-hour
    # 4 replicas of 1 L4 fill one server of 4: 24 server-hours x 2 = 48 a day
    assert sz.replicas == 4 and sz.instances == 1
    assert sz.serving_cost_per_day == pytest.approx(48.0)


def test_hosted_api_cost_from_tokens_and_prices_by_hand():
    p_in, p_out = CATALOG.api_price("gpt-4o-mini", "input"), CATALOG.api_price("gpt-4o-mini", "output")
    assert (p_in.value, p_out.value, p_in.currency) == (0.15, 0.6, "USD")
    model = {"name": "rewrite", "kind": "generative", "parameters": 8e9, "items_per_request": 5,
             "input_tokens_per_item": 12, "output_tokens": 30,
             "serving": {"deployment": "api", "api_model": "gpt-4o-mini"}}
    sz = size(model, np.full(24, 100.0))
    # 100 requests/s all day = 8,640,000 requests; each 5 x 12 = 60 input tokens and 30 output tokens
    assert sz.requests_per_day_served == pytest.approx(8_640_000)
    # 8,640,000 x (60 x 0.15 + 30 x 0.60) / 10^6 = 8.64 x 27 = 233.28 USD/day
    assert sz.api_cost_per_day == pytest.approx(233.28)
    assert sz.serving_cost_per_day == pytest.approx(233.28) and sz.binding == "hosted API"
    assert sz.replicas == 0 and sz.accelerators == 0


def test_generative_model_batch_capped_by_tpot_by_hand():
    h100 = CATALOG.row("accelerators", "H100-SXM")
    assert (h100.fp8_tflops, h100.bandwidth_gb_s, h100.memory_gb) == (1979, 3350, 80)
    # a dense 8 B model in fp8 (8 GB), no architecture given: no attention FLOPs, no all-reduce
    model = {"name": "llm", "kind": "generative", "parameters": 8e9, "precision": "fp8",
             "kv_bytes_per_token": 131072, "input_tokens_per_item": 1000, "output_tokens": 200,
             "tpot_slo_ms": 20, "mfu": 0.6, "mbu": 0.6,
             "serving": {"deployment": "cloud", "instance": "p5.48xlarge", "price_per_hour": 60.0,
                         "accelerators_per_replica": 1}}
    sz = size(model, np.full(24, 100.0))
    peak, bw = 1979e12 * 0.6, 3350e9 * 0.6            # FLOP/s and bytes/s at mfu and mbu 0.6
    prefill = 2 * 8e9 * 1000 / peak                   # 13.475 ms for the 1,000-token prompt
    kv_request = (1000 + 200 / 2) * 131072            # 144.2 MB: the prompt and half the output

    def step(b):  # memory-bound: one step reads the weights and the batch's KV cache
        assert 2 * 8e9 * b / peak < (8e9 + b * kv_request) / bw
        return (8e9 + b * kv_request) / bw

    # TPOT(b) = step(b) + b / 200 x prefill (a replica interleaves b / o prefills per step)
    #         = 3.980 ms + b x (71.73 + 67.37) us <= 20 ms: b = floor(16.020 / 0.13911) = 115
    b = math.floor((0.020 - 8e9 / bw) / (kv_request / bw + prefill / 200))
    assert b == 115
    assert sz.decode_batch == b and sz.batch_binding == "TPOT objective"
    assert sz.tpot_ms == pytest.approx((step(b) + b / 200 * prefill) * 1000) and sz.tpot_ms <= 20
    # a replica: 1 / (prefill + 200 steps / 115) = 28.78 requests/s
    rate = 1 / (prefill + 200 * step(b) / b)
    assert sz.replica_throughput_rps == pytest.approx(rate)
    assert sz.slots == b and sz.service_time_ms == pytest.approx(b / rate * 1000)   # Little's law: 3.995 s
    # memory: 8 GB of weights + 115 x 144.2 MB of KV cache = 24.58 GB
    assert sz.memory_needed_gb == pytest.approx((8e9 + b * kv_request) / 1e9)
    # 100 requests/s: ceil(100 / (28.78 x 0.7)) = ceil(4.96) = 5 replicas of 1 H100, on one p5 instance
    assert sz.replicas_load == math.ceil(100 / (rate * 0.7)) == 5
    assert sz.replicas == 5 and sz.instances == 1
    assert sz.serving_cost_per_day == pytest.approx(24 * 60.0)                      # 1,440 USD/day


def test_report_models_serve_the_share_after_the_cache():
    # the scenario's traffic (requests_per_day) against what one model serves (requests_per_day_served)
    model = {**ENCODER, "traffic_share": 0.25}
    report = evaluate(scenario_spec(model, requests_per_day=4e7, cache_hit_rate=0.2))
    assert report.requests_per_day == 4e7
    m = report.models.iloc[0]
    assert m.requests_per_day_served == pytest.approx(4e7 * (1 - 0.2) * 0.25)        # 8,000,000
    assert "requests_per_day" not in report.models.columns


# --- properties ------------------------------------------------------------------------------------
@st.composite
def encoder_fleets(draw):
    """An encoder on one-L4 instances with a measured throughput, and a day of traffic."""
    throughput = draw(st.floats(1.0, 2000.0))
    serving = {"deployment": "cloud", "instance": "g6.xlarge", "price_per_hour": draw(st.floats(0.1, 10.0)),
               "utilization_target": draw(st.floats(0.3, 1.0)), "min_replicas": draw(st.integers(0, 3)),
               "redundancy": draw(st.integers(0, 2)), "regions": draw(st.integers(1, 2)),
               "billing": draw(st.sampled_from(["provisioned", "autoscaled"]))}
    model = {**ENCODER, "throughput_rps": throughput, "serving": serving}
    if draw(st.booleans()):  # a latency objective above the service time of 1 / throughput
        model["latency_slo_ms"] = 1000.0 / throughput * draw(st.floats(1.2, 20.0))
        model["latency_percentile"] = draw(st.sampled_from([0.9, 0.95, 0.99]))
    weights = np.array(draw(st.lists(st.floats(0.05, 5.0), min_size=24, max_size=24)))
    rates = weights / weights.mean() * draw(st.floats(0.0, 5e3))
    return model, rates


@PROPERTY
@given(encoder_fleets(), st.floats(1.0, 10.0))
def test_cost_never_falls_as_traffic_grows(fleet, factor):
    model, rates = fleet
    low, high = size(model, rates), size(model, rates * factor)
    assert high.requests_per_day_served == pytest.approx(low.requests_per_day_served * factor)
    assert high.replicas >= low.replicas
    assert high.instance_hours_per_day >= low.instance_hours_per_day
    assert high.serving_cost_per_day >= low.serving_cost_per_day * (1 - 1e-12)


@PROPERTY
@given(encoder_fleets(), st.integers(1, 3))
def test_more_redundancy_is_never_cheaper(fleet, extra):
    model, rates = fleet
    base = size(model, rates)
    spare = size(with_serving(model, redundancy=model["serving"]["redundancy"] + extra), rates)
    regions = model["serving"]["regions"]
    # every region keeps `extra` more replicas at the peak, and no hour fewer
    assert spare.replicas == base.replicas + extra * regions
    assert np.all(np.asarray(spare.hourly_replicas) >= np.asarray(base.hourly_replicas))
    assert spare.serving_cost_per_day >= base.serving_cost_per_day


@PROPERTY
@given(st.floats(1e3, 1e9), st.integers(0, 3), st.integers(0, 2),
       st.sampled_from(["provisioned", "autoscaled"]), st.floats(0.1, 10.0))
def test_a_cache_that_answers_everything_leaves_nothing_to_serve(requests, min_replicas, redundancy, billing, price):
    model = {**with_serving(ENCODER, instance="g6.xlarge", price_per_hour=price, min_replicas=min_replicas,
                            redundancy=redundancy, billing=billing), "api_alternative": "gpt-4o-mini"}
    report = evaluate(scenario_spec(model, requests_per_day=requests, cache_hit_rate=1.0))
    m = report.models.iloc[0]
    assert m.requests_per_day_served == 0 and m.peak_rps == 0
    assert m.replicas_load == 0 and m.utilisation_mean == 0
    assert m.api_cost_per_day == 0                         # the hosted API would bill nothing
    # what is paid for is only the fleet kept anyway: the minimum and the spares, all day
    assert m.replicas == min_replicas + redundancy
    assert m.serving_cost_per_day == pytest.approx((min_replicas + redundancy) * 24 * price)
