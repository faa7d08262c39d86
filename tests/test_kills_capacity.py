"""Mutation kills for tco.capacity (tools/mutation.py): every code path against an independent value.

Erlang C is taken here from its textbook sum (Kleinrock 1975, Queueing Systems Vol. 1, eq. 3.42),

    C(c, A) = [A^c/c! · c/(c - A)] / [sum_{k<c} A^k/k! + A^c/c! · c/(c - A)],

written term by term in plain Python floats (log space above 60 servers), and for a fractional c
from Jagerman's integral 1/B(c, A) = A ∫_0^∞ e^(-A t) (1 + t)^c dt by scipy's adaptive quadrature,
then C = c B / (c - A (1 - B)). The library computes B by a recurrence (up to 64 whole servers; a
table for few elements, a sorted loop for many) or by 64-node Gauss-Legendre quadrature of a
transformed integral (above 64 servers and for a fractional c, with a backward recurrence below
10 servers): each of those paths is checked here on values a mutant would move.
"""

import math

import numpy as np
import pytest
from scipy import integrate

from tco import capacity


def erlang_c_textbook(c: int, a: float) -> float:
    """C(c, A) from the sum above, in log space: log(A^k/k!) = k ln A - lgamma(k + 1)."""
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(c)]
    log_top = c * math.log(a) - math.lgamma(c + 1) + math.log(c / (c - a))
    m = max(logs + [log_top])
    top = math.exp(log_top - m)
    return top / (sum(math.exp(x - m) for x in logs) + top)


def erlang_c_jagerman(c: float, a: float) -> float:
    """C(c, A) for any real c > 0 from Jagerman's integral for 1/B."""
    inverse_b = a * integrate.quad(lambda t: math.exp(-a * t) * (1.0 + t) ** c, 0, math.inf,
                                   epsabs=0, epsrel=1e-13, limit=200)[0]
    b = 1.0 / inverse_b
    return c * b / (c - a * (1.0 - b))


def test_textbook_reference_matches_the_hand_values():
    # the reference itself, by hand: C(3, 2) = 4/9 (DESIGN 3.3); C(1, A) = A (M/M/1: the wait
    # probability is the utilisation); C(2, 1): terms 1, 1, then 1/2 · 2/1 = 1 -> 1 / (2 + 1) = 1/3
    assert erlang_c_textbook(3, 2.0) == pytest.approx(4 / 9, rel=1e-14)
    assert erlang_c_textbook(1, 0.3) == pytest.approx(0.3, rel=1e-14)
    assert erlang_c_textbook(2, 1.0) == pytest.approx(1 / 3, rel=1e-14)


def test_erlang_c_few_whole_servers_table_path():
    # 36 elements x at most 12 servers = 432 terms <= 2^14: the cumulative-product table
    c = np.repeat(np.arange(1, 13), 3).astype(float)
    a = c * np.tile([0.3, 0.7, 0.95], 12)
    expected = [erlang_c_textbook(int(ci), ai) for ci, ai in zip(c, a)]
    np.testing.assert_allclose(capacity.erlang_c(c, a), expected, rtol=1e-10)


def test_erlang_c_many_whole_servers_sorted_loop_path():
    # 5 x 64 = 320 elements x 64 servers = 20,480 terms > 2^14: the radix-sorted loop; the loads
    # differ by element so that a wrong order of the results shows
    c = np.tile(np.arange(1, 65), 5).astype(float)
    a = c * np.repeat([0.2, 0.5, 0.8, 0.9, 0.99], 64)
    expected = [erlang_c_textbook(int(ci), ai) for ci, ai in zip(c, a)]
    np.testing.assert_allclose(capacity.erlang_c(c, a), expected, rtol=1e-9)


@pytest.mark.parametrize("c, a", [(65, 58.5), (100, 90.0), (100, 50.0), (500, 475.0), (2000, 1900.0)])
def test_erlang_c_above_the_recurrence_by_the_integral(c, a):
    assert capacity.erlang_c(c, a) == pytest.approx(erlang_c_textbook(c, a), rel=1e-9)


@pytest.mark.parametrize("c, a", [(0.5, 0.2), (2.5, 1.5), (7.3, 4.0), (9.9, 9.0), (12.7, 7.0), (40.5, 30.0)])
def test_erlang_c_fractional_servers_against_jagerman(c, a):
    # below 10 servers the library raises c by whole steps and comes back down by the recurrence
    assert capacity.erlang_c(c, a) == pytest.approx(erlang_c_jagerman(c, a), rel=1e-8)


