"""Mutation kills for the line items of tco.dimensions.compute, storage and fusion (tools/mutation.py):
the unit and the note of each line, which the cost tests do not read.

Each note is read back against the scenario file and the catalog row it names: e.g. recsys-ranking-h100
keeps its model copies on 3,840 GB NVMe at 3,000 CNY for 5 years (storage.on_prem_media), stores the
registry in oss-standard-lrs (catalog storage.csv: 0.12 CNY/GB-month, as_of 2026-07-31), and runs
9 servers of 8 H100-SXM (catalog onprem_servers.csv h100-hgx-hyperscaler-2025, as_of 2025-10-09).
"""

import pytest

from tco import evaluate

from conftest import scenario_path


def _lines(name, dimensions=("compute", "storage", "fusion")):
    return [(li.kind.name, li.item, li.model, li.unit, li.note) for li in evaluate(scenario_path(name)).line_items
            if li.kind.dimension in dimensions]


def test_recsys_on_premises_lines():
    assert _lines("recsys-ranking-h100") == [
        # 256 GB of fp16 embedding tables + 0.2 GB of bf16 dense weights = 256.20 GB
        ("model registry", "model registry", "seq-ranker", "GB held",
         "256.20 GB artifact; oss-standard-lrs (0.12 CNY/GB-month, 2026-07-31)"),
        ("on-premises media", "on-premises media", "", "GB held", "3,840 GB media at 3,000 CNY, 5 years"),
        ("distribution transfer", "distribution transfer", "seq-ranker", "GB/day",
         "oss-egress-internet-offpeak (0.25 CNY/GB, 2026-10-08)"),
        # 189,637 USD / 8 x 6.7758 = 160,617.80 CNY per GPU: depreciation 160,617.80 / (5 x 8,760) = 3.6671,
        # support 0.2 x 160,617.80 / 8,760 = 3.6671, hosting 1,500 / (30.4167 x 24) = 2.0548 CNY/h, plus the
        # electricity at the fleet's utilisation 0.3020: 0.700 x 1.5 x (0.2 + 0.8 x 0.3020) x 1.56 x 0.651886
        # = 0.4715 CNY/h, so 8 x (3.6671 + 0.4715 + 3.6671 + 2.0548) = 8 x 9.8605 = 78.88 CNY per server-hour
        # (78.56 with the 2024 China electricity row at 0.088 USD/kWh; 103.43 with the 2023 dgx-h100 row as well)
        ("inference serving", "inference serving", "seq-ranker", "accelerator-hours/day",
         "on-premises H100-SXM servers; 9 × 8 H100-SXM; server h100-hgx-hyperscaler-2025 (2025-10-09); "
         "78.88 CNY/instance-hour"),
        # daily refresh: 365/12 = 30.4 runs a month
        # training at load factor 0.6: 3.6671 + 3.6671 + 2.0548 + 0.700 x 1.5 x 1.56 x 0.651886 x 0.6
        # (0.6407) = 10.03 CNY/accelerator-hour (9.97 with the 2024 electricity row; 13.08 with the 2023 dgx-h100 row)
        ("training and refresh", "training and refresh", "seq-ranker", "accelerator-hours/day",
         "64.7 H100-SXM-hours per run, 30.4 runs/month, 10.03 CNY/accelerator-hour; "
         "server h100-hgx-hyperscaler-2025 (2025-10-09)"),
    ]


def test_recsys_training_note_agrees_with_its_quantity():
    # accelerator-hours per day = hours per run x runs per month / (365/12 days a month); with one run a
    # day (30.4 a month) that is the hours of one run, which the note rounds to 64.7
    [line] = [li for li in evaluate(scenario_path("recsys-ranking-h100")).line_items
              if li.item == "training and refresh"]
    assert line.quantity == pytest.approx(64.7, abs=0.05)


def test_search_cascade_cloud_lines():
    lines = _lines("search-cascade")
    # cloud fleets: a serving disk per model on ebs-gp3 (catalog storage.csv 0.08 USD/GB-month, 2026-01-01)
    assert [l for l in lines if l[0] == "serving disks"] == [
        ("serving disks", "serving disks", m, "GB held", "ebs-gp3 (0.08 USD/GB-month, 2026-01-01)")
        for m in ("ce-small", "ce-large", "llm-reranker-8b")]
    # the cascade's router is a routing line (not a combiner) on c7i.xlarge; integration for 3 models at the
    # scenario's 1,726 CNY/person-day
    assert lines[-2:] == [
        ("routing", "routing", "", "vCPU-hours/day", "c7i.xlarge on_demand (2026-09-24)"),
        ("integration upkeep", "integration upkeep", "", "person-days/month", "3 models, 1,726 CNY/person-day")]
    # 11 g6.xlarge instances of 1 L4 at the catalog's on-demand price (aws us-east-1, 2026-09-24)
    assert ("inference serving", "inference serving", "ce-small", "accelerator-hours/day",
            "g6.xlarge; 11 × 1 L4; g6.xlarge on_demand, catalog 2026-09-24; 5.45 CNY/instance-hour") in lines
    assert ("training and refresh", "training and refresh", "ce-large", "accelerator-hours/day",
            "11.4 L40S-hours per run, 4.35 runs/month, 12.61 CNY/accelerator-hour; g6e.xlarge on_demand, "
            "catalog 2026-09-24") in lines


