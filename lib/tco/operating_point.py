"""The operating point of an LLM replica under continuous batching: batch, step time, TTFT, TPOT and
requests per second, composed from the formulas of :mod:`tco.serving` and :mod:`tco.performance`
for one model of a scenario on one catalog accelerator.

A replica of ``g`` accelerators works tensor-parallel: each holds and reads ``1/g`` of the weights
and KV cache and does ``1/g`` of the FLOPs, and every layer costs two all-reduces of the step's
activations over the scale-up link (:func:`tco.serving.allreduce_time`). Mixture-of-experts layers
read only the experts a step's tokens touch (:func:`tco.serving.moe_step_weight_bytes`), spread over
the replica (expert parallel). Speculative decoding verifies ``k + 1`` positions per sequence and
step and advances ``tau`` tokens (:func:`tco.serving.speculative_tokens_per_step`), and the draft's
own steps are counted.

Everything is vectorised over samples of uncertain inputs (arrays of one shape).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import performance, serving
from .units import BYTES_PER_GB, BYTES_PER_VALUE, PEAK_COLUMN, TERA
from .units import scalar_or_array as num

#: Bytes of one activation value exchanged between tensor-parallel accelerators (bf16).
ACTIVATION_BYTES = 2.0
#: Latencies of NCCL's ring all-reduce, low-latency protocol, in NCCL's own cost model
#: (NVIDIA/nccl, src/graph/tuning.cc at 01afd20a: baseLat Ring/LL 3.6 us; hwLat NVLink Ring/LL
#: 0.47 us, PCI 1.0 us per step). An assumption for other vendors' links, which publish no such model.
ALLREDUCE_BASE_LATENCY_S = 3.6e-6
ALLREDUCE_HOP_LATENCY_S = {"switched": 0.47e-6, "pcie": 1.0e-6}
#: Batches tried at once (less one) in each pass of the search for the largest batch meeting a TPOT
#: objective, for up to BATCH_SEARCH_SAMPLES samples (more are bisected: less work per sample).
BATCH_SEARCH_WAYS = 32
BATCH_SEARCH_SAMPLES = 64
#: A bandwidth efficiency so large that memory traffic takes no time (to ask which term binds).
FREE_MEMORY = 1e9


@dataclass
class Workload:
    """The figures of one generative model that its operating point needs, resolved once."""

    flop_parameters: object  # active parameters outside the token embedding [1]
    dense_parameters: object  # parameters read every step (all but routed experts and the embedding) [1]
    routed_parameters: object  # routed-expert parameters [1]
    experts: object
    active_experts: object
    weight_bytes: object  # all weights and embedding tables, stored [bytes]
    weight_bpv: float
    kv_token: object  # KV bytes per token of context [bytes]
    prompt: object  # prompt tokens per request, P
    prefill_tokens: object  # prompt tokens that miss the prefix cache
    output_tokens: object
    beam: object
    draft_tokens: object  # k (0 without speculative decoding)
    tau: object  # tokens advanced per step
    draft_parameters: object  # [1]
    layers: object  # 0 when the architecture is unknown (no attention FLOPs, no all-reduce)
    hidden: object
    attention_width: object

    @property
    def context_mean(self):
        """Mean tokens a sequence holds while decoding: the prompt plus half its output."""
        return np.add(self.prompt, np.multiply(0.5, self.output_tokens))

    @property
    def kv_per_request(self):
        """KV-cache bytes one request holds on average: its prompt once (beams share the prompt's
        blocks, copy-on-write) and half its output per beam [bytes]."""
        held = np.add(self.prompt, np.multiply(np.multiply(0.5, self.beam), self.output_tokens))
        return np.multiply(held, self.kv_token)


def embedding_table_bytes(model):
    """Bytes of a model's embedding tables held in accelerator memory [bytes]: rows x width x bytes per
    value, at the embedding precision, else the weights' (the tables a recommender looks items up in;
    a generative model may have them too, e.g. item-ID tables).

    >>> from types import SimpleNamespace as NS
    >>> embedding_table_bytes(NS(embedding_rows=1e8, embedding_dim=64, embedding_precision="fp16",
    ...                          weights_precision="int8"))
    12800000000.0
    """
    bpv = BYTES_PER_VALUE[model.embedding_precision or model.weights_precision]
    return num(np.multiply(np.multiply(model.embedding_rows, model.embedding_dim), bpv))


def workload(model, kv_token, draft_parameters=0.0) -> Workload:
    """Resolve a scenario model (``tco.scenario.Model``) into its :class:`Workload`."""
    wbpv = BYTES_PER_VALUE[model.weights_precision]
    routed = model.routed_expert_parameters if model.is_moe else 0.0
    experts = model.experts if model.is_moe else 1.0
    active = model.active_experts if model.is_moe else 1.0
    prompt = np.multiply(model.items_per_request, model.input_tokens_per_item)
    spec = model.speculative
    k = spec.draft_tokens if spec is not None else 0.0
    tau = serving.speculative_tokens_per_step(spec.acceptance_rate, k) if spec is not None else 1.0
    layers = model.layers or 0.0
    width = (model.attention_heads or 0.0) * (model.head_dim or 0.0)
    return Workload(
        flop_parameters=model.flop_parameters,
        dense_parameters=np.subtract(np.subtract(model.parameters, model.embedding_parameters), routed),
        routed_parameters=routed, experts=experts, active_experts=active,
        weight_bytes=np.add(performance.weight_bytes(model.parameters, wbpv), embedding_table_bytes(model)),
        weight_bpv=wbpv, kv_token=kv_token,
        prompt=prompt, prefill_tokens=np.multiply(prompt, np.subtract(1.0, model.prefix_cache_hit_rate)),
        output_tokens=model.output_tokens, beam=model.beam_width, draft_tokens=k, tau=tau,
        draft_parameters=draft_parameters if spec is not None else 0.0,
        layers=layers, hidden=model.hidden_size or 0.0, attention_width=width)


@dataclass
class Hardware:
    """One accelerator's roofline and link, with the efficiency factors applied."""

    peak_flops: float  # dense peak at the compute precision [FLOP/s]
    bandwidth_gb_s: float  # memory bandwidth [GB/s]
    memory_gb: float
    link_gb_s: float  # scale-up bandwidth per direction [GB/s]; NaN: unknown
    mfu: object
    mbu: object
    hop_latency_s: float = ALLREDUCE_HOP_LATENCY_S["switched"]  # per ring step [s]


