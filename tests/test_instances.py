"""Cloud GPU instance rows of data/catalog/instances.csv (issue 17): every row is sourced and dated,
the rows added for 2026 load and are priced, and one instance's daily cost is worked out by hand.

Published figures restated here from their sources (not from the catalog):
- Google Cloud accelerator-optimized pricing, us-central1, accessed 2026-09-17: a3-megagpu-8g
  93.400712807 USD per VM-hour (8 x H100), a3-ultragpu-8g 84.806908493, a4-highgpu-8g Spot 39.6336.
- Azure Retail Prices API, eastus, queried 2026-09-17: Standard_ND96isr_H100_v5 98.32 USD/h, Spot 18.169536.
- AWS EC2 price list via instances.vantage.sh (updated 2026-09-17), us-east-1: p5.48xlarge Spot 20.788;
  g6.xlarge Spot 0.629.
- nativ-x/fsku fsku/sync/term_catalog.py (commit 9751637ff08aa03e1f9fdd9c0c2ee29f54f94cd7,
  TERM_CATALOG_AS_OF 2026-09-27): AWS us-east-1 p5.48xlarge EC2 Instance Savings Plan 3yr No Upfront 23.77728
  per instance-hour; Azure ND96isr H100 v5 eastus 98.32; Google a3-ultragpu-8g 84.806908493, a4-highgpu-8g
  DWS Calendar mode 90.22 per VM-hour.
- Azure Retail Prices API, eastus2, as recorded on 2026-09-27: Standard_ND96isr_H200_v5 84.8 USD/h pay-as-you-go;
  reservations 407,526 USD (1 year) and 1,109,592 USD (3 years) per VM for the whole term.
- Nebius prices page (effective 2026-10-01): H100 4.50 USD per GPU-hour; 3-year estimate 4.50 x 0.65 = 2.925.
- fx.csv: 6.7758 CNY per USD (FRED EXCHUS, June 2026).
"""

import datetime as dt
import math

import pandas as pd
import pytest

from test_bad_inputs import base_scenario
from tco import evaluate
from tco.catalog import CATALOG_DIR, load_catalog

FX = 6.7758  # CNY per USD, FRED EXCHUS June 2026 (fx.csv)

#: (instance, plan, published price per instance-hour in USD, as_of)
NEW_ROWS = [
    ("a3-megagpu-8g", "on_demand", 93.400712807, "2026-09-17"),
    ("a3-ultragpu-8g", "on_demand", 84.806908493, "2026-09-27"),
    ("a4-highgpu-8g", "spot", 39.6336, "2026-09-17"),
    ("ND96isr_H100_v5", "on_demand", 98.32, "2026-09-27"),
    ("ND96isr_H100_v5", "spot", 18.169536, "2026-09-17"),
    ("NC24ads_A100_v4", "spot", 0.67877, "2026-09-17"),
    ("p5.48xlarge", "spot", 20.788, "2026-09-17"),
    ("p5.48xlarge", "reserved_3y", 23.77728, "2026-09-27"),
    ("p4d.24xlarge", "reserved_1y", 13.921, "2026-09-17"),
    ("p4d.24xlarge", "reserved_3y", 9.374, "2026-09-17"),
    ("g6.xlarge", "spot", 0.629, "2026-09-17"),
    ("g6e.xlarge", "reserved_3y", 0.804, "2026-09-17"),
    ("g5.xlarge", "reserved_1y", 0.634, "2026-09-17"),
    ("ND96isr_H200_v5", "on_demand", 84.8, "2026-09-27"),
    ("ND96isr_H200_v5", "reserved_1y", 46.521233, "2026-09-27"),
    ("ND96isr_H200_v5", "reserved_3y", 42.221918, "2026-09-27"),
    ("gpu-h100-sxm-1gpu", "on_demand", 4.50, "2026-10-01"),
    ("gpu-h100-sxm-1gpu", "reserved_3y", 2.925, "2026-10-01"),
]


