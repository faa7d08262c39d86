"""Traffic profile, Erlang C and the number of replicas and instances (DESIGN 3.1 and 3.3).

All functions are vectorised; hourly quantities carry the 24 hours on the last axis.
"""

from __future__ import annotations

import math

import numpy as np

from .units import SECONDS_PER_DAY, vectorised

#: Illustrative hourly shape of e-commerce traffic (China time), busiest 20:00-22:00, quietest
#: 03:00-05:00. An assumption for scenarios without measured logs; peak/average about 2.06.
ECOMMERCE_PROFILE = np.array([
    0.60, 0.38, 0.24, 0.16, 0.13, 0.14, 0.22, 0.42, 0.72, 0.95, 1.08, 1.15,
    1.12, 1.02, 1.02, 1.08, 1.08, 1.02, 1.08, 1.30, 1.62, 1.80, 1.62, 1.05,
])
PROFILES = {"flat": np.ones(24), "ecommerce": ECOMMERCE_PROFILE}


def _float_arrays(*values):
    """Each input as an array of floats (integers and lists in, floats out): the module's one conversion."""
    return tuple(np.asarray(value, dtype=float) for value in values)


def hourly_weights(profile, peak_to_average=None):
    r"""Hourly weights with mean 1, optionally stretched to a given peak-to-average ratio.

    Parameters
    ----------
    profile : str or array_like
        'flat', 'ecommerce', or 24 non-negative weights. [1]
    peak_to_average : array_like, optional
        Wanted ratio of the busiest hour to the mean, p. [1]

    Returns
    -------
    numpy.ndarray
        Weights :math:`w_h` with :math:`\bar w = 1`, shape ``(..., 24)``. [1]

    Notes
    -----
    Stretching about the mean keeps the daily total:

    .. math:: w'_h = 1 + (w_h - 1) \frac{p - 1}{\max_h w_h - 1}

    Examples
    --------
    >>> w = hourly_weights("ecommerce", 2.0)
    >>> round(float(w.mean()), 6), round(float(w.max()), 6)
    (1.0, 2.0)
    >>> hourly_weights("flat")[:3]
    array([1., 1., 1.])
    """
    if isinstance(profile, str):
        w = PROFILES[profile]
    else:  # 24 weights; any of them may be an array of samples (hours on the last axis)
        w = np.stack(np.broadcast_arrays(*_float_arrays(*profile)), axis=-1)
    w = w / w.mean(axis=-1, keepdims=True)
    if peak_to_average is None:
        return w
    p = _float_arrays(peak_to_average)[0][..., None]
    top = w.max(axis=-1, keepdims=True)
    if np.all(top <= 1.0 + 1e-12):
        return np.broadcast_to(w, np.broadcast_shapes(w.shape, p.shape[:-1] + (24,))).copy() if np.all(p == 1) \
            else _flat_error()
    return 1.0 + (w - 1.0) * (p - 1.0) / (top - 1.0)


def _flat_error():
    raise ValueError("a flat profile has no peak to stretch; give 24 weights or leave peak_to_average out")


def max_peak_to_average(profile) -> float:
    """Largest peak-to-average ratio the stretch can reach before an hour turns negative.

    >>> round(max_peak_to_average("ecommerce"), 3)
    2.242
    """
    w = PROFILES[profile] if isinstance(profile, str) else _float_arrays(profile)[0]
    w = w / w.mean()
    if w.max() <= 1.0 + 1e-12:
        return 1.0
    return float(1.0 + (w.max() - 1.0) / (1.0 - w.min()))


@vectorised
def arrival_rates(requests_per_day, cache_hit_rate, weights):
    r"""Hourly arrival rate of requests that miss the cache.

    Parameters
    ----------
    requests_per_day : array_like
        Q. [requests/day]
    cache_hit_rate : array_like
        h. [1]
    weights : array_like
        Hourly weights with mean 1, shape ``(..., 24)``. [1]

    Returns
    -------
    numpy.ndarray
        :math:`\lambda_h`, shape ``(..., 24)``. [requests/s]

    Notes
    -----
    .. math:: \lambda_h = \frac{Q (1 - h) \, w_h}{\sum_j w_j \cdot 3600} = \frac{Q (1-h) w_h}{86400}
        \quad (\bar w = 1)

    Examples
    --------
    >>> arrival_rates(8.64e6, 0.5, np.ones(24))[:2]
    array([50., 50.])
    """
    q_eff = np.multiply(requests_per_day, np.subtract(1.0, cache_hit_rate))
    return np.divide(np.multiply(np.expand_dims(q_eff, -1), weights), SECONDS_PER_DAY)


