"""Mutation kills for tco.sizing.size_model (tools/mutation.py, the full run of 2026-12-06): memory
checks and their messages, the decode notes, the throughput label, slots, SLO edges, the binding
label, regions, samples, and utilisation at zero and tiny loads, each against a value by hand.

Catalog figures used (data/catalog): accelerators.csv H100-SXM 989 bf16/fp16 TFLOP/s (dense), 3,350 GB/s,
80 GB; H200-SXM 141 GB. efficiency.csv encoder/Hopper mfu 0.50; encoder/any band x0.6-x1.6.
The MoE golden (tests/test_golden_moe_generative.py) gives the generative figures: 60 GB of bf16
weights, 64 KiB of KV cache a token, 550 tokens held a request, mfu 0.5, mbu 0.6.
"""

import warnings

import numpy as np
import pytest

from tco import load_catalog, load_scenario
from tco.catalog import Catalog
from tco.context import Context
from tco.errors import ScenarioError
from tco.sizing import size_model

import test_golden_moe_generative as moe
from test_finite_inputs import _catalog_with
from test_kills_sizing import _recsys, one_data, sized, sized_scenario

ENC = {"name": "enc", "kind": "encoder", "parameters": 3.35e8, "precision": "fp16", "items_per_request": 1,
       "input_tokens_per_item": 64, "serving": {"deployment": "cloud", "accelerator": "H100-SXM",
                                                "price_per_hour": 3.0}}
# the encoder with a measured throughput of 100 requests/s per H100
MEASURED = {**ENC, "throughput_rps": 100, "throughput_source": "stated for the test"}


def _serving(model, **serving):
    return {**model, "serving": {**model["serving"], **serving}}


def _refusal(data, rate=100.0):
    """The problems of sizing the scenario ``data`` (a dict), which must be refused."""
    with pytest.raises(ScenarioError) as info:
        sized_scenario(data, rate)
    return info.value.problems


def _moe(**extra):
    """The MoE golden scenario (a dict) with its model's fields changed; ``serving`` entries merge."""
    serving = extra.pop("serving", {})
    data = moe.scenario(**extra)
    data["models"][0]["serving"].update(serving)
    return data


# --- a recommender bound by its embedding gathers ----------------------------------------------------
def test_a_memory_bound_recommender_is_sized_and_labelled_by_hand():
    # 300 items x 5,000 lookups x 256 x 2 B = 7.68e8 bytes a request at 3,350 GB/s x mbu 0.5:
    # 458.51 us; compute 2 x 1e8 x 300 = 6e10 FLOPs / (989e12 x 0.5) = 121.33 us: memory-bound,
    # 1 / 458.51 us = 2,180.99 requests/s per accelerator (mbu 0.5, not the replica's 8 accelerators)
    sz, ctx = sized(_recsys(5000, 0.5, 0.5))
    assert sz.throughput_rps_per_accelerator == pytest.approx(3350e9 * 0.5 / 7.68e8, rel=1e-9)
    assert sz.throughput_rps_per_accelerator == pytest.approx(2180.99, abs=0.01)
    # memory: 1e8 bf16 parameters (0.2 GB) plus 1e9 rows x 256 x 2 B (512 GB) of tables = 512.2 GB,
    # ceil(512.2 / (80 x 0.9 = 72)) = 8 accelerators a replica
    assert sz.memory_needed_gb == pytest.approx(512.2, rel=1e-12)
    assert sz.replica_size == 8
    # no published measurement validates this regime: the label says so, and a warning repeats it
    label = ("estimated (roofline), bound by embedding gathers: no published measurement validates this "
             "regime; give a measured throughput_rps")
    assert sz.throughput_basis == label
    assert [w.message for w in ctx.warnings if w.code == "estimate"] == [f"rank: {label}"]


# --- a stated replica size, and models that a replica does not hold ----------------------------------
def test_a_stated_replica_of_two_serves_twice_one_accelerators_rate():
    # prefill 2 x 3.35e8 x 64 = 4.288e10 FLOPs at 989e12 x 0.50 (encoder/Hopper): 11,532.18 requests/s
    # per accelerator, two accelerators a replica: 23,064.37 requests/s
    sz, _ = sized(_serving(ENC, accelerators_per_replica=2))
    assert sz.replica_size == 2
    assert sz.throughput_rps_per_accelerator == pytest.approx(989e12 * 0.5 / 4.288e10, rel=1e-9)
    assert sz.replica_throughput_rps == pytest.approx(2 * 989e12 * 0.5 / 4.288e10, rel=1e-9)


