"""Hostile scenario files (issue 16): every one refused quickly with a readable message, never a crash.

The limits live in :mod:`tco.safeyaml` (applied by ``tco.scenario._read_yaml``, the one place a
scenario file is read) and :func:`tco.ranges.rewrite` (mappings built in code). The CLI tests run
``python -m tco validate`` in a subprocess with a time limit (and a memory limit for the alias
bomb), and check for exit code 2 -- not a signal (negative return code, or 139 from a shell).
"""

from __future__ import annotations

import copy
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import tco
from tco import ScenarioError
from tco import safeyaml
from tco.scenario import load_scenario, parse_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "data" / "scenarios"


def base_scenario() -> dict:
    """A valid one-model scenario: a 335 M-parameter encoder on one cloud g6.xlarge (L4)."""
    return {
        "name": "yaml-safety",
        "currency": "CNY",
        "as_of": "2026-11-22",
        "traffic": {"requests_per_day": 1_000_000, "cache_hit_rate": 0.2},
        "models": [{"name": "rerank", "kind": "encoder", "parameters": 3.35e8, "items_per_request": 20,
                    "input_tokens_per_item": 64, "serving": {"deployment": "cloud", "instance": "g6.xlarge"}}],
        "storage": {"registry_tier": "s3-standard"},
    }