def test_recsys_data_and_staff_lines():
    lines = _lines("recsys-ranking-h100", ("data", "staff"))
    assert lines[0] == ("acquisition", "acquisition: impression, click and order logs with feature snapshots "
                        "(first-party)", "", "GB/day", "0.1 CNY/GB, usable 0.9")
    assert lines[1][3:] == ("GB/day", "0.5 CNY/GB")
    # the labelling price from the catalog task (labelling.csv vendor-text-classification, 0.06 USD/label)
    assert lines[2][3:] == ("labels/day", "catalog task vendor-text-classification (0.06 USD/label, 2026-01-01)")
    staff = [l for l in lines if l[0] in ("role", "model upkeep", "operations", "training")]
    assert staff == [
        ("role", "role: ranking algorithm engineers", "", "FTE",
         "catalog cn-ai-engineer-median-loaded (431,504 CNY/year, 2025-09-29)"),
        ("role", "role: ML infrastructure engineer (embedding sharding, serving, training pipeline)", "", "FTE",
         "catalog cn-ai-engineer-median-loaded (431,504 CNY/year, 2025-09-29)"),
        ("model upkeep", "model upkeep", "seq-ranker", "person-days/month", "1,726 CNY/person-day, automation 0.2"),
        # 9 servers / 20 per engineer x (1 - 0.2) = 0.36 FTE
        ("operations", "operations", "", "FTE",
         "9 nodes, 20 per engineer; catalog cn-ai-engineer-median-loaded (431,504 CNY/year, 2025-09-29)"),
        # 3 + 1 + 0.36 = 4.36 FTE x 5 training days
        ("training", "training", "", "person-days/year", "4.36 FTE × 5 days"),
    ]


def test_notes_write_a_tiny_run_rate_and_automation_in_digits():
    from tco import load_scenario
    from tco.scenario import scenario_to_dict

    # recsys-ranking-h100 retrained every 20,000 months (5e-05 runs/month) with an automation factor of
    # 0.00005: both are valid, and the notes write them in digits, not as 'g' would (5e-05)
    data = scenario_to_dict(load_scenario(scenario_path("recsys-ranking-h100")))
    data["models"][0]["training"]["runs_per_month"] = 5e-5
    data["staff"]["automation_factor"] = 5e-5
    notes = {li.item: li.note for li in evaluate(load_scenario(data)).line_items}
    assert ", 0.00005 runs/month, " in notes["training and refresh"]
    assert notes["model upkeep"] == "1,726 CNY/person-day, automation 0.00005"


def _staff_notes(staff, **serving):
    from tco import load_scenario

    from test_bad_inputs import base_scenario

    data = base_scenario()
    data["staff"] = staff
    data["models"][0]["serving"].update(serving)
    return {li.item: li.note for li in evaluate(load_scenario(data)).line_items if li.kind.dimension == "staff"}


def test_staff_notes_write_tiny_and_huge_figures_in_digits():
    # one role of 0.00005 FTE trained 0.00005 days a year: written in digits, not as 'g' would (5e-05)
    notes = _staff_notes({"day_rate": 1000, "training_days_per_person_per_year": 5e-5,
                          "roles": [{"role": "r", "fte": 5e-5, "annual_cost": 100000}]})
    assert notes["training"] == "0.00005 FTE × 0.00005 days"
    # a fleet held at 1,000,000 replicas (one g6.xlarge each) run by engineers of 2,000,000 nodes each
    notes = _staff_notes({"operations": {"nodes_per_engineer": 2e6, "annual_cost": 100000}}, min_replicas=1_000_000)
    assert notes["operations"].startswith("1,000,000 nodes, 2,000,000 per engineer; ")


def test_processing_note_writes_a_tiny_price_in_digits():
    from tco import load_scenario
    from tco.scenario import scenario_to_dict

    # recsys-ranking-h100 with its sample joins at 0.00005 CNY/GB
    data = scenario_to_dict(load_scenario(scenario_path("recsys-ranking-h100")))
    data["data"]["processing"][0]["price_per_gb"] = 5e-5
    [line] = [li for li in evaluate(load_scenario(data)).line_items if li.unit == "GB/day" and li.item.startswith("processing")]
    assert line.note == "0.00005 CNY/GB"  # not 5e-05
