"""The reference catalogs: every row sourced and dated, ids consistent, staleness detected."""

import datetime as dt

import pandas as pd
import pytest

from tco.catalog import CATALOG_DIR, TABLES, Price, load_catalog


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_row_has_source_and_date(table):
    frame = pd.read_csv(CATALOG_DIR / TABLES[table][0], dtype=str)
    assert len(frame) > 0
    assert frame["source"].notna().all() and (frame["source"].str.strip() != "").all()
    parsed = pd.to_datetime(frame["as_of"], format="%Y-%m-%d")
    assert (parsed <= pd.Timestamp.today()).all()  # no row dated in the future


def test_required_accelerators_and_published_specs():
    acc = load_catalog().accelerators
    for required in ["H100-SXM", "H200-SXM", "A100-80GB", "A100-40GB", "L40S", "L4", "A10", "T4"]:
        assert required in acc.index
    # NVIDIA H100 datasheet (accelerators.csv source): H100 SXM 989 dense BF16 TFLOPS, 3,350 GB/s, 80 GB
    assert acc.loc["H100-SXM", "bf16_tflops"] == 989
    assert acc.loc["H100-SXM", "bandwidth_gb_s"] == 3350
    assert acc.loc["L4", "memory_gb"] == 24


def test_aws_price_after_the_june_2025_cut():
    # AWS on-demand price after the June 2025 cut (instances.csv source): p5.48xlarge 98.32 -> 55.04 USD/h
    price = load_catalog().instance_price("p5.48xlarge", "on_demand")
    assert price.value == pytest.approx(55.04)
    assert price.currency == "USD"
    assert load_catalog().instance_price("p5.48xlarge", "reserved_3y") is None  # unpriced, not zero


def test_staleness_is_18_months():
    p = Price("storage", "x", 1.0, "USD", "src", dt.date(2024, 5, 20))
    assert not p.is_stale(dt.date(2025, 11, 20))
    assert p.is_stale(dt.date(2025, 11, 21))
    stale = load_catalog().stale_rows(dt.date(2026, 11, 22))
    assert "2023-01-01" in set(map(str, stale.as_of))  # undated sources are dated conservatively


def test_fx_conversion():
    cat = load_catalog()
    rate = float(cat.fx.loc["CNY", "per_usd"])
    assert cat.convert(10.0, "USD", "CNY") == pytest.approx(10 * rate)
    assert cat.convert(cat.convert(3.0, "USD", "EUR"), "EUR", "USD") == pytest.approx(3.0)


def test_identity_exchange_rate_is_never_stale():
    # 1 USD per USD holds by definition: however old its row, it is no stale price (issue 15)
    cat = load_catalog()
    assert float(cat.fx.loc["USD", "per_usd"]) == 1.0
    on = dt.date(2040, 1, 1)  # every dated rate is long stale by then
    stale = cat.stale_rows(on)
    assert set(stale[stale.table == "fx"].id) == set(cat.fx.index) - {"USD"} == {"CNY", "EUR"}
    overview = cat.overview(on).set_index("table")
    assert overview.loc["fx", "stale_prices"] == 2