def _cli(path: Path, timeout: float = 60, memory_bytes: int | None = None) -> subprocess.CompletedProcess:
    """``python -m tco validate PATH`` with this checkout's ``lib`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "lib") + os.pathsep + os.environ.get("PYTHONPATH", "")}

    def limit_memory() -> None:
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return subprocess.run([sys.executable, "-m", "tco", "validate", str(path)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=limit_memory)


def _refused_cleanly(result: subprocess.CompletedProcess) -> str:
    """The CLI exited 2 (not killed by a signal) with a message and no traceback; returns stderr."""
    assert result.returncode == 2, (result.returncode, result.stdout[-500:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert "is not valid" in result.stderr
    return result.stderr


def _message(path_or_data) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path_or_data)
    return str(info.value)


# --- nesting depth ------------------------------------------------------------------------------
def test_50000_brackets_exit_2_without_crash(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: deep\ntraffic: " + "[" * 50_000 + "\n", encoding="utf-8")
    err = _refused_cleanly(_cli(path, timeout=60))
    assert "nested more than 32 levels deep" in err
    assert len(err.strip().splitlines()) == 2  # one paragraph: the heading and the problem


def test_deep_block_indentation_refused(tmp_path):
    path = tmp_path / "deep-block.yaml"
    path.write_text("".join(" " * i + f"k{i}:\n" for i in range(2000)), encoding="utf-8")
    message = _message(path)
    assert "nested more than 32 levels deep" in message and "line 33" in message


def test_depth_2000_mapping_to_parse_scenario_is_a_scenario_error():
    deep: object = 1
    for _ in range(2000):
        deep = {"x": deep}
    data = base_scenario()
    data["traffic"]["hourly_profile"] = deep
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    assert "nested more than 32 levels deep" in str(info.value)
    assert info.value.problems[0][0].startswith("traffic.hourly_profile.x.x")


def test_brackets_in_quoted_strings_and_comments_are_not_nesting(tmp_path):
    data = base_scenario()
    path = tmp_path / "quoted.yaml"
    text = yaml.safe_dump(data, sort_keys=False)
    text = text.replace("name: yaml-safety\n", "name: yaml-safety\ntitle: 'it''s [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                        "[[[ not nested'  # {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\n"
                        "description: |\n  [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n")
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).title.startswith("it's [[[")


# --- aliases --------------------------------------------------------------------------------------
def _bomb() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        prev, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "name: lol\nunknown_top_level_key: 1\n" + "\n".join(lines) + "\n"


def test_billion_laughs_refused_in_under_5_seconds(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(), encoding="utf-8")
    start = time.monotonic()
    err = _refused_cleanly(_cli(path, timeout=30, memory_bytes=2 * 1024 ** 3))
    assert time.monotonic() - start < 5
    assert "aliases expand this document to more than 10,000 nodes" in err


def test_a_shared_block_by_alias_is_allowed(tmp_path):
    text = yaml.safe_dump(base_scenario(), sort_keys=False)
    text = text.replace("  serving:\n", "  serving: &l4\n")
    path = tmp_path / "alias.yaml"
    path.write_text(text + "compute:\n  cpu: []\nassumptions: [ok]\n", encoding="utf-8")
    assert load_scenario(path).models[0].serving.instance == "g6.xlarge"


# --- duplicate keys -----------------------------------------------------------------------------------
def test_duplicate_currency_names_key_path_and_both_lines(tmp_path):
    text = yaml.safe_dump(base_scenario(), sort_keys=False).replace("currency: CNY\n", "currency: CNY\ncurrency: USD\n")
    path = tmp_path / "dupe.yaml"
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    first, second = lines.index("currency: CNY") + 1, lines.index("currency: USD") + 1
    message = _message(path)
    assert (f"currency: duplicate key 'currency': given twice in the same mapping, on lines {first} and {second}"
            in message)


def test_duplicate_nested_key_names_its_path(tmp_path):
    text = yaml.safe_dump(base_scenario(), sort_keys=False).replace(
        "    instance: g6.xlarge\n", "    instance: g6.xlarge\n    instance: g6e.xlarge\n")
    path = tmp_path / "dupe-nested.yaml"
    path.write_text(text, encoding="utf-8")
    assert "models[0].serving.instance: duplicate key 'instance': given twice" in _message(path)


# --- names and control characters ---------------------------------------------------------------
def test_name_with_trailing_newline_rejected():
    data = base_scenario()
    data["name"] = "evil\n"
    message = _message(data)
    assert "name: contains a control character (\\n); use plain text on one line" in message
    assert "evil\n" not in message


def test_nul_and_escape_in_a_name_are_shown_escaped(tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_text(yaml.safe_dump(base_scenario(), sort_keys=False).replace(
        "name: yaml-safety", 'name: "a\\0b\\e[31m"', 1), encoding="utf-8")
    message = _message(path)
    assert "name: contains a control character (\\x00)" in message
    assert "\x00" not in message and "\x1b" not in message


# --- size -----------------------------------------------------------------------------------------
def test_6_mb_file_rejected_naming_5_mb(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(base_scenario()) + "#" + "x" * 6_000_000 + "\n", encoding="utf-8")
    err = _refused_cleanly(_cli(path, timeout=60))
    assert "at most 5 MB" in err and "6.0 MB" in err


# --- dates and references -------------------------------------------------------------------------
def test_as_of_before_the_catalog_warns_with_the_earliest_catalog_date():
    data = base_scenario()
    data["as_of"] = "2001-01-01"  # within the bounds (2000-2100), before every catalog price used
    report = tco.evaluate(data)
    assert "as_of_before_catalog" in report.warning_codes
    message = report.warnings[report.warning_codes.index("as_of_before_catalog")]
    earliest = min(report.sources["as_of"])
    assert "2001-01-01" in message and f"dated {earliest}" in message


@pytest.mark.parametrize("as_of, bound", [("1900-01-01", "greater than or equal to 2000-01-01"),
                                          ("2999-01-01", "less than or equal to 2100-12-31")])
def test_as_of_outside_2000_to_2100_is_refused(as_of, bound):
    data = base_scenario()
    data["as_of"] = as_of
    assert f"as_of: Input should be {bound}" in _message(data)


def test_as_of_after_the_catalog_has_no_such_warning():
    assert "as_of_before_catalog" not in tco.evaluate(base_scenario()).warning_codes


def test_unknown_accelerator_with_an_instance_lists_known_accelerators():
    data = base_scenario()
    data["models"][0]["serving"]["accelerator"] = "H1000"
    message = _message(data)
    known = sorted(tco.load_catalog().accelerators.index)
    assert "unknown accelerator 'H1000'" in message
    assert "known: " + ", ".join(known) in message


# --- what must keep working -----------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_scenarios_still_load(path):
    text = path.read_text(encoding="utf-8")
    assert safeyaml.text_depth(text)[0] <= 8
    assert safeyaml.check_nodes(yaml.compose(text, Loader=yaml.SafeLoader)) == []
    assert load_scenario(path).name == path.stem