def test_every_instance_row_has_a_source_and_a_date():
    frame = pd.read_csv(CATALOG_DIR / "instances.csv", dtype=str, keep_default_na=False)
    assert len(frame) >= 45
    for row in frame.itertuples():
        assert row.source.strip(), (row.instance, row.plan)
        assert dt.date.fromisoformat(row.as_of) <= dt.date(2026, 12, 5), (row.instance, row.plan)
    # one row per (instance, plan): a second row would be silently ignored by the price lookup
    assert not frame.duplicated(["instance", "plan"]).any()


@pytest.mark.parametrize("instance, plan, price, as_of", NEW_ROWS)
def test_new_rows_load_and_are_priced(instance, plan, price, as_of):
    p = load_catalog().instance_price(instance, plan)
    assert p is not None, (instance, plan)
    assert p.value == pytest.approx(price, rel=1e-12)
    assert p.currency == "USD"
    assert str(p.as_of) == as_of
    assert not p.is_stale(dt.date(2026, 11, 22))
    assert "http" in p.source


def test_the_three_year_neocloud_rate_is_labelled_an_estimate():
    cat = load_catalog()
    p = cat.instance_price("gpu-h100-sxm-1gpu", "reserved_3y")
    assert p.assumption.startswith("estimate")
    # 4.50 x (1 - 0.35) = 2.925 USD per GPU-hour
    assert p.value == pytest.approx(4.50 * (1 - 0.35), rel=1e-12)
    assert p.value < cat.instance_price("gpu-h100-sxm-1gpu", "on_demand").value


def test_azure_h200_reservations_are_the_whole_term_spread_over_its_hours():
    """The Azure Retail Prices API gives a reservation as one price for the whole term per VM:
    1 year:  407,526 USD / (365 x 24 = 8,760 h)      = 46.521233 USD per instance-hour (5.8152 per GPU-hour)
    3 years: 1,109,592 USD / (3 x 8,760 = 26,280 h)  = 42.221918 USD per instance-hour (5.2777 per GPU-hour)
    against 84.8 pay-as-you-go (10.60 per GPU-hour): 0.5486 and 0.4979 of it.
    """
    cat = load_catalog()
    one = cat.instance_price("ND96isr_H200_v5", "reserved_1y").value
    three = cat.instance_price("ND96isr_H200_v5", "reserved_3y").value
    on_demand = cat.instance_price("ND96isr_H200_v5", "on_demand").value
    assert one == pytest.approx(407_526 / 8_760, abs=1e-6)
    assert three == pytest.approx(1_109_592 / 26_280, abs=1e-6)
    assert on_demand / 8 == pytest.approx(10.60, abs=1e-12)
    assert one / on_demand == pytest.approx(0.5486, abs=1e-4)
    assert three / on_demand == pytest.approx(0.4979, abs=1e-4)
    row = cat.instances[(cat.instances.instance == "ND96isr_H200_v5")].iloc[0]
    assert (row.accelerator, int(row.accelerators_per_instance), int(row.vcpus), int(row.memory_gb)) == (
        "H200-SXM", 8, 96, 1850)


def test_daily_cost_of_the_azure_h200_by_hand():
    """One ND96isr_H200_v5 (8 x H200) serving the base scenario's small encoder on a 3-year reservation:
    one whole instance all day, 1 x 42.221918 x 24 = 1,013.326032 USD/day; x 6.7758 = 6,866.0945 CNY/day.
    """
    data = base_scenario()
    data["models"][0]["serving"]["instance"] = "ND96isr_H200_v5"
    data["models"][0]["serving"]["pricing"] = "reserved_3y"
    report = evaluate(data)
    assert report.models.iloc[0].instances == 1
    serving = report.items[report.items.item == "inference serving"].iloc[0]
    assert serving.quantity == 8 * 24
    assert serving.cost_per_day == pytest.approx(42.221918 * 24 * FX, rel=1e-12)
    assert serving.cost_per_day == pytest.approx(6_866.0945, abs=1e-3)


