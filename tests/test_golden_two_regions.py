"""Golden values for serving from two regions (``serving.regions: 2``): what doubles and what does not.

Catalog figures used: none; the scenario states its figures: flat traffic; one encoder at 40
requests/s per accelerator (``throughput_rps``), one accelerator per replica and instance (A10,
cloud, 10 CNY per instance-hour), utilisation target 0.75 (30 requests/s per replica); registry
1 GB artifact, one version, no backup, 12 CNY per GB-month.

Rules (lib/tco/sizing.py, lib/tco/dimensions/storage.py): the traffic splits evenly between the
regions (active-active); each region is sized for its half and keeps its own min_replicas and its own
redundancy (N+k per region); the fleet is the sum. The model registry is replicated by
``storage.regions``, a separate input: serving from two regions alone does not double it.
"""

import math

import pytest

from tco import evaluate

MU, RHO, PRICE = 40.0, 0.75, 10.0
PER_REPLICA = MU * RHO                     # 30 requests/s
MONTH = 365 / 12


def scenario(regions, requests_per_day=6_480_000, redundancy=0, storage_regions=1):
    return {
        "name": "golden-regions", "title": "Two regions", "currency": "CNY", "as_of": "2026-11-22",
        "traffic": {"requests_per_day": requests_per_day, "cache_hit_rate": 0.0, "hourly_profile": "flat"},
        "models": [{
            "name": "scorer", "kind": "encoder", "parameters": 5.0e8, "precision": "bf16", "artifact_gb": 1.0,
            "throughput_rps": MU, "throughput_source": "stated for the test",
            "serving": {"deployment": "cloud", "accelerator": "A10", "price_per_hour": PRICE,
                        "price_source": "stated for the test", "utilization_target": RHO,
                        "regions": regions, "redundancy": redundancy},
        }],
        "storage": {"registry_tier": None, "registry_price_per_gb_month": 12.0, "versions_kept": 1,
                    "backups": 0, "regions": storage_regions},
    }


def line(report, item):
    rows = report.items[report.items["item"] == item]
    assert len(rows) == 1, item
    return rows.cost_per_day.iloc[0]


def test_rounding_per_region():
    # 6,480,000 / 86,400 = 75 requests/s
    one = evaluate(scenario(1)).models.iloc[0]
    two = evaluate(scenario(2)).models.iloc[0]
    r_one = math.ceil(75 / PER_REPLICA)           # ceil(2.5) = 3
    r_two = 2 * math.ceil(75 / 2 / PER_REPLICA)   # 2 x ceil(1.25) = 4: each half rounds up on its own
    assert (r_one, r_two) == (3, 4)
    # a mutation sizing the whole traffic once and doubling it gives 6; one sizing the whole
    # traffic and ignoring the regions gives 3
    assert one.replicas == r_one and two.replicas == r_two
    assert two.replicas_load == r_two
    assert evaluate(scenario(2)).items.pipe(lambda i: i[i["item"] == "inference serving"]).cost_per_day.iloc[0] \
        == pytest.approx(r_two * 24 * PRICE, rel=1e-9)               # 960 CNY/day (720 in one region)


def test_redundancy_and_min_replicas_are_per_region():
    # N+1 in each region: 2 x (ceil(1.25) + 1) = 6 (one region: ceil(2.5) + 1 = 4)
    assert evaluate(scenario(1, redundancy=1)).models.iloc[0].replicas == 3 + 1
    assert evaluate(scenario(2, redundancy=1)).models.iloc[0].replicas == 2 * (2 + 1)
    # 86,400 requests/day = 1 request/s: min_replicas 1 per region -> 1 vs 2, the cost doubles
    low1, low2 = evaluate(scenario(1, 86_400)), evaluate(scenario(2, 86_400))
    assert (low1.models.iloc[0].replicas, low2.models.iloc[0].replicas) == (1, 2)
    assert line(low1, "inference serving") == pytest.approx(1 * 24 * PRICE, rel=1e-9)   # 240
    assert line(low2, "inference serving") == pytest.approx(2 * 24 * PRICE, rel=1e-9)   # 480


def test_what_does_not_double():
    one, two = evaluate(scenario(1)), evaluate(scenario(2))
    # the traffic served is the same; the registry follows storage.regions, not serving.regions
    registry = 1.0 * 1 * (1 + 0) * 1 * 12.0 / MONTH                 # 0.394521 CNY/day
    assert line(one, "model registry") == pytest.approx(registry, rel=1e-9)
    assert line(two, "model registry") == pytest.approx(registry, rel=1e-9)
    assert two.models.iloc[0].peak_rps == pytest.approx(75.0, rel=1e-9)
    # mean utilisation of what is paid for: 75 / (4 x 40) = 0.46875 against 75 / (3 x 40) = 0.625
    assert one.models.iloc[0].utilisation_mean == pytest.approx(75 / (3 * MU), rel=1e-9)
    assert two.models.iloc[0].utilisation_mean == pytest.approx(75 / (4 * MU), rel=1e-9)
    # storage.regions: 2 replicates the registry: 2 x 0.394521
    assert line(evaluate(scenario(2, storage_regions=2)), "model registry") == pytest.approx(2 * registry, rel=1e-9)
