"""Golden values for every line item of the paper-example scenario, the arithmetic written out.

Inputs (data/scenarios/paper-example.yaml, from seeds/002 sections 4.3 and 5.4): 100,000
requests/day on a flat profile, no cache; model A 1 GB at 500 requests/s, model B 5 GB at
200 requests/s, each on an accelerator priced 100 CNY/hour, utilisation ceiling 0.9; data
6 GB/day at 10 CNY/GB with 0.8 usable; registry 10 CNY/GB-month, one version, no backup;
2 person-days per model per month at 1,000 CNY; fusion 100 CNY/day x 0.5.
"""

import pytest

from tco import evaluate
from conftest import scenario_path

DAYS_PER_MONTH = 365 / 12  # 30.416666...


@pytest.fixture(scope="module")
def report():
    return evaluate(scenario_path("paper-example"))


def cost(report, dimension, item, model=""):
    rows = report.items[(report.items.dimension == dimension) & (report.items.item == item)
                        & (report.items.model == model)]
    assert len(rows) == 1, (dimension, item, model)
    return rows.cost_per_day.iloc[0]


def test_every_line_item(report):
    expected = {
        ("data", "acquisition: article data (data_size 1 GB + 5 GB)", ""): 6 * 10 / 0.8,           # 75
        ("storage", "model registry", "model-a"): 1 * 1 * (1 + 0) * 1 * 10 / DAYS_PER_MONTH,        # 0.328767
        ("storage", "model registry", "model-b"): 5 * 1 * (1 + 0) * 1 * 10 / DAYS_PER_MONTH,        # 1.643836
        # peak rate 100,000 / 86,400 = 1.157/s; ceil(1.157 / (500 * 0.9)) = 1 replica of 1 accelerator
        ("compute", "inference serving", "model-a"): 1 * 24 * 100,                                  # 2,400
        ("compute", "inference serving", "model-b"): 1 * 24 * 100,                                  # ceil(1.157/180) = 1
        ("staff", "model upkeep", "model-a"): 2 * 1000 / DAYS_PER_MONTH,                           # 65.7534
        ("staff", "model upkeep", "model-b"): 2 * 1000 / DAYS_PER_MONTH,
        ("fusion", "fusion algorithm upkeep", ""): 100 * 0.5,                                       # 50
    }
    assert len(report.items) == len(expected)
    for (dimension, item, model), value in expected.items():
        assert cost(report, dimension, item, model) == pytest.approx(value, rel=1e-12), (dimension, item, model)


def test_totals(report):
    day = 75 + 6 * 10 / DAYS_PER_MONTH + 2 * 2400 + 2 * 2000 / DAYS_PER_MONTH + 50   # 5,058.4795
    t = report.totals
    assert t["per_day"] == pytest.approx(day, rel=1e-12)
    assert t["per_day"] == pytest.approx(5058.4795, abs=1e-4)
    assert t["per_month"] == pytest.approx(day * 365 / 12, rel=1e-12)             # 153,862.08
    assert t["per_year"] == pytest.approx(day * 365, rel=1e-12)                   # 1,846,345.0
    assert t["per_1k_requests"] == pytest.approx(day / 100_000 * 1000, rel=1e-12)  # 50.5848


def test_dimensions_and_marginal_fusion(report):
    dims = report.by_dimension()
    assert list(dims.index) == ["data", "storage", "compute", "staff", "fusion"]
    assert dims["compute"] == pytest.approx(4800)
    assert dims["fusion"] == pytest.approx(50)
    # model A alone: data 75 + registry 1 GB + serving 2,400 + upkeep of one model; no fusion line
    alone = 75 + 10 / DAYS_PER_MONTH + 2400 + 2000 / DAYS_PER_MONTH                 # 2,541.082
    assert report.first_model_alone_per_day == pytest.approx(alone, rel=1e-12)
    assert report.marginal_fusion_cost_per_day == pytest.approx(report.per_day - alone, rel=1e-12)  # 2,517.40


def test_sizing(report):
    m = report.models.set_index("model")
    assert m.loc["model-a", "throughput_rps_per_accelerator"] == 500
    assert m.loc["model-b", "replicas"] == 1
    assert m.loc["model-a", "peak_rps"] == pytest.approx(100_000 / 86_400)
    # mean utilisation = 1.157 / 500 of one replica
    assert m.loc["model-a", "utilisation_mean"] == pytest.approx(100_000 / 86_400 / 500)
    # the idle-fleet warning quotes it: 1.157 / 500 = 0.23%, written to one decimal
    assert any(w.startswith("model-a: the accelerator-hours paid for are 0.2% used on average") for w in report.warnings)
