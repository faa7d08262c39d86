"""Plan against actual (issue 18): FOCUS 1.2 export, DuckDB reconcile, the bill generator, bad bills."""

import gzip

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, scenario_path
from tco import evaluate
from tco.billgen import generate
from tco.focus import COLUMNS, export_rows, write
from tco.reconcile import UNMAPPED, BillError, reconcile, write_scenario
from tco.scenario import load_scenario

FIXTURES = ROOT / "tests" / "data" / "focus"
RERANK = scenario_path("search-rerank-l4")


@pytest.fixture(scope="module")
def report():
    return evaluate(RERANK, compare=False)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_export_then_reconcile_gives_zero_variance(tmp_path, report, suffix):
    path = write(export_rows(report, days=30), tmp_path / f"plan{suffix}")
    result = reconcile(RERANK, [path])
    assert result.days == 30
    assert result.estimated == pytest.approx(report.per_day * 30, rel=1e-12)
    assert np.abs(result.daily["variance"]).max() < 1e-6
    assert UNMAPPED not in set(result.summary.dimension)
    serving = result.implied.set_index("kind").loc["inference serving"]
    assert serving.quantity_ratio == pytest.approx(1.0, abs=1e-12)
    assert serving.price_ratio == pytest.approx(1.0, abs=1e-12)
    assert serving.implied_utilisation == pytest.approx(report.models.utilisation_mean[0], rel=1e-12)


def test_export_has_the_focus_columns_and_categories(report):
    rows = export_rows(report, days=1, start="2026-11-01")
    assert list(rows.columns) == list(COLUMNS)
    by_kind = rows.set_index("x_Kind")
    assert by_kind.loc["inference serving", "ServiceCategory"] == "AI and Machine Learning"
    assert by_kind.loc["retention", "ServiceCategory"].tolist() == ["Storage", "Storage"]
    assert by_kind.loc["training", "ServiceCategory"] == "Other"  # labour: FOCUS has no category for it
    # 80 GB/day kept 90 days = 7,200 GB held = 7,200 / (365/12) GB-months each day
    hot = rows[rows.x_Item == "retention: raw logs, hot"].iloc[0]
    assert hot.PricingUnit == "GB-Months" and hot.PricingQuantity == pytest.approx(7200 / (365 / 12))
    assert rows.BilledCost.sum() == pytest.approx(report.per_day)


def test_generated_bill_gives_back_its_multipliers(tmp_path, report):
    info = generate(RERANK, tmp_path / "bill.parquet", rows=20_000, days=10)
    assert info["rows"] >= 20_000
    result = reconcile(RERANK, [tmp_path / "bill.parquet"])
    for row in result.implied.itertuples():
        assert row.quantity_ratio == pytest.approx(0.8, rel=0.01)
        assert row.price_ratio == pytest.approx(1.1, rel=0.01)
    serving = result.implied.set_index("kind").loc["inference serving"]
    assert serving.implied_utilisation == pytest.approx(report.models.utilisation_mean[0] / 0.8, rel=1e-9)
    mapped = result.summary[result.summary.dimension != UNMAPPED]
    assert (mapped.actual / mapped.estimated).to_numpy() == pytest.approx(0.88, rel=1e-9)
    # unmapped spend: 5% of the planned total, shown, never dropped
    unmapped = result.summary.set_index("dimension").loc[UNMAPPED, "actual"]
    assert unmapped == pytest.approx(0.05 * report.per_day * 10, rel=1e-9)
    assert result.actual == pytest.approx(report.per_day * 10 * (0.88 + 0.05), rel=1e-9)
    assert set(result.unmapped.service) == {"Business Support", "Virtual Machines"}


def test_generated_bill_in_several_files_and_a_folder(tmp_path):
    (tmp_path / "bills").mkdir()
    generate(RERANK, tmp_path / "bills" / "a.csv.gz", rows=500, days=3, start="2026-11-01")
    generate(RERANK, tmp_path / "bills" / "b.parquet", rows=500, days=3, start="2026-11-04")
    result = reconcile(RERANK, [tmp_path / "bills"], start="2026-11-02", end="2026-11-05")
    assert (result.start.isoformat(), result.end.isoformat(), result.days) == ("2026-11-02", "2026-11-05", 4)
    serving = result.implied.set_index("kind").loc["inference serving"]
    assert serving.quantity_ratio == pytest.approx(0.8, rel=1e-9)