#: Whole servers up to which Erlang B is computed by its recurrence (exact, c steps); above, and for
#: a fractional number of servers, by quadrature of its integral form (64 nodes, whatever c).
RECURRENCE_SERVERS = 64


@vectorised
def erlang_c(servers, offered_load):
    r"""Probability that an arriving request waits in an M/M/c queue (Erlang C).

    Parameters
    ----------
    servers : array_like
        c, whole servers (a fractional c takes the continuous extension of the integral form,
        see Notes). [1]
    offered_load : array_like
        :math:`A = \lambda / \mu`. [erlang]

    Returns
    -------
    numpy.ndarray or float
        :math:`C(c, A)`; 1 when :math:`A \ge c` (the queue grows without bound), 0 when
        :math:`A \le 0`. [1]

    Notes
    -----
    From the Erlang B (loss) probability :math:`B(c, A) = \frac{A^c / c!}{\sum_{k=0}^{c} A^k / k!}`,

    .. math:: C(c, A) = \frac{c \, B}{c - A (1 - B)}

    Up to :data:`RECURRENCE_SERVERS` whole servers, B comes from its stable recurrence
    (Cooper 1981), written for :math:`I = 1/B` (exact, and an overflow of I only when B is
    below the smallest double):

    .. math:: B(0) = 1, \quad B(k) = \frac{A \, B(k-1)}{k + A \, B(k-1)}
        \iff I(k) = 1 + \frac{k}{A} I(k-1)

    Above, and for a fractional c, B comes from its integral form (Jagerman 1974),
    :math:`1/B(c, A) = A \int_0^\infty e^{-A t} (1 + t)^c \, dt`, which with
    :math:`1 + t = (1 + y)/\rho`, :math:`\rho = A / c`, reads

    .. math:: B(c, A) = \frac{e^{-c\,(\rho - 1 - \ln \rho)}}
        {c \int_{\rho - 1}^{\infty} e^{-c\,(y - \ln(1 + y))} \, dy}

    The integrand peaks at 1 (y = 0) with a width of about :math:`1/\sqrt{c}` and is taken by
    Gauss-Legendre quadrature (64 nodes, to about 1e-13): the cost does not grow with c, no
    factorial or power of A is formed, and B stays accurate for hundreds of thousands of servers.

    References
    ----------
    Kleinrock (1975), *Queueing Systems*, Vol. 1, section 3.5 (M/M/c and Erlang's C formula);
    Cooper (1981), *Introduction to Queueing Theory*, 2nd ed., section 3.4 (Erlang B and its recurrence);
    Jagerman (1974), "Some properties of the Erlang loss function", *Bell System Technical Journal*
    53(3), 525-551 (the integral, for real c).

    Examples
    --------
    >>> round(erlang_c(3, 2), 12) == round(4 / 9, 12)
    True
    >>> erlang_c([1, 2], [2.0, 0.0])
    array([1., 0.])
    >>> round(erlang_c(2000, 1900.0), 6)
    0.013406
    """
    c, a = np.broadcast_arrays(*_float_arrays(servers, offered_load))
    shape = c.shape
    c, a = c.ravel(), a.ravel()
    stable = (a > 0) & (a < c)
    if stable.all():
        b = _erlang_b(c, a)
        result = c * b / (c - a * (1.0 - b))
    else:
        result = np.where(a >= c, 1.0, np.where(a <= 0, 0.0, np.nan))  # NaN in, NaN out
        i = np.flatnonzero(stable)
        if i.size:
            b = _erlang_b(c[i], a[i])
            result[i] = c[i] * b / (c[i] - a[i] * (1.0 - b))
    return result.reshape(shape)


