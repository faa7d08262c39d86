"""``evaluate(scenario) -> CostReport``: traffic, sizing, the five dimensions, totals, warnings."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import business, capacity, footprint
from .catalog import STALE_MONTHS, Catalog, load_catalog
from .context import Context
from .edits import first_model_alone
from .errors import ScenarioError
from .dimensions import INPUT_SECTIONS, compute, data, fusion, staff, storage
from .report import CostReport
from .scenario import Scenario, load_scenario, repo_path  # noqa: F401 (repo_path: doctests)
from .sizing import Sizing, size_model

#: Mean utilisation below which a self-hosted fleet is reported as mostly idle.
IDLE_UTILISATION = 0.15
WARNING_ORDER = {"unpriced": 0, "stale": 1, "estimate": 2, "utilisation": 3}


def hourly_arrival_rates(scenario: Scenario) -> np.ndarray:
    """Requests per second that miss the cache, for each hour of the day, shape (24,)."""
    tr = scenario.traffic
    weights = capacity.hourly_weights(tr.hourly_profile, tr.peak_to_average)
    return capacity.arrival_rates(tr.requests_per_day, tr.cache_hit_rate, weights)


def _size_all(scenario: Scenario, ctx: Context, rates) -> list[Sizing]:
    shares = fusion.traffic_shares(scenario)
    return [size_model(m, i, shares[i], rates, ctx) for i, m in enumerate(scenario.models)]


def _line_items(ctx: Context, sizings):
    items = []
    for name, module in (("data", data), ("storage", storage), ("compute", compute), ("staff", staff),
                         ("fusion", fusion)):
        ctx.dimension = name
        items += module.items(ctx, sizings)
    ctx.dimension = "compute"
    return items


def _idle_message(model, sz: Sizing) -> str:
    s = model.serving
    spare = f" plus {s.redundancy} spare per region" if s.redundancy else ""
    levers = []
    if s.billing != "autoscaled" and s.deployment == "cloud":
        levers.append("autoscaled billing")
    if sz.binding == "min_replicas" or s.redundancy:
        levers.append("fewer minimum or spare replicas")
    levers += ["a smaller accelerator", "the hosted API" if not sz.api_model else f"the hosted API ({sz.api_model})"]
    return (f"{sz.name}: the accelerator-hours paid for are {float(sz.utilisation_mean) * 100:.1f}% used on average; "
            f"{sz.binding} sets {float(sz.replicas):g} replica(s) at peak{spare}. Levers: {', '.join(levers)}")


def _model_rows(scenario: Scenario, sizings: list[Sizing]) -> list[dict]:
    rows = []
    for m, sz in zip(scenario.models, sizings):
        rate = sz.rate
        rows.append({
            "model": sz.name, "kind": sz.kind, "deployment": sz.deployment,
            "accelerator": sz.accelerator, "instance": sz.instance,
            "traffic_share": float(sz.traffic_share),
            "requests_per_day_served": float(sz.requests_per_day_served),
            "peak_rps": float(sz.peak_rps),
            "throughput_rps_per_accelerator": float(sz.throughput_rps_per_accelerator),
            "throughput_basis": sz.throughput_basis,
            "band_low": sz.band[0] if sz.band else float("nan"), "band_high": sz.band[1] if sz.band else float("nan"),
            "weights_gb": float(sz.weights_gb), "embedding_tables_gb": float(sz.embedding_tables_gb),
            "kv_cache_gb": float(sz.kv_cache_gb), "memory_needed_gb": float(sz.memory_needed_gb),
            "artifact_gb": float(sz.artifact_gb), "replica_size": float(sz.replica_size),
            "replica_throughput_rps": float(sz.replica_throughput_rps),
            "service_time_ms": float(sz.service_time_ms), "service_time_basis": sz.service_time_basis,
            "slots": float(sz.slots), "latency_slo_ms": m.latency_slo_ms if m.latency_slo_ms else float("nan"),
            "latency_percentile": m.latency_percentile if m.latency_slo_ms else float("nan"),
            "replicas_load": float(sz.replicas_load), "replicas_slo": float(sz.replicas_slo),
            "replicas": float(sz.replicas), "binding": str(sz.binding), "billing": m.serving.billing,
            "accelerators": float(sz.accelerators), "instances": float(sz.instances),
            "accelerators_per_instance": int(sz.accelerators_per_instance),
            "accelerator_hours_per_day": float(sz.accelerator_hours_per_day),
            "utilisation_mean": float(sz.utilisation_mean), "utilisation_peak": float(sz.utilisation_peak),
            "price_per_instance_hour": float(rate.price_per_instance_hour) if rate else float("nan"),
            "price_basis": rate.basis if rate else "",
            "serving_cost_per_day": float(sz.serving_cost_per_day),
            "api_model": sz.api_model, "api_cost_per_day": float(sz.api_cost_per_day),
            "decode_batch": float(sz.decode_batch), "batch_binding": sz.batch_binding,
            "tpot_ms": float(sz.tpot_ms), "ttft_ms": float(sz.ttft_ms),
            "tokens_per_step": float(sz.tokens_per_step),
            "training_accelerator_hours_per_run": sz.training_accelerator_hours_per_run,
            "training_cost_per_run": sz.training_cost_per_run,
            "notes": "; ".join(sz.notes),
        })
    return rows


def _hourly_columns(rates, sizings: list[Sizing]) -> dict:
    frame = {"hour": np.arange(24), "requests_per_s": np.asarray(rates, dtype=float)}
    for sz in sizings:
        frame[f"{sz.name}: requests_per_s"] = np.asarray(rates, dtype=float) * sz.traffic_share
        if sz.deployment != "api":
            frame[f"{sz.name}: replicas"] = np.asarray(sz.hourly_replicas, dtype=float)
    return frame


def _source_rows(ctx: Context) -> list[dict]:
    on = ctx.scenario.evaluation_date
    rows = [{"table": p.table, "key": p.key, "value": p.value, "currency": p.currency, "source": p.source,
             "as_of": p.as_of, "stale": p.is_stale(on), "assumption": p.assumption}
            for p in sorted(ctx.prices.values(), key=lambda p: (p.table, p.key))]
    return rows


def cost(scenario: Scenario, ctx: Context) -> tuple[np.ndarray, list[Sizing], list]:
    """The costing itself: hourly arrival rates, the sizing of every model and the line items.

    Every figure broadcasts: a scenario whose inputs hold arrays of samples (shape ``(n,)``, see
    :mod:`tco.uncertainty`) gives line items whose costs are arrays of ``n`` samples, in one pass.
    """
    rates = hourly_arrival_rates(scenario)
    try:
        sizings = _size_all(scenario, ctx, rates)
    except ScenarioError as exc:  # sizing errors (SLO, memory) name the file too
        if exc.source is None and scenario.source is not None:
            raise ScenarioError(exc.problems, source=scenario.source) from None
        raise
    return rates, sizings, _line_items(ctx, sizings)


# --------------------------------------------------------------------------------------------
# Issue 16: no cost is silently dropped. A line item costs a finite number, or NaN when it was
# deliberately left unpriced (Context.unpriced, which warns). An infinite cost, or a NaN that no
# 'unpriced' warning of its dimension and model explains, is an error naming the item and the
# inputs behind it; left alone it would fall out of the total (which only sums priced items) and
# make the total go down. The schema's bounds (tco.scenario MAX_*) keep this from happening with
# any valid input; this check is the guard for what they miss.
# --------------------------------------------------------------------------------------------
def _numeric_inputs(node, path: str = ""):
    """(field path, value) of every number in a scenario section, as plain data."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _numeric_inputs(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _numeric_inputs(value, f"{path}[{i}]")
    elif isinstance(node, (int, float, np.number)) and not isinstance(node, bool):
        yield path, node


