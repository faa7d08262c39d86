"""Golden values for autoscaled billing over a short custom hourly profile, hour by hour, and the
provisioned billing of the same scenario for contrast.

Catalog figures used: none. The scenario gives every figure itself so the derivation stays short:
- traffic: 8,640,000 requests/day, no cache, 24 hourly weights: 0.4 for hours 0-5, 0.8 for 6-11,
  1.2 for 12-17, 1.6 for 18-23 (mean 1, peak-to-average 1.6);
- one encoder with a stated throughput of 40 requests/s per accelerator (``throughput_rps``), one
  accelerator per replica and per instance (A10 on cloud, price given: 10 CNY per instance-hour);
- utilisation target 0.75, min_replicas 1, no redundancy, no latency objective (load binds).

Formulas (lib/tco/capacity.py): lambda_h = Q (1 - h) w_h / 86,400; r_h = ceil(lambda_h / (mu rho_max));
autoscaled: instance-hours = sum_h r_h; provisioned: max_h r_h x 24.
"""

import math

import pytest

from tco import evaluate

Q = 8_640_000
WEIGHTS = [0.4] * 6 + [0.8] * 6 + [1.2] * 6 + [1.6] * 6   # mean (6 x 4.0) / 24 = 1
MU = 40.0          # requests/s per accelerator (stated)
RHO = 0.75         # utilisation target
PRICE = 10.0       # CNY per instance-hour (stated)

# --- hour by hour --------------------------------------------------------------------------------
RATES = [Q * w / 86_400 for w in WEIGHTS]                  # 40, 80, 120, 160 requests/s (x 6 hours each)
PER_REPLICA = MU * RHO                                     # 30 requests/s per replica at the target
REPLICAS = [math.ceil(lam / PER_REPLICA) for lam in RATES]  # ceil(1.33, 2.67, 4.0, 5.33) = 2, 3, 4, 6
AUTO_HOURS = 6 * 2 + 6 * 3 + 6 * 4 + 6 * 6                 # 90 instance-hours/day
AUTO_COST = AUTO_HOURS * PRICE                             # 900 CNY/day
PEAK_REPLICAS = 6                                           # ceil(160 / 30)
PROV_HOURS = PEAK_REPLICAS * 24                            # 144 instance-hours/day
PROV_COST = PROV_HOURS * PRICE                             # 1,440 CNY/day
SERVED = Q                                                 # no cache: every request reaches the model
AUTO_UTILISATION = SERVED / (AUTO_HOURS * 3600 * MU)        # 8.64e6 / 12.96e6 = 0.6667
PROV_UTILISATION = SERVED / (PROV_HOURS * 3600 * MU)        # 8.64e6 / 20.736e6 = 0.4167


def scenario(billing):
    return {
        "name": f"golden-{billing}",
        "title": "Autoscaled against provisioned billing",
        "currency": "CNY",
        "as_of": "2026-11-22",
        "traffic": {"requests_per_day": Q, "cache_hit_rate": 0.0, "hourly_profile": WEIGHTS},
        "models": [{
            "name": "scorer", "kind": "encoder", "parameters": 1.0e8, "precision": "bf16",
            "throughput_rps": MU, "throughput_source": "stated for the test",
            "serving": {"deployment": "cloud", "accelerator": "A10", "price_per_hour": PRICE,
                        "price_source": "stated for the test", "utilization_target": RHO,
                        "billing": billing},
        }],
        "storage": {"registry_tier": None, "registry_price_per_gb_month": 0},
    }


@pytest.fixture(scope="module")
def auto():
    return evaluate(scenario("autoscaled"))


@pytest.fixture(scope="module")
def prov():
    return evaluate(scenario("provisioned"))


def serving_row(report):
    rows = report.items[report.items["item"] == "inference serving"]
    assert len(rows) == 1
    return rows.iloc[0]


def test_hand_derivation_is_consistent():
    assert RATES[::6] == pytest.approx([40, 80, 120, 160], rel=1e-12)
    assert REPLICAS[::6] == [2, 3, 4, 6]
    assert sum(REPLICAS) == AUTO_HOURS == 90


def test_hourly_arrival_rates_and_replicas(auto):
    m = auto.models.iloc[0]
    assert m.throughput_rps_per_accelerator == MU
    assert m.peak_rps == pytest.approx(160.0, rel=1e-9)          # 8.64e6 x 1.6 / 86,400
    hourly = auto.hourly
    assert list(hourly["scorer: requests_per_s"]) == pytest.approx(RATES, rel=1e-9)
    # the replicas hour by hour; a mutation sizing each hour for the peak gives [6] * 24,
    # one forgetting the utilisation target gives ceil(lam / 40) = 1, 2, 3, 4
    assert list(hourly["scorer: replicas"]) == REPLICAS
    assert (m.replicas_load, m.replicas, m.instances) == (6, 6, 6)   # the busiest hour


def test_autoscaled_instance_hours_and_cost(auto):
    row = serving_row(auto)
    m = auto.models.iloc[0]
    # mutation caught: billing the peak all day (provisioned) would give 144 h and 1,440 CNY
    assert m.accelerator_hours_per_day == AUTO_HOURS               # 90
    assert row.quantity == AUTO_HOURS
    assert row.cost_per_day == pytest.approx(AUTO_COST, rel=1e-9)  # 900 CNY/day
    assert m.utilisation_mean == pytest.approx(AUTO_UTILISATION, rel=1e-9)   # 2/3


def test_provisioned_pays_the_peak_all_day(prov):
    row = serving_row(prov)
    m = prov.models.iloc[0]
    assert list(prov.hourly["scorer: replicas"]) == [PEAK_REPLICAS] * 24
    assert m.accelerator_hours_per_day == PROV_HOURS               # 6 x 24 = 144
    assert row.cost_per_day == pytest.approx(PROV_COST, rel=1e-9)  # 1,440 CNY/day
    assert m.utilisation_mean == pytest.approx(PROV_UTILISATION, rel=1e-9)   # 0.4167


def test_autoscaling_saves_the_off_peak_hours(auto, prov):
    # 1,440 - 900 = 540 CNY/day: (6-2) x 6 + (6-3) x 6 + (6-4) x 6 = 54 instance-hours at 10 CNY
    saved = ((6 - 2) * 6 + (6 - 3) * 6 + (6 - 4) * 6) * PRICE
    assert prov.totals["per_day"] - auto.totals["per_day"] == pytest.approx(saved, rel=1e-9)
    assert saved == PROV_COST - AUTO_COST == 540