def test_hand_written_focus_rows(report):
    """Two days of an autoscaling group, 120 and 130 instance-hours at 6.00 CNY, and a 50 CNY
    support charge that no rule maps; against the plan's 148 L4-hours a day."""
    result = reconcile(RERANK, [FIXTURES / "focus12-hand.csv"], FIXTURES / "focus12-hand-map.yaml")
    serving = result.implied.set_index("kind").loc["inference serving"]
    planned_price = 0.8048 * 6.7758  # g6.xlarge on demand, USD/h (instances.csv) x CNY per USD (fx.csv) = 5.45316384
    planned_hours = 148.0 * 2        # 296 accelerator-hours sized over the two days
    actual_hours = 120.0 + 130.0     # 250, one L4 per g6.xlarge
    actual_price = (720.0 + 780.0) / actual_hours  # 6.00 CNY
    assert serving.planned_price == pytest.approx(planned_price, rel=1e-9)
    assert serving.actual_quantity == actual_hours and serving.actual_price == pytest.approx(6.0)
    # usage variance (250 - 296) x 5.45316384 = -250.84553664
    assert serving.usage_variance == pytest.approx(-250.84553664, rel=1e-9)
    # price variance (6.00 - 5.45316384) x 250 = 136.70904
    assert serving.price_variance == pytest.approx(136.70904, rel=1e-9)
    # together: 1,500 - 296 x 5.45316384 = 1,500 - 1,614.13649664 = -114.13649664
    assert serving.usage_variance + serving.price_variance == pytest.approx(1500 - planned_hours * planned_price)
    assert serving.implied_utilisation == pytest.approx(report.models.utilisation_mean[0] * 296 / 250)
    summary = result.summary.set_index(["dimension", "model"])
    assert summary.loc[(UNMAPPED, ""), "actual"] == 50.0
    assert summary.loc[("compute", "cross-encoder-base"), "actual"] == 1500.0
    assert result.actual == 1550.0


def test_azure_focus_export_spelling():
    """Microsoft's FOCUS 1.2 export columns (finops-toolkit FocusCost_1.2-preview.json), billed in EUR."""
    result = reconcile(RERANK, [FIXTURES / "azure-focuscost-1.2.csv"], FIXTURES / "azure-focuscost-1.2-map.yaml")
    eur_to_cny = 6.7758 / 0.8684  # fx.csv: CNY and EUR per USD
    summary = result.summary.set_index(["dimension", "model"])
    assert summary.loc[("compute", "cross-encoder-base"), "actual"] == pytest.approx(180.0 * eur_to_cny)
    assert summary.loc[("data", ""), "actual"] == pytest.approx(12.0 * eur_to_cny)
    serving = result.implied.set_index("kind").loc["inference serving"]
    assert serving.actual_quantity == 240.0  # '1 Hour' pricing, 'Hours' consumed: instance-hours x 1 L4
    assert serving.actual_price == pytest.approx(0.75 * eur_to_cny)


def _without_column(source, target, column):
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    frame.drop(columns=[column]).to_csv(target, index=False)


def test_missing_column_is_named(tmp_path):
    _without_column(FIXTURES / "focus12-hand.csv", tmp_path / "no-cost.csv", "EffectiveCost")
    with pytest.raises(BillError) as error:
        reconcile(RERANK, [tmp_path / "no-cost.csv"])
    assert "missing column(s) EffectiveCost" in str(error.value) and "no-cost.csv" in str(error.value)


def test_unknown_currency_is_named(tmp_path):
    text = (FIXTURES / "focus12-hand.csv").read_text().replace(",CNY,", ",XYZ,")
    (tmp_path / "xyz.csv").write_text(text)
    with pytest.raises(BillError) as error:
        reconcile(RERANK, [tmp_path / "xyz.csv"])
    message = str(error.value)
    assert "BillingCurrency: 'XYZ' is not in data/catalog/fx.csv" in message and "xyz.csv" in message


def test_empty_period_is_named():
    with pytest.raises(BillError) as error:
        reconcile(RERANK, [FIXTURES / "focus12-hand.csv"], start="2027-01-01", end="2027-01-31")
    assert "no charge in the period 2027-01-01 to 2027-01-31: the bill runs from 2026-11-01 to 2026-11-02" \
        in str(error.value)


