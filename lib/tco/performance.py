"""Work per request, roofline throughput, memory fit and training compute (DESIGN 3.2, 3.3, 3.5).

Every function is vectorised: scalars or numpy arrays in, the broadcast shape out.
Units are given in brackets; FLOP/s and bytes are plain SI (no tera/giga prefixes) except where a
parameter says [GB] or [GB/s].
"""

from __future__ import annotations

from .units import vectorised

import numpy as np

from .units import BYTES_PER_GB, SECONDS_PER_HOUR

#: FLOPs per parameter per training token: forward 2N + backward 4N (Kaplan et al. 2020).
TRAINING_FLOPS_FACTOR = {"full": 6.0, "lora": 4.0}


@vectorised
def prefill_flops(non_embedding_parameters, items_per_request, input_tokens_per_item):
    r"""Forward FLOPs to read the input of one request.

    Parameters
    ----------
    non_embedding_parameters : array_like
        Parameters outside token-embedding tables, N. [1]
    items_per_request : array_like
        Items scored per request, k. [items]
    input_tokens_per_item : array_like
        Input tokens per item, t. [tokens]

    Returns
    -------
    numpy.ndarray or float
        FLOPs per request. [FLOP]

    Notes
    -----
    A transformer forward pass costs about two FLOPs per parameter per token (one multiply and
    one add; the attention term :math:`2 n_{layer} n_{ctx} d_{attn}` is small for short inputs):

    .. math:: F_{prefill} = 2 N k t

    References
    ----------
    Kaplan et al. (2020), *Scaling Laws for Neural Language Models*, Table 1.

    Examples
    --------
    BERT-large without its token embeddings (303 M parameters) scoring 20 items of 64 tokens:

    >>> prefill_flops(303e6, 20, 64)
    775680000000.0
    """
    return 2.0 * np.multiply(np.multiply(non_embedding_parameters, items_per_request), input_tokens_per_item)


@vectorised
def decode_flops(non_embedding_parameters, output_tokens):
    r"""Forward FLOPs to generate the output tokens of one request.

    Parameters
    ----------
    non_embedding_parameters : array_like
        N. [1]
    output_tokens : array_like
        Tokens generated per request, o. [tokens]

    Returns
    -------
    numpy.ndarray or float
        [FLOP]

    Notes
    -----
    .. math:: F_{decode} = 2 N o

    Examples
    --------
    >>> decode_flops(7e9, 100)
    1400000000000.0
    """
    return 2.0 * np.multiply(non_embedding_parameters, output_tokens)


@vectorised
def embedding_bytes(items_per_request, lookups_per_item, embedding_dim, bytes_per_value, cache_hit_rate=0.0):
    r"""Bytes gathered from embedding tables in memory for one request.

    Parameters
    ----------
    items_per_request : array_like
        k. [items]
    lookups_per_item : array_like
        Embedding rows read per item. [1]
    embedding_dim : array_like
        Values per row. [1]
    bytes_per_value : array_like
        Bytes per stored value (1 for int8). [bytes]
    cache_hit_rate : array_like, default 0
        Share of lookups served from on-chip cache of hot rows, h. [1]

    Returns
    -------
    numpy.ndarray or float
        [bytes]

    Notes
    -----
    .. math:: B_{emb} = k \, l \, d \, b \, (1 - h)

    Examples
    --------
    One DLRM-v2 pair: 214 lookups of 128 int8 values, no cache:

    >>> embedding_bytes(1, 214, 128, 1)
    27392.0
    """
    k = np.multiply(np.multiply(items_per_request, lookups_per_item), embedding_dim)
    return np.multiply(np.multiply(k, bytes_per_value), np.subtract(1.0, cache_hit_rate)) * 1.0


