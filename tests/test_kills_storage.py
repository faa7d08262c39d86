"""Mutation kills for tco.dimensions.storage (tools/mutation.py): the registry line by hand, and no
registry line for a model the provider hosts."""

import pytest

from tco import evaluate, load_catalog, load_scenario
from tco.scenario import parse_scenario, scenario_to_dict
from tco.variants import to_hosted_apis

from conftest import scenario_path


def _line(report, item, model):
    [line] = [li for li in report.line_items if li.item == item and li.model == model]
    return line


def test_registry_line_of_the_recsys_ranker_by_hand():
    # recsys-ranking-h100: artifact = 2.0e9 x 64 embedding values x 2 bytes (fp16) = 256 GB
    #   + 1.0e8 dense parameters x 2 bytes (bf16) = 0.2 GB -> 256.2 GB
    # held: 256.2 GB x 7 versions x (1 + 1 backup) x 1 region / compression 1 = 3,586.8 GB
    # cost: 3,586.8 GB x 0.12 CNY/GB-month (oss-standard-lrs) / (365/12) = 430.416 / 30.41667 = 14.1507 CNY/day
    line = _line(evaluate(scenario_path("recsys-ranking-h100")), "model registry", "seq-ranker")
    assert line.quantity == pytest.approx(3586.8, rel=1e-12)
    assert line.unit == "GB held"
    assert line.cost_per_day == pytest.approx(3586.8 * 0.12 / (365 / 12), rel=1e-12)
    assert line.note == "256.20 GB artifact; oss-standard-lrs (0.12 CNY/GB-month, 2026-07-31)"


def test_a_hosted_api_model_has_no_registry_line():
    # deepseek-v3-b200-vs-api moved to its API alternative: the provider stores the model, so the
    # storage dimension has no registry, disk or transfer line for it
    catalog = load_catalog()
    sc = load_scenario(scenario_path("deepseek-v3-b200-vs-api"), catalog)
    data = scenario_to_dict(sc)
    assert to_hosted_apis(data, sc) == "hosted API: assistant-dsv3 -> deepseek-v3"
    report = evaluate(parse_scenario(data, catalog))
    assert [li.item for li in report.line_items if li.kind.dimension == "storage" and li.model] == []
    # self-hosted, it has one
    assert _line(evaluate(sc), "model registry", "assistant-dsv3").unit == "GB held"


def test_serving_disks_of_the_cloud_models_after_an_on_premises_one():
    from test_bad_inputs import on_prem, two_model_scenario

    # an ensemble: 'rerank' on premises (its disks are in the server price), 'rerank-small' on a cloud
    # g6.xlarge with an ebs-gp3 serving disk: one disk line, for the cloud model, holding its artifact
    # (1.1e8 parameters x 2 bytes, bf16 = 0.22 GB) on each of its instances, time-averaged
    data = on_prem(two_model_scenario("ensemble"))
    data["storage"]["serving_disk_tier"] = "ebs-gp3"
    report = evaluate(load_scenario(data))
    disks = [li for li in report.line_items if li.item == "serving disks"]
    assert [li.model for li in disks] == ["rerank-small"]
    # the small encoder needs one g6.xlarge all day (24 accelerator-hours/day, one L4 an instance):
    # 1 instance x 0.22 GB
    [compute] = [li for li in report.line_items if li.model == "rerank-small" and li.item == "inference serving"]
    assert compute.quantity == 24.0
    assert disks[0].quantity == pytest.approx(0.22, rel=1e-12)
