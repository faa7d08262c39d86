"""Bad scenario inputs: each must be refused with a message that names the field and says what is allowed.

Every test starts from a valid scenario mapping (``base_scenario``: one BERT-large-sized
cross-encoder served on a cloud g6.xlarge with one L4) and changes one thing. The assertions
are on the *message* an analyst reads: the field path, the value given, the allowed values or
the reason. The CLI tests check that ``python -m tco validate|evaluate`` turn the same errors
into exit code 2 and a message on stderr, never a traceback.
"""

from __future__ import annotations

import copy
import math
import subprocess
from pathlib import Path

import pytest
import yaml

import tco
from tco import ScenarioError

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"
CATALOG = tco.load_catalog()


# ---------------------------------------------------------------------------------------------
# Valid starting points
# ---------------------------------------------------------------------------------------------
def base_scenario() -> dict:
    """A fresh, valid one-model scenario: a 335 M-parameter encoder on one cloud g6.xlarge (L4)."""
    return {
        "name": "bad-inputs",
        "title": "Base scenario for the bad-input tests",
        "currency": "CNY",
        "as_of": "2026-11-22",
        "traffic": {"requests_per_day": 1_000_000, "cache_hit_rate": 0.2, "hourly_profile": "ecommerce"},
        "models": [{
            "name": "rerank",
            "kind": "encoder",
            "parameters": 3.35e8,
            "precision": "bf16",
            "items_per_request": 20,
            "input_tokens_per_item": 64,
            "serving": {"deployment": "cloud", "instance": "g6.xlarge", "utilization_target": 0.7},
        }],
        "storage": {"registry_tier": "s3-standard"},
    }


def two_model_scenario(strategy: str = "ensemble") -> dict:
    """The base scenario with a second (smaller) encoder and a fusion strategy."""
    data = base_scenario()
    second = copy.deepcopy(data["models"][0])
    second["name"] = "rerank-small"
    second["parameters"] = 1.1e8
    data["models"].append(second)
    data["fusion"] = {"strategy": strategy}
    if strategy == "cascade":
        data["fusion"]["escalation"] = [0.3]
    return data


def on_prem(data: dict, accelerator: str = "L4") -> dict:
    data["models"][0]["serving"] = {"deployment": "on_prem", "accelerator": accelerator}
    return data


def test_base_scenarios_are_valid():
    """The starting points themselves load and evaluate (otherwise every test below is vacuous)."""
    for data in (base_scenario(), two_model_scenario("ensemble"), two_model_scenario("cascade")):
        scenario = tco.load_scenario(data)
        report = tco.evaluate(scenario, compare=False)
        assert_serving_priced_by_hand(report, "g6.xlarge")