def test_erlang_c_fractional_extension_meets_whole_values():
    # the continuous extension agrees with the textbook sum at whole c (here through the integral,
    # as 70 > 64): C(70, 60)
    assert erlang_c_jagerman(70, 60.0) == pytest.approx(erlang_c_textbook(70, 60.0), rel=1e-9)


def test_erlang_c_mixed_paths_and_edge_cases_in_one_array():
    # one array that needs the recurrence (3 servers), the integral (100, 5.5), the unstable
    # value 1 (A >= c), the no-traffic value 0 (A <= 0), and NaN passed through
    c = np.array([3.0, 100.0, 5.5, 2.0, 4.0, 4.0, 3.0])
    a = np.array([2.0, 90.0, 3.0, 3.0, 4.0, 0.0, np.nan])
    got = capacity.erlang_c(c, a)
    assert got[0] == pytest.approx(4 / 9, rel=1e-12)
    assert got[1] == pytest.approx(erlang_c_textbook(100, 90.0), rel=1e-9)
    assert got[2] == pytest.approx(erlang_c_jagerman(5.5, 3.0), rel=1e-8)
    assert list(got[3:6]) == [1.0, 1.0, 0.0]
    assert math.isnan(got[6])
    # a 2 x 2 input keeps its shape; scalars give a float
    assert capacity.erlang_c(np.full((2, 2), 3.0), 2.0).shape == (2, 2)
    assert isinstance(capacity.erlang_c(3, 2.0), float)


def test_wait_exceeds_probability_by_hand():
    # r = 1 replica of 2 slots, s = 2 s, lambda = 0.5/s, t = 1 s: c = 2 servers, A = 0.5 x 2 = 1
    # C(2, 1) = 1/3 (see above); tail rate c/s - lambda = 1 - 0.5 = 0.5 -> P = 1/3 x e^-0.5 = 0.20218
    assert capacity.wait_exceeds_probability(1, 2, 2.0, 0.5, 1.0) == pytest.approx(math.exp(-0.5) / 3, rel=1e-12)
    # t = 0: P(W > 0) is Erlang C itself
    assert capacity.wait_exceeds_probability(1, 2, 2.0, 0.5, 0.0) == pytest.approx(1 / 3, rel=1e-12)
    # overloaded (A = 2 x 1 = 2 >= c = 1): every request waits, P = 1
    assert capacity.wait_exceeds_probability(1, 1, 1.0, 2.0, 5.0) == 1.0


def test_max_arrival_rate_meets_the_mm1_tail_exactly():
    # M/M/1 (one replica, one slot): C(1, A) = rho, so P(W > t) = rho e^{-(1/s - lambda) t}
    # t = 0: rho <= 0.01 -> lambda_max = 0.01 / s = 0.01 for s = 1 s
    assert capacity.max_arrival_rate(1, 1, 1.0, 0.0, 0.99) == pytest.approx(0.01, rel=1e-12)
    # s = 0.5 s, t = 0: rho = 0.05 at p = 0.95 -> lambda = rho / s = 0.1
    assert capacity.max_arrival_rate(1, 1, 0.5, 0.0, 0.95) == pytest.approx(0.1, rel=1e-12)
    # s = 1, t = 1: rho e^{-(1 - rho)} = 0.01 at the answer (rho = 0.026510...)
    rho = capacity.max_arrival_rate(1, 1, 1.0, 1.0, 0.99)
    assert rho * math.exp(-(1.0 - rho)) == pytest.approx(0.01, rel=1e-12)


def test_replicas_for_load_by_hand():
    # ceil(lambda / (mu x rho)): 100 / (30 x 0.5) = 6.67 -> 7; 60 / (30 x 0.5) = 4 exactly -> 4, not 5
    # (the 1e-9 keeps a quotient that is whole up to rounding from taking one more)
    assert capacity.replicas_for_load(100.0, 30.0, 0.5) == 7.0
    assert capacity.replicas_for_load(60.0, 30.0, 0.5) == 4.0
    assert capacity.replicas_for_load(0.3 * 3, 0.3, 1.0) == 3.0     # 0.3 x 3 / 0.3 = 3.0000000000000004


