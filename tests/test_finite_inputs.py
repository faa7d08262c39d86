"""Issue 16, numbers: every number a scenario accepts is bounded, and no computed cost is silently lost.

A probe found that a huge but finite number (``price_per_gb: 1.0e+308``) overflowed a line item to
inf, the item fell out of the total as "unpriced" without a warning, and the total went *down*.
These tests hold the fixes: the schema bounds every numeric field (tco.scenario ``MAX_*``), the
JSON schema shows the bounds, both ends of a range must lie within them, ``evaluate`` refuses a
line item whose cost is not finite unless it was deliberately left unpriced (with a warning), the
catalog refuses infinite or negative figures, and every numeric field at its upper bound, one at
a time, either is refused with a ScenarioError or costs finite, non-negative amounts.
"""

from __future__ import annotations

import copy
import csv
import math
import shutil
import subprocess
import typing
from pathlib import Path

import numpy as np
import pytest
import yaml
from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

import tco
from tco import ScenarioError
from tco.catalog import CATALOG_DIR, load_catalog
from tco.context import Context, LineItem
from tco.engine import check_costs_finite
from tco.errors import CatalogError
from tco.scenario import Scenario, json_schema

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"
SCENARIOS = REPO / "data" / "scenarios"
CATALOG = load_catalog()
HUGE = 1.0e308


def bundled(name: str = "search-rerank-l4") -> dict:
    return yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8"))


def problems(data: dict) -> dict[str, str]:
    with pytest.raises(ScenarioError) as info:
        tco.load_scenario(data, CATALOG)
    return dict(info.value.problems)


# ---------------------------------------------------------------------------------------------
# The probe's inputs: refused, naming the field and the largest value allowed
# ---------------------------------------------------------------------------------------------
def _set(data: dict, path: str, value) -> None:
    node = data
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    node[parts[-1]] = value


@pytest.mark.parametrize("path,maximum", [
    ("data.sources[0].price_per_gb", "1000000000"),
    ("staff.day_rate", "1000000000"),
    ("data.retention[0].days", "36500"),
    ("models[0].training.runs_per_month", "10000"),
    ("traffic.requests_per_day", "10000000000000"),
    ("models[0].items_per_request", "100000"),
])
def test_a_huge_number_is_refused_with_the_field_and_its_maximum(path, maximum):
    data = bundled()
    _set(data, path, HUGE)
    found = problems(data)
    assert list(found) == [path], found
    assert f"less than or equal to {maximum}" in found[path] and "1e+308" in found[path], found[path]


def test_a_task_day_rate_is_bounded_too():
    data = bundled()
    data["staff"]["tasks"] = [{"task": "audit", "person_days_per_month": 2, "day_rate": HUGE}]
    assert "less than or equal to 1000000000" in problems(data)["staff.tasks[0].day_rate"]


def test_a_profile_weight_is_bounded():
    data = bundled()
    data["traffic"]["hourly_profile"] = [1.0] * 23 + [HUGE]
    message = problems(data)["traffic.hourly_profile"]
    assert "<= 1e+15" in message and "hour(s) 23" in message, message


