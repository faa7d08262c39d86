"""How LLMs are served now: MoE, KV cache from the architecture, speculative decoding, tensor-parallel
collectives, continuous batching, TTFT and TPOT (DESIGN 5.1).

Formula functions only, vectorised like those of :mod:`tco.performance`: scalars or numpy arrays
in, the broadcast shape out. :mod:`tco.sizing` composes them for one model of a scenario.
"""

from __future__ import annotations

import numpy as np

from .units import BYTES_PER_GB, vectorised


@vectorised
def distinct_experts(experts, active_experts, tokens):
    r"""Expected number of distinct routed experts one MoE layer reads for a batch of tokens.

    Parameters
    ----------
    experts : array_like
        Routed experts per MoE layer, E. [1]
    active_experts : array_like
        Experts each token is routed to (top-k), k. [1]
    tokens : array_like
        Tokens in the step (sequences x tokens verified per sequence), b. [tokens]

    Returns
    -------
    numpy.ndarray or float
        Distinct experts touched, between k (one token) and E. [1]

    Notes
    -----
    With routing uniform and independent across tokens, an expert is missed by one token with
    probability :math:`1 - k/E`, so by all ``b`` tokens with :math:`(1 - k/E)^b`:

    .. math:: E_{touched} = E \left(1 - \left(1 - \frac{k}{E}\right)^{b}\right)

    Real routers are skewed, which touches slightly fewer experts; the uniform case is the upper
    bound on bytes read.

    References
    ----------
    The occupancy ("balls into bins") expectation, e.g. Feller (1968), *An Introduction to
    Probability Theory and Its Applications*, vol. 1, ch. II.11; applied to MoE decoding in
    DESIGN 5.1.

    Examples
    --------
    Mixtral-8x7B (8 experts, top-2): one token reads 2, a batch of 4 reads 8·(1-0.75⁴) = 5.47,
    a batch of 64 reads all 8:

    >>> [round(distinct_experts(8, 2, b), 2) for b in (1, 4, 64)]
    [2.0, 5.47, 8.0]
    """
    missed = np.power(np.subtract(1.0, np.divide(active_experts, experts)), tokens)
    return np.multiply(experts, np.subtract(1.0, missed)) * 1.0


@vectorised
def moe_step_weight_bytes(dense_parameters, routed_expert_parameters, experts, active_experts, tokens,
                          bytes_per_value):
    r"""Weight bytes one forward step over ``tokens`` tokens reads from memory.

    Parameters
    ----------
    dense_parameters : array_like
        Parameters every token uses: attention, dense FFNs, shared experts, router, output head. [1]
    routed_expert_parameters : array_like
        Parameters of all routed experts of all MoE layers (0 for a dense model). [1]
    experts : array_like
        Routed experts per MoE layer, E (any value >= 1 for a dense model). [1]
    active_experts : array_like
        Routed experts per token, k. [1]
    tokens : array_like
        Tokens in the step, b. [tokens]
    bytes_per_value : array_like
        Bytes per stored weight. [bytes]

    Returns
    -------
    numpy.ndarray or float
        [bytes]

    Notes
    -----
    Every layer is alike, so the routed bytes read are the routed parameters times the share of
    experts touched (:func:`distinct_experts`):

    .. math:: W_{step} = \left(N_{dense} + N_{routed} \frac{E_{touched}(E, k, b)}{E}\right) bytes

    Shared experts are part of :math:`N_{dense}`: they are always read.

    References
    ----------
    DESIGN 5.1; the occupancy expectation of :func:`distinct_experts`.

    Examples
    --------
    Mixtral-8x7B in fp8 (1.6 B dense, 45.1 B routed parameters): 13.0 GB at one token,
    all 46.7 GB from about 32 tokens on:

    >>> [round(moe_step_weight_bytes(1.6e9, 45.1e9, 8, 2, b, 1.0) / 1e9, 1) for b in (1, 32)]
    [12.9, 46.7]
    """
    share = np.divide(distinct_experts(experts, active_experts, tokens), experts)
    return np.multiply(np.add(dense_parameters, np.multiply(routed_expert_parameters, share)), bytes_per_value) * 1.0