def test_an_encoder_over_its_stated_replicas_memory_is_refused_with_the_figures():
    # 3.8e10 fp16 parameters = 76 GB; one H100 holds 80 x 0.9 = 72.0 GB usable
    problems = _refusal(one_data(_serving({**ENC, "parameters": 3.8e10}, accelerators_per_replica=1)))
    assert problems == [("models[0]", (
        "model 'enc' needs 76.0 GB (weights 76.0, embedding tables 0.0, KV cache 0.0) but a replica of "
        "1 x H100-SXM holds 72.0 GB usable; raise serving.accelerators_per_replica (now 1), lower the "
        "precision, or choose an accelerator with more memory"))]
    # 7.5e10 parameters = 150 GB against 2 x 72 = 144.0 GB
    problems = _refusal(one_data(_serving({**ENC, "parameters": 7.5e10}, accelerators_per_replica=2)))
    assert "but a replica of 2 x H100-SXM holds 144.0 GB usable" in problems[0][1]


def test_an_encoder_with_a_decode_batch_is_refused_without_naming_the_batch():
    # decode_batch means nothing to an encoder (it holds no KV cache): the 76 GB refusal above, unchanged
    problems = _refusal(one_data(_serving({**ENC, "parameters": 3.8e10, "decode_batch": 8},
                                          accelerators_per_replica=1)))
    assert problems == [("models[0]", (
        "model 'enc' needs 76.0 GB (weights 76.0, embedding tables 0.0, KV cache 0.0) but a replica of "
        "1 x H100-SXM holds 72.0 GB usable; raise serving.accelerators_per_replica (now 1), lower the "
        "precision, or choose an accelerator with more memory"))]


def test_a_model_that_fills_the_usable_memory_exactly_fits():
    # 3.6e10 fp16 parameters = 72.0 GB: exactly one H100's 80 x 0.9 = 72.0 GB usable, which is enough
    assert 3.6e10 * 2 / 1e9 == 80 * 0.9
    sz, _ = sized(_serving({**ENC, "parameters": 3.6e10}, accelerators_per_replica=1))
    assert (sz.memory_needed_gb, sz.replica_size) == (72.0, 1)


def test_a_generative_model_no_replica_holds_is_refused_with_the_figures():
    # 1e12 bf16 parameters = 2,000 GB, plus the KV cache of the 32 given requests, 32 x 550 x 65,536 B
    # = 1.15 GB; 8 H200s hold 8 x 141 x 0.9 = 1,015.2 GB usable
    problems = _refusal(_moe(parameters=1e12, routed_expert_parameters=9.9e11,
                             serving={"accelerators_per_replica": None}))
    # (the KV cache is that of the batch given, but lowering the batch would not help: the weights alone
    # exceed the replica, so the remedies leave it out)
    assert problems == [("models[0]", (
        "model 'moe-chat' needs 2,001.2 GB (weights 2,000.0, embedding tables 0.0, KV cache 1.2 of decode_batch "
        "32) but a replica of at most 8 x H200-SXM holds 1,015.2 GB usable; raise "
        "serving.max_accelerators_per_replica (now 8), lower the precision, or choose an accelerator with more "
        "memory"))]


def test_a_given_decode_batch_that_a_given_replica_does_not_hold_is_refused():
    # both the replica (one H200, 126.9 GB usable) and the batch (32) given: 2,000 GB of weights do not
    # fit, and nothing else would tell (this was sized at 10 replicas before the check)
    problems = _refusal(_moe(parameters=1e12, routed_expert_parameters=9.9e11))
    assert problems == [("models[0]", (
        "model 'moe-chat' needs 2,001.2 GB (weights 2,000.0, embedding tables 0.0, KV cache 1.2 of "
        "decode_batch 32) but a replica of 1 x H200-SXM holds 126.9 GB usable; raise "
        "serving.accelerators_per_replica (now 1), lower the precision, or choose an accelerator with more "
        "memory"))]
    # the golden's 60 GB and 32 x 36.04 MB fit the same replica: it is sized
    assert sized_scenario(_moe())[0].replicas == moe.REPLICAS


