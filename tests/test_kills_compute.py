"""Mutation kills for tco.dimensions.compute (tools/mutation.py): the hosted-API comparison by hand.

``compute.api_comparison`` had no test of its own: every mutant of its rows (a dict key, a skip rule,
the break-even index) survived. Here it runs on stand-in sizings whose costs are simple lines in
the traffic multiple g, so the break-even point and every field can be worked out by hand.
The grid is ``BREAK_EVEN_GRID = 10^(-4 + 0.05 k)``, k = 0..140 (np.logspace(-4, 3, 141)).
"""

import math
from types import SimpleNamespace as NS

import numpy as np
import pytest

from tco.dimensions import compute


def _sizing(name, *, deployment="cloud", api_model="api-x", rate="rate", serving=100.0, api=50.0, share=1.0):
    return NS(name=name, deployment=deployment, api_model=api_model, rate=rate, traffic_share=share,
              serving_cost_per_day=serving, api_cost_per_day=api)


# per model: (self-hosted cost per day, API cost per day) as functions of the traffic multiple g
COSTS = {
    "breaks-even": (lambda g: 100.0 + 0 * g, lambda g: 0.5 * g),  # API cheaper while 0.5 g < 100, g < 200
    "api-always": (lambda g: 100.0 + 0 * g, lambda g: 0 * g),     # API free: cheaper everywhere
    "self-always": (lambda g: 0 * g, lambda g: 1.0 + 0 * g),      # fleet free: self-hosting cheaper everywhere
    "first-point": (lambda g: 1.0 + 0 * g, lambda g: g / 1.05e-4),  # API cheaper only at g = 1e-4
}


def _size(model, index, share, grid):
    calls.append((model, index, share, grid.shape))
    self_cost, api_cost = COSTS[model]
    return NS(serving_cost_per_day=self_cost(grid), api_cost_per_day=api_cost(grid))


calls: list = []


def test_api_comparison_rows_by_hand():
    calls.clear()
    sizings = [
        _sizing("hosted", deployment="api"),              # an API deployment has nothing to compare: skipped
        _sizing("no-alternative", api_model=None),        # no API alternative named: skipped
        _sizing("unsized", rate=None),                    # no fleet rate: skipped
        _sizing("breaks-even", serving=100.0, api=50.0, share=0.25),
        _sizing("api-always", serving=100.0, api=0.0),
        _sizing("self-always", serving=0.0, api=1.0),
        _sizing("first-point", serving=1.0, api=2.0),
    ]
    models = [s.name for s in sizings]
    scenario = NS(models=models, traffic=NS(requests_per_day=1e6))
    rows = compute.api_comparison(scenario, sizings, np.array([1.0]), _size)

    # the three skipped sizings are never re-sized; the others are, with their index and share, on
    # the 141 x 1 grid (grid multiples x the one hourly rate given)
    assert [c[:3] for c in calls] == [("breaks-even", 3, 0.25), ("api-always", 4, 1.0),
                                      ("self-always", 5, 1.0), ("first-point", 6, 1.0)]
    assert all(c[3] == (141, 1) for c in calls)
    assert [r["model"] for r in rows] == ["breaks-even", "api-always", "self-always", "first-point"]

    # breaks-even: API cheaper while 0.5 g < 100, i.e. g < 200; the first grid point at or above 200
    # is 10^2.35 = 223.87 (10^2.30 = 199.53 is still below), k = (2.35 + 4) / 0.05 = 127;
    # break-even requests/day = 1e6 x 10^2.35 = 2.2387e8.
    be = rows[0]
    assert be == {
        "model": "breaks-even", "api_model": "api-x", "traffic_share": 0.25,
        "self_hosted_per_day": 100.0, "api_per_day": 50.0,
        "cheaper": "hosted API",                      # 50 < 100 at the scenario's own traffic
        "break_even_requests_per_day": pytest.approx(1e6 * 10 ** 2.35, rel=1e-9),
        "api_cheaper_everywhere": False, "self_hosting_cheaper_everywhere": False,
    }
    # api-always: 0 < 100 at every g -> no break-even (nan), cheaper everywhere
    a = rows[1]
    assert math.isnan(a["break_even_requests_per_day"])
    assert (a["cheaper"], a["api_cheaper_everywhere"], a["self_hosting_cheaper_everywhere"]) == \
        ("hosted API", True, False)
    # self-always: 1 > 0 at every g -> no break-even, self-hosting cheaper everywhere
    s = rows[2]
    assert math.isnan(s["break_even_requests_per_day"])
    assert (s["cheaper"], s["api_cheaper_everywhere"], s["self_hosting_cheaper_everywhere"]) == \
        ("self-hosted", False, True)
    # first-point: API cost g / 1.05e-4 is 0.952 < 1 at g = 1e-4 (k = 0) and 10^-3.95 / 1.05e-4 = 1.070 > 1
    # at k = 1: the break-even is the second grid point, 1e6 x 10^-3.95 = 112.20 requests/day
    f = rows[3]
    assert f["break_even_requests_per_day"] == pytest.approx(1e6 * 10 ** -3.95, rel=1e-9)
    assert f["cheaper"] == "self-hosted"               # 2 > 1 at the scenario's own traffic
    assert (f["api_cheaper_everywhere"], f["self_hosting_cheaper_everywhere"]) == (False, False)


def test_break_even_grid_is_twenty_points_per_decade():
    # 10^-4 .. 10^3 in steps of 10^0.05: 7 decades x 20 + 1 = 141 points
    assert compute.BREAK_EVEN_GRID.shape == (141,)
    assert compute.BREAK_EVEN_GRID[0] == pytest.approx(1e-4, rel=1e-12)
    assert compute.BREAK_EVEN_GRID[20] == pytest.approx(1e-3, rel=1e-12)
    assert compute.BREAK_EVEN_GRID[-1] == pytest.approx(1e3, rel=1e-12)


def test_equal_costs_favour_self_hosting():
    # at the scenario's own traffic the API costs exactly what the fleet costs: not cheaper, so the row
    # says self-hosted (the API must be strictly cheaper to be recommended)
    calls.clear()
    COSTS["equal"] = (lambda g: 10.0 + 0 * g, lambda g: 10.0 * g)
    sizings = [_sizing("equal", serving=10.0, api=10.0)]
    rows = compute.api_comparison(NS(models=["equal"], traffic=NS(requests_per_day=1e6)), sizings,
                                  np.array([1.0]), _size)
    assert rows[0]["cheaper"] == "self-hosted"
    # on the grid the API (10 g) is cheaper than the fleet (10) only while g < 1: at g = 1 (k = 80) it no
    # longer is, so the break-even is 1e6 x 1 requests/day
    assert rows[0]["break_even_requests_per_day"] == pytest.approx(1e6, rel=1e-9)