@vectorised
def kv_bytes_per_token(layers, kv_heads, head_dim, bytes_per_value):
    r"""KV-cache bytes one token of context holds (grouped-query or multi-head attention).

    Parameters
    ----------
    layers : array_like
        Transformer layers, L. [1]
    kv_heads : array_like
        Key/value heads, h_kv (= attention heads without grouped-query attention). [1]
    head_dim : array_like
        Values per head, d_h. [1]
    bytes_per_value : array_like
        Bytes per cached value (the KV-cache precision). [bytes]

    Returns
    -------
    numpy.ndarray or float
        [bytes/token]

    Notes
    -----
    A key and a value vector per KV head and layer:

    .. math:: kv = 2 \, L \, h_{kv} \, d_h \, bytes

    References
    ----------
    Ainslie et al. (2023), *GQA: Training Generalized Multi-Query Transformer Models from
    Multi-Head Checkpoints*, arXiv 2305.13245; Pope et al. (2022), *Efficiently Scaling Transformer
    Inference*, arXiv 2211.05102, section 3.

    Examples
    --------
    Llama 2 70B (80 layers, 8 KV heads of 128) with an fp8 cache:

    >>> kv_bytes_per_token(80, 8, 128, 1.0)
    163840.0
    """
    return 2.0 * np.multiply(np.multiply(np.multiply(layers, kv_heads), head_dim), bytes_per_value)


@vectorised
def mla_kv_bytes_per_token(layers, kv_lora_rank, rope_head_dim, bytes_per_value):
    r"""KV-cache bytes per token of multi-head latent attention (DeepSeek-V2/V3).

    Parameters
    ----------
    layers : array_like
        L. [1]
    kv_lora_rank : array_like
        Width of the compressed latent KV vector, d_c. [1]
    rope_head_dim : array_like
        Width of the decoupled rotary key shared by all heads, d_r. [1]
    bytes_per_value : array_like
        [bytes]

    Returns
    -------
    numpy.ndarray or float
        [bytes/token]

    Notes
    -----
    Only the latent vector and the shared rotary key are cached per layer:

    .. math:: kv = L \, (d_c + d_r) \, bytes

    References
    ----------
    DeepSeek-AI (2024), *DeepSeek-V2: A Strong, Economical, and Efficient Mixture-of-Experts
    Language Model*, arXiv 2405.04434, section 2.1 and Table 1.

    Examples
    --------
    DeepSeek-V3 (61 layers, d_c 512, d_r 64) with a bf16 cache: 70 kB per token, against 1.3 MB
    for the 61-layer, 128-head MHA it replaces:

    >>> mla_kv_bytes_per_token(61, 512, 64, 2.0)
    70272.0
    """
    return np.multiply(np.multiply(layers, np.add(kv_lora_rank, rope_head_dim)), bytes_per_value) * 1.0


@vectorised
def attention_flops(layers, attention_width, context_tokens):
    r"""FLOPs per token of the attention scores and their application to the values.

    Parameters
    ----------
    layers : array_like
        L. [1]
    attention_width : array_like
        Query heads x head dimension, d_attn. [1]
    context_tokens : array_like
        Mean number of tokens each new token attends to, c. [tokens]

    Returns
    -------
    numpy.ndarray or float
        [FLOP/token]

    Notes
    -----
    :math:`QK^T` and :math:`AV` each cost one multiply-add per context token and attention
    dimension; the :math:`2N` per token of :func:`tco.performance.prefill_flops` leaves them out:

    .. math:: F_{attn} = 4 \, L \, d_{attn} \, c

    A causal prefill of P new tokens after C cached ones attends to :math:`c = C + P/2` on average.

    References
    ----------
    Kaplan et al. (2020), *Scaling Laws for Neural Language Models*, arXiv 2001.08361, Table 1
    (the context-dependent term :math:`2 n_{layer} n_{ctx} d_{attn}`, counted there for the scores
    only); Pope et al. (2022), arXiv 2211.05102.

    Examples
    --------
    Llama 2 70B (80 layers, 64 heads of 128) attending to 1,000 tokens: 2.6e9 FLOPs per token,
    2% of the 1.4e11 of its weights (32,000 tokens would make it 61%):

    >>> f"{attention_flops(80, 8192, 1000):.3e}"
    '2.621e+09'
    """
    return 4.0 * np.multiply(np.multiply(layers, attention_width), context_tokens) * 1.0


