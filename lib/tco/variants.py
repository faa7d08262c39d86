"""What-ifs: pure edits of a scenario, and their costs side by side.

Every what-if the workbook shows is an edit of the scenario's plain data followed by the same
validation a scenario file gets: a lever in a chapter, another deployment for one model, another
fusion strategy, the first model alone, a billing mode, a point of a sweep. They live here, once:

- :func:`with_deployment`, :func:`with_strategy`, :func:`first_model_alone`, :func:`with_billing`
  return a new, validated :class:`~tco.scenario.Scenario` (or raise :class:`~tco.errors.ScenarioError`);
  the ``apply_*`` functions do the same edit on plain data, for callers that build data (the explorer).
  Their rules are written in :mod:`tco.edits`, below the engine, whose marginal cost of fusion
  uses :func:`first_model_alone` too; they are used from here.
- :data:`LEVERS`: the changes each cost dimension allows, and :func:`levers` applies them;
  :func:`deployment_options` and :func:`strategies` list the alternatives a chapter compares.
- :func:`evaluate_variants` costs a list of variants into one tidy table.

Which serving keys survive a switch of deployment is written next to the schema
(:func:`tco.scenario.switched_serving`); the fusion defaults next to the fusion formulas
(:data:`tco.dimensions.fusion.DEFAULT_ESCALATION`, :data:`~tco.dimensions.fusion.DEFAULT_META_MODEL`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .catalog import Catalog, load_catalog
from .dimensions import DIMENSIONS
from .dimensions.fusion import DEFAULT_ESCALATION
from .edits import (STRATEGIES, apply_deployment, apply_first_model_alone, apply_strategy,  # noqa: F401 (the API)
                    first_model_alone, switch_deployment, with_billing, with_deployment, with_strategy)
from .engine import evaluate
from .errors import ScenarioError
from .scenario import Scenario, parse_scenario, scenario_to_dict

@dataclass(frozen=True)
class Variant:
    """One what-if: what changed (``label``), the scenario after it, or ``None`` and why not (``note``).

    ``group`` says what the variant belongs to (a dimension for a lever, a model for a deployment
    option); ``current`` marks the option the scenario already has.
    """

    label: str
    scenario: Scenario | None
    note: str = ""
    group: str = ""
    current: bool = False


def edit(scenario: Scenario, change: Callable[[dict, Scenario], "str | None"], group: str = "",
         catalog: Catalog | None = None) -> Variant | None:
    """Apply ``change(data, scenario)`` to a copy of the scenario's data and validate the result.

    ``change`` edits the data in place and returns what it did, or ``None`` when it does not apply
    (then so does this). A change that makes the scenario invalid gives a variant without a
    scenario whose ``note`` says why.
    """
    d = scenario_to_dict(scenario)
    what = change(d, scenario)
    if what is None:
        return None
    try:
        return Variant(what, parse_scenario(d, catalog), group=group)
    except ScenarioError as exc:
        return Variant(what, None, note=f"not possible: {exc.problems[0][1]}", group=group)


# --- levers: the changes each dimension allows ----------------------------------------------------
Lever = Callable[[dict, Scenario], "str | None"]


def _self_hosted(sc: Scenario):
    return [(i, model) for i, model in enumerate(sc.models) if model.serving.deployment != "api"]


def _lever_autoscale(d, sc):
    done = []
    for i, model in _self_hosted(sc):
        if model.serving.deployment == "cloud" and model.serving.billing == "provisioned":
            d["models"][i].setdefault("serving", {})["billing"] = "autoscaled"
            done.append(model.name)
    return f"autoscaled billing for {', '.join(done)}" if done else None


def _lever_precision(d, sc, catalog: Catalog | None = None):
    cat = catalog or load_catalog()
    done = []
    for i, model in _self_hosted(sc):
        if model.throughput_rps is not None or model.precision not in ("bf16", "fp16", "fp32"):
            continue
        acc = model.serving.accelerator or cat.row("instance_types", model.serving.instance)["accelerator"]
        row = cat.row("accelerators", acc)
        for p, col in (("fp8", "fp8_tflops"), ("int8", "int8_tops")):
            if np.isfinite(row[col]):
                d["models"][i]["precision"] = p
                done.append(f"{model.name} in {p}")
                break
    return "quantise: " + ", ".join(done) if done else None


def _lever_utilisation(d, sc):
    done = []
    for i, model in _self_hosted(sc):
        if model.serving.utilization_target < 0.8:
            d["models"][i].setdefault("serving", {})["utilization_target"] = 0.8
            done.append(model.name)
    return f"utilisation target 0.8 for {', '.join(done)}" if done else None


def _lever_spares(d, sc):
    done = []
    for i, model in _self_hosted(sc):
        if model.serving.redundancy > 0:
            d["models"][i]["serving"]["redundancy"] = model.serving.redundancy - 1
            done.append(model.name)
    return f"one spare replica fewer for {', '.join(done)}" if done else None


def to_hosted_apis(d, sc):
    """Move every self-hosted model that names an ``api_alternative`` to that API (a lever, and the
    other option of a sweep); None when no model names one."""
    done = []
    for i, model in _self_hosted(sc):
        if model.api_alternative:
            apply_deployment(d, i, {"deployment": "api", "api_model": model.api_alternative})
            done.append(f"{model.name} -> {model.api_alternative}")
    return "hosted API: " + ", ".join(done) if done else None


def _lever_cache(d, sc):
    h = sc.traffic.cache_hit_rate
    if h >= 0.9:
        return None
    d["traffic"]["cache_hit_rate"] = round(min(0.9, h + 0.1), 6)
    return f"cache hit rate {h:g} -> {d['traffic']['cache_hit_rate']:g}"


def _lever_retention(d, sc):
    ret = d.get("data", {}).get("retention", [])
    if not ret:
        return None
    for r in ret:
        r["days"] = r["days"] / 2
    return "keep retained data half as long"


def _lever_relabel(d, sc):
    lab = sc.data.labelling
    if lab is None or lab.relabel_rate == 0:
        return None
    d["data"]["labelling"]["relabel_rate"] = 0.0
    return "no relabelling"


def _lever_versions(d, sc):
    if sc.storage.versions_kept <= 1:
        return None
    d.setdefault("storage", {})["versions_kept"] = max(1, sc.storage.versions_kept // 2)
    return f"keep {max(1, sc.storage.versions_kept // 2)} model versions instead of {sc.storage.versions_kept}"


def _lever_compression(d, sc):
    d.setdefault("storage", {})["compression_ratio"] = sc.storage.compression_ratio * 2
    return "compress stored artifacts 2x"


def _lever_automation(d, sc):
    a = sc.staff.automation_factor
    if a >= 0.7 or not (sc.staff.upkeep_person_days_per_model_per_month or sc.staff.operations):
        return None
    d.setdefault("staff", {})["automation_factor"] = round(a + 0.2, 6)
    return f"automation {a:g} -> {a + 0.2:g} (upkeep and operations)"


def _lever_cascade(d, sc):
    if sc.fusion.strategy not in ("ensemble", "stacking"):
        return None
    apply_strategy(d, "cascade", [DEFAULT_ESCALATION] * (len(sc.models) - 1))
    return f"cascade instead of {sc.fusion.strategy}, escalating {DEFAULT_ESCALATION:.0%} at each stage"


def _lever_single(d, sc):
    if sc.fusion.strategy == "single":
        return None
    apply_first_model_alone(d)
    return f"first model ({sc.models[0].name}) alone"


def _lever_complexity(d, sc):
    if not (sc.fusion.algorithm_cost_per_day and sc.fusion.complexity):
        return None
    d["fusion"]["complexity"] = sc.fusion.complexity / 2
    return "fusion algorithm half as complex"


#: dimension -> the changes it allows, each ``(data, scenario) -> what it did`` (None: not applicable)
LEVERS: dict[str, list[Lever]] = {
    "data": [_lever_retention, _lever_relabel],
    "storage": [_lever_versions, _lever_compression],
    "compute": [_lever_autoscale, _lever_precision, _lever_utilisation, _lever_spares, _lever_cache, to_hosted_apis],
    "staff": [_lever_automation],
    "fusion": [_lever_cascade, _lever_complexity, _lever_single],
}
#: Levers that read the catalog: :func:`levers` gives them the one it is given.
READS_CATALOG = {_lever_precision}


def levers(scenario: Scenario, dimension: str, catalog: Catalog | None = None) -> list[Variant]:
    """The variants of the levers ``dimension`` allows for this scenario (``group`` the dimension).

    >>> from tco import load_scenario
    >>> from tco.scenario import repo_path
    >>> [v.label for v in levers(load_scenario(repo_path("data/scenarios/search-cascade.yaml")), "fusion")]
    ['first model (ce-small) alone']
    """
    if dimension not in LEVERS:
        raise ScenarioError([("dimension", f"'{dimension}' is not one of {', '.join(LEVERS)}")])
    # a lever that reads the catalog (the accelerator of an instance) reads the one given
    out = [edit(scenario, functools.partial(lever, catalog=catalog) if lever in READS_CATALOG else lever,
                dimension, catalog) for lever in LEVERS[dimension]]
    return [v for v in out if v is not None]


# --- alternatives a chapter compares --------------------------------------------------------------
def cheapest_instance(accelerator: str, catalog: Catalog | None = None) -> str | None:
    """The catalog instance with ``accelerator`` whose on-demand accelerator-hour is cheapest (in USD)."""
    cat = catalog or load_catalog()
    rows = cat.instances[(cat.instances.accelerator == accelerator) & (cat.instances.plan == "on_demand")]
    rows = rows[rows.price_per_hour.notna()]
    if rows.empty:
        return None
    usd = rows.price_per_hour / rows.accelerators_per_instance * [cat.fx_rate(c, "USD") for c in rows.currency]
    return str(rows.loc[usd.sort_values(kind="stable").index[0], "instance"])


def _options(model, catalog: Catalog) -> dict[str, dict]:
    """Label -> deployment option for one model: its cloud instance (or the cheapest with its
    accelerator), its accelerator on premises, and its hosted API."""
    serving, options = model.serving, {}
    if serving.deployment != "api":
        acc = serving.accelerator or catalog.row("instance_types", serving.instance)["accelerator"]
        if serving.deployment == "cloud" and serving.instance:
            options[f"cloud ({serving.instance} {serving.pricing})"] = {
                "deployment": "cloud", "instance": serving.instance, "pricing": serving.pricing}
        else:
            pick = cheapest_instance(acc, catalog)
            if pick is not None:
                options[f"cloud ({pick} on demand)"] = {"deployment": "cloud", "instance": pick}
        options[f"on premises ({acc})"] = {"deployment": "on_prem", "accelerator": acc}
    api = serving.api_model if serving.deployment == "api" else model.api_alternative
    if api:
        options[f"hosted API ({api})"] = {"deployment": "api", "api_model": api}
    return options


def deployment_options(scenario: Scenario, catalog: Catalog | None = None) -> list[Variant]:
    """Each model on the cloud, on premises and its hosted API, the rest of the scenario as it is
    (``group`` the model's name, ``current`` the option it has)."""
    catalog = catalog or load_catalog()
    out = []
    current_kind = {"cloud": "cloud", "on_prem": "on premises", "api": "hosted API"}
    for i, model in enumerate(scenario.models):
        for label, option in _options(model, catalog).items():
            current = label.startswith(current_kind[model.serving.deployment])
            try:
                out.append(Variant(label, with_deployment(scenario, i, option, catalog), group=model.name,
                                   current=current))
            except ScenarioError as exc:
                out.append(Variant(label, None, note=exc.problems[0][1], group=model.name, current=current))
    return out


def strategies(scenario: Scenario, catalog: Catalog | None = None) -> list[Variant]:
    """The scenario under each fusion strategy (none for a single model); a cascade keeps the
    scenario's escalation where it has one."""
    if len(scenario.models) < 2:
        return []
    out = []
    for strategy in STRATEGIES:
        try:
            out.append(Variant(strategy, with_strategy(scenario, strategy, catalog=catalog),
                               current=strategy == scenario.fusion.strategy))
        except ScenarioError as exc:
            out.append(Variant(strategy, None, note=exc.problems[0][1], current=strategy == scenario.fusion.strategy))
    return out


# --- costing variants -----------------------------------------------------------------------------
VARIANT_COLUMNS = ["variant", "group", "current", "status", "note", "per_day", "per_1k_requests", *DIMENSIONS,
                   "saving_per_day"]


def evaluate_variants(variants: list[Variant], base=None, catalog: Catalog | None = None,
                      keep_reports: bool = False):
    """Cost each variant: one row per variant (a tidy table of :data:`VARIANT_COLUMNS`).

    ``status`` is 'ok', or 'not possible' (the edit made the scenario invalid, or no fleet can
    serve it; ``note`` says why). ``saving_per_day`` is against ``base`` (a
    :class:`~tco.report.CostReport`), when given. With ``keep_reports``, a ``report`` column
    holds each variant's :class:`~tco.report.CostReport` (None when not possible).

    >>> from tco import load_scenario, evaluate
    >>> from tco.scenario import repo_path
    >>> s = load_scenario(repo_path("data/scenarios/search-cascade.yaml"))
    >>> table = evaluate_variants(levers(s, "fusion"), base=evaluate(s))
    >>> table[["variant", "status"]].to_dict("records")
    [{'variant': 'first model (ce-small) alone', 'status': 'ok'}]
    >>> bool(table.saving_per_day.iloc[0] > 0)
    True
    """
    import pandas as pd

    rows = []
    for v in variants:
        row = {"variant": v.label, "group": v.group, "current": v.current, "status": "not possible", "note": v.note,
               "per_day": float("nan"), "per_1k_requests": float("nan"), **{d: float("nan") for d in DIMENSIONS},
               "saving_per_day": float("nan")}
        report = None
        if v.scenario is not None:
            try:
                report = evaluate(v.scenario, catalog, compare=False)
            except ScenarioError as exc:
                row["note"] = f"not possible: {exc.problems[0][1]}"
            else:
                row.update(status="ok", per_day=report.per_day, per_1k_requests=report.totals["per_1k_requests"],
                           **report.by_dimension())
                if base is not None:
                    row["saving_per_day"] = base.per_day - report.per_day
        if keep_reports:
            row["report"] = report
        rows.append(row)
    return pd.DataFrame(rows, columns=VARIANT_COLUMNS + (["report"] if keep_reports else []))