def test_a_given_decode_batch_too_large_for_a_given_replica_names_the_batch_as_a_remedy():
    # the golden's 60 GB of weights fit one H200 (126.9 GB usable), but 4,000 requests of 550 tokens x
    # 65,536 B = 4,000 x 36.04 MB = 144.2 GB of KV cache do not (1,856 would): 60.0 + 144.2 = 204.2 GB
    problems = _refusal(_moe(decode_batch=4000))
    assert problems == [("models[0]", (
        "model 'moe-chat' needs 204.2 GB (weights 60.0, embedding tables 0.0, KV cache 144.2 of decode_batch "
        "4000) but a replica of 1 x H200-SXM holds 126.9 GB usable; raise serving.accelerators_per_replica "
        "(now 1), lower decode_batch, lower the precision, or choose an accelerator with more memory"))]


# --- the operating point: its memory share, its refusals, its note -----------------------------------
def test_the_usable_memory_fraction_sets_the_memory_bound_batch():
    # no batch given: the most requests whose KV cache fits beside the 60 GB of weights in
    # 141 x 0.5 = 70.5 GB: floor(10.5e9 / (550 x 65,536 = 36.04e6)) = 291
    sz, _ = sized_scenario(_moe(decode_batch=None, serving={"usable_memory_fraction": 0.5}))
    assert (sz.decode_batch, sz.batch_binding) == (291, "memory")
    assert (141e9 * 0.5 - 60e9) / (550 * 65536) == pytest.approx(291.30, abs=0.01)


def test_a_tpot_objective_no_single_request_meets_is_refused_with_the_step_time():
    # batch 1 touches 8 of 128 experts: (2e9 + 28e9 x 8 / 128) x 2 B = 7.5e9 B of weights plus
    # 550 x 65,536 = 36.04e6 B of KV cache at 4,800 GB/s x 0.6: 2.6167 ms a step, over a 1 ms objective
    assert (7.5e9 + 550 * 65536) / (4800e9 * 0.6) * 1e3 == pytest.approx(2.6167, abs=1e-4)
    problems = _refusal(_moe(decode_batch=None, tpot_slo_ms=1))
    assert problems == [("models[0]", (
        "model 'moe-chat' on H200-SXM: not even one request meets tpot_slo_ms 1 (one decoding step takes "
        "2.6 ms per token at batch 1); raise the objective, lower the precision, choose a faster accelerator "
        "or allow larger replicas (serving.accelerators_per_replica)"))]


def test_without_a_stated_replica_the_tpot_refusal_names_the_largest_replica():
    # no accelerators_per_replica: sizes 1 to 8 are tried and none meets 0.1 ms (8 H200s read the 7.5e9 B
    # a step at batch 1 in 7.5e9 / 8 / 2.88e12 = 0.33 ms at best); the remedy is the largest replica allowed
    problems = _refusal(_moe(decode_batch=None, tpot_slo_ms=0.1, serving={"accelerators_per_replica": None}))
    assert problems[0][1].endswith("or allow larger replicas (serving.max_accelerators_per_replica)")


def test_embedding_tables_of_a_generative_model_take_memory_from_the_kv_cache():
    # 1e8 rows x 64 x 2 B (fp16) = 12.8 GB of tables beside the 60 GB of weights in 126.9 GB usable:
    # floor((126.9 - 60 - 12.8) e9 / 36.04e6) = floor(1,500.9) = 1,500 requests (1,856 without them)
    sz, _ = sized_scenario(_moe(decode_batch=None, embedding_rows=1e8, embedding_dim=64,
                            embedding_precision="fp16"))
    assert (141e9 * 0.9 - 60e9 - 12.8e9) / (550 * 65536) == pytest.approx(1500.9, abs=0.1)
    assert (sz.decode_batch, sz.embedding_tables_gb) == (1500, 12.8)
    assert sz.memory_needed_gb <= 141 * 0.9


def test_a_memory_that_holds_exactly_one_request_is_a_tpot_refusal():
    # 1e8 B of KV cache a token: a request holds 550 x 1e8 = 55 GB; 126.9 - 60 = 66.9 GB hold exactly
    # one. Its step reads 7.5e9 + 55e9 B: 21.70 ms, over a 1 ms objective: the objective is the reason
    assert np.floor((141e9 * 0.9 - 60e9) / 55e9) == 1
    problems = _refusal(_moe(decode_batch=None, tpot_slo_ms=1, kv_bytes_per_token=1e8))
    assert "(one decoding step takes 21.7 ms per token at batch 1)" in problems[0][1]