def _fewest_by_scan(lam, s, slots, slo, p, at_least=0):
    """The fewest r >= at_least with C(r·slots, lam·s) e^{-(r·slots/s - lam)(slo - s)} <= 1 - p, by trying
    r = 1, 2, 3, ... with the textbook Erlang C."""
    r = max(1, int(at_least))
    while True:
        c, a = r * slots, lam * s
        if a < c and erlang_c_textbook(c, a) * math.exp(-(c / s - lam) * (slo - s)) <= 1 - p:
            return float(r)
        r += 1


@pytest.mark.parametrize("lam, s, slots, slo, p, at_least", [
    (20.0, 0.05, 1, 0.1, 0.99, 0),      # 4 (test_capacity works it out by hand)
    (20.0, 0.05, 2, 0.1, 0.99, 0),      # 2: C(4, 1) e^-3 = 0.0010 passes, C(2, 1) e^-1 = 0.123 fails
    (1000.0, 0.05, 1, 0.1, 0.99, 0),    # A = 50: a few past the stability bound
    (1000.0, 0.05, 1, 0.06, 0.999, 0),  # tight wait budget: far past it (the doubling and bisection)
    (300.0, 0.2, 4, 0.25, 0.99, 0),
    (20.0, 0.05, 1, 0.1, 0.99, 6),      # at_least 6 above the SLO's 4: 6
    (20.0, 0.05, 1, 0.1, 0.99, 3),      # at_least 3 below it: still 4
    (5.0, 2.0, 4, 3.0, 0.99, 0),        # service of 2 s (an LLM answer): the tail's rate r·slots/s - lam
    (0.09, 10.0, 1, 20.0, 0.99, 0),     # 10 s, the tail's rate at r = 1 only 0.1 - 0.09 = 0.01 per s
])
def test_replicas_for_slo_against_a_linear_scan(lam, s, slots, slo, p, at_least):
    assert capacity.replicas_for_slo(lam, s, slots, slo, p, at_least=at_least) == \
        _fewest_by_scan(lam, s, slots, slo, p, at_least)


def test_replicas_for_slo_arrays_and_known_bound():
    lam = np.array([[20.0, 1000.0, 300.0], [5.0, 20.0, 800.0]])
    expected = [[_fewest_by_scan(x, 0.05, 1, 0.1, 0.99) for x in row] for row in lam]
    np.testing.assert_array_equal(capacity.replicas_for_slo(lam, 0.05, 1, 0.1, 0.99), expected)
    # a count known to pass bounds the search: the answer is the same when it is the answer or above
    assert capacity.replicas_for_slo(20.0, 0.05, 1, 0.1, 0.99, known=4.0) == 4.0
    assert capacity.replicas_for_slo(20.0, 0.05, 1, 0.1, 0.99, known=40.0) == 4.0


def test_instances_needed_by_hand():
    # g <= a: ceil(r / floor(a/g)): 5 replicas of 2 on 8-accelerator instances, 4 a box -> 2;
    # 9 replicas of 3 on 8 (2 a box, the 2 left over unused) -> 5
    assert capacity.instances_needed(5, 2, 8) == 2.0
    assert capacity.instances_needed(9, 3, 8) == 5.0
    # g > a: r x ceil(g / a): 3 replicas of 16 on 8 -> 3 x 2 = 6; of 12 on 8 -> 3 x 2 = 6
    assert capacity.instances_needed(3, 12, 8) == 6.0
    # both cases in one array, with the shapes broadcast
    np.testing.assert_array_equal(capacity.instances_needed([5, 3, 9], [2, 16, 3], 8), [2.0, 6.0, 5.0])
    np.testing.assert_array_equal(capacity.instances_needed([4, 7], 16, 8), [8.0, 14.0])
    # only the replica size has samples: 5 replicas of 1, 2 and 16 on instances of 8 ->
    # ceil(5 / 8) = 1, ceil(5 / 4) = 2, 5 x 2 = 10; the shape is the replica size's
    np.testing.assert_array_equal(capacity.instances_needed(5, [1, 2, 16], 8), [1.0, 2.0, 10.0])
    np.testing.assert_array_equal(capacity.instances_needed(5, [1, 2], 8), [1.0, 2.0])