def test_commitments_and_spot_cost_less_than_on_demand():
    cat = load_catalog()
    priced = 0
    for instance in set(cat.instances.instance):
        on_demand = cat.instance_price(instance, "on_demand")
        one, three = cat.instance_price(instance, "reserved_1y"), cat.instance_price(instance, "reserved_3y")
        spot = cat.instance_price(instance, "spot")
        if on_demand is None or math.isnan(on_demand.value):
            continue
        for cheaper in (one, three, spot):
            if cheaper is not None:
                assert cheaper.value < on_demand.value, instance
                priced += 1
        if one is not None and three is not None:
            assert three.value < one.value, instance
    assert priced >= 15  # the rule is checked on real rows, not vacuously


def test_daily_cost_of_one_new_instance_by_hand():
    """One a3-megagpu-8g (8 x H100) serving the base scenario's small encoder: the load needs one
    replica on one accelerator, so one whole instance is paid for all day.

    count x hourly x FX x 24 = 1 x 93.400712807 x 6.7758 x 24
    93.400712807 x 24 = 2,241.617107 USD/day; x 6.7758 = 15,188.749 CNY/day.
    """
    data = base_scenario()
    data["models"][0]["serving"]["instance"] = "a3-megagpu-8g"
    report = evaluate(data)
    m = report.models.iloc[0]
    assert m.instances == 1
    serving = report.items[report.items.item == "inference serving"].iloc[0]
    assert serving.quantity == 8 * 24  # accelerator-hours per day: 8 GPUs all day
    assert serving.cost_per_day == pytest.approx(1 * 93.400712807 * FX * 24, rel=1e-12)
    assert serving.cost_per_day == pytest.approx(15_188.749, abs=1e-3)


def test_a_scenario_can_choose_the_spot_row():
    """g6.xlarge Spot: 1 x 0.629 x 24 = 15.096 USD/day; x 6.7758 = 102.2875 CNY/day."""
    data = base_scenario()
    data["models"][0]["serving"]["pricing"] = "spot"
    report = evaluate(data)
    assert report.models.iloc[0].instances == 1
    serving = report.items[report.items.item == "inference serving"].iloc[0]
    assert serving.cost_per_day == pytest.approx(102.2875, abs=1e-4)


# Rows read in nativ-x/fsku fsku/sync/term_catalog.py (commit 9751637ff08aa03e1f9fdd9c0c2ee29f54f94cd7,
# TERM_CATALOG_AS_OF = "2026-09-27"), restated here from that file: (instance, plan, USD per instance-hour)
FSKU = "nativ-x/fsku fsku/sync/term_catalog.py (commit 9751637ff08aa03e1f9fdd9c0c2ee29f54f94cd7"
FSKU_ROWS = [
    # AWS us-east-1: (od, capacity block, 1-year, 3-year) per instance-hour
    ("p5.48xlarge", "capacity_block", 41.528), ("p5.48xlarge", "reserved_1y", 34.6752),
    ("p5.48xlarge", "reserved_3y", 23.77728),
    ("p5en.48xlarge", "capacity_block", 54.920), ("p5en.48xlarge", "reserved_1y", 39.87648),
    ("p5en.48xlarge", "reserved_3y", 27.34387),
    ("p4de.24xlarge", "capacity_block", 17.712), ("p4de.24xlarge", "reserved_1y", 17.40137),
    ("p4de.24xlarge", "reserved_3y", 11.71777),
    ("p6-b200.48xlarge", "capacity_block", 98.84), ("p6-b200.48xlarge", "reserved_1y", 89.72208),
    ("p6-b200.48xlarge", "reserved_3y", 49.21897),
    # Azure: pay-as-you-go per VM-hour; reservations are whole-term totals (checked by hand below)
    ("ND96isr_H100_v5", "on_demand", 98.32), ("ND96isr_H200_v5", "on_demand", 84.8),
    ("ND96amsr_A100_v4", "on_demand", 32.77),
    # Google Cloud us-central1: on-demand, DWS Calendar mode, resource CUD 1 and 3 years, per VM-hour
    ("a3-highgpu-8g", "capacity_block", 41.60), ("a3-highgpu-8g", "reserved_1y", 61.383674231),
    ("a3-highgpu-8g", "reserved_3y", 38.864383195),
    ("a3-ultragpu-8g", "on_demand", 84.806908493), ("a3-ultragpu-8g", "capacity_block", 59.36),
    ("a3-ultragpu-8g", "reserved_1y", 58.471933151), ("a3-ultragpu-8g", "reserved_3y", 37.208420822),
    ("a4-highgpu-8g", "on_demand", 90.22), ("a4-highgpu-8g", "reserved_1y", 88.9272),
    ("a4-highgpu-8g", "reserved_3y", 56.7072),
    # neoclouds, 3-year commitments per GPU-hour x GPUs per instance
    ("civo-h100-sxm-1gpu", "reserved_3y", 2.49 * 1), ("civo-h200-sxm-1gpu", "reserved_3y", 2.99 * 1),
    ("civo-b200-8gpu", "reserved_3y", 3.79 * 8), ("gcore-h100-sxm-8gpu-bm", "reserved_3y", 1.93 * 8),
    ("gcore-h200-sxm-8gpu-bm", "reserved_3y", 2.20 * 8), ("paperspace-h100-1gpu", "reserved_3y", 2.24 * 1),
]