def test_a_memory_that_holds_no_request_is_a_memory_refusal_even_with_an_objective():
    # 1,000 prompt tokens x 1e8 B + 50 x 1e8 B = 105 GB a request, over the 66.9 GB the weights leave:
    # memory, not the (loose) TPOT objective, is the reason
    problems = _refusal(_moe(decode_batch=None, tpot_slo_ms=1000, kv_bytes_per_token=1e8,
                             input_tokens_per_item=1000))
    assert problems == [("models[0]", (
        "model 'moe-chat' on H200-SXM: the weights leave no memory for the KV cache of one request in a "
        "replica of 1; raise the objective, lower the precision, choose a faster accelerator or allow larger "
        "replicas (serving.accelerators_per_replica)"))]


def test_weights_over_a_stated_replica_without_a_stated_batch_leave_no_room_for_one_request():
    # 2,000 GB of weights on the one H200 given, no batch given: the batch that fits is 0, and that is the
    # reason given (the weights, not a batch the scenario did not state)
    problems = _refusal(_moe(parameters=1e12, routed_expert_parameters=9.9e11, decode_batch=None))
    assert problems[0][1].startswith("model 'moe-chat' on H200-SXM: the weights leave no memory for the KV "
                                     "cache of one request in a replica of 1;")


def test_the_decode_note_and_the_service_time_basis_of_the_golden():
    # batch 32 given; TPOT 18.768 + 0.32 x 6.067 = 20.709 ms; TTFT 6.067 + 18.768 = 24.835 ms
    sz, _ = sized_scenario(moe.scenario())
    assert sz.notes[-1] == ("32 requests decoded together per replica of 1 (given); TPOT 20.7 ms, "
                            "TTFT without queueing 25 ms")
    assert (moe.PREFILL + moe.STEP) * 1e3 == pytest.approx(24.835, abs=1e-3)
    assert sz.service_time_basis == ("estimated: the decode batch in flight per replica at the throughput "
                                     "(Little's law)")


# --- the throughput label, an unknown family and a missing peak -------------------------------------
def test_an_uncalibrated_family_is_labelled_and_noted_unless_quiet():
    l4 = _serving(ENC, accelerator="L4")
    sz, ctx = sized(l4, quiet=True)
    assert sz.throughput_basis == (
        "estimated (roofline), typically within x0.6-x1.6 of measured; no encoder measurement on Ada hardware "
        "calibrates it: the cross-family factor is used and the band is wider")
    assert ctx.uncalibrated == []          # quiet: nothing noted (a grid of traffic levels, say)
    _, ctx = sized(l4)
    assert ctx.uncalibrated == [("Ada", "L4", "encoder throughput", "enc", (0.6, 1.6))]


def _catalog_with_l4(tmp_path, column, value):
    """A copy of data/catalog whose accelerators.csv L4 row has ``value`` in ``column``."""
    return Catalog(_catalog_with(tmp_path, "accelerators.csv", "L4", column, value))


def test_an_accelerator_without_a_family_is_called_unknown(tmp_path):
    catalog = _catalog_with_l4(tmp_path, "family", "")
    sz, _ = sized_scenario(one_data(_serving(ENC, accelerator="L4")), catalog=catalog)
    assert "no encoder measurement on unknown hardware calibrates it" in sz.throughput_basis


def test_a_scenario_sized_against_a_catalog_without_its_peak_is_refused(tmp_path):
    # validated against data/catalog (L4 fp16 121 TFLOP/s), sized against a copy without the fp16 peak
    sc = load_scenario(one_data(_serving(ENC, accelerator="L4")), load_catalog())
    catalog = _catalog_with_l4(tmp_path, "fp16_tflops", "")
    with pytest.raises(ScenarioError) as info:
        size_model(sc.models[0], 0, 1.0, np.full(24, 10.0), Context(sc, catalog))
    assert info.value.problems == [("models[0].throughput_rps", (
        "L4 has no fp16 peak in the catalog, so the throughput of 'enc' cannot be estimated; give a measured "
        "throughput_rps or another precision"))]