def test_arrival_rates_by_hand():
    # Q = 8.64e6/day, h = 0.25 -> 6.48e6 misses/day; weights 2, 0, 2, 0, ... (mean 1):
    # lambda_h = 6.48e6 x w_h / 86,400 = 75 x w_h -> 150, 0, 150, ...
    w = np.tile([2.0, 0.0], 12)
    np.testing.assert_allclose(capacity.arrival_rates(8.64e6, 0.25, w), 75.0 * w, rtol=1e-12)


def test_hourly_weights_and_peak_by_hand():
    # 24 weights 3, 1, 1, ..., 1 (sum 26): normalised to mean 1 -> 3 x 24/26 = 2.7692, 24/26 = 0.9231
    w = [3.0] + [1.0] * 23
    got = capacity.hourly_weights(w)
    assert got[0] == pytest.approx(72 / 26, rel=1e-12) and got[1] == pytest.approx(24 / 26, rel=1e-12)
    # stretched to a peak of 2: 1 + (w - 1)(2 - 1)/(72/26 - 1): the peak 2, the others 1 - (2/26)/(46/26) = 1 - 1/23
    s = capacity.hourly_weights(w, 2.0)
    assert s[0] == pytest.approx(2.0, rel=1e-12) and s[5] == pytest.approx(1 - 1 / 23, rel=1e-12)
    assert s.mean() == pytest.approx(1.0, rel=1e-12)
    # the largest stretch before an hour turns negative: 1 + (max - 1)/(1 - min) = 1 + (46/26)/(2/26) = 24
    assert capacity.max_peak_to_average(w) == pytest.approx(24.0, rel=1e-12)
    # a flat profile: peak/average 1 stays flat (array shape kept), any other peak is refused
    np.testing.assert_array_equal(capacity.hourly_weights("flat", 1.0), np.ones(24))
    assert capacity.max_peak_to_average("flat") == 1.0
    with pytest.raises(ValueError) as refused:
        capacity.hourly_weights("flat", 2.0)
    assert str(refused.value) == ("a flat profile has no peak to stretch; give 24 weights or leave "
                                  "peak_to_average out")
    # weights given as arrays of samples: the hours go on the last axis
    samples = capacity.hourly_weights([np.array([3.0, 1.0])] + [1.0] * 23)
    assert samples.shape == (2, 24)
    np.testing.assert_allclose(samples[1], np.ones(24), rtol=1e-12)


def test_instances_needed_gives_a_float_for_numbers_and_an_array_for_arrays():
    from tco.capacity import instances_needed

    # 10 replicas of 2 accelerators on instances of 8: 4 replicas per instance, ceil(10 / 4) = 3 instances
    got = instances_needed(10, 2, 8)
    assert type(got) is float and got == 3.0
    # replicas of 16 accelerators span 2 instances of 8 each: 3 x 2 = 6
    arr = instances_needed(np.array([10.0, 3.0]), np.array([2.0, 16.0]), 8)
    assert isinstance(arr, np.ndarray) and arr.tolist() == [3.0, 6.0]


def test_erlang_c_when_the_recurrence_overflows():
    from tco.capacity import erlang_c

    # 30 and 64 servers offered 1e-10 Erlang: the probability of waiting is 0 to double precision
    # (C <= A^c / c! , e.g. (1e-10)^30 / 30! ~ 4e-333, below the smallest double). In the summed
    # recurrence the 30-server row's terms overflow to infinity and then meet the zero terms past
    # k = 30 (infinity x 0 = NaN): that row must still give B = 1 / infinity = 0
    assert erlang_c(np.array([30.0, 64.0]), np.array([1e-10, 1e-10])).tolist() == [0.0, 0.0]


def test_cached_share_per_sample_of_tables():
    from tco.performance import cached_lookup_share

    # two samples of two tables (rows), 1 byte a row, 100 bytes of cache: in each the smaller table
    # (10 rows) fits, the larger (1,000) does not. Sample 1: the small table takes 1 of 3 lookups;
    # sample 2 (the tables the other way round): the small one takes 2 of 3
    share = cached_lookup_share(np.array([[10.0, 1000.0], [1000.0, 10.0]]), np.array([[1.0, 2.0], [1.0, 2.0]]),
                                1.0, 100.0)
    assert share.tolist() == pytest.approx([1 / 3, 2 / 3])


