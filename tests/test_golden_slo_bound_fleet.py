"""Golden values for a fleet bound by its latency objective: the Erlang C replica count exceeds the
load count. Erlang C and the wait tail are written out here, independently of tco.capacity.

Catalog figures used: none. The scenario states its figures:
- traffic: 8,640,000 requests/day, no cache, flat profile -> lambda = 100 requests/s all day;
- one encoder at 40 requests/s per accelerator (``throughput_rps``), one request at a time per
  replica (slots 1), so the service time is s = 1/40 = 25 ms; one accelerator per replica and
  instance (A10, cloud, price given: 10 CNY per instance-hour);
- utilisation target 0.9, latency objective 50 ms at p99 (the default latency_percentile).

M/M/c (Kleinrock 1975, section 3.5), c = r replicas x 1 slot, A = lambda s:
  C(c, A) = (A^c / c!) (c / (c - A)) / (sum_{k<c} A^k / k! + (A^c / c!) (c / (c - A)))
  P(W > t) = C(c, A) exp(-(c / s - lambda) t), with t = SLO - s = 25 ms the wait the request may spend.
"""

import math

import pytest

from tco import evaluate

LAM = 8_640_000 / 86_400          # 100 requests/s
MU = 40.0                         # requests/s per replica (one accelerator, slots 1)
S = 1 / MU                        # 0.025 s service time
RHO = 0.9
SLO = 0.050                       # s
P = 0.99
T = SLO - S                       # 0.025 s allowed in the queue
A = LAM * S                       # 2.5 erlang
PRICE = 10.0


def erlang_c(c, a):
    """Erlang's C formula from its sums (Kleinrock 1975, eq. 3.40), written out for the test."""
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)


def wait_tail(c):
    return erlang_c(c, A) * math.exp(-(c / S - LAM) * T)


R_LOAD = math.ceil(LAM / (MU * RHO))   # ceil(100 / 36 = 2.78) = 3
# c = 3: C = 0.7022 (= 125/178), tail x exp(-(120-100) x 0.025 = -0.5) = 0.4259  > 0.01: misses
# c = 4: C = 0.3199, tail x exp(-1.5)                              = 0.07137 > 0.01: misses
# c = 5: C = 0.1304, tail x exp(-2.5)                              = 0.01070 > 0.01: misses, narrowly
# c = 6: C = 0.04744, tail x exp(-3.5)                             = 0.001433 <= 0.01: meets
EXPECTED_C = {3: 125 / 178, 4: 0.31986, 5: 0.13037, 6: 0.047445}
EXPECTED_TAILS = {3: 0.42593, 4: 0.071370, 5: 0.010702, 6: 0.0014327}
R_SLO = 6
COST = R_SLO * 24 * PRICE              # 1,440 CNY/day (the load count alone would be 720)


def scenario():
    return {
        "name": "golden-slo", "title": "SLO-bound fleet", "currency": "CNY", "as_of": "2026-11-22",
        "traffic": {"requests_per_day": 8_640_000, "cache_hit_rate": 0.0, "hourly_profile": "flat"},
        "models": [{
            "name": "scorer", "kind": "encoder", "parameters": 1.0e8, "precision": "bf16",
            "throughput_rps": MU, "throughput_source": "stated for the test",
            "latency_slo_ms": SLO * 1000,
            "serving": {"deployment": "cloud", "accelerator": "A10", "price_per_hour": PRICE,
                        "price_source": "stated for the test", "utilization_target": RHO},
        }],
        "storage": {"registry_tier": None, "registry_price_per_gb_month": 0},
    }


@pytest.fixture(scope="module")
def report():
    return evaluate(scenario())


def test_erlang_c_by_hand():
    # the textbook check: C(3, 2) = 4/9 (also tco.capacity's doctest, here from the sums)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9, rel=1e-12)
    for c, tail in EXPECTED_TAILS.items():
        assert erlang_c(c, A) == pytest.approx(EXPECTED_C[c], rel=1e-4), c
        assert wait_tail(c) == pytest.approx(tail, rel=1e-4), c
    assert R_LOAD == 3
    assert wait_tail(R_LOAD) > 1 - P            # the load count misses the objective
    assert wait_tail(R_SLO - 1) > 1 - P         # so does one replica fewer than chosen
    assert wait_tail(R_SLO) <= 1 - P            # the chosen count meets it


def test_engine_erlang_c_matches_the_sums():
    from tco.capacity import erlang_c as engine_c, wait_exceeds_probability
    for c in range(3, 8):
        assert engine_c(c, A) == pytest.approx(erlang_c(c, A), rel=1e-9), c
        assert wait_exceeds_probability(c, 1, S, LAM, T) == pytest.approx(wait_tail(c), rel=1e-9), c


def test_the_slo_binds(report):
    m = report.models.iloc[0]
    assert m.peak_rps == pytest.approx(LAM, rel=1e-9)
    assert m.service_time_ms == pytest.approx(25.0, rel=1e-9)
    # a mutation sizing for load only gives 3; one testing the tail with the SLO itself as the
    # allowed wait (no "- s") gives exp(-(5/0.025 - 100) x 0.05) x 0.1304 = 0.00088 -> 5
    assert (m.replicas_load, m.replicas_slo, m.replicas, m.instances) == (R_LOAD, R_SLO, R_SLO, R_SLO)
    assert m.binding == "latency SLO"


def test_the_slo_fleet_cost(report):
    row = report.items[report.items["item"] == "inference serving"].iloc[0]
    assert row.quantity == R_SLO * 24                            # 144 instance-hours/day
    assert row.cost_per_day == pytest.approx(COST, rel=1e-9)     # 1,440 CNY/day
    m = report.models.iloc[0]
    assert m.utilisation_mean == pytest.approx(LAM / (R_SLO * MU), rel=1e-9)   # 100 / 240 = 0.4167