@pytest.mark.parametrize("instance, plan, price", FSKU_ROWS)
def test_rows_read_in_the_fsku_term_catalog_are_cited_priced_and_fresh(instance, plan, price):
    p = load_catalog().instance_price(instance, plan)
    assert p is not None, (instance, plan)
    assert p.value == pytest.approx(price, rel=1e-12)
    assert p.currency == "USD"
    assert str(p.as_of) == "2026-09-27"  # the file's own date, never later
    assert not p.is_stale(dt.date(2026, 11, 22))
    assert FSKU in p.source and "https://" in p.source
    assert "repository not identified" not in p.source.split(FSKU)[0]  # the primary source is named first


def test_no_row_is_dated_after_the_fsku_file_it_cites():
    frame = pd.read_csv(CATALOG_DIR / "instances.csv", dtype=str, keep_default_na=False)
    cited = frame[frame.source.str.contains("nativ-x/fsku", regex=False)]
    assert len(cited) == 37  # 7 re-cited rows + 29 added + the p5.48xlarge capacity block (replaced stale figure)
    assert set(cited.as_of) == {"2026-09-27"}
    assert all("9751637ff08aa03e1f9fdd9c0c2ee29f54f94cd7" in s for s in cited.source)


def test_azure_h100_reservations_by_hand():
    """Azure Retail Prices API, ND96isr H100 v5, eastus (fsku file): whole-term totals per VM
    1 year:  551,221 USD / 8,760 h   = 62.924772 USD per instance-hour (7.8656 per GPU-hour)
    3 years: 1,134,310 USD / 26,280 h = 43.162481 USD per instance-hour (5.3953 per GPU-hour)
    against 98.32 pay-as-you-go: 0.640 and 0.439 of it.
    """
    cat = load_catalog()
    one = cat.instance_price("ND96isr_H100_v5", "reserved_1y").value
    three = cat.instance_price("ND96isr_H100_v5", "reserved_3y").value
    assert one == pytest.approx(62.924772, abs=1e-6)
    assert three == pytest.approx(43.162481, abs=1e-6)
    assert one == pytest.approx(551_221 / 8_760, abs=1e-6)
    assert three == pytest.approx(1_134_310 / 26_280, abs=1e-6)
    assert one / 98.32 == pytest.approx(0.640, abs=1e-3)
    assert three / 98.32 == pytest.approx(0.439, abs=1e-3)