def test_flat_profile_weights_per_sample():
    from tco.capacity import hourly_weights

    # a flat profile with a peak-to-average of 1 in each of 3 samples: weights of 1, one row per sample
    w = hourly_weights("flat", np.ones(3))
    assert w.shape == (3, 24) and np.all(w == 1.0)


def test_each_sample_of_a_profile_is_stretched_to_its_own_peak():
    from tco.capacity import hourly_weights

    # 24 weights whose first hour has two samples, 3 and 2 (the others 1): stretched to a
    # peak-to-average of 2, each sample's busiest hour is 2 and its mean stays 1
    w = hourly_weights([np.array([3.0, 2.0])] + [1.0] * 23, 2.0)
    assert w.shape == (2, 24)
    assert w.max(axis=-1).tolist() == pytest.approx([2.0, 2.0], rel=1e-12)
    assert w.mean(axis=-1).tolist() == pytest.approx([1.0, 1.0], rel=1e-12)


def test_a_service_time_equal_to_the_slo_is_refused():
    from tco.capacity import replicas_for_slo

    # 100 ms of service against a 100 ms objective: no queue can meet it
    with pytest.raises(ValueError, match="^service time is not below the latency SLO$"):
        replicas_for_slo(20.0, 0.1, 1, 0.1, 0.99)


def test_erlang_c_for_many_servers_against_the_erlang_b_recursion():
    from tco.capacity import erlang_c

    # 200 servers offered 180 Erlang: beyond the recurrence's 64 servers, so the library integrates;
    # here Erlang B by its recursion B(k) = A B(k-1) / (k + A B(k-1)), B(0) = 1, then
    # C = c B / (c - A (1 - B))
    b = 1.0
    for k in range(1, 201):
        b = 180.0 * b / (k + 180.0 * b)
    expected = 200 * b / (200 - 180.0 * (1 - b))
    assert erlang_c(200.0, 180.0) == pytest.approx(expected, rel=1e-9)


def test_instances_needed_broadcasts_the_instance_size():
    from tco.capacity import instances_needed

    # 10 replicas of 2 on instances of 4 (2 per instance) and of 8 (4 per instance): 5 and ceil(2.5) = 3
    assert instances_needed(10, 2, np.array([4.0, 8.0])).tolist() == [5.0, 3.0]


