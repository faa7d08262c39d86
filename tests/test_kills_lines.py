"""Mutation kills for the line items of tco.dimensions.data, fusion, staff and compute (tools/mutation.py):
every field of every kind of line (cost, quantity, unit, note), on one stated scenario, by hand.

The bundled scenarios leave some kinds of line out (a licence fee, a source with no data, labelling at a
stated price, a stated retention price, a stacking meta-model, a task at its own day rate, a CPU fleet at
a stated price or without a catalog price), so a mutant of those lines' text survived every test. Here
every figure is stated by the scenario, except:
- instances.csv, aws c7i.xlarge on_demand: 0.1785 USD per instance-hour, 4 vCPU (as_of 2026-09-24);
- fx.csv, CNY: 6.7758 CNY per USD.
A month is 365 / 12 = 30.416667 days (tco.units).
"""

import pytest

from test_bad_inputs import two_model_scenario
from tco import evaluate

DAYS_PER_MONTH = 365 / 12          # 30.416667
FX, C7I = 6.7758, 0.1785


def scenario():
    data = two_model_scenario("stacking")
    data["data"] = {
        "sources": [
            {"name": "clicks", "gb_per_day": 100, "price_per_gb": 0.5, "usable_fraction": 0.8},
            {"name": "licensed feed", "gb_per_day": 10, "licence_fee_per_month": 730},
            {"name": "idle source", "gb_per_day": 0},
        ],
        "processing": [{"name": "etl", "gb_per_day": 200, "price_per_gb": 0.25}],
        "labelling": {"labels_per_day": 1000, "price_per_label": 0.4, "relabel_rate": 0.25},
        "retention": [{"name": "raw", "gb_per_day": 100, "days": 30, "replication": 2, "price_per_gb_month": 0.12}],
    }
    data["fusion"]["meta_model"] = {"instance": "c7i.xlarge", "hours_per_run": 10, "runs_per_month": 4}
    data["staff"] = {"day_rate": 2000, "tasks": [{"task": "audit", "person_days_per_month": 2, "day_rate": 1500},
                                                 {"task": "review", "person_days_per_month": 1}]}
    data["compute"] = {"cpu": [{"name": "router", "instance": "c7i.xlarge", "count": 3, "price_per_hour": 1.25},
                               {"name": "spare", "instance": "c7i.xlarge", "count": 2, "pricing": "spot"}]}
    return data


@pytest.fixture(scope="module")
def report():
    return evaluate(scenario())


def _line(report, item):
    [li] = [li for li in report.line_items if li.item == item]
    return li


def test_data_lines_field_by_field(report):
    lines = [(li.kind.name, li.item, li.unit, li.note) for li in report.line_items if li.kind.dimension == "data"]
    assert lines == [
        ("acquisition", "acquisition: clicks", "GB/day", "0.5 CNY/GB, usable 0.8"),
        ("acquisition", "acquisition: licensed feed", "GB/day", "no price per GB: the licence fee covers it, usable 1"),
        ("licence", "licence: licensed feed", "CNY/month", ""),
        ("acquisition", "acquisition: idle source", "GB/day", "no data acquired, usable 1"),
        ("processing", "processing: etl", "GB/day", "0.25 CNY/GB"),
        ("labelling", "labelling", "labels/day", "0.4 CNY/label"),
        ("retention", "retention: raw", "GB held", "0.12 CNY/GB-month"),
    ]
    assert all(li.model == "" for li in report.line_items if li.kind.dimension == "data")