def assert_serving_priced_by_hand(report, instance: str) -> None:
    """Each model's serving line is its instances x 24 h x the catalog's on-demand price of ``instance``
    x CNY per USD (provisioned fleets, read from the CSV files), and the total is the sum of the lines."""
    import csv

    def row(table, **match):
        with open(Path(__file__).resolve().parents[1] / "data" / "catalog" / f"{table}.csv", newline="",
                  encoding="utf-8") as f:
            return next(r for r in csv.DictReader(f) if all(r[k] == v for k, v in match.items()))

    price = float(row("instances", instance=instance, plan="on_demand")["price_per_hour"])
    fx = float(row("fx", currency="CNY")["per_usd"])
    items = report.items
    for m in report.models.itertuples():
        line = items[(items["item"] == "inference serving") & (items.model == m.model)].cost_per_day
        assert m.instances >= 1
        assert line.tolist() == pytest.approx([m.instances * 24 * price * fx], rel=1e-9), m.model
    assert report.per_day == pytest.approx(items[items.priced].cost_per_day.sum(), rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def load_error(data) -> ScenarioError:
    """The ScenarioError load_scenario raises for ``data`` (fails the test if none is raised)."""
    with pytest.raises(ScenarioError) as info:
        tco.load_scenario(data)
    return info.value


def evaluate_error(data) -> ScenarioError:
    """The ScenarioError raised while loading or evaluating ``data`` (sizing errors surface here)."""
    with pytest.raises(ScenarioError) as info:
        tco.evaluate(tco.load_scenario(data), compare=False)
    return info.value


def names_field(problem: tuple[str, str], dotted: str) -> bool:
    """Whether a (path, message) problem names the field ``dotted``.

    Either the path is the field itself, or the path is its parent and the message starts with
    the rest (cross-field checks report e.g. ``("models[0]", "throughput_rps needs ...")``).
    """
    path, message = problem
    full = f"{path}.{message}" if path else message
    return path == dotted or full.startswith(dotted + " ") or full.startswith(dotted + ":")


def problem_for(error: ScenarioError, dotted: str) -> str:
    """The message of the (single) problem naming ``dotted``; fails with all problems shown."""
    hits = [msg for path, msg in error.problems if names_field((path, msg), dotted)]
    assert hits, f"no problem names {dotted!r}; problems: {error.problems}"
    return hits[0]


def assert_lists(message: str, options) -> None:
    missing = [o for o in options if str(o) not in message]
    assert not missing, f"message does not list {missing}: {message}"


# ---------------------------------------------------------------------------------------------
# Numbers out of range, NaN, infinity
# ---------------------------------------------------------------------------------------------
def test_negative_requests_per_day():
    data = base_scenario()
    data["traffic"]["requests_per_day"] = -5
    error = load_error(data)
    msg = problem_for(error, "traffic.requests_per_day")
    assert "greater than or equal to 0" in msg and "-5" in msg
    assert "traffic.requests_per_day" in str(error)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("path", [
    ("traffic", "requests_per_day"),
    ("traffic", "cache_hit_rate"),
    ("models", 0, "parameters"),
    ("models", 0, "items_per_request"),
    ("models", 0, "serving", "utilization_target"),
    ("models", 0, "serving", "price_per_hour"),
], ids=lambda p: ".".join(map(str, p)))
def test_nan_and_infinity_are_refused(path, value):
    data = base_scenario()
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    dotted = "".join(f"[{k}]" if isinstance(k, int) else ("." if i else "") + k for i, k in enumerate(path))
    msg = problem_for(load_error(data), dotted)
    assert "finite number" in msg, msg
    assert repr(value) in msg, msg  # the value given is echoed


def test_nan_in_hourly_profile():
    data = base_scenario()
    data["traffic"]["hourly_profile"] = [1.0] * 23 + [float("nan")]
    msg = problem_for(load_error(data), "traffic.hourly_profile")
    assert "finite" in msg and ">= 0" in msg


def test_nan_written_in_yaml_file(tmp_path):
    """YAML's .nan / .inf reach the same check as Python floats."""
    text = yaml.safe_dump(base_scenario(), sort_keys=False).replace("requests_per_day: 1000000", "requests_per_day: .nan")
    assert ".nan" in text
    path = tmp_path / "nan.yaml"
    path.write_text(text, encoding="utf-8")
    error = load_error(path)
    assert "finite number" in problem_for(error, "traffic.requests_per_day")
    assert str(path) in str(error)  # the file is named in the message


def test_cache_hit_rate_above_one():
    data = base_scenario()
    data["traffic"]["cache_hit_rate"] = 1.5
    msg = problem_for(load_error(data), "traffic.cache_hit_rate")
    assert "less than or equal to 1" in msg and "1.5" in msg


@pytest.mark.parametrize("value,expected", [(0, "greater than or equal to 0.0001"), (1.2, "less than or equal to 1"),
                                             (-0.5, "greater than or equal to 0.0001")])
def test_utilization_target_out_of_range(value, expected):
    data = base_scenario()
    data["models"][0]["serving"]["utilization_target"] = value
    msg = problem_for(load_error(data), "models[0].serving.utilization_target")
    assert expected in msg and repr(value) in msg


def test_every_problem_is_reported_at_once():
    data = base_scenario()
    data["traffic"]["requests_per_day"] = -1
    data["traffic"]["cache_hit_rate"] = 2
    data["models"][0]["serving"]["utilization_target"] = 0
    error = load_error(data)
    paths = [p for p, _ in error.problems]
    assert {"traffic.requests_per_day", "traffic.cache_hit_rate", "models[0].serving.utilization_target"} <= set(paths)
    text = str(error)
    assert text.startswith("Scenario") and text.count("\n  - ") >= 3


# ---------------------------------------------------------------------------------------------
# Catalog references
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("deployment", ["cloud", "on_prem"])
def test_unknown_accelerator(deployment):
    data = base_scenario()
    if deployment == "cloud":
        data["models"][0]["serving"] = {"deployment": "cloud", "accelerator": "H1000", "price_per_hour": 20.0}
    else:
        on_prem(data, "H1000")
    error = load_error(data)
    text = str(error)
    assert "models[0].serving.accelerator" in text
    assert "unknown accelerator 'H1000'" in text
    msg = problem_for(error, "models[0].serving.accelerator")
    assert "known:" in msg
    assert_lists(msg, CATALOG.accelerators.index)


def test_unknown_instance():
    data = base_scenario()
    data["models"][0]["serving"]["instance"] = "g7.huge"
    msg = problem_for(load_error(data), "models[0].serving.instance")
    assert "unknown instance 'g7.huge'" in msg
    assert_lists(msg, ["g6.xlarge", "g4dn.xlarge", "p5.48xlarge"])


def test_instance_and_accelerator_disagree():
    data = base_scenario()
    data["models"][0]["serving"]["accelerator"] = "A10"
    msg = problem_for(load_error(data), "models[0].serving.accelerator")
    assert "'g6.xlarge' carries L4, not A10" in msg


def test_cpu_instance_for_serving():
    data = base_scenario()
    data["models"][0]["serving"]["instance"] = "c7i.xlarge"
    msg = problem_for(load_error(data), "models[0].serving.instance")
    assert "has no accelerator" in msg and "g6.xlarge" in msg
    assert "c7i.xlarge;" not in msg and "m7i.xlarge" not in msg  # only GPU instances are offered


def test_unknown_storage_tier():
    data = base_scenario()
    data["storage"]["registry_tier"] = "s3-platinum"
    msg = problem_for(load_error(data), "storage.registry_tier")
    assert "unknown storage tier 's3-platinum'" in msg
    assert_lists(msg, ["s3-standard", "oss-standard-lrs", "ebs-gp3"])
    assert "aws-egress-internet" not in msg  # an egress tier cannot hold a registry


def test_block_tier_where_egress_expected():
    data = base_scenario()
    data["storage"]["transfer_tier"] = "ebs-gp3"
    msg = problem_for(load_error(data), "storage.transfer_tier")
    assert "'ebs-gp3' is a block tier" in msg and "expected egress" in msg
    assert_lists(msg, CATALOG.storage.index[CATALOG.storage.kind == "egress"])


def test_unknown_api_model():
    data = base_scenario()
    data["models"][0]["serving"] = {"deployment": "api", "api_model": "gpt-9"}
    msg = problem_for(load_error(data), "models[0].serving.api_model")
    assert "unknown API model 'gpt-9'" in msg
    assert_lists(msg, CATALOG.api_prices.index)


def test_unknown_api_alternative():
    data = base_scenario()
    data["models"][0]["api_alternative"] = "claude-9"
    msg = problem_for(load_error(data), "models[0].api_alternative")
    assert "unknown API model 'claude-9'" in msg and "claude-3.5-haiku" in msg


def test_unknown_currency():
    data = base_scenario()
    data["currency"] = "XYZ"
    msg = problem_for(load_error(data), "currency")
    assert "unknown currency 'XYZ'" in msg
    assert_lists(msg, ["CNY", "USD", "EUR"])


def test_unknown_staff_rate():
    data = base_scenario()
    data["staff"] = {"roles": [{"role": "ml engineer", "fte": 2, "rate": "cn-engineer"}]}
    msg = problem_for(load_error(data), "staff.roles[0].rate")
    assert "unknown staff rate 'cn-engineer'" in msg and "cn-algorithm-engineer-median" in msg


def test_person_days_without_day_rate():
    data = base_scenario()
    data["staff"] = {"upkeep_person_days_per_model_per_month": 2}
    msg = problem_for(load_error(data), "staff.day_rate")
    assert "day_rate is needed" in msg


# ---------------------------------------------------------------------------------------------
# Sizing: SLO and memory (found while evaluating)
# ---------------------------------------------------------------------------------------------
def test_slo_below_service_time():
    data = base_scenario()
    data["models"][0]["latency_slo_ms"] = 0.5  # one request takes about 14 ms on an L4
    error = evaluate_error(data)
    msg = problem_for(error, "models[0].latency_slo_ms")
    assert "'rerank'" in msg and "SLO" in msg and "0.5 ms" in msg
    assert "ms per request" in msg  # the service time it was compared with is given


def test_slo_just_above_service_time_is_fine():
    """Control for the test above: the same model with a reachable SLO evaluates."""
    data = base_scenario()
    data["models"][0]["latency_slo_ms"] = 100
    report = tco.evaluate(tco.load_scenario(data), compare=False)
    assert report.models.replicas_slo.iloc[0] >= 1


def test_model_too_large_for_any_replica():
    data = base_scenario()
    data["models"][0]["parameters"] = 400e9  # 800 GB in bf16; 8 x L4 hold 172.8 GB usable
    error = evaluate_error(data)
    msg = problem_for(error, "models[0]")
    assert "'rerank'" in msg
    assert "max_accelerators_per_replica" in msg
    assert "800.0 GB" in msg and "L4" in msg


# ---------------------------------------------------------------------------------------------
# Types, unknown keys, structure
# ---------------------------------------------------------------------------------------------
def test_requests_per_day_is_text():
    data = base_scenario()
    data["traffic"]["requests_per_day"] = "lots"
    msg = problem_for(load_error(data), "traffic.requests_per_day")
    assert "valid number" in msg and "'lots'" in msg


def test_models_is_a_string():
    data = base_scenario()
    data["models"] = "rerank"
    msg = problem_for(load_error(data), "models")
    assert "valid list" in msg and "'rerank'" in msg


def test_model_entry_is_a_string():
    data = base_scenario()
    data["models"] = ["rerank"]
    msg = problem_for(load_error(data), "models[0]")
    assert "expected a mapping of keys" in msg and "'rerank'" in msg


@pytest.mark.parametrize("field,value", [("requests_per_day", True), ("cache_hit_rate", False)])
def test_boolean_is_not_a_number(field, value):
    data = base_scenario()
    data["traffic"][field] = value
    msg = problem_for(load_error(data), f"traffic.{field}")
    assert "number" in msg and repr(value) in msg


def test_unknown_key_suggests_the_right_one():
    data = base_scenario()
    data["traffic"]["requets_per_day"] = data["traffic"].pop("requests_per_day")
    msg = problem_for(load_error(data), "traffic")
    assert "unknown key 'requets_per_day'" in msg
    assert "did you mean 'requests_per_day'?" in msg
    assert "allowed keys:" in msg and "cache_hit_rate" in msg


def test_unknown_key_inside_serving():
    data = base_scenario()
    data["models"][0]["serving"]["utilisation_target"] = data["models"][0]["serving"].pop("utilization_target")
    error = load_error(data)
    msg = problem_for(error, "models[0].serving")
    assert "unknown key 'utilisation_target'" in msg and "did you mean 'utilization_target'?" in msg
    assert "models[0].serving: unknown key" in str(error)


def test_unknown_top_level_key():
    data = base_scenario()
    data["trafic"] = data.pop("traffic")
    error = load_error(data)
    msg = problem_for(error, "unknown key")  # top level: the path is empty
    assert "unknown key 'trafic' (did you mean 'traffic'?)" in msg
    assert "allowed keys: name, title" in msg


def test_no_models():
    data = base_scenario()
    data["models"] = []
    msg = problem_for(load_error(data), "models")
    assert "at least one model" in msg


def test_duplicate_model_names():
    data = two_model_scenario()
    data["models"][1]["name"] = "rerank"
    msg = problem_for(load_error(data), "models")
    assert "unique" in msg and "rerank" in msg


def test_unknown_kind_lists_the_kinds():
    data = base_scenario()
    data["models"][0]["kind"] = "decoder"
    msg = problem_for(load_error(data), "models[0].kind")
    assert_lists(msg, ["'encoder'", "'generative'", "'recsys'", "'decoder'"])


def test_name_must_be_a_slug():
    data = base_scenario()
    data["name"] = "My Scenario"
    msg = problem_for(load_error(data), "name")
    assert "not a slug" in msg and "lower-case" in msg


# ---------------------------------------------------------------------------------------------
# Files: malformed, tags, empty, missing
# ---------------------------------------------------------------------------------------------
def test_malformed_yaml(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\ntraffic: {requests_per_day: 5\nmodels: [\n", encoding="utf-8")
    error = load_error(path)
    assert error.source == str(path)
    msg = error.problems[0][1]
    assert "malformed YAML" in msg and "line" in msg and "column" in msg
    assert str(path) in str(error)


def test_python_tag_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "HACKED"
    path = tmp_path / "evil.yaml"
    path.write_text(f'name: !!python/object/apply:os.system ["echo hacked > {marker}"]\n', encoding="utf-8")
    error = load_error(path)
    msg = error.problems[0][1]
    assert "tags" in msg and "not allowed" in msg and "line 1" in msg
    assert "plain data" in msg
    assert not marker.exists(), "the YAML tag ran a shell command"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    msg = load_error(path).problems[0][1]
    assert "empty file" in msg and "mapping" in msg


def test_file_is_a_list(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- name: x\n", encoding="utf-8")
    msg = load_error(path).problems[0][1]
    assert "must be a mapping" in msg and "list" in msg


def test_file_not_found(tmp_path):
    path = tmp_path / "nowhere.yaml"
    msg = load_error(path).problems[0][1]
    assert "file not found" in msg and "nowhere.yaml" in msg


# ---------------------------------------------------------------------------------------------
# Combinations the schema checks
# ---------------------------------------------------------------------------------------------
def test_single_strategy_with_two_models():
    data = two_model_scenario("single")
    msg = problem_for(load_error(data), "fusion.strategy")
    assert "'single' takes one model but 2 are given" in msg
    assert_lists(msg, ["ensemble", "cascade", "stacking"])


def test_ensemble_with_one_model():
    data = base_scenario()
    data["fusion"] = {"strategy": "ensemble"}
    msg = problem_for(load_error(data), "fusion.strategy")
    assert "at least two models" in msg


@pytest.mark.parametrize("escalation", [None, [], [0.3, 0.1]], ids=["missing", "empty", "two-for-two-models"])
def test_cascade_with_wrong_number_of_escalations(escalation):
    data = two_model_scenario("cascade")
    data["fusion"]["escalation"] = escalation
    msg = problem_for(load_error(data), "fusion.escalation")
    assert "needs 1 fraction" in msg and "cascade of 2 models" in msg


def test_cascade_escalation_out_of_range():
    data = two_model_scenario("cascade")
    data["fusion"]["escalation"] = [1.5]
    msg = problem_for(load_error(data), "fusion.escalation")
    assert "(0, 1]" in msg


def test_throughput_without_source():
    data = base_scenario()
    data["models"][0]["throughput_rps"] = 120.0
    msg = problem_for(load_error(data), "models[0].throughput_rps")
    assert "throughput_source" in msg


def test_autoscaled_billing_on_premises():
    data = on_prem(base_scenario(), "H100-SXM")
    data["models"][0]["serving"]["billing"] = "autoscaled"
    msg = problem_for(load_error(data), "models[0].serving.billing")
    assert "'autoscaled' applies to cloud deployment only" in msg and "'provisioned'" in msg


def test_fp8_on_a10():
    data = on_prem(base_scenario(), "A10")
    data["models"][0]["precision"] = "fp8"
    msg = problem_for(load_error(data), "models[0].precision")
    assert "A10 has no fp8 peak" in msg
    assert "supported: bf16, fp16, int8" in msg and "throughput_rps" in msg


def test_bf16_on_t4_without_throughput():
    data = base_scenario()
    data["models"][0]["serving"]["instance"] = "g4dn.xlarge"  # one T4: no bf16
    msg = problem_for(load_error(data), "models[0].precision")
    assert "T4 has no bf16 peak" in msg
    assert_lists(msg.split("supported:")[1], ["fp32", "fp16", "int8", "int4"])
    assert "bf16" not in msg.split("supported:")[1]


def test_bf16_on_t4_with_measured_throughput_is_accepted():
    """The fix the message offers works: a measured throughput_rps replaces the missing peak."""
    data = base_scenario()
    data["models"][0]["serving"]["instance"] = "g4dn.xlarge"
    data["models"][0]["throughput_rps"] = 40.0
    data["models"][0]["throughput_source"] = "own benchmark"
    report = tco.evaluate(tco.load_scenario(data), compare=False)
    m = report.models.iloc[0]
    # the measured 40 requests/s per T4 sizes the fleet: ceil(peak / (40 x 0.7)) replicas of one g4dn.xlarge
    assert m.throughput_rps_per_accelerator == 40.0
    assert m.replicas == math.ceil(m.peak_rps / (40.0 * 0.7))
    assert_serving_priced_by_hand(report, "g4dn.xlarge")


def test_hourly_profile_with_23_entries():
    data = base_scenario()
    data["traffic"]["hourly_profile"] = [1.0] * 23
    msg = problem_for(load_error(data), "traffic.hourly_profile")
    assert "24 hourly weights" in msg and "got 23" in msg


def test_unknown_profile_name():
    data = base_scenario()
    data["traffic"]["hourly_profile"] = "weekend"
    msg = problem_for(load_error(data), "traffic.hourly_profile")
    assert "unknown profile 'weekend'" in msg and "flat" in msg and "ecommerce" in msg


@pytest.mark.parametrize("profile,ratio", [("ecommerce", 5.0), ("flat", 2.0), ([1.0] * 12 + [3.0] * 12, 2.5)],
                         ids=["ecommerce", "flat", "list"])
def test_peak_to_average_beyond_what_the_profile_allows(profile, ratio):
    """Stretching past the quietest hour would make traffic negative; the loader must refuse it."""
    data = base_scenario()
    data["traffic"]["hourly_profile"] = profile
    data["traffic"]["peak_to_average"] = ratio
    msg = problem_for(load_error(data), "traffic.peak_to_average")
    assert f"{ratio:g}" in msg and "at most" in msg


def test_peak_to_average_message_for_a_list_profile_reads_well():
    data = base_scenario()
    data["traffic"]["hourly_profile"] = [1.0] * 12 + [3.0] * 12  # at most 2.0
    data["traffic"]["peak_to_average"] = 2.5
    msg = problem_for(load_error(data), "traffic.peak_to_average")
    assert "2.000" in msg
    assert "the the" not in msg, msg


def test_peak_to_average_within_the_profile_is_accepted():
    data = base_scenario()
    data["traffic"]["peak_to_average"] = 2.0
    report = tco.evaluate(tco.load_scenario(data), compare=False)
    rates = report.hourly.requests_per_s
    assert rates.min() >= 0
    assert rates.max() / rates.mean() == pytest.approx(2.0)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
def _write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, list[str]]]:
    negative = base_scenario()
    negative["traffic"]["requests_per_day"] = -5
    accel = base_scenario()
    accel["models"][0]["serving"] = {"deployment": "cloud", "accelerator": "H1000", "price_per_hour": 20.0}
    slo = base_scenario()
    slo["models"][0]["latency_slo_ms"] = 0.5
    big = base_scenario()
    big["models"][0]["parameters"] = 400e9
    typo = base_scenario()
    typo["traffic"]["requets_per_day"] = typo["traffic"].pop("requests_per_day")
    return {
        "negative": (_write(tmp_path, "negative.yaml", negative),
                     ["traffic.requests_per_day", "greater than or equal to 0"]),
        "accelerator": (_write(tmp_path, "accel.yaml", accel),
                        ["models[0].serving.accelerator", "unknown accelerator 'H1000'", "known: A10"]),
        "slo": (_write(tmp_path, "slo.yaml", slo), ["models[0].latency_slo_ms", "'rerank'", "SLO"]),
        "too-large": (_write(tmp_path, "big.yaml", big), ["models[0]", "max_accelerators_per_replica"]),
        "typo": (_write(tmp_path, "typo.yaml", typo), ["did you mean 'requests_per_day'?"]),
        "malformed": (_write(tmp_path, "broken.yaml", "name: x\ntraffic: {requests_per_day: 5\n"), ["malformed YAML"]),
        "tag": (_write(tmp_path, "evil.yaml", f'name: !!python/object/apply:os.system ["echo hacked > {tmp_path / "HACKED"}"]\n'),
                ["tags", "not allowed"]),
        "empty": (_write(tmp_path, "empty.yaml", ""), ["empty file"]),
        "missing": (tmp_path / "missing.yaml", ["file not found"]),
    }


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(PYTHON), "-m", "tco", *args], cwd=REPO, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", ["validate", "evaluate"])
@pytest.mark.parametrize("case", ["negative", "accelerator", "slo", "too-large", "typo", "malformed", "tag", "empty",
                                  "missing"])
def test_cli_bad_file_exits_2_with_message(tmp_path, command, case):
    path, expected = _bad_files(tmp_path)[case]
    result = _run(command, str(path))
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    for text in expected:
        assert text in result.stderr, f"{text!r} not in stderr: {result.stderr}"
    assert "is not valid" in result.stderr
    assert "valid (" not in result.stdout
    assert not (tmp_path / "HACKED").exists()


def test_cli_good_file_exits_0(tmp_path):
    """Control: the base scenario written the same way validates and evaluates."""
    path = _write(tmp_path, "good.yaml", base_scenario())
    result = _run("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert "valid (bad-inputs, 1 model(s))" in result.stdout
    result = _run("evaluate", str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert '"per_day"' in result.stdout


def test_cli_validate_reports_each_bad_file_and_goes_on(tmp_path):
    files = _bad_files(tmp_path)
    good = _write(tmp_path, "good.yaml", base_scenario())
    result = _run("validate", str(files["negative"][0]), str(good), str(files["accelerator"][0]))
    assert result.returncode == 2
    assert "good.yaml: valid" in result.stdout
    assert "negative.yaml" in result.stderr and "accel.yaml" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("case", ["slo", "too-large"])
def test_cli_sizing_error_names_the_file(tmp_path, case):
    path, _ = _bad_files(tmp_path)[case]
    good = _write(tmp_path, "good.yaml", base_scenario())
    result = _run("validate", str(good), str(path))
    assert result.returncode == 2
    assert path.name in result.stderr, result.stderr


# --- LLM serving fields (issue 13) --------------------------------------------------------------
def generative(**fields) -> dict:
    data = base_scenario()
    model = data["models"][0]
    for key in ("parameters", "embedding_parameters", "items_per_request", "input_tokens_per_item"):
        model.pop(key, None)
    model.update({"kind": "generative", "model": "llama-3.1-8b", "precision": "fp8", "input_tokens_per_item": 200,
                  "output_tokens": 50, **fields})
    model["serving"] = {"deployment": "cloud", "instance": "p5.48xlarge"}
    return data


def test_generative_base_is_valid():
    assert_serving_priced_by_hand(tco.evaluate(generative()), "p5.48xlarge")


def test_unknown_model_id_names_the_field_and_suggests():
    msg = problem_for(load_error(generative(model="llama-3.1-8bb")), "models[0].model")
    assert "unknown model 'llama-3.1-8bb' (did you mean 'llama-3.1-8b'?)" in msg
    assert_lists(msg, ["llama-3.1-70b", "qwen3-30b-a3b", "deepseek-v3"])


def test_precision_without_a_peak_lists_the_supported_ones():
    data = generative(precision="fp4")  # H100 has no FP4 tensor cores
    msg = problem_for(load_error(data), "models[0].precision")
    assert "H100-SXM has no fp4 peak" in msg and "fp8" in msg


def test_speculative_needs_a_draft():
    msg = problem_for(load_error(generative(speculative={"draft_tokens": 2})), "models[0].speculative")
    assert "give draft_model (a catalog id) or draft_parameters" in msg
    msg = problem_for(load_error(generative(speculative={"draft_model": "tiny"})), "models[0].speculative.draft_model")
    assert "unknown model 'tiny'" in msg


def test_replica_larger_than_allowed():
    data = generative()
    data["models"][0]["serving"].update(accelerators_per_replica=16, max_accelerators_per_replica=8)
    msg = problem_for(load_error(data), "models[0].serving")
    assert "accelerators_per_replica (16) exceeds max_accelerators_per_replica (8)" in msg


def test_objectives_no_fleet_can_meet_name_the_field():
    msg = problem_for(evaluate_error(generative(ttft_slo_ms=0.01)), "models[0].ttft_slo_ms")
    assert "to the first token without queueing" in msg and "0.01 ms TTFT objective" in msg
    data = generative(tpot_slo_ms=0.01)
    data["models"][0]["serving"]["accelerators_per_replica"] = 1
    msg = problem_for(evaluate_error(data), "models[0]")
    assert "not even one request meets tpot_slo_ms 0.01" in msg


@pytest.mark.parametrize("field, value, expected", [
    ("prefix_cache_hit_rate", 1.0, "less than 1"), ("beam_width", 0, "greater than or equal to 1"),
    ("active_parameters", 1e12, "active_parameters must lie between"), ("ttft_slo_ms", -5, "greater than 0"),
])
def test_llm_fields_out_of_range(field, value, expected):
    error = load_error(generative(**{field: value}))
    assert any(expected in msg for _, msg in error.problems), error.problems


def test_fp8_training_without_a_calibration_asks_for_mfu_train():
    data = generative()
    data["models"][0]["training"] = {"deployment": "cloud", "instance": "p5.48xlarge", "tokens_per_run": 1e9,
                                     "precision": "fp8"}
    msg = problem_for(evaluate_error(data), "models[0].training.mfu_train")
    assert "no published measurement calibrates fp8 training" in msg and "give training.mfu_train" in msg
    data["models"][0]["training"]["mfu_train"] = 0.25   # stated by the analyst: costed on the fp8 peak
    report = tco.evaluate(data)
    # catalog llama-3.1-8b: 8.0e9 parameters, input embedding 128,256 x 4,096 = 525,336,576 (no FLOPs):
    # 6 x 7.4747e9 x 1e9 tokens / (1979e12 fp8 x 0.25 x 3600) = 25.18 GPU-hours
    hours = 6 * (8.0e9 - 525_336_576) * 1e9 / (1979e12 * 0.25 * 3600)
    assert report.models.iloc[0].training_accelerator_hours_per_run == pytest.approx(hours, rel=1e-9)