def test_unreadable_and_missing_files_are_named(tmp_path):
    with pytest.raises(BillError, match="does not exist"):
        reconcile(RERANK, [tmp_path / "nowhere.csv"])
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(BillError, match="broken.parquet"):
        reconcile(RERANK, [tmp_path / "broken.parquet"])
    (tmp_path / "bad-map.yaml").write_text("rules:\n  - match: {tags: {app: x}}\n    dimension: energy\n")
    with pytest.raises(BillError, match=r"rules\[0\].dimension: 'energy' is not one of data, storage"):
        reconcile(RERANK, [FIXTURES / "focus12-hand.csv"], tmp_path / "bad-map.yaml")


def test_write_scenario_takes_the_measured_price(tmp_path):
    result = reconcile(RERANK, [FIXTURES / "focus12-hand.csv"], FIXTURES / "focus12-hand-map.yaml")
    out = write_scenario(result, RERANK, tmp_path / "measured.yaml")
    measured = load_scenario(out)
    serving = measured.models[0].serving
    assert serving.price_per_hour == pytest.approx(6.0)
    assert serving.price_source.startswith("measured:") and "2026-11-01 to 2026-11-02" in serving.price_source
    assert any(a.startswith("measured (2026-11-01 to 2026-11-02") for a in measured.assumptions)
    again = evaluate(measured, compare=False)
    assert again.models.price_per_instance_hour[0] == pytest.approx(6.0)


def test_write_scenario_takes_the_measured_utilisation(tmp_path):
    """A bill with usage x0.8 (the generator's default) over 10 days: search-rerank-l4 sizes 148
    L4-hours a day, so 1,480 are planned and 0.8 x 1,480 = 1,184 billed. The fleet ran at
    1,480 / 1,184 = 1.25 times the planned utilisation, so the copy's target is 0.7 x 1.25 = 0.875,
    and re-costed it sizes fewer hours than the plan, towards the bill (not exactly the bill: the
    N+1 spare and whole replicas per hour stay)."""
    bill = generate(RERANK, tmp_path / "bill.csv.gz", rows=3000, days=10, seed=3)["file"]
    result = reconcile(RERANK, [bill], ROOT / "data" / "bills" / "search-rerank-l4-map.yaml")
    serving = result.implied[result.implied.kind == "inference serving"].iloc[0]
    assert (serving.planned_quantity, serving.actual_quantity) == pytest.approx((1480.0, 1184.0))
    measured = load_scenario(write_scenario(result, RERANK, tmp_path / "measured.yaml"))
    assert measured.models[0].serving.utilization_target == pytest.approx(0.875)
    assert any("utilization_target goes from 70.0% to 87.5%" in a for a in measured.assumptions)
    items = evaluate(measured, compare=False).items
    hours = float(items[(items.dimension == "compute") & (items.item == "inference serving")].quantity.iloc[0])
    assert 118.4 <= hours < 148.0


def test_small_bill_files_are_deterministic(tmp_path):
    a = generate(RERANK, tmp_path / "a.csv.gz", rows=300, days=2, seed=7)["file"]
    b = generate(RERANK, tmp_path / "b.csv.gz", rows=300, days=2, seed=7)["file"]
    assert gzip.decompress(open(a, "rb").read()) == gzip.decompress(open(b, "rb").read())