# --- slots and the SLO's edge -------------------------------------------------------------------------
def test_a_measured_service_time_shorter_than_a_slot_keeps_one_slot():
    # 100 requests/s and 5 ms a request: 100 x 0.005 = 0.5 requests in flight, rounded to 0, at least 1;
    # so the service time is 1 / 100 s = 10 ms
    sz, _ = sized({**MEASURED, "service_time_ms": 5})
    assert sz.slots == 1
    assert sz.service_time_ms == pytest.approx(10.0, rel=1e-12)


def test_a_request_that_takes_exactly_the_slo_cannot_meet_it():
    # one request at a time at 100 requests/s takes 10 ms: a 10 ms SLO leaves no time to wait
    with pytest.raises(ScenarioError) as info:
        sized({**MEASURED, "latency_slo_ms": 10})
    assert [field for field, _ in info.value.problems] == ["models[0].latency_slo_ms"]


# --- what binds, and regions --------------------------------------------------------------------------
def test_a_floor_of_replicas_binds_as_min_replicas():
    # 10 requests/s at 100 x 0.7 a replica needs 1; 5 are kept running
    sz, _ = sized(_serving(MEASURED, min_replicas=5))
    assert (sz.replicas_load, sz.replicas) == (1, 5)
    assert type(sz.binding) is str and sz.binding == "min_replicas"


def test_load_binds_when_the_slo_needs_as_many_replicas():
    # 150 requests/s at 100 a replica and utilisation 1.0: ceil(1.5) = 2 for load, and 2 for a loose
    # 1 s SLO (one replica could not keep up at all): a tie is "load"
    sz, _ = sized(_serving({**MEASURED, "latency_slo_ms": 1000}, utilization_target=1.0), rate=150.0)
    assert (sz.replicas_load, sz.replicas_slo) == (2, 2)
    assert sz.binding == "load"


def test_two_regions_count_the_slo_replicas_of_both():
    # 950 requests/s split over 2 regions, 475 each: ceil(475 / 70) = 7 for load, 5 for a loose 1 s SLO
    # (the fewest that keep up, ceil(4.75)); both doubled
    sz, _ = sized(_serving({**MEASURED, "latency_slo_ms": 1000}, regions=2), rate=950.0)
    assert (sz.replicas_load, sz.replicas_slo, sz.replicas) == (14, 10, 14)


def test_two_autoscaled_regions_count_the_hourly_replicas_of_both():
    # 475 requests/s a region against a 20 ms SLO with 10 ms of service: the SLO needs 8 a region every
    # hour (more than the 7 of load), 16 in all
    sz, _ = sized(_serving({**MEASURED, "latency_slo_ms": 20}, regions=2, billing="autoscaled"), rate=950.0)
    assert (sz.replicas_load, sz.replicas_slo, sz.replicas) == (14, 16, 16)
    np.testing.assert_array_equal(sz.hourly_replicas, np.full(24, 16.0))
    assert sz.binding == "latency SLO"


# --- samples of uncertain inputs ------------------------------------------------------------------------
def test_a_sample_no_fleet_serves_is_bound_by_its_slo_even_above_a_floor():
    # 50 replicas kept running: the feasible sample (100 requests/s) is bound by that floor; the slow one
    # (1,000 ms a request against 500 ms) by its SLO, whatever its placeholder search found
    sz = _sampled("provisioned", min_replicas=50)
    assert list(sz.binding) == ["latency SLO", "min_replicas"]
    assert np.isnan(sz.replicas[0]) and sz.replicas[1] == 50


def _sampled(billing, **serving):
    """Two samples of a measured throughput, 1 and 100 requests/s on one H100, against a 500 ms SLO at
    5 requests/s every hour: the first cannot meet it (1,000 ms a request)."""
    from tco.uncertainty import with_values

    data = one_data(_serving({**MEASURED, "latency_slo_ms": 500}, billing=billing, **serving))
    catalog = load_catalog()
    sampled = with_values(load_scenario(data, catalog), {"models[0].throughput_rps": np.array([1.0, 100.0])})
    return size_model(sampled.models[0], 0, 1.0, np.full((2, 24), 5.0), Context(sampled, catalog))