def erlang_c_by_b_recursion(c: int, a: float) -> float:
    """C(c, A) from Erlang B's forward recursion B(k) = A B(k-1) / (k + A B(k-1)), B(0) = 1, in Python
    floats (each step is well conditioned: the error grows by about one rounding a step), then
    C = c B / (c - A (1 - B))."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1 - b))


@pytest.mark.parametrize("c, a", [(99, 4.95), (1000, 300.0), (5000, 3500.0)])
def test_erlang_c_by_the_integral_to_1e11(c, a):
    # the 64-node quadrature is good to about 1e-13 above 64 servers (its docstring); against the
    # recursion to 1e-11 at a light load (99 servers at 5%, where B is 4.4e-90 and the integrand is
    # narrow) and at heavier ones (5,000 servers at 70%): an integration range wider or narrower than
    # the one derived (the root of c y^2 / 2(1 + y) = 45) loses digits here first (1e-8 and 1e-9)
    assert capacity.erlang_c(c, a) == pytest.approx(erlang_c_by_b_recursion(c, a), rel=1e-11)


def test_gauss_legendre_rule_of_64_nodes_computed_on_first_use():
    # the rule is computed once and kept; here from an empty store: 64 nodes on [-1, 1], symmetric,
    # weights summing to 2 (the length of [-1, 1]), exact for x^126 (degree <= 2 x 64 - 1): 2 / 127
    kept = dict(capacity._GAUSS_LEGENDRE)
    capacity._GAUSS_LEGENDRE.clear()
    try:
        nodes, weights = capacity._gauss_legendre()
        assert 64 in capacity._GAUSS_LEGENDRE
        assert len(nodes) == len(weights) == 64
        np.testing.assert_allclose(nodes, -nodes[::-1], atol=1e-15)
        assert weights.sum() == pytest.approx(2.0, rel=1e-14)
        assert (nodes ** 126) @ weights == pytest.approx(2 / 127, rel=1e-12)
        assert capacity._gauss_legendre() is capacity._GAUSS_LEGENDRE[64]  # the kept rule, not a new one
    finally:
        capacity._GAUSS_LEGENDRE.clear()
        capacity._GAUSS_LEGENDRE.update(kept)


def test_the_smallest_load_gives_no_wait_without_a_divide_warning():
    # a load of 5e-324 Erlang (the smallest double) on 20.5 servers: rho = A / c rounds to 0, so
    # ln rho = -inf, B = 0 and C = 0, computed without a divide-by-zero warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert capacity.erlang_c(20.5, 5e-324) == 0.0


def test_erlang_c_by_the_integral_in_blocks_of_4096():
    # the quadrature runs over blocks of 4,096 elements; 5,000 elements of 100 servers (the integral's
    # path) with loads from 10 to 95 Erlang: the first and last of each block, and the first of the
    # second (element 4,096), against the textbook sum
    a = np.linspace(10.0, 95.0, 5000)
    got = capacity.erlang_c(np.full(5000, 100.0), a)
    for i in (0, 4095, 4096, 4097, 4999):
        assert got[i] == pytest.approx(erlang_c_textbook(100, a[i]), rel=1e-9), i


def test_erlang_c_of_no_element_is_empty():
    # an empty array in, an empty array out (a sample of no elements is not an error)
    assert capacity.erlang_c(np.array([]), np.array([])).shape == (0,)


@pytest.mark.parametrize("servers", [np.array([30.0, 64.0]),                 # the summed table
                                     np.tile(np.arange(1.0, 65.0), 5)])      # the sorted loop
def test_erlang_c_overflow_inside_the_recurrence_is_silent(servers):
    # a load of 1e-10 Erlang: the sum I = 1 + c/A + c(c-1)/A^2 + ... exceeds the largest double for
    # 30 servers or more ((1e10)^30 = 1e300 x 30! ...), so B = 1 / I = 0 and C = 0 there; the overflow
    # (and infinity x 0 in the table) is expected and silenced, not a RuntimeWarning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = capacity.erlang_c(servers, np.full(servers.shape, 1e-10))
    assert (got[servers >= 30] == 0.0).all()


def test_a_vanishing_service_time_waits_for_nothing_and_warns_of_nothing():
    # service of 1e-310 s (c / s overflows to infinity): the tail exp(-inf x t) is 0 for any wait
    # above 0, and the overflow is expected, not a RuntimeWarning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert capacity.wait_exceeds_probability(4, 1, 1e-310, 1.0, 0.5) == 0.0


def test_max_peak_to_average_of_a_two_level_profile():
    # 12 hours at 0.5 and 12 at 1.5 (mean 1): stretching w -> 1 + k (w - 1) turns the low hours
    # negative past k = 1 / (1 - 0.5) = 2, where the peak is 1 + 2 x (1.5 - 1) = 2
    assert capacity.max_peak_to_average([0.5] * 12 + [1.5] * 12) == pytest.approx(2.0, rel=1e-12)
    # the same shape at another scale (weights 1 and 3, mean 2): the ratio does not change
    assert capacity.max_peak_to_average([1] * 12 + [3] * 12) == pytest.approx(2.0, rel=1e-12)
    # a flat profile cannot be stretched: 1
    assert capacity.max_peak_to_average([1.0] * 24) == 1.0


def test_flat_profile_of_samples_kept_at_a_peak_ratio_of_one():
    # a flat profile given hour by hour as 3 samples each (24 arrays of 3 ones) and a peak-to-average of 1:
    # nothing to stretch, the weights are 1 for every sample and hour, with the samples' shape (3, 24)
    w = capacity.hourly_weights([np.ones(3)] * 24, 1.0)
    assert w.shape == (3, 24)
    assert (w == 1.0).all()


def test_replicas_for_slo_over_a_range_of_loads_against_a_linear_scan():
    # a tight wait budget (10 ms of a 60 ms objective at p99.9) puts the answer far past the stability
    # bound, where the doubling search overshoots and the bisection of its last step decides: every
    # load from 100 to 2,000 requests/s against the fewest count found by trying 1, 2, 3, ...
    lams = np.arange(100.0, 2001.0, 100.0)
    got = capacity.replicas_for_slo(lams, 0.05, 1, 0.06, 0.999)
    assert got.tolist() == [_fewest_by_scan(lam, 0.05, 1, 0.06, 0.999) for lam in lams]