def test_data_costs_and_quantities_by_hand(report):
    clicks = _line(report, "acquisition: clicks")
    assert (clicks.cost_per_day, clicks.quantity) == pytest.approx((62.5, 100))     # 100 x 0.5 / 0.8 = 62.5
    feed = _line(report, "acquisition: licensed feed")
    assert (feed.cost_per_day, feed.quantity) == (0.0, 10)                           # the licence covers the GB
    licence = _line(report, "licence: licensed feed")
    assert licence.cost_per_day == pytest.approx(24.0, rel=1e-12)                    # 730 / (365/12) = 24
    assert licence.quantity == 730                                                   # CNY a month
    assert _line(report, "acquisition: idle source").cost_per_day == 0.0
    etl = _line(report, "processing: etl")
    assert (etl.cost_per_day, etl.quantity) == pytest.approx((50.0, 200))            # 200 x 0.25
    lab = _line(report, "labelling")
    # 1,000 labels + 25% redone = 1,250 labels a day x 0.4 = 500 CNY/day
    assert (lab.cost_per_day, lab.quantity) == pytest.approx((500.0, 1250.0))
    raw = _line(report, "retention: raw")
    # 100 GB/day x 30 days x 2 copies = 6,000 GB held x 0.12 = 720 CNY/month / 30.416667 = 23.6712 CNY/day
    assert raw.quantity == pytest.approx(6000.0)
    assert raw.cost_per_day == pytest.approx(720 / DAYS_PER_MONTH, rel=1e-12)


def test_meta_model_line(report):
    meta = _line(report, "meta-model training")
    # 10 instance-hours x 4 runs = 40 a month / 30.416667 = 1.31507 instance-hours a day, at
    # 0.1785 USD x 6.7758 = 1.209480 CNY each = 1.590549 CNY/day
    assert (meta.kind.name, meta.model, meta.unit, meta.note) == (
        "meta-model training", "", "instance-hours/day", "c7i.xlarge on_demand (2026-09-24)")
    assert meta.quantity == pytest.approx(40 / DAYS_PER_MONTH, rel=1e-12)
    assert meta.cost_per_day == pytest.approx(40 / DAYS_PER_MONTH * C7I * FX, rel=1e-9)


def test_task_lines_at_their_own_and_the_team_day_rate(report):
    audit, review = _line(report, "task: audit"), _line(report, "task: review")
    # 2 person-days a month at the task's 1,500 = 3,000 / 30.416667 = 98.630 CNY/day
    assert (audit.unit, audit.note, audit.quantity) == ("person-days/month", "1,500 CNY/person-day", 2)
    assert audit.cost_per_day == pytest.approx(3000 / DAYS_PER_MONTH, rel=1e-12)
    # 1 person-day at the team's 2,000 = 65.753 CNY/day
    assert (review.unit, review.note) == ("person-days/month", "2,000 CNY/person-day")
    assert review.cost_per_day == pytest.approx(2000 / DAYS_PER_MONTH, rel=1e-12)


def test_cpu_fleet_at_a_stated_price(report):
    router = _line(report, "CPU: router")
    # 3 instances x 1.25 CNY (stated, no FX) x 24 = 90 CNY/day, 72 instance-hours
    assert (router.model, router.unit, router.note) == ("", "instance-hours/day", "scenario price")
    assert (router.cost_per_day, router.quantity) == (90.0, 72)


def test_cpu_fleet_without_a_catalog_price_is_unpriced_and_says_why(report):
    spare = _line(report, "CPU: spare")
    assert spare.note == "unpriced"
    assert spare.cost_per_day != spare.cost_per_day                       # NaN: never a silent zero
    [w] = [w for w in report.warnings if "CPU fleet spare" in w]
    assert w == ("CPU fleet spare could not be priced: the catalog has no 'spot' price for c7i.xlarge; "
                         "give compute.cpu price_per_hour. It is left out of the totals.")


# --- a hosted-API model first, a self-hosted one second -----------------------------------------
def api_first_scenario():
    data = two_model_scenario("ensemble")
    data["models"][0] = {"name": "api-llm", "kind": "generative", "parameters": 8e9, "precision": "bf16",
                         "items_per_request": 1, "input_tokens_per_item": 500, "output_tokens": 50,
                         "serving": {"deployment": "api", "api_model": "gpt-4o-mini"}}
    data["storage"] = {"registry_price_per_gb_month": 0.1, "serving_disk_tier": "ebs-gp3", "compression_ratio": 2,
                       "transfer_price_per_gb": 0.05, "deployments_per_month": 4}
    data["staff"] = {"day_rate": 1000, "operations": {"nodes_per_engineer": 10, "annual_cost": 365000}}
    return data