def hardware(accelerator, compute_precision: str, mfu, mbu) -> Hardware:
    """The :class:`Hardware` of a catalog accelerator row at a compute precision (peak NaN if none)."""
    peak = float(accelerator.get(PEAK_COLUMN[compute_precision], np.nan)) * TERA
    link = float(accelerator.get("scaleup_bandwidth_gb_s", np.nan)) / 2.0  # the catalog states both directions
    domain = float(accelerator.get("scaleup_domain", np.nan))
    hop = ALLREDUCE_HOP_LATENCY_S["pcie" if domain == 1 else "switched"]  # a domain of 1: PCIe-only cards
    return Hardware(peak, float(accelerator["bandwidth_gb_s"]), float(accelerator["memory_gb"]), link, mfu, mbu, hop)


def _collectives(w: Workload, hw: Hardware, tokens, g):
    """Two all-reduces per layer of ``tokens`` activations across the replica's ``g`` accelerators."""
    if np.all(np.asarray(g) <= 1) or not np.isfinite(hw.link_gb_s):
        return 0.0
    message = np.multiply(np.multiply(tokens, w.hidden), ACTIVATION_BYTES)
    one = serving.allreduce_time(message, g, hw.link_gb_s, ALLREDUCE_BASE_LATENCY_S, hw.hop_latency_s)
    return np.multiply(2.0 * np.asarray(w.layers, dtype=float), one)