@vectorised
def cached_lookup_share(rows_per_table, lookups_per_table, row_bytes, cache_bytes):
    r"""Share of embedding lookups that fall in tables small enough to stay whole in on-chip cache.

    Parameters
    ----------
    rows_per_table : array_like
        Rows of each embedding table, tables on the last axis, R_j. [1]
    lookups_per_table : array_like
        Rows read from each table per item (multi-hot size), l_j. [1]
    row_bytes : array_like
        Bytes of one row (dimension × bytes per value), s. [bytes]
    cache_bytes : array_like
        On-chip memory that can hold tables (e.g. part of the L2 cache), C. [bytes]

    Returns
    -------
    numpy.ndarray or float
        A lower bound on the embedding cache hit rate ``h`` of :func:`embedding_bytes`: hot rows of
        the large tables may be cached too. [1]

    Notes
    -----
    Tables are kept whole, smallest first, while they fit:

    .. math:: h \ge \frac{\sum_{j \in S} l_j}{\sum_j l_j}, \quad
              S = \{\text{smallest tables with } s \sum_{j \in S} R_j \le C\}

    Leading axes of ``rows_per_table`` and ``lookups_per_table`` broadcast with ``row_bytes`` and
    ``cache_bytes``; the table axis is reduced.

    Examples
    --------
    Three tables of 10, 1,000 and 10⁶ rows of 128 bytes, read 1, 2 and 7 times per item; 1 MB of
    cache holds the two small ones (129 kB), so 3 of 10 lookups never reach memory:

    >>> cached_lookup_share([10, 1000, 1e6], [1, 2, 7], 128, 1e6)
    0.3
    """
    rows = np.atleast_1d(np.asarray(rows_per_table, dtype=float))
    lookups = np.broadcast_to(np.asarray(lookups_per_table, dtype=float), rows.shape)
    order = np.argsort(rows, axis=-1, kind="stable")
    rows, lookups = np.take_along_axis(rows, order, -1), np.take_along_axis(lookups, order, -1)
    fits = np.cumsum(rows, axis=-1) * np.expand_dims(row_bytes, -1) <= np.expand_dims(cache_bytes, -1)
    return np.sum(lookups * fits, axis=-1) / np.sum(lookups, axis=-1)


@vectorised
def prefill_time(flops, memory_bytes, peak_flops, memory_bandwidth, mfu, mbu):
    r"""Roofline time of the compute-or-memory bound part of a request on one accelerator.

    Parameters
    ----------
    flops : array_like
        Work, F. [FLOP]
    memory_bytes : array_like
        Bytes that must stream from memory (embedding gathers), B. [bytes]
    peak_flops : array_like
        Dense peak at the precision, P. [FLOP/s]
    memory_bandwidth : array_like
        Memory bandwidth, BW. [GB/s]
    mfu, mbu : array_like
        Achieved shares of peak compute and of bandwidth. [1]

    Returns
    -------
    numpy.ndarray or float
        [s]

    Notes
    -----
    .. math:: t_{prefill} = \max\left(\frac{F}{P \cdot mfu}, \frac{B}{BW \cdot mbu}\right)

    References
    ----------
    Williams, Waterman, Patterson (2009), *Roofline: an insightful visual performance model*.

    Examples
    --------
    >>> prefill_time(1e12, 0.0, 1000e12, 3350, 0.5, 0.6)
    0.002
    """
    compute = np.divide(flops, np.multiply(peak_flops, mfu))
    memory = np.divide(memory_bytes, np.multiply(np.multiply(memory_bandwidth, BYTES_PER_GB), mbu))
    return np.maximum(compute, memory) * 1.0


@vectorised
def throughput(prefill_seconds, decode_seconds):
    r"""Requests per second one accelerator sustains.

    Parameters
    ----------
    prefill_seconds, decode_seconds : array_like
        Accelerator time per request. [s]

    Returns
    -------
    numpy.ndarray or float
        mu. [requests/s]

    Notes
    -----
    .. math:: \mu = \frac{1}{t_{prefill} + t_{decode}}

    Examples
    --------
    >>> throughput(0.002, 0.0)
    500.0
    """
    return np.divide(1.0, np.add(prefill_seconds, decode_seconds)) * 1.0


@vectorised
def weight_bytes(parameters, bytes_per_value):
    r"""Bytes of the weights.

    Parameters
    ----------
    parameters : array_like
        [1]
    bytes_per_value : array_like
        [bytes]

    Returns
    -------
    numpy.ndarray or float
        W. [bytes]

    Notes
    -----
    .. math:: W = N_{total} \cdot bytes

    Examples
    --------
    >>> weight_bytes(7e9, 2)
    14000000000.0
    """
    return np.multiply(parameters, bytes_per_value) * 1.0