def test_lines_of_the_self_hosted_model_behind_a_hosted_api():
    report = evaluate(api_first_scenario())
    small = report.models.set_index("model").loc["rerank-small"]
    # one g6.xlarge (1 L4) all day: 1 instance, on average 24 / 24 = 1
    inst, avg = small.instances, small.accelerator_hours_per_day / 24 / small.accelerators_per_instance
    assert (inst, avg) == (1, 1)
    # rerank-small: 1.1e8 bf16 parameters = 0.22 GB artifact; the hosted API stores its own model
    registry = [li for li in report.line_items if li.item == "model registry"]
    assert [(li.model, li.note) for li in registry] == [("rerank-small", "0.22 GB artifact; 0.1 CNY/GB-month (scenario)")]
    # the hosted API's line names the API model
    assert _line(report, "hosted API").note == "gpt-4o-mini"
    # 0.22 GB x 3 versions x 2 (original + 1 backup) x 1 region / compression 2 = 0.66 GB
    assert registry[0].quantity == pytest.approx(0.22 * 3 * 2 / 2, rel=1e-12)
    # serving disks: the time-averaged instances each hold the artifact, compressed 2x
    [disk] = [li for li in report.line_items if li.item == "serving disks"]
    assert (disk.model, disk.quantity) == ("rerank-small", pytest.approx(avg * 0.22 / 2, rel=1e-12))
    # distribution: 0.22 GB x 4 deployments a month to every instance, per day
    [transfer] = [li for li in report.line_items if li.item == "distribution transfer"]
    assert transfer.quantity == pytest.approx(0.22 * 4 * inst / DAYS_PER_MONTH, rel=1e-12)
    assert transfer.cost_per_day == pytest.approx(0.22 * 4 * inst / DAYS_PER_MONTH * 0.05, rel=1e-12)
    # operations: the self-hosted instances are the nodes to run (the hosted API has none)
    ops = _line(report, "operations")
    assert ops.note == f"{inst:g} nodes, 10 per engineer; 365,000 CNY/year"
    assert ops.quantity == pytest.approx(inst / 10, rel=1e-12)


def test_fusion_algorithm_upkeep_of_a_single_model():
    data = two_model_scenario("ensemble")
    data["models"] = data["models"][:1]
    # a single model has nothing to combine: a combiner CPU time given is not costed
    data["fusion"] = {"strategy": "single", "algorithm_cost_per_day": 300, "complexity": 0.5,
                      "combiner_cpu_ms_per_request": 2}
    report = evaluate(data)
    fusion = [li for li in report.line_items if li.kind.dimension == "fusion"]
    # the only fusion line: 300 CNY/day x complexity 0.5 = 150 CNY/day
    assert [(li.item, li.model, li.unit, li.note, li.quantity, li.cost_per_day) for li in fusion] == [
        ("fusion algorithm upkeep", "", "complexity (0-1)", "300 CNY/day × 0.5", 0.5, 150.0)]


def test_task_lines_belong_to_no_model(report):
    assert [li.model for li in report.line_items if li.kind.name == "task"] == ["", ""]


def test_cascade_shares_take_the_first_stage_traffic_share():
    from tco import load_scenario
    from tco.dimensions.fusion import traffic_shares

    data = two_model_scenario("cascade")
    data["fusion"]["escalation"] = [0.3]
    data["models"][0]["traffic_share"], data["models"][1]["traffic_share"] = 0.5, 0.8
    # stage 1 sees its own 50%; stage 2 sees 50% x 30% escalated x its own 80% = 12%
    assert traffic_shares(load_scenario(data)) == pytest.approx([0.5, 0.12], rel=1e-12)


def test_an_unpriced_fleet_line_shows_no_price():
    data = two_model_scenario("ensemble")
    data["models"] = data["models"][:1]
    data["fusion"] = {"strategy": "single"}
    # Lambda's 1x B200 has an on-demand row only: the spot plan is unpriced
    data["models"][0]["serving"] = {"deployment": "cloud", "instance": "gpu_1x_b200_sxm6", "pricing": "spot"}
    line = _line(evaluate(data), "inference serving")
    assert line.note == "gpu_1x_b200_sxm6; 1 × 1 B200; unpriced"
    assert line.cost_per_day != line.cost_per_day                        # NaN, left out of the totals