def _inputs_behind(scenario: Scenario, item) -> list[tuple[str, float]]:
    """The numeric inputs of the scenario sections an item's dimension reads (only its own model's
    entry among the models), the largest first."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    names = [m.name for m in scenario.models]
    found = []
    for section in INPUT_SECTIONS[item.dimension]:
        if section == "models":
            for i, model in enumerate(data["models"]):
                if not item.model or names[i] == item.model:
                    found += _numeric_inputs(model, f"models[{i}]")
        else:
            found += _numeric_inputs(data.get(section), section)
    named = item.item.split(": ", 1)[1] if ": " in item.item else None  # 'processing: <name>' and the like
    if named is not None:
        owners = {p.rsplit(".", 1)[0] for p, _ in found} & {
            p.rsplit(".", 1)[0] for p, _ in _named_entries(data, INPUT_SECTIONS[item.dimension], named)}
        if owners:  # only the inputs of the entry the item is named after
            found = [(p, v) for p, v in found if p.rsplit(".", 1)[0] in owners]
    return [(p, float(np.max(np.abs(v)))) for p, v in found if np.all(np.isfinite(v))]


def _named_entries(data: dict, sections, name: str):
    """(path of its name key, name) of every list entry of ``sections`` whose name, role or task is ``name``."""
    def walk(node, path):
        if isinstance(node, dict):
            for key in ("name", "role", "task"):
                if node.get(key) == name:
                    yield f"{path}.{key}", name
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{path}[{i}]")
    for section in sections:
        yield from walk(data.get(section), section)


def check_costs_finite(scenario: Scenario, ctx: Context, items) -> None:
    """Raise ScenarioError for any line item whose cost is inf, or NaN without an 'unpriced' warning.

    >>> from tco.context import LineItem
    >>> from tco.dimensions.data import KINDS
    >>> s = load_scenario(repo_path("data/scenarios/paper-example.yaml"))
    >>> ctx = Context(s, load_catalog())
    >>> try:
    ...     check_costs_finite(s, ctx, [LineItem(KINDS["processing"], "processing: x", "", float("inf"), 1, "GB/day")])
    ... except ScenarioError as error:
    ...     print(error.problems[0][1][:60])
    line item 'processing: x' (data dimension) costs inf a day:
    """
    # the warnings of Context.unpriced, which hands out the NaN (they carry the reason as detail; the
    # on-premises hosting warning, an unpriced part costed as 0 inside a priced item, carries none)
    explained = {(d, w.model) for w in ctx.warnings if w.code == "unpriced" and w.detail for d in w.dimensions}
    problems = []
    for item in items:
        cost = np.asarray(item.cost_per_day, dtype=float)
        if np.all(np.isfinite(cost)):
            continue
        infinite = bool(np.any(np.isinf(cost)))
        if not infinite and ((item.dimension, item.model) in explained or (item.dimension, "") in explained):
            continue  # deliberately unpriced: its warning says why, and the total leaves it out
        inputs = _inputs_behind(scenario, item)
        largest = sorted(inputs, key=lambda pv: -pv[1])[:3]
        smallest = sorted((pv for pv in inputs if pv[1] > 0), key=lambda pv: pv[1])[:2]
        shown = ", ".join(f"{p} = {v:g}" for p, v in dict.fromkeys(largest + smallest))
        what = "inf" if infinite else "NaN (not a number) though nothing left it unpriced"
        owner = f" of model '{item.model}'" if item.model else ""
        problems.append((largest[0][0] if largest else item.dimension,
                         f"line item '{item.item}'{owner} ({item.dimension} dimension) costs {what} a day: the "
                         f"arithmetic on its inputs overflowed or went undefined. Its largest and smallest inputs: "
                         f"{shown or 'none'}; check them (units, a typing slip) instead of trusting a total without it"))
    if problems:
        raise ScenarioError(problems, source=scenario.source)


def _alone_per_day(alone: Scenario, catalog: Catalog, first: Sizing) -> float:
    """Daily total of the first model alone (``alone``: the scenario without the other models and
    fusion). The first model sees the same traffic with or without the others, so its sizing in
    the whole scenario (``first``) is reused, and only the line items are costed again; were its
    share ever different, the scenario alone is evaluated afresh."""
    if not np.array_equal(fusion.traffic_shares(alone)[0], first.traffic_share):
        return evaluate(alone, catalog, compare=False).per_day
    items = _line_items(Context(alone, catalog), [first])
    return float(sum(float(it.cost_per_day) for it in items if it.priced))  # as CostReport.per_day


def _warn_as_of_before_catalog(scenario: Scenario, ctx: Context) -> None:
    """Warn (code ``as_of_before_catalog``) when the scenario's ``as_of`` is earlier than every
    catalog row it was costed with: a historical scenario priced at later catalog prices is
    misleading, though not invalid (its own prices may be historical), so it is a warning on the
    report, naming the earliest catalog date, rather than a refusal.

    >>> import yaml
    >>> data = yaml.safe_load(repo_path("data/scenarios/search-rerank-l4.yaml").read_text(encoding="utf-8"))
    >>> report = evaluate({**data, "as_of": "2001-01-01"})
    >>> print(report.warnings[report.warning_codes.index("as_of_before_catalog")][:90])
    as_of 2001-01-01 is before every catalog row this scenario is costed with (the earliest is
    """
    if scenario.as_of is None or not ctx.prices:
        return
    earliest = min(ctx.prices.values(), key=lambda p: (p.as_of, p.table, p.key))
    if scenario.as_of >= earliest.as_of:
        return
    dimensions = sorted(set().union(*(ctx.price_dimensions.get(k, set()) for k in ctx.prices)) or {"compute"})
    ctx.warn("as_of_before_catalog",
             f"as_of {scenario.as_of} is before every catalog row this scenario is costed with (the earliest is "
             f"{earliest.table} '{earliest.key}', dated {earliest.as_of}): the costs are at later catalog prices, "
             f"not those of {scenario.as_of}; give the prices of that time in the scenario or a later as_of",
             dimensions=tuple(dimensions))


def evaluate(scenario: Scenario | str | Path | dict, catalog: Catalog | None = None, *,
             compare: bool = True) -> CostReport:
    """Evaluate a scenario: size every model, cost the five dimensions, total and check.

    Parameters
    ----------
    scenario : Scenario, path or mapping
        A validated scenario, or a file / mapping that :func:`tco.load_scenario` accepts.
    catalog : Catalog, optional
        Reference tables (default: ``data/catalog/``).
    compare : bool, default True
        Also compute the marginal cost of fusion and the hosted-API break-even.

    Returns
    -------
    CostReport

    Examples
    --------
    >>> from tco import evaluate
    >>> report = evaluate(repo_path("data/scenarios/paper-example.yaml"))
    >>> sorted(report.totals)
    ['per_1k_requests', 'per_day', 'per_month', 'per_year']
    """
    catalog = catalog or load_catalog()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, catalog)
    ctx = Context(scenario, catalog)
    rates, sizings, items = cost(scenario, ctx)
    check_costs_finite(scenario, ctx, items)

    alone_total = None
    alternatives: list[dict] = []
    if compare:
        if scenario.fusion.strategy != "single":
            alone = first_model_alone(scenario, catalog, validate=False)
            alone_total = _alone_per_day(alone, catalog, sizings[0])
        alternatives = compute.api_comparison(
            scenario, sizings, rates,
            lambda model, i, share, grid: size_model(model, i, share, grid, Context(scenario, catalog), quiet=True,
                                                     point=sizings[i].operating_point))

    ctx.warn_uncalibrated()
    for model, sz in zip(scenario.models, sizings):
        if sz.deployment != "api" and float(sz.utilisation_mean) < IDLE_UTILISATION:
            ctx.warn("utilisation", _idle_message(model, sz), sz.name)
    on = scenario.evaluation_date
    for p in sorted(ctx.prices.values(), key=lambda p: (p.table, p.key)):
        if p.is_price and p.is_stale(on):
            ctx.warn("stale", f"{p.table} '{p.key}' is dated {p.as_of}, more than {STALE_MONTHS} months before "
                     f"{on}: check it ({p.source})", dimensions=tuple(sorted(ctx.price_dimensions[(p.table, p.key)])))
    _warn_as_of_before_catalog(scenario, ctx)
    ordered = sorted(ctx.warnings, key=lambda w: WARNING_ORDER.get(w.code, 9))
    warnings = [w.message for w in ordered]
    report = CostReport(scenario, items, _model_rows(scenario, sizings), warnings, _source_rows(ctx), alternatives,
                        alone_total, _hourly_columns(rates, sizings))
    report.warning_dimensions = [w.dimensions for w in ordered]
    report.warning_codes = [w.code for w in ordered]
    report.warning_models = [w.model for w in ordered]
    report.unpriced_reasons = [w.detail for w in ordered if w.code == "unpriced"]
    if scenario.business is not None:
        report.business = business.figures(scenario.business, report.per_day, report.requests_per_day)
    report.energy = footprint.figures(scenario, sizings, catalog)
    #: tokens (input + output) of one request of each hosted-API model, for the FOCUS export (tco.focus)
    report.tokens_per_request = {sz.name: float(np.max(np.add(sz.input_tokens_per_request, sz.output_tokens)))
                                 for sz in sizings if sz.deployment == "api"}
    return report