@vectorised
def kv_bytes_per_token_estimate(parameters, bytes_per_value):
    r"""Rough KV-cache bytes per token of context when the architecture is not given.

    Parameters
    ----------
    parameters : array_like
        Non-embedding parameters N. [1]
    bytes_per_value : array_like
        [bytes]

    Returns
    -------
    numpy.ndarray or float
        [bytes/token]

    Notes
    -----
    A dense transformer has :math:`N \approx 12 n_{layer} d^2`; with the common aspect ratio
    :math:`d \approx 128 n_{layer}` this gives :math:`d = (128 N / 12)^{1/3}` and
    :math:`n_{layer} = d / 128`. Keys and values of every layer are stored for each token
    (multi-head attention, no grouped-query sharing, so an upper bound for modern models):

    .. math:: kv = 2 \, n_{layer} \, d \, bytes = \frac{2 d^2}{128} bytes

    Examples
    --------
    >>> round(kv_bytes_per_token_estimate(6.5e9, 2) / 1e3)
    527
    """
    d = np.cbrt(np.multiply(parameters, 128.0 / 12.0))
    return np.multiply(2.0 * np.square(d) / 128.0, bytes_per_value)


@vectorised
def replica_size(memory_needed_gb, accelerator_memory_gb, usable_memory_fraction):
    r"""Accelerators one replica needs to hold the model: a power of two.

    Parameters
    ----------
    memory_needed_gb : array_like
        Weights + embedding tables + cache. [GB]
    accelerator_memory_gb : array_like
        [GB]
    usable_memory_fraction : array_like
        [1]

    Returns
    -------
    numpy.ndarray or float
        g. [accelerators]

    Notes
    -----
    .. math:: g = 2^{\lceil \log_2 \lceil need / (f \cdot mem) \rceil \rceil}

    Examples
    --------
    A 70 B model in fp8 with 20 GB of cache on 80 GB accelerators, 90 % usable:

    >>> replica_size(90.0, 80.0, 0.9)
    2.0
    >>> replica_size([1.0, 150.0, 300.0], 80.0, 0.9)
    array([1., 4., 8.])
    """
    n = np.ceil(np.divide(memory_needed_gb, np.multiply(accelerator_memory_gb, usable_memory_fraction)))
    n = np.maximum(n, 1.0)
    return np.exp2(np.ceil(np.log2(n) - 1e-12))


@vectorised
def training_flops(parameters, tokens, flops_per_parameter_token=6.0):
    r"""FLOPs of one training run.

    Parameters
    ----------
    parameters : array_like
        N. [1]
    tokens : array_like
        Training tokens, D. [tokens]
    flops_per_parameter_token : array_like, default 6
        c: 6 for full training (forward 2N + backward 4N), 4 for LoRA (no weight gradients of
        the frozen weights). [FLOP]

    Returns
    -------
    numpy.ndarray or float
        [FLOP]

    Notes
    -----
    .. math:: C = c \, N \, D

    References
    ----------
    Kaplan et al. (2020); Hoffmann et al. (2022), *Training Compute-Optimal Large Language Models*.

    Examples
    --------
    Llama 2 7B (6.74 B parameters, 2.0 T tokens):

    >>> f"{training_flops(6.74e9, 2.0e12):.3e}"
    '8.088e+22'
    """
    return np.multiply(np.multiply(flops_per_parameter_token, parameters), tokens) * 1.0


@vectorised
def accelerator_hours(flops, peak_flops, mfu):
    r"""Accelerator-hours to perform ``flops`` at a utilisation ``mfu`` of peak.

    Parameters
    ----------
    flops : array_like
        [FLOP]
    peak_flops : array_like
        [FLOP/s]
    mfu : array_like
        [1]

    Returns
    -------
    numpy.ndarray or float
        [accelerator-hours]

    Notes
    -----
    .. math:: H = \frac{C}{P \cdot mfu \cdot 3600}

    Examples
    --------
    Llama 2 7B on A100 (312 TFLOP/s bf16) at 40 % MFU, against 184,320 published GPU-hours:

    >>> round(accelerator_hours(8.088e22, 312e12, 0.40))
    180021
    """
    return np.divide(flops, np.multiply(np.multiply(peak_flops, mfu), SECONDS_PER_HOUR)) * 1.0