@vectorised
def speculative_tokens_per_step(acceptance_rate, draft_tokens):
    r"""Expected tokens a sequence advances per verification step of speculative decoding.

    Parameters
    ----------
    acceptance_rate : array_like
        Probability that the target model accepts a drafted token, alpha. [1]
    draft_tokens : array_like
        Tokens drafted per step, k (by a draft model or multi-token-prediction heads). [tokens]

    Returns
    -------
    numpy.ndarray or float
        Between 1 (nothing accepted) and k + 1 (everything accepted). [tokens]

    Notes
    -----
    Drafted tokens are accepted in order until the first rejection; the target model's own token
    always comes out:

    .. math:: \tau = \frac{1 - \alpha^{k+1}}{1 - \alpha}, \qquad \tau(\alpha = 1) = k + 1

    References
    ----------
    Leviathan, Kalman, Matias (2023), *Fast Inference from Transformers via Speculative
    Decoding*, ICML, arXiv 2211.17192, equation (1).

    Examples
    --------
    >>> speculative_tokens_per_step(0.8, 4)
    3.3616
    >>> speculative_tokens_per_step([0.0, 1.0], 3)
    array([1., 4.])
    """
    a = np.asarray(acceptance_rate, dtype=float)
    k = np.asarray(draft_tokens, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.divide(1.0 - np.power(a, k + 1.0), 1.0 - a)
    return np.round(np.where(a >= 1.0, k + 1.0, tau), 12)


@vectorised
def allreduce_time(message_bytes, accelerators, link_bandwidth_gb_s, base_latency_s=0.0, hop_latency_s=0.0):
    r"""Time of one ring all-reduce of a message across a replica's accelerators.

    Parameters
    ----------
    message_bytes : array_like
        Bytes each accelerator contributes (e.g. the activations of a layer's output). [bytes]
    accelerators : array_like
        Accelerators in the group, t (1: no communication). [accelerators]
    link_bandwidth_gb_s : array_like
        Scale-up bandwidth of one accelerator in one direction (NVLink, Infinity Fabric, ICI). [GB/s]
    base_latency_s : array_like, default 0
        Fixed cost of launching the collective, alpha_0. [s]
    hop_latency_s : array_like, default 0
        Latency of each of the ring's steps, alpha. [s]

    Returns
    -------
    numpy.ndarray or float
        [s]

    Notes
    -----
    A ring all-reduce takes :math:`2(t-1)` steps and sends and receives :math:`2(t-1)/t` of the
    message on every link:

    .. math:: t_{AR} = \alpha_0 + 2 (t - 1) \alpha + \frac{2 (t - 1)}{t} \frac{M}{BW_{link}}

    Tensor parallelism (Megatron-LM) needs two per layer and step, after attention and after the
    MLP, of :math:`tokens \times d_{model}` activations each. NCCL's own cost model has this form
    (``src/graph/tuning.cc``: a base latency per algorithm and protocol plus a per-step latency per
    link type, then bytes over bandwidth); at small batches the latencies dominate.

    References
    ----------
    Patarasuk and Yuan (2009), *Bandwidth optimal all-reduce algorithms for clusters of
    workstations*, J. Parallel Distrib. Comput. 69(2); Shoeybi et al. (2019), *Megatron-LM*,
    arXiv 1909.08053, section 3; NVIDIA/nccl, ``src/graph/tuning.cc`` (``baseLat``, ``hwLat``).

    Examples
    --------
    256 tokens of a 8,192-wide bf16 activation across 8 H100 (450 GB/s per direction), bandwidth
    only, then with NCCL's ring latencies (3.6 us to launch, 0.47 us per NVLink step):

    >>> round(allreduce_time(256 * 8192 * 2, 8, 450) * 1e6, 2)
    16.31
    >>> round(allreduce_time(256 * 8192 * 2, 8, 450, 3.6e-6, 0.47e-6) * 1e6, 2)
    26.49
    >>> allreduce_time(1e6, 1, 450, 3.6e-6, 0.47e-6)
    0.0
    """
    steps = np.multiply(2.0, np.subtract(accelerators, 1.0))
    share = np.divide(steps, accelerators)
    transfer = np.divide(np.multiply(share, message_bytes), np.multiply(link_bandwidth_gb_s, BYTES_PER_GB))
    latency = np.add(base_latency_s, np.multiply(steps, hop_latency_s))
    return np.where(np.greater(steps, 0), np.add(transfer, latency), 0.0 * transfer) * 1.0


@vectorised
def batch_for_memory(free_bytes, kv_bytes_per_sequence):
    r"""Most sequences whose KV cache fits the memory left beside the weights.

    Parameters
    ----------
    free_bytes : array_like
        Usable accelerator memory of the replica minus the weights. [bytes]
    kv_bytes_per_sequence : array_like
        KV-cache bytes one sequence holds on average (paged cache: prompt plus half the output). [bytes]

    Returns
    -------
    numpy.ndarray or float
        Whole sequences, 0 when the weights leave no room. [1]

    Notes
    -----
    .. math:: b_{mem} = \left\lfloor \frac{M_{free}}{kv_{seq}} \right\rfloor

    A paged KV cache allocates blocks as tokens arrive, so a sequence holds its prompt plus, on
    average over its life, half its output.

    References
    ----------
    Kwon et al. (2023), *Efficient Memory Management for Large Language Model Serving with
    PagedAttention*, SOSP, arXiv 2309.06180.

    Examples
    --------
    Llama 2 70B fp8 on 2 x H100 at 90% usable (144 GB, 69 GB of weights), 747 tokens of 164 kB:

    >>> batch_for_memory(144e9 - 69e9, 747 * 163840)
    612.0
    """
    return np.floor(np.maximum(np.divide(free_bytes, kv_bytes_per_sequence), 0.0)) * 1.0


@vectorised
def time_per_output_token(step_time, prefill_time, batch, output_tokens, tokens_per_step=1.0):
    r"""Time between two output tokens of one sequence under continuous batching (TPOT).

    Parameters
    ----------
    step_time : array_like
        Time of one decoding step of the whole batch. [s]
    prefill_time : array_like
        Replica time to prefill one request. [s]
    batch : array_like
        Requests decoded together, b (each with all its beams, whose cost is in the step time). [1]
    output_tokens : array_like
        Output tokens per request, o. [tokens]
    tokens_per_step : array_like, default 1
        Tokens a request advances per step, tau (speculative decoding). [tokens]

    Returns
    -------
    numpy.ndarray or float
        [s/token]

    Notes
    -----
    Each step completes :math:`b \tau / o` requests on average, and the replica prefills as many
    new ones in their place (chunked prefill interleaved with decoding), so each step takes its
    own time plus their prefill:

    .. math:: TPOT = \frac{t_{step} + \frac{b \tau}{o} t_{prefill}}{\tau}

    References
    ----------
    Yu et al. (2022), *Orca: A Distributed Serving System for Transformer-Based Generative
    Models*, OSDI (iteration-level scheduling); Agrawal et al. (2024), *Taming
    Throughput-Latency Tradeoff in LLM Inference with Sarathi-Serve*, OSDI, arXiv 2403.02310.

    Examples
    --------
    A 20 ms step of 64 sequences of 200 tokens, 50 ms of prefill per request:

    >>> round(time_per_output_token(0.020, 0.050, 64, 200) * 1000, 3)
    36.0
    """
    with np.errstate(over="ignore"):  # a vanishing output length admits without bound: TPOT is then infinite
        admitted = np.divide(np.multiply(batch, tokens_per_step), output_tokens)
    return np.divide(np.add(step_time, np.multiply(admitted, prefill_time)), tokens_per_step) * 1.0


@vectorised
def replica_request_rate(step_time, prefill_time, batch, output_tokens, tokens_per_step=1.0):
    r"""Requests per second one replica completes under continuous batching.

    Parameters
    ----------
    step_time, prefill_time : array_like
        As in :func:`time_per_output_token`. [s]
    batch : array_like
        Requests decoded together, b. [1]
    output_tokens : array_like
        o. [tokens]
    tokens_per_step : array_like, default 1
        tau. [tokens]

    Returns
    -------
    numpy.ndarray or float
        [requests/s]

    Notes
    -----
    Per request the replica spends its prefill and a share :math:`1/b` of the :math:`o/\tau`
    steps it takes part in:

    .. math:: \mu_{rep} = \frac{1}{t_{prefill} + \frac{o}{b \, \tau} t_{step}}

    It equals :math:`b / (o \cdot TPOT)` with :func:`time_per_output_token` (Little's law:
    :math:`b` requests in flight, each for :math:`o \cdot TPOT`).

    References
    ----------
    Little (1961), *A Proof for the Queuing Formula L = λW*, Operations Research 9(3).

    Examples
    --------
    >>> round(replica_request_rate(0.020, 0.050, 64, 200), 3)
    8.889
    >>> round(64 / (200 * time_per_output_token(0.020, 0.050, 64, 200)), 3)  # Little's law
    8.889
    """
    decode = np.divide(np.multiply(output_tokens, step_time), np.multiply(batch, tokens_per_step))
    return np.divide(1.0, np.add(prefill_time, decode)) * 1.0