def test_operations_fte_without_automation_by_hand():
    from tco.dimensions.staff import operations_fte

    # 9 servers, 20 per engineer, no automation: 9 / 20 = 0.45 FTE; automation 0.2 removes a fifth: 0.36
    assert operations_fte(9, 20) == pytest.approx(0.45, rel=1e-12)
    assert operations_fte(9, 20, 0.2) == pytest.approx(0.36, rel=1e-12)


def test_a_data_source_without_a_price_says_what_to_give():
    data = two_model_scenario("ensemble")
    data["data"] = {"sources": [{"name": "logs", "gb_per_day": 10}]}
    report = evaluate(data)
    assert _line(report, "acquisition: logs").note == "unpriced, usable 1"
    [w] = [w for w in report.warnings if "Data source 'logs'" in w]
    assert w == ("Data source 'logs' could not be priced: it acquires data but has no price_per_gb (write 0 for data "
                 "that costs nothing to acquire, or give a licence_fee_per_month). It is left out of the totals.")


def test_a_fleet_of_thousands_is_written_with_separators():
    import re

    # 4e9 searches a day (80% not cached) on the base encoder (about 70 requests/s per L4): thousands of
    # g6.xlarge instances; the count is written 1,234, not 1234 or 1.234e+03
    data = two_model_scenario("ensemble")
    data["models"] = data["models"][:1]
    data["fusion"] = {"strategy": "single"}
    data["traffic"]["requests_per_day"] = 4e9
    report = evaluate(data)
    assert report.models.instances.iloc[0] >= 1000
    assert re.match(r"g6\.xlarge; \d{1,3}(,\d{3})+ × 1 L4; ", _line(report, "inference serving").note)


def _onprem_storage(**storage):
    data = two_model_scenario("ensemble")
    data["models"] = data["models"][:1]
    data["fusion"] = {"strategy": "single"}
    data["models"][0]["serving"] = {"deployment": "on_prem", "accelerator": "L4", "server_price": 10000,
                                    "accelerators_per_server": 1}
    data["on_prem"] = {"region": "cn", "hosting_per_accelerator_month": 0}
    data["storage"] = {"registry_price_per_gb_month": 0.1, **storage}
    return evaluate(data)


def test_on_premises_model_copies_compressed_on_their_disks():
    # one copy of the 0.67 GB artifact (3.35e8 bf16 parameters) per server, compressed 2x, on 3,840 GB disks
    report = _onprem_storage(compression_ratio=2,
                             on_prem_media={"capacity_gb": 3840, "price": 3000, "life_years": 5})
    servers = report.models.instances.iloc[0]
    media = _line(report, "on-premises media")
    assert media.quantity == pytest.approx(servers * 0.67 / 2, rel=1e-12)
    assert media.note == "3,840 GB media at 3,000 CNY, 5 years"
    # one disk holds them all: 3,000 CNY over 5 x 365 days = 1.6438 CNY/day
    assert media.cost_per_day == pytest.approx(3000 / (5 * 365), rel=1e-12)


def test_on_premises_model_copies_without_disks_given_are_unpriced():
    report = _onprem_storage()
    media = _line(report, "on-premises media")
    assert media.note == "give storage.on_prem_media"
    assert media.cost_per_day != media.cost_per_day
    assert ("on-premises model copies (disks) could not be priced: storage.on_prem_media is not given (capacity_gb, "
            "price, life_years of the disks). It is left out of the totals.") in report.warnings


def test_retention_on_a_catalog_tier_names_the_tier():
    data = two_model_scenario("ensemble")
    data["data"] = {"retention": [{"name": "logs", "gb_per_day": 10, "days": 30, "tier": "oss-archive"}]}
    line = _line(evaluate(data), "retention: logs")
    # storage.csv oss-archive: 0.033 CNY/GB-month (as_of 2026-05-23); 10 x 30 = 300 GB held
    assert line.note == "oss-archive (0.033 CNY/GB-month, 2026-05-23)"
    assert line.cost_per_day == pytest.approx(300 * 0.033 / DAYS_PER_MONTH, rel=1e-12)