def prefill_seconds(w: Workload, hw: Hardware, g):
    """Replica time to prefill one request: its uncached prompt tokens, compute-bound, plus collectives.

    Attention of the new tokens reaches over the cached prefix and half the new part (causal).
    """
    new = w.prefill_tokens
    attended = np.subtract(w.prompt, np.multiply(0.5, new))
    flops = np.add(performance.prefill_flops(w.flop_parameters, 1.0, new),
                   np.multiply(new, serving.attention_flops(w.layers, w.attention_width, attended)))
    compute = performance.prefill_time(np.divide(flops, g), 0.0, hw.peak_flops, hw.bandwidth_gb_s, hw.mfu, hw.mbu)
    return np.add(compute, _collectives(w, hw, new, g))


def step_seconds(w: Workload, hw: Hardware, g, batch):
    """Time of one decoding step of ``batch`` requests on a replica of ``g`` accelerators, draft included."""
    sequences = np.multiply(batch, w.beam)
    tokens = np.multiply(sequences, np.add(w.draft_tokens, 1.0))  # positions verified per step
    flops = np.add(np.multiply(2.0, np.multiply(w.flop_parameters, tokens)),
                   np.multiply(tokens, serving.attention_flops(w.layers, w.attention_width, w.context_mean)))
    weights = serving.moe_step_weight_bytes(w.dense_parameters, w.routed_parameters, w.experts, w.active_experts,
                                            tokens, w.weight_bpv)
    traffic = np.add(weights, np.multiply(sequences, np.multiply(w.context_mean, w.kv_token)))
    step = performance.prefill_time(np.divide(flops, g), np.divide(traffic, g), hw.peak_flops, hw.bandwidth_gb_s,
                                    hw.mfu, hw.mbu)
    step = np.add(step, _collectives(w, hw, tokens, g))
    if np.any(np.asarray(w.draft_tokens) > 0):  # k draft steps of the draft model, one token per sequence each
        draft = performance.prefill_time(
            np.divide(np.multiply(2.0, np.multiply(w.draft_parameters, sequences)), g),
            np.divide(np.multiply(w.draft_parameters, w.weight_bpv), g),
            hw.peak_flops, hw.bandwidth_gb_s, hw.mfu, hw.mbu)
        step = np.add(step, np.multiply(w.draft_tokens, draft))
    return step


def memory_batch(w: Workload, hw: Hardware, g, usable_memory_fraction, extra_bytes=0.0):
    """Most requests whose KV cache fits a replica beside the weights (and the draft's)."""
    usable = np.multiply(np.multiply(g, hw.memory_gb), np.multiply(usable_memory_fraction, BYTES_PER_GB))
    draft = np.multiply(w.draft_parameters, w.weight_bpv)
    free = np.subtract(np.subtract(np.subtract(usable, w.weight_bytes), draft), extra_bytes)
    return serving.batch_for_memory(free, w.kv_per_request)


@dataclass
class Point:
    """An operating point of one replica; every figure may be an array of samples."""

    replica_size: object
    batch: object  # requests decoded together
    batch_memory: object  # the most that fit memory
    step_s: object
    prefill_s: object
    tpot_s: object
    ttft_s: object  # prefill plus the first step, without queueing
    rate: object  # requests/s per replica
    tokens_per_step: object
    binding: str  # what set the batch: 'memory', 'TPOT objective' or 'given'
    regime: str = ""  # 'compute' when free memory traffic would change the rate by under 5%, else 'memory'

    @property
    def per_accelerator(self):
        return np.divide(self.rate, self.replica_size)