def test_the_cli_refuses_a_huge_price_with_exit_2(tmp_path):
    data = bundled()
    data["data"]["sources"][0]["price_per_gb"] = HUGE
    path = tmp_path / "huge.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for command in ("validate", "evaluate"):
        result = subprocess.run([str(PYTHON), "-m", "tco", command, str(path)], cwd=REPO, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 2, (result.stdout, result.stderr)
        assert "data.sources[0].price_per_gb" in result.stderr and "1000000000" in result.stderr
        assert "Traceback" not in result.stderr


def test_the_probe_scenario_total_is_unchanged():
    """search-rerank-l4 costs 3,391.58 CNY/day (the probe's correct figure), with every item priced.

    It was 2,919.14 at 7.2734 CNY per USD (fx.csv, Feb 2025) with the 310,861 CNY/year engineer.
    1. FX at 6.7758 (June 2026): the items priced in USD fall by (7.2734 - 6.7758) = 0.4976 CNY per USD.
       Those items, in USD per day: labelling 1,100 labels x 0.06 = 66; serving 148 instance-hours x
       0.8048 (g6.xlarge) = 119.1104; training 0.505684 x 1.861 (g6e.xlarge) = 0.94108; disks 0.678333 GB
       x 0.08 / (365 / 12) = 0.00178; sum 186.0533 USD/day; x 0.4976 = 92.58 CNY/day; 2,919.14 - 92.58
       = 2,826.56.
    2. Staff at 431,504 CNY/year loaded, day rate 1,726 (was 310,861 and 1,243), per day:
       owner 1.0 x 431,504 / 365 = 1,182.2027; analyst 0.5 x that = 591.1014; upkeep 3 person-days/month
       x 1,726 x (1 - 0.3) / (365 / 12) = 119.1649; operations 0.077 FTE x 1,182.2027 = 91.0296; training
       7.885 person-days/year x 1,726 / 365 = 37.2863; sum 2,020.7850 (was 851.6740 + 425.8370 + 85.8181
       + 65.5789 + 26.8522 = 1,455.7601); 2,826.5555 - 1,455.7601 + 2,020.7850 = 3,391.58.
    """
    report = tco.evaluate(SCENARIOS / "search-rerank-l4.yaml", CATALOG)
    assert round(report.per_day, 2) == 3391.58
    assert all(it.priced for it in report.line_items)


# ---------------------------------------------------------------------------------------------
# Ranges: both ends must lie within the bounds
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("written,end", [
    ({"low": 1.0e7, "high": 1.5e13}, "high end"),  # the midpoint (7.5e12) is within the bound, the high end not
    ({"p5": 1.0e7, "p95": 1.0e14, "dist": "lognormal"}, "high end"),
    ({"low": 1.0e7, "mode": 4.0e7, "high": 1.0e20}, "high end"),
])
def test_a_range_with_an_end_beyond_the_bound_is_refused(written, end):
    data = bundled()
    data["traffic"]["requests_per_day"] = written
    message = problems(data)["traffic.requests_per_day"]
    assert end in message and "less than or equal to 10000000000000" in message, message


def test_a_range_whose_point_value_is_beyond_the_bound_is_refused():
    data = bundled()
    data["traffic"]["requests_per_day"] = {"low": 1.0e7, "high": 1.0e14}  # midpoint 5e13
    assert "less than or equal to 10000000000000" in problems(data)["traffic.requests_per_day"]


def test_a_range_within_the_bounds_is_accepted():
    data = bundled()
    data["traffic"]["requests_per_day"] = {"low": 1.0e7, "high": 1.0e13}
    scenario = tco.load_scenario(data, CATALOG)
    assert scenario.ranges["traffic.requests_per_day"].upper == 1.0e13


# ---------------------------------------------------------------------------------------------
# The schema: every number has a finite upper bound, and the JSON schema shows it
# ---------------------------------------------------------------------------------------------
def numeric_fields(cls: type[BaseModel] = Scenario, prefix: str = "") -> list[tuple[str, object]]:
    """(dotted path, pydantic FieldInfo) of every numeric field of the scenario schema, walked from
    the models themselves, so that a field added later is covered without being listed here."""
    out = []
    for name, info in cls.model_fields.items():
        flat = []
        for arg in typing.get_args(info.annotation) or (info.annotation,):
            flat += [*typing.get_args(arg), arg]
        nested = [a for a in flat if isinstance(a, type) and issubclass(a, BaseModel)]
        if nested:
            for sub in dict.fromkeys(nested):
                out += numeric_fields(sub, f"{prefix}{name}.")
            continue
        if any(isinstance(a, type) and issubclass(a, (int, float)) and a is not bool for a in flat):
            out.append((prefix + name, info))
    return out


NUMERIC = numeric_fields()


def _is_integer(info) -> bool:
    def args(a):
        yield a
        for b in typing.get_args(a):
            yield from args(b)
    return any(a is int for a in args(info.annotation))


def upper_bound(info) -> float:
    bounds = [m.le for m in info.metadata if isinstance(m, Le)] + [m.lt for m in info.metadata if isinstance(m, Lt)]
    return min(bounds) if bounds else math.inf


def test_the_walk_finds_the_numeric_fields():
    paths = [p for p, _ in NUMERIC]
    assert len(paths) > 90
    for path in ("traffic.requests_per_day", "models.items_per_request", "data.sources.price_per_gb",
                 "data.retention.days", "models.training.runs_per_month", "staff.tasks.day_rate",
                 "storage.on_prem_media.price", "fusion.meta_model.hours_per_run", "compute.cpu.count"):
        assert path in paths


@pytest.mark.parametrize("path,info", NUMERIC, ids=[p for p, _ in NUMERIC])
def test_every_number_has_a_finite_upper_bound(path, info):
    assert math.isfinite(upper_bound(info)), f"{path} has no upper bound: give it le= (a MAX_* constant)"
    assert info.metadata and any(isinstance(m, (Ge, Gt)) for m in info.metadata), f"{path} has no lower bound"


def _json_numbers(node, path=""):
    """(path, schema node) of every number of the JSON schema (not the Range definition)."""
    if isinstance(node, dict):
        if node.get("type") in ("number", "integer"):
            yield path, node
        for key, value in node.items():
            if key != "Range":
                yield from _json_numbers(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _json_numbers(value, f"{path}/{i}")


def test_the_json_schema_shows_every_bound():
    schema = json_schema()
    # list items (hourly_profile weights, escalation fractions) are bounded by their validators
    numbers = [(p, n) for p, n in _json_numbers(schema) if "/items/" not in p + "/"]
    assert len(numbers) >= len(NUMERIC)
    unbounded = [p for p, n in numbers if "maximum" not in n and "exclusiveMaximum" not in n]
    assert not unbounded, unbounded
    rpd = schema["$defs"]["Traffic"]["properties"]["requests_per_day"]["anyOf"][0]
    assert rpd["maximum"] == 1e13


def test_the_committed_json_schema_is_current():
    import json
    committed = json.loads((SCENARIOS / "schema.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(json_schema())), "run: python -m tco schema --write"


def test_every_bundled_scenario_is_within_the_bounds():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        tco.load_scenario(path, CATALOG)


# ---------------------------------------------------------------------------------------------
# Every numeric field at its upper bound, one at a time: refused, or finite non-negative costs
# ---------------------------------------------------------------------------------------------
def _with_extras() -> dict:
    """search-ensemble as stacking, with a CPU fleet, a staff task and an energy section: the sections no bundled
    scenario holds, so that their fields are swept too."""
    data = bundled("search-ensemble")
    data["fusion"]["strategy"] = "stacking"
    data["fusion"]["meta_model"] = {"instance": "c7i.xlarge", "hours_per_run": 10, "runs_per_month": 4}
    data.setdefault("compute", {})["cpu"] = [{"name": "feature service", "instance": "c7i.xlarge", "count": 4}]
    data["staff"].setdefault("tasks", []).append({"task": "audit", "person_days_per_month": 2, "day_rate": 1500})
    data["energy"] = {"idle_power_fraction": 0.2}
    return data


BASES = [(p.stem, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in sorted(SCENARIOS.glob("*.yaml"))]
BASES.append(("search-ensemble+extras", _with_extras()))


def _slots(node, parts):
    """The (mapping, key) pairs where a dotted schema path lands in a scenario mapping (the leaf
    key may be absent: it is then added)."""
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        for element in node:
            yield from _slots(element, parts)
    elif isinstance(node, dict):
        if not rest:
            yield node, head
        elif head in node:
            yield from _slots(node[head], rest)


def _case(path: str):
    for name, base in BASES:
        if any(True for _ in _slots(base, path.split("."))):
            return name, base
    return None, None


def test_every_numeric_field_has_a_scenario_to_sweep_it_in():
    missing = [p for p, _ in NUMERIC if _case(p)[0] is None]
    assert not missing, f"no bundled scenario (or _with_extras) holds {missing}: add the section to _with_extras"


def _check_report(report, label: str) -> None:
    for item in report.line_items:
        cost = np.asarray(item.cost_per_day, dtype=float)
        if item.priced:
            assert np.all(np.isfinite(cost)) and np.all(cost >= 0), (label, item.item, cost)
        else:  # deliberately unpriced: NaN, and an 'unpriced' warning says so
            assert np.all(np.isnan(cost)) and "unpriced" in report.warning_codes, (label, item.item, cost)
    assert math.isfinite(report.per_day) and report.per_day >= 0, (label, report.per_day)
    for key, value in report.totals.items():
        assert key == "per_1k_requests" or math.isfinite(value), (label, key, value)


@pytest.mark.parametrize("path,info", NUMERIC, ids=[p for p, _ in NUMERIC])
def test_each_field_at_its_upper_bound_is_refused_or_costed_finitely(path, info):
    name, base = _case(path)
    assert name is not None
    data = copy.deepcopy(base)
    node, key = next(_slots(data, path.split(".")))
    bound = upper_bound(info)
    value = bound if any(isinstance(m, Le) for m in info.metadata) else math.nextafter(bound, -math.inf)
    node[key] = int(value) if _is_integer(info) else value
    label = f"{name}: {path} = {node[key]!r}"
    try:
        report = tco.evaluate(data, CATALOG)
    except ScenarioError as error:
        assert error.problems and all(isinstance(m, str) and m for _, m in error.problems), label
        return
    _check_report(report, label)


def lower_bound(info) -> float:
    """The smallest value a field accepts: its ``ge``, else the float just above its ``gt``."""
    ge = [m.ge for m in info.metadata if isinstance(m, Ge)]
    gt = [m.gt for m in info.metadata if isinstance(m, Gt)]
    return max(ge) if ge else math.nextafter(max(gt), math.inf)


@pytest.mark.parametrize("path,info", NUMERIC, ids=[p for p, _ in NUMERIC])
def test_each_field_at_its_lower_bound_is_refused_or_costed_finitely(path, info):
    """The same at the lower end, where a share or a life that a cost is divided by is smallest."""
    name, base = _case(path)
    data = copy.deepcopy(base)
    node, key = next(_slots(data, path.split(".")))
    value = lower_bound(info)
    node[key] = int(math.ceil(value)) if _is_integer(info) else value
    label = f"{name}: {path} = {node[key]!r}"
    try:
        report = tco.evaluate(data, CATALOG)
    except ScenarioError as error:
        assert error.problems, label
        return
    _check_report(report, label)
    assert report.per_day < 1e12, (label, report.per_day)  # a fleet at utilisation 1e-4 is dear, not astronomical


def test_a_dividing_share_below_its_minimum_is_refused():
    data = bundled()
    data["models"][0]["serving"]["utilization_target"] = 1e-300  # was costed at 4.9e302 CNY/day
    message = problems(data)["models[0].serving.utilization_target"]
    assert "greater than or equal to 0.0001" in message, message


# ---------------------------------------------------------------------------------------------
# Unpriced items: NaN, left out of the total, and always warned about
# ---------------------------------------------------------------------------------------------
def test_an_unpriced_data_source_warns_and_leaves_the_total_alone():
    data = bundled()
    data["data"]["sources"].append({"name": "bought catalogue", "gb_per_day": 20})  # no price_per_gb
    report = tco.evaluate(data, CATALOG)
    item = next(it for it in report.line_items if it.item == "acquisition: bought catalogue")
    assert not item.priced and math.isnan(item.cost_per_day)
    assert round(report.per_day, 2) == 3391.58  # left out of the total, not counted as zero or inf
    unpriced = [w for w, c in zip(report.warnings, report.warning_codes) if c == "unpriced"]
    assert len(unpriced) == 1 and "bought catalogue" in unpriced[0] and "left out of the totals" in unpriced[0]
    assert report.unpriced_reasons and "price_per_gb" in report.unpriced_reasons[0]
    assert list(report.unpriced.item) == ["acquisition: bought catalogue"]


def test_an_unpriced_instance_plan_warns():
    data = bundled()
    data["models"][0]["serving"]["pricing"] = "capacity_block"  # the catalog has no capacity block for g6.xlarge
    report = tco.evaluate(data, CATALOG)
    assert list(report.unpriced.item) == ["inference serving"]
    assert report.warning_codes.count("unpriced") == 1
    # the unpriced line is left out, nothing else moves: the total is the on-demand total less its serving line
    priced = tco.evaluate(bundled(), CATALOG)
    serving = priced.items.set_index("item").cost_per_day["inference serving"]
    assert serving > 0
    assert report.per_day == pytest.approx(priced.per_day - serving, rel=1e-12)


def test_on_premises_without_hosting_or_media_prices_warns_for_each():
    data = bundled("llm-rerank-onprem")
    data["on_prem"].pop("hosting_per_accelerator_month")
    data["storage"].pop("on_prem_media")
    report = tco.evaluate(data, CATALOG)
    assert list(report.unpriced.item) == ["on-premises media"]  # NaN, left out of the total
    unpriced = [w for w, c in zip(report.warnings, report.warning_codes) if c == "unpriced"]
    assert len(unpriced) == 2  # the media, and hosting: a part of the server-hour costed as 0, said so
    assert any("storage.on_prem_media is not given" in w for w in unpriced)
    assert any("on_prem.hosting_per_accelerator_month" in w and "Totals include" in w for w in unpriced)


def test_an_empty_catalog_price_is_an_unpriced_item_with_a_warning(tmp_path):
    directory = _catalog_with(tmp_path, "storage.csv", "oss-archive", "price", "")
    catalog = load_catalog(str(directory))
    assert math.isnan(catalog.storage.loc["oss-archive", "price"])
    report = tco.evaluate(bundled(), catalog)
    assert list(report.unpriced.item) == ["retention: raw logs, cold archive"]
    assert any(c == "unpriced" and "oss-archive" in w for w, c in zip(report.warnings, report.warning_codes))


# ---------------------------------------------------------------------------------------------
# The finite check in evaluate: an inf, or a NaN nobody left unpriced, is an error
# ---------------------------------------------------------------------------------------------
def _poisoned(monkeypatch, value, warn: bool = False):
    """Make the data dimension's processing item cost ``value`` (optionally warning 'unpriced')."""
    from tco.dimensions import data as data_dimension

    original = data_dimension.items

    def items(ctx, sizings=None):
        out = original(ctx, sizings)
        for item in out:
            if item.item.startswith("processing:"):
                item.cost_per_day = value
                if warn:
                    ctx.unpriced(item.item, "a test leaves it unpriced")
        return out

    monkeypatch.setattr(data_dimension, "items", items)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_a_non_finite_cost_is_an_error_naming_the_item(monkeypatch, value):
    _poisoned(monkeypatch, value)
    with pytest.raises(ScenarioError) as info:
        tco.evaluate(SCENARIOS / "search-rerank-l4.yaml", CATALOG)
    (path, message), = info.value.problems
    assert "processing: training-pair generation and feature joins" in message and "data dimension" in message
    assert ("NaN" if math.isnan(value) else "costs inf") in message, message
    assert path == "data.processing[0].gb_per_day", path  # the inputs behind it: the processing step's own
    assert "data.processing[0].gb_per_day = 80" in message and "data.processing[0].price_per_gb = 0.5" in message
    assert info.value.source and info.value.source.endswith("search-rerank-l4.yaml")


def test_the_cli_prints_a_non_finite_cost_and_exits_2(monkeypatch, capsys):
    from tco import cli

    _poisoned(monkeypatch, math.inf)
    assert cli.main(["evaluate", str(SCENARIOS / "search-rerank-l4.yaml")]) == 2
    err = capsys.readouterr().err
    assert "is not valid" in err and "costs inf a day" in err and "Traceback" not in err


def test_a_nan_left_unpriced_with_a_warning_is_accepted(monkeypatch):
    _poisoned(monkeypatch, math.nan, warn=True)
    report = tco.evaluate(SCENARIOS / "search-rerank-l4.yaml", CATALOG)
    assert "unpriced" in report.warning_codes
    assert round(report.per_day, 2) == round(3391.58 - 80 * 0.5, 2)  # the item is left out, and said so


def test_an_inf_is_an_error_even_with_an_unpriced_warning(monkeypatch):
    _poisoned(monkeypatch, math.inf, warn=True)
    with pytest.raises(ScenarioError, match="costs inf a day"):
        tco.evaluate(SCENARIOS / "search-rerank-l4.yaml", CATALOG)


def test_check_costs_finite_names_a_model_item_and_its_inputs():
    from tco.dimensions.compute import KINDS

    scenario = tco.load_scenario(SCENARIOS / "search-rerank-l4.yaml", CATALOG)
    ctx = Context(scenario, CATALOG)
    item = LineItem(KINDS["inference serving"], "inference serving", "cross-encoder-base", math.inf, 1.0, "h")
    with pytest.raises(ScenarioError) as info:
        check_costs_finite(scenario, ctx, [item])
    (path, message), = info.value.problems
    assert "of model 'cross-encoder-base'" in message and "compute dimension" in message
    # the path is the largest input the compute dimension reads for this model, named in the message too
    assert path == "models[0].training.tokens_per_run" and "models[0].training.tokens_per_run = 3.2e+09" in message
    check_costs_finite(scenario, ctx, [LineItem(KINDS["inference serving"], "inference serving", "x", 1.0, 1.0, "h")])


# ---------------------------------------------------------------------------------------------
# The catalog: figures must be finite, non-negative and below CATALOG_MAX
# ---------------------------------------------------------------------------------------------
def _catalog_with(tmp_path, file: str, key: str, column: str, value: str) -> Path:
    """A copy of the catalog with one cell (the row whose first column is ``key``) changed."""
    directory = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, directory)
    with open(directory / file, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    index = rows[0].index(column)
    for row in rows[1:]:
        if row[0] == key:
            row[index] = value
    with open(directory / file, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return directory


@pytest.mark.parametrize("value", ["inf", "-1", "1e300"])
def test_a_catalog_figure_out_of_range_is_refused(tmp_path, value):
    directory = _catalog_with(tmp_path, "storage.csv", "oss-archive", "price", value)
    with pytest.raises(CatalogError, match=r"storage.csv: column price must hold finite numbers between 0 and 1e\+15"):
        load_catalog(str(directory))


def test_a_zero_exchange_rate_is_refused(tmp_path):
    directory = _catalog_with(tmp_path, "fx.csv", "EUR", "per_usd", "0")
    with pytest.raises(CatalogError, match="per_usd must be a positive number; EUR is not"):
        load_catalog(str(directory))


def test_a_zero_efficiency_is_refused(tmp_path):
    directory = _catalog_with(tmp_path, "efficiency.csv", CATALOG.efficiency.index[0], "mfu", "0")
    with pytest.raises(CatalogError, match="efficiency.csv: mfu must be > 0 where given"):
        load_catalog(str(directory))