def test_samples_of_a_provisioned_fleet_keep_their_axis_and_the_slow_one_costs_nan():
    sz = _sampled("provisioned")
    # the feasible sample: ceil(5 / 70) = 1 replica, 24 H100-hours at 3 USD = 72 USD a day
    assert np.isnan(sz.serving_cost_per_day[0])
    assert sz.serving_cost_per_day[1] == pytest.approx(72.0, rel=1e-12)
    assert sz.hourly_replicas.shape == (2, 24)
    np.testing.assert_array_equal(sz.hourly_replicas[1], np.ones(24))
    assert np.shape(sz.binding) == (2,) and sz.binding[1] == "load"
    # the slow sample has no fleet: only a placeholder was sized to keep the search finite
    for figure in (sz.replicas, sz.instances, sz.accelerators, sz.instance_hours_per_day,
                   sz.accelerator_hours_per_day, sz.utilisation_mean, sz.utilisation_peak):
        assert np.isnan(figure[0]) and np.isfinite(figure[1])
    assert np.isnan(sz.hourly_replicas[0]).all()
    assert sz.binding[0] == "latency SLO"   # what makes it infeasible, whatever the placeholder needed


def test_samples_of_an_autoscaled_fleet_sum_and_peak_per_sample():
    sz = _sampled("autoscaled")
    assert np.shape(sz.instance_hours_per_day) == np.shape(sz.replicas) == np.shape(sz.instances) == (2,)
    assert (sz.instance_hours_per_day[1], sz.replicas[1], sz.instances[1]) == (24, 1, 1)
    assert np.isnan(sz.serving_cost_per_day[0]) and sz.serving_cost_per_day[1] == pytest.approx(72.0)


# --- utilisation at no load, one replica, and a tiny throughput ---------------------------------------
def test_no_traffic_and_no_floor_is_an_empty_fleet_with_no_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # 0 / 0 must not leak a RuntimeWarning into a notebook
        sz, _ = sized(_serving(MEASURED, min_replicas=0), rate=0.0)
    assert (sz.replicas, sz.utilisation_mean, sz.utilisation_peak, sz.serving_cost_per_day) == (0, 0.0, 0.0, 0.0)


def test_one_replica_at_its_peak_is_as_busy_as_the_load_over_its_rate():
    # 35 requests/s on one replica of 100 requests/s: 35% busy at the peak and on average
    sz, _ = sized(MEASURED, rate=35.0)
    assert sz.replicas == 1
    assert sz.utilisation_peak == pytest.approx(0.35, rel=1e-12)
    assert sz.utilisation_mean == pytest.approx(0.35, rel=1e-12)


def test_utilisation_of_a_tiny_throughput_is_still_counted():
    # 1e-6 requests/s per accelerator, 1e-7 arriving: 0.00864 requests a day against the
    # 24 x 3,600 x 1e-6 = 0.0864 one accelerator could serve: 10% (under one request a day of capacity)
    sz, _ = sized({**MEASURED, "throughput_rps": 1e-6}, rate=1e-7)
    assert sz.utilisation_mean == pytest.approx(0.1, rel=1e-9)


def test_lowering_the_batch_is_offered_exactly_when_one_request_fits_beside_the_weights():
    # one H200 at usable_memory_fraction 0.5: 141 x 0.5 = 70.5 GB. One request's KV cache is 550 x 65,536
    # = 36,044,800 B, so weights of 70,463,955,200 B (35,231,977,600 bf16 parameters) leave room for
    # exactly one request: 70,463,955,200 + 36,044,800 = 70.5e9 B. decode_batch 4,000 needs
    # 4,000 x 36,044,800 = 144,179,200,000 B more: 214,643,155,200 B = 214.6 GB in all.
    params = 35_231_977_600
    assert params * 2 + 550 * 65_536 == 70.5e9 and 141 * 0.5 == 70.5
    problems = _refusal(_moe(parameters=params, decode_batch=4000, serving={"usable_memory_fraction": 0.5}))
    assert problems == [("models[0]", (
        "model 'moe-chat' needs 214.6 GB (weights 70.5, embedding tables 0.0, KV cache 144.2 of decode_batch "
        "4000) but a replica of 1 x H200-SXM holds 70.5 GB usable; raise serving.accelerators_per_replica "
        "(now 1), lower decode_batch, lower the precision, or choose an accelerator with more memory"))]
    # one parameter more (2 bytes): not even one request fits, and the batch is no longer a remedy
    problems = _refusal(_moe(parameters=params + 1, decode_batch=4000, serving={"usable_memory_fraction": 0.5}))
    assert "(now 1), lower the precision, or choose" in problems[0][1]