def point(w: Workload, hw: Hardware, g, usable_memory_fraction, batch=None, tpot_slo_s=None) -> Point:
    """The operating point of a replica of ``g`` accelerators.

    ``batch`` given: that batch. Otherwise the largest batch that fits memory and, with a TPOT
    objective, whose TPOT meets it (searched several batches at a time: TPOT grows with it). A
    batch of 0 means the weights leave no room, or even one request misses the TPOT objective; its
    rate is 0.
    """
    b_mem = memory_batch(w, hw, g, usable_memory_fraction)
    pre = prefill_seconds(w, hw, g)

    def tpot(b):
        return serving.time_per_output_token(step_seconds(w, hw, g, b), pre, b, w.output_tokens, w.tau)

    binding = "memory"
    if batch is not None:
        b = np.broadcast_to(np.asarray(batch, dtype=float), np.shape(b_mem)) * 1.0
        binding = "given"
    elif tpot_slo_s is None:
        b = np.asarray(b_mem, dtype=float)
    else:
        hi = np.broadcast_to(np.asarray(b_mem, dtype=float),
                             np.broadcast_shapes(np.shape(b_mem), np.shape(tpot_slo_s))).copy()
        ok_hi = np.asarray(tpot(hi) <= tpot_slo_s)
        lo = np.where(ok_hi, hi, 0.0)
        # invariant: lo meets the objective (or is 0), hi does not. A few samples: each pass tries
        # BATCH_SEARCH_WAYS - 1 batches spread over (lo, hi) at once (on a leading axis), so 2**20
        # sequences take 4 passes; many: one, the middle (bisection, the least work per sample)
        n_ways = BATCH_SEARCH_WAYS if lo.size <= BATCH_SEARCH_SAMPLES else 2
        ways = np.arange(1.0, n_ways).reshape((-1,) + (1,) * lo.ndim) / n_ways
        for _ in range(80):  # 2**80 sequences at most
            if not np.any(hi - lo > 1.0):
                break
            tried = lo + np.floor((hi - lo) * ways)
            ok = (tried <= lo) | (np.asarray(tpot(np.maximum(tried, 1.0)) <= tpot_slo_s) & (tried >= 1.0))
            lo, hi = np.max(np.where(ok, tried, lo), axis=0), np.min(np.where(ok, hi, tried), axis=0)
        b = lo
        if np.any(b < b_mem):
            binding = "TPOT objective"
    safe = np.maximum(b, 1.0)
    step = step_seconds(w, hw, g, safe)
    rate = np.where(b >= 1.0, serving.replica_request_rate(step, pre, safe, w.output_tokens, w.tau), 0.0)
    unbound = Hardware(hw.peak_flops, hw.bandwidth_gb_s, hw.memory_gb, hw.link_gb_s, hw.mfu, FREE_MEMORY,
                       hw.hop_latency_s)
    free_rate = serving.replica_request_rate(step_seconds(w, unbound, g, safe), pre, safe, w.output_tokens, w.tau)
    regime = "compute" if np.all(np.isclose(free_rate, np.where(b >= 1.0, rate, free_rate), rtol=0.05)) else "memory"
    return Point(g, num(b), num(b_mem), num(step), num(pre),
                 num(serving.time_per_output_token(step, pre, safe, w.output_tokens, w.tau)),
                 num(np.add(pre, step)), num(rate), w.tau, binding, regime)


def replica_sizes(w: Workload, hw: Hardware, usable_memory_fraction, largest: int, given=None) -> list[int]:
    """Replica sizes worth trying: ``given``, else powers of two from the smallest that holds the
    weights and one request's KV cache up to ``largest``."""
    if given is not None:
        return [int(given)]
    need = np.max(np.add(np.add(w.weight_bytes, np.multiply(w.draft_parameters, w.weight_bpv)), w.kv_per_request))
    g = int(performance.replica_size(need / BYTES_PER_GB, hw.memory_gb, np.min(usable_memory_fraction)))
    sizes = []
    while g <= largest:
        sizes.append(g)
        g *= 2
    return sizes


def best_point(w: Workload, hw: Hardware, usable_memory_fraction, largest: int, given_size=None, batch=None,
               tpot_slo_s=None) -> Point | None:
    """The replica size with the most requests per second per accelerator, and its operating point
    (None when no allowed size holds the model, or, with a batch given, holds that batch's KV cache;
    a size given is the only size allowed). Samples of uncertain inputs may pick different sizes: the
    size is chosen on the median sample, so that one fleet shape is costed."""
    best = None
    for g in replica_sizes(w, hw, usable_memory_fraction, largest, given_size):
        if batch is not None:  # a given batch: the smallest size that holds it
            if np.any(memory_batch(w, hw, g, usable_memory_fraction) < batch):
                continue
            return point(w, hw, g, usable_memory_fraction, batch, tpot_slo_s)
        p = point(w, hw, g, usable_memory_fraction, None, tpot_slo_s)
        if best is None or np.median(p.per_accelerator) > np.median(best.per_accelerator) * (1.0 + 1e-9):
            best = p
    return best