def _erlang_b(servers: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Erlang B where ``0 < load < servers`` (1-d arrays), by the recurrence or the integral."""
    small = (servers <= RECURRENCE_SERVERS) & (servers == np.floor(servers))
    if small.all():
        return _erlang_b_recurrence(servers, load)
    if not small.any():
        return np.exp(_log_erlang_b_integral(servers, load))
    b = np.empty_like(servers)
    b[small] = _erlang_b_recurrence(servers[small], load[small])
    b[~small] = np.exp(_log_erlang_b_integral(servers[~small], load[~small]))
    return b


def _erlang_b_recurrence(servers: np.ndarray, load: np.ndarray) -> np.ndarray:
    r"""Erlang B for whole servers (at most :data:`RECURRENCE_SERVERS`): I(k) = 1 + k/A·I(k-1), I(0) = 1.

    A few elements take the sum the recurrence unrolls, :math:`I(c) = \sum_{j=0}^{c} \prod_{i<j}
    (c - i)/A`, in one pass over a table of ``elements × servers`` terms. Many are sorted by
    servers, most first, so that step k updates only the leading ones that have k servers or more
    (work: the sum of the servers, not their maximum times the count).
    """
    most = int(servers.max(initial=0))
    if servers.size * most <= 1 << 14:
        with np.errstate(over="ignore", invalid="ignore"):
            k = np.arange(most)
            terms = np.cumprod(np.where(k < servers[:, None], (servers[:, None] - k) / load[:, None], 0.0), axis=1)
            i = 1.0 + terms.sum(axis=1)
        return 1.0 / np.where(np.isnan(i), np.inf, i)  # NaN: an infinite term times a zero one
    order = np.argsort(-servers.astype(np.int16), kind="stable")  # a radix sort
    needing = np.cumsum(np.bincount(servers.astype(np.int64), minlength=RECURRENCE_SERVERS + 1)[::-1])[::-1]
    with np.errstate(over="ignore"):  # I beyond the largest double: B below the smallest
        inverse_load = 1.0 / load[order]
        i = np.ones_like(inverse_load)
        for k in range(1, most + 1):
            head = i[:needing[k]]
            head *= inverse_load[:needing[k]]
            head *= k
            head += 1.0
    b = np.empty_like(i)
    b[order] = 1.0 / i
    return b


#: Fewest servers the Gauss-Legendre rule of :func:`_log_erlang_b_integral` takes directly (below,
#: the integrand decays too slowly for 64 nodes); fewer are reached by the recurrence, backwards.
INTEGRAL_SERVERS = 10.0


_GAUSS_LEGENDRE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _gauss_legendre(nodes: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the Gauss-Legendre rule on [-1, 1], computed once (about 1 ms)."""
    if nodes not in _GAUSS_LEGENDRE:
        _GAUSS_LEGENDRE[nodes] = np.polynomial.legendre.leggauss(nodes)
    return _GAUSS_LEGENDRE[nodes]


def _log_erlang_b_integral(servers: np.ndarray, load: np.ndarray) -> np.ndarray:
    r"""ln B(c, A) for A < c, any real c > 0, from the integral (see :func:`erlang_c`, Notes).

    The integrand :math:`e^{-c\,g(y)}`, :math:`g(y) = y - \ln(1+y) \ge 0`, is taken where
    :math:`c\,g(y) < 45` (beyond, under 1e-19 of its peak 1 at y = 0): left of 0 within
    :math:`\sqrt{90/c}` (as :math:`g(y) \ge y^2/2` there), right of 0 up to the root of
    :math:`c\,y^2 / 2(1+y) = 45` (as :math:`g(y) \ge y^2 / 2(1+y)` there); 64 Gauss-Legendre nodes give
    it to about 1e-13 for c of 10 or more. Fewer servers are first raised by whole steps n to
    c + n >= 10, then brought back by the recurrence run backwards,
    :math:`B(x) = (x+1) B(x+1) / (A (1 - B(x+1)))` (which grows an error by 1/(1 - B) a step, little
    as B is small there).
    """
    c, a = servers, load
    raise_by = np.where(c < INTEGRAL_SERVERS, np.ceil(INTEGRAL_SERVERS - c), 0.0)
    up = c + raise_by
    rho = a / up
    with np.errstate(divide="ignore"):  # c·(rho - 1 - ln rho), through log1p near 1 (the terms cancel)
        exponent = up * np.where(rho < 0.5, rho - 1.0 - np.log(rho), (rho - 1.0) - np.log1p(rho - 1.0))
    reach = 90.0 / up
    low = np.maximum(rho - 1.0, -np.sqrt(reach))
    high = 0.5 * (reach + np.sqrt(reach * reach + 4.0 * reach))
    nodes, weights = _gauss_legendre()
    integral = np.empty_like(c)
    for rows in (slice(i, i + 4096) for i in range(0, c.size, 4096)):  # tables of 2 MB, kept in cache
        half, mid = 0.5 * (high[rows] - low[rows]), 0.5 * (high[rows] + low[rows])
        y = half[:, None] * nodes + mid[:, None]
        exponent_y = np.log1p(y)
        np.subtract(exponent_y, y, out=exponent_y)  # -g(y)
        exponent_y *= up[rows, None]
        with np.errstate(under="ignore"):
            integral[rows] = half * (np.exp(exponent_y, out=exponent_y) @ weights)
    log_b = -exponent - np.log(up * integral)
    for x in range(int(np.max(raise_by, initial=0.0)), 0, -1):  # back down to c, where raised
        at = np.flatnonzero(raise_by >= x)
        log_b[at] += np.log((c[at] + x) / a[at]) - np.log1p(-np.exp(log_b[at]))
    return log_b


@vectorised
def wait_exceeds_probability(replicas, slots, service_time, arrival_rate, wait):
    r"""Probability that a request waits longer than ``wait`` for a free slot.

    Parameters
    ----------
    replicas : array_like
        r. [1]
    slots : array_like
        Requests a replica serves at once. [1]
    service_time : array_like
        Time of one batch, s. [s]
    arrival_rate : array_like
        :math:`\lambda`. [requests/s]
    wait : array_like
        t. [s]

    Returns
    -------
    numpy.ndarray or float
        [1]

    Notes
    -----
    An M/M/c queue of :math:`c = r \cdot slots` servers of rate :math:`1/s`:

    .. math:: P(W > t) = C(c, \lambda s) \, e^{-(c/s - \lambda) t}

    Examples
    --------
    >>> round(float(wait_exceeds_probability(3, 1, 1.0, 2.0, 0.0)), 4)
    0.4444
    """
    c = np.multiply(replicas, slots)
    a = np.multiply(arrival_rate, service_time)
    cc = erlang_c(c, a)
    with np.errstate(over="ignore"):
        tail = cc * np.exp(-np.multiply(np.maximum(np.divide(c, service_time) - arrival_rate, 0.0), wait))
    return np.where(np.asarray(a) >= np.asarray(c), 1.0, tail)


@vectorised
def max_arrival_rate(replicas, slots, service_time, wait, percentile):
    r"""Largest arrival rate a fleet serves with the wait for a slot within ``wait`` at ``percentile``.

    Parameters
    ----------
    replicas : array_like
        r. [1]
    slots : array_like
        Requests a replica serves at once. [1]
    service_time : array_like
        Time a request holds its slot, s. [s]
    wait : array_like
        Longest acceptable wait for a slot, t. [s]
    percentile : array_like
        p, e.g. 0.99. [1]

    Returns
    -------
    numpy.ndarray or float
        :math:`\lambda_{max}`, to a relative 1e-15 (60 bisection steps). [requests/s]

    Notes
    -----
    The inverse of :func:`replicas_for_slo` in the arrival rate: the largest :math:`\lambda` with

    .. math:: C(c, \lambda s) \, e^{-(c/s - \lambda) t} \le 1 - p, \qquad c = r \cdot slots

    found by bisection on the utilisation :math:`\rho = \lambda s / c \in [0, 1)` (the tail
    probability grows with :math:`\lambda`). This is how a load test such as MLPerf's Server
    scenario finds the rate a system sustains within a latency bound.

    Examples
    --------
    One server of 50 ms, p99 wait within 50 ms: C = rho and the tail is rho·exp(-(1 - rho)) = 0.01,
    so rho = 0.0265 (0.53 requests/s); 2,400 slots of 20 s waiting at most 1.5 s run at 98%:

    >>> round(max_arrival_rate(1, 1, 0.05, 0.05, 0.99), 4)
    0.5295
    >>> round(max_arrival_rate(4, 600, 20.0, 1.5, 0.99) / (2400 / 20.0), 3)
    0.982
    """
    c, s = np.multiply(replicas, slots), np.asarray(service_time)
    lo, hi = 0.0, 1.0  # the utilisation's bracket: every input enters `ok`, whose shape the first step gives it
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        ok = wait_exceeds_probability(replicas, slots, s, mid * c / s, wait) <= np.subtract(1.0, percentile)
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    return lo * c / s


@vectorised
def replicas_for_load(arrival_rate, replica_throughput, utilization_target):
    r"""Replicas needed so that none runs above the utilisation target.

    Parameters
    ----------
    arrival_rate : array_like
        :math:`\lambda`. [requests/s]
    replica_throughput : array_like
        :math:`\mu_{rep}`. [requests/s]
    utilization_target : array_like
        :math:`\rho_{max}`. [1]

    Returns
    -------
    numpy.ndarray or float
        [replicas]

    Notes
    -----
    .. math:: r_{load} = \left\lceil \frac{\lambda}{\mu_{rep} \, \rho_{max}} \right\rceil

    Examples
    --------
    >>> replicas_for_load(100.0, 30.0, 0.7)
    5.0
    """
    return np.ceil(np.divide(arrival_rate, np.multiply(replica_throughput, utilization_target)) - 1e-9)


#: Elements :func:`replicas_for_slo` searches at once.
SEARCH_BLOCK = 1 << 16


@vectorised
def replicas_for_slo(arrival_rate, service_time, slots, latency_slo, percentile, at_least=0.0, known=np.inf):
    r"""Fewest replicas whose latency at ``percentile`` stays within ``latency_slo``.

    Parameters
    ----------
    arrival_rate : array_like
        :math:`\lambda`. [requests/s]
    service_time : array_like
        Time of one batch, s; must be below the SLO. [s]
    slots : array_like
        Requests served at once per replica. [1]
    latency_slo : array_like
        [s]
    percentile : array_like
        p, e.g. 0.99. [1]
    at_least : array_like, default 0
        Replicas the fleet has anyway (e.g. for load); the search starts there, so the result is
        the fewest r at or above it. [replicas]
    known : array_like, default inf
        A replica count known to meet the SLO (e.g. the count at a higher arrival rate: the
        latency only grows with the load); it bounds the search from above. [replicas]

    Returns
    -------
    numpy.ndarray or float
        [replicas]

    Notes
    -----
    The fewest r (at or above ``at_least``) with

    .. math:: C(r \cdot slots, \lambda s) \, e^{-(r \cdot slots / s - \lambda)(SLO - s)} \le 1 - p

    found from the stability bound :math:`\lfloor \lambda s / slots \rfloor` upwards in steps of
    1, 1, 2, 4... (never past ``known``), then by bisection of the last step, element by element
    (the probability falls as r grows, so any order of the trials finds the same r).

    Examples
    --------
    Twenty requests per second of 50 ms each, p99 within 100 ms:

    >>> replicas_for_slo(20.0, 0.05, 1, 0.1, 0.99)
    4.0
    """
    inputs = _float_arrays(arrival_rate, service_time, slots, latency_slo, percentile, at_least, known)
    if np.any(inputs[1] >= inputs[3]):
        raise ValueError("service time is not below the latency SLO")
    shape = np.broadcast_shapes(*(x.shape for x in inputs))
    if len(shape) == 0:
        return float(_fewest_replicas(*(x.reshape(1) for x in inputs))[0])
    # blocks of about SEARCH_BLOCK elements (rows of the first axis): the search makes some fifty
    # passes over its arrays, several times faster while they stay in the processor's cache
    rows = max(1, SEARCH_BLOCK // max(1, math.prod(shape[1:])))
    out = np.empty(shape)
    for start in range(0, shape[0], rows):
        block = [np.broadcast_to(x, shape)[start:start + rows].ravel() for x in inputs]
        out[start:start + rows] = _fewest_replicas(*block).reshape((-1,) + shape[1:])
    return out


def _fewest_replicas(lam, s, k, slo, p, floor, known):
    """:func:`replicas_for_slo` on 1-d arrays of one length (the service time below the SLO)."""
    target = 1.0 - p
    wait = slo - s
    log_target = np.log(np.maximum(target, 1e-300))

    def fails(i, r):  # only the elements ``i`` still undecided are evaluated
        ki, si, li, wi = k[i], s[i], lam[i], wait[i]
        # C(c, A) <= 1, so where the exponential tail alone meets the target the SLO holds: Erlang C
        # (the costly part) is needed only for the others
        out = -np.maximum(r * ki / si - li, 0.0) * wi > log_target[i]
        j = np.flatnonzero(out)
        if j.size:
            out[j] = wait_exceeds_probability(r[j], ki[j], si[j], li[j], wi[j]) > target[i[j]]
        return out

    # Every r at or below the stability bound A / slots fails; search upwards from there (or from
    # at_least) in steps of 1, 1, 2, 4... (the SLO rarely needs much beyond stability or the load
    # count; hour by hour the fewest replicas are nearly always the first or the second count
    # tried), never past a count known to pass, then bisect the last step. lo is never returned:
    # it failed, or lies below the range searched.
    lo = np.maximum(np.floor(lam * s / k), np.ceil(floor) - 1.0)
    hi = lo + 1.0
    step = np.ones_like(lam)
    i = np.flatnonzero(hi < known)  # at or above a count known to pass, hi passes too
    for _ in range(80):
        if not i.size:
            break
        i = i[fails(i, hi[i])]
        lo[i] = hi[i]
        hi[i] = np.minimum(lo[i] + step[i], known[i])
        step[i] *= 2.0
        i = i[hi[i] < known[i]]
    i = np.flatnonzero(hi - lo > 1)
    while i.size:
        mid = np.floor((lo[i] + hi[i]) / 2.0)
        bad = fails(i, mid)
        lo[i[bad]] = mid[bad]
        hi[i[~bad]] = mid[~bad]
        i = i[hi[i] - lo[i] > 1]
    return hi


@vectorised
def instances_needed(replicas, replica_size, accelerators_per_instance):
    r"""Instances (or servers) that hold ``replicas`` replicas of ``replica_size`` accelerators.

    Parameters
    ----------
    replicas : array_like
        r. [1]
    replica_size : array_like
        g, a power of two. [accelerators]
    accelerators_per_instance : array_like
        a. [accelerators]

    Returns
    -------
    numpy.ndarray or float
        [instances]

    Notes
    -----
    Replicas do not straddle instances when they fit in one:

    .. math:: n_{inst} = \begin{cases} \lceil r / \lfloor a/g \rfloor \rceil & g \le a \\
        r \lceil g / a \rceil & g > a \end{cases}

    Examples
    --------
    >>> instances_needed(5, 2, 8), instances_needed(3, 16, 8), instances_needed(3, 1, 1)
    (2.0, 6.0, 3.0)
    """
    r, g, a = _float_arrays(replicas, replica_size, accelerators_per_instance)
    fit = g <= a
    if np.all(fit):  # the usual case (sizes and instances are one number): one branch only
        out = np.ceil(np.divide(r, np.maximum(np.floor(np.divide(a, g)), 1.0)))
    elif not np.any(fit):
        out = r * np.ceil(np.divide(g, a))
    else:
        out = np.where(fit, np.ceil(np.divide(r, np.maximum(np.floor(np.divide(a, g)), 1.0))),
                       r * np.ceil(np.divide(g, a)))
    return np.broadcast_to(out, np.broadcast_shapes(r.shape, g.shape, a.shape)).copy()  # writable