def test_cli_export_generate_reconcile(tmp_path, capsys):
    from tco.cli import main

    assert main(["export-focus", str(RERANK), "--days", "2", "--out", str(tmp_path / "plan.csv")]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["reconcile", str(RERANK), str(tmp_path / "plan.csv"), "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["days"] == 2 and abs(data["variance"]) < 1e-6
    assert main(["generate-bill", str(RERANK), "--out", str(tmp_path / "bill.parquet"), "--rows", "400",
                 "--days", "2"]) == 0
    capsys.readouterr()
    assert main(["reconcile", str(RERANK), str(tmp_path / "bill.parquet"), "--out", str(tmp_path / "out"),
                 "--write-scenario", str(tmp_path / "measured.yaml")]) == 0
    text = capsys.readouterr().out
    assert "unmapped" in text and "implied util." in text
    assert (tmp_path / "out" / "implied.csv").exists() and (tmp_path / "measured.yaml").exists()
    assert main(["reconcile", str(RERANK), str(tmp_path / "bill.parquet"), "--from", "2030-01-01",
                 "--to", "2030-01-02"]) == 2
    assert "no charge in the period 2030-01-01 to 2030-01-02" in capsys.readouterr().err


def test_report_with_a_bill_adds_chapter_50_and_the_index_links_it(tmp_path):
    from tco import batch

    with pytest.raises(Exception, match="give --bill"):
        batch.run_reports([str(RERANK)], tmp_path / "none", jobs=1, chapters=["50-plan-vs-actual"], progress=False)
    bill = ROOT / "data" / "bills" / "search-rerank-l4-bill.csv.gz"
    status = batch.run_reports([str(RERANK)], tmp_path / "out", jobs=1, chapters=["50-plan-vs-actual"], progress=False,
                               bill=str(bill), bill_map=str(ROOT / "data" / "bills" / "search-rerank-l4-map.yaml"))
    assert status == 0
    page = (tmp_path / "out" / "search-rerank-l4" / "50-plan-vs-actual.html").read_text(encoding="utf-8")
    # the bill is the plan x (0.8 usage x 1.1 price) on mapped lines + 5% unmapped: 0.93 of the plan,
    # so 30 days x the plan's daily total x (0.93 - 1) under it
    under = 30 * evaluate(load_scenario(RERANK), compare=False).per_day * 0.07
    assert f"under the plan by {under:,.2f} CNY (-7.0%)" in page and "65.0% used (planned 52.0%)" in page
    assert 'href="search-rerank-l4/50-plan-vs-actual.html"' in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


from hypothesis import given, settings, strategies as st  # noqa: E402

from tco import variance  # noqa: E402

positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(planned_quantity=positive, planned_price=positive, actual_quantity=positive, actual_price=positive)
def test_usage_and_price_variance_add_up_to_the_whole(planned_quantity, planned_price, actual_quantity, actual_price):
    usage = variance.usage_variance(actual_quantity, planned_quantity, planned_price)
    price = variance.price_variance(actual_price, planned_price, actual_quantity)
    whole = actual_quantity * actual_price - planned_quantity * planned_price
    assert usage + price == pytest.approx(whole, rel=1e-9, abs=1e-6 * (actual_quantity * actual_price + 1))
    # no usage variance when the quantity is as planned; no price variance when the price is
    assert variance.usage_variance(planned_quantity, planned_quantity, planned_price) == 0.0
    assert variance.price_variance(planned_price, planned_price, actual_quantity) == 0.0


def test_hosted_api_tokens_billed_against_estimated(tmp_path):
    """A hosted-API model (llm-query-rewrite's model on its API alternative, qwen-plus): the export
    bills tokens, the generator scales them, the reconciliation counts them in millions."""
    import yaml

    data = yaml.safe_load(scenario_path("llm-query-rewrite").read_text(encoding="utf-8"))
    data["models"][0]["serving"] = {"deployment": "api", "api_model": "qwen-plus"}
    data["models"][0].pop("training", None)
    path = tmp_path / "api.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    report = evaluate(path, compare=False)
    item = next(it for it in report.line_items if it.kind.name == "hosted API")
    tokens = report.tokens_per_request["rewrite-llm-8b"]
    generate(path, tmp_path / "bill.csv", rows=200, days=3)
    api = reconcile(path, [tmp_path / "bill.csv"]).implied.set_index("kind").loc["hosted API"]
    assert api.unit == "1M tokens"
    assert api.planned_quantity == pytest.approx(float(item.quantity) * tokens * 3 / 1e6)  # requests x tokens x days
    assert api.quantity_ratio == pytest.approx(0.8) and api.price_ratio == pytest.approx(1.1)
    assert api.planned_price == pytest.approx(float(item.cost_per_day) / (float(item.quantity) * tokens / 1e6))


def test_written_tables_keep_bill_text_from_running_as_a_formula(tmp_path):
    """A resource name from the bill that a spreadsheet would run (=HYPERLINK...) is written quoted,
    and the unmapped amount next to it stays the number 50."""
    text = (FIXTURES / "focus12-hand.csv").read_text().replace(",support plan,", ',"=HYPERLINK(""x"")",')
    (tmp_path / "hostile.csv").write_text(text)
    result = reconcile(RERANK, [tmp_path / "hostile.csv"], FIXTURES / "focus12-hand-map.yaml")
    result.write(tmp_path / "out")
    unmapped = pd.read_csv(tmp_path / "out" / "unmapped.csv")
    assert list(unmapped.resource) == ["'=HYPERLINK(\"x\")"] and list(unmapped.cost) == [50.0]
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".tco-")]