def test_azure_a100_reservations_by_hand():
    """Azure Retail Prices API, ND96amsr A100 v4, eastus (fsku file): whole-term totals per VM
    1 year:  183,722 USD / 8,760 h   = 20.972831 USD per instance-hour (2.6216 per GPU-hour)
    3 years: 378,926 USD / 26,280 h  = 14.418798 USD per instance-hour (1.8023 per GPU-hour)
    against 32.77 pay-as-you-go: 0.640 and 0.440 of it. Rounded to 6 decimals in the catalog.
    """
    cat = load_catalog()
    one = cat.instance_price("ND96amsr_A100_v4", "reserved_1y")
    three = cat.instance_price("ND96amsr_A100_v4", "reserved_3y")
    assert one.value == pytest.approx(20.972831, abs=1e-12)
    assert three.value == pytest.approx(14.418798, abs=1e-12)
    assert one.value == pytest.approx(183_722 / 8_760, abs=5e-7)
    assert three.value == pytest.approx(378_926 / 26_280, abs=5e-7)
    assert one.value / 32.77 == pytest.approx(0.640, abs=1e-3)
    assert three.value / 32.77 == pytest.approx(0.440, abs=1e-3)
    for p in (one, three):
        assert str(p.as_of) == "2026-09-27" and FSKU in p.source and p.assumption.startswith("derived")
    # a new on-demand A100-80GB row that is not the cheapest: p4de.24xlarge 27.44705 / 8 = 3.4309 per GPU-hour
    # against 32.77 / 8 = 4.0963 and NC24ads_A100_v4 3.673
    from tco.variants import cheapest_instance

    assert cheapest_instance("A100-80GB") == "p4de.24xlarge"


def test_published_three_year_neocloud_rates_by_hand():
    """Gcore 8x H100 SXM bare metal, Reserve 36 months: 1.93 USD per GPU-hour x 8 = 15.44 per instance-hour.
    Published H100 3-year rates per GPU-hour: Gcore 1.93, Civo 2.49, Paperspace 2.24, all below the Nebius
    estimate 4.50 x (1 - 0.35) = 2.925, which stays in the catalog labelled an estimate.
    """
    cat = load_catalog()
    gcore = cat.instance_price("gcore-h100-sxm-8gpu-bm", "reserved_3y")
    assert gcore.value == pytest.approx(15.44, abs=1e-12)
    assert gcore.assumption.startswith("derived: 1.93 x 8 GPUs = 15.44")
    per_gpu = {name: cat.instance_price(name, "reserved_3y").value / gpus for name, gpus in (
        ("gcore-h100-sxm-8gpu-bm", 8), ("civo-h100-sxm-1gpu", 1), ("paperspace-h100-1gpu", 1))}
    assert per_gpu == pytest.approx({"gcore-h100-sxm-8gpu-bm": 1.93, "civo-h100-sxm-1gpu": 2.49,
                                     "paperspace-h100-1gpu": 2.24}, abs=1e-12)
    estimate = cat.instance_price("gpu-h100-sxm-1gpu", "reserved_3y")
    assert estimate.assumption.startswith("estimate")
    assert max(per_gpu.values()) < estimate.value == pytest.approx(2.925, abs=1e-12)
    # no on-demand row is added for them, so the cheapest on-demand H100 (variants) is unchanged
    assert all(cat.instance_price(name, "on_demand") is None for name in per_gpu)


def test_daily_cost_of_a_gcp_a3_three_year_cud_by_hand():
    """One a3-highgpu-8g on a 3-year resource CUD serving the base scenario's small encoder:
    1 x 38.864383195 x 24 = 932.74519668 USD/day; x 6.7758 = 6,320.0948 CNY/day.
    """
    data = base_scenario()
    data["models"][0]["serving"]["instance"] = "a3-highgpu-8g"
    data["models"][0]["serving"]["pricing"] = "reserved_3y"
    report = evaluate(data)
    assert report.models.iloc[0].instances == 1
    serving = report.items[report.items.item == "inference serving"].iloc[0]
    assert serving.cost_per_day == pytest.approx(38.864383195 * 24 * FX, rel=1e-12)
    assert serving.cost_per_day == pytest.approx(6_320.0948, abs=1e-3)
