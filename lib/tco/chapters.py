"""Support for the chapter notebooks: open a scenario, tables, formulas, drivers, levers, results.

The notebooks explain and show; everything they display is computed here or in the engine, so a
notebook cell is one call. Every function returns plain data (DataFrames, strings, dicts).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from pydantic import BaseModel

from . import __version__
from .catalog import load_catalog
from .dimensions import DIMENSIONS, LABELS
from .dimensions.fusion import DEFAULT_ESCALATION, DEFAULT_META_MODEL
from .engine import evaluate
from .errors import ScenarioError
from .formulas import formulas_for
from .report import CostReport
from .scenario import Scenario, load_scenario, parse_scenario, repo_path
from .units import DAYS_PER_MONTH

CHAPTERS = {
    "data": "01-data-cost",
    "storage": "02-storage-cost",
    "compute": "03-compute-cost",
    "staff": "04-staff-cost",
    "fusion": "05-fusion-cost",
    "summary": "06-summary",
}


class ChapterStop(Exception):
    """Stops a notebook with a plain message (IPython shows it without a traceback)."""

    def _render_traceback_(self):
        return [str(self)]


def resolve_path(path: str | os.PathLike) -> Path:
    """``path`` as given if it exists (absolute, or relative to the working directory), else
    relative to the repository root, so notebooks run from the root and from ``notebooks/`` alike."""
    given = Path(path).expanduser()
    if given.exists():
        return given.resolve()
    in_repo = repo_path(str(path))
    if in_repo.exists():
        return in_repo
    raise ChapterStop(f"Scenario file not found: {path} (looked in {Path.cwd()} and in {repo_path('')})")


@dataclass
class Chapter:
    """A scenario and its report, as a chapter notebook uses them."""

    path: Path
    scenario: Scenario
    report: CostReport

    @property
    def currency(self) -> str:
        return self.scenario.currency


def open_chapter(scenario: str | os.PathLike) -> Chapter:
    """Load, validate and evaluate ``scenario``; a bad file stops the notebook with its message."""
    path = resolve_path(scenario)
    try:
        sc = load_scenario(path)
        report = evaluate(sc)
    except ScenarioError as exc:
        raise ChapterStop(str(exc)) from None
    return Chapter(path, sc, report)


# ------------------------------------------------------------------------------------------
# Formatting
# ------------------------------------------------------------------------------------------
def setup() -> None:
    """Display settings for the chapters: whole tables, no wrapping, no library warnings in outputs."""
    import warnings

    pd.set_option("display.max_columns", 50)
    pd.set_option("display.max_rows", 500)
    pd.set_option("display.max_colwidth", 200)
    pd.set_option("display.width", 250)
    for category in (FutureWarning, DeprecationWarning, PendingDeprecationWarning, RuntimeWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category)


def show(fig) -> None:
    """Display a matplotlib figure once and release it."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)


def warnings_markdown(report: CostReport, dimension: str | None = None, limit: int | None = None) -> str:
    """The report's warnings (those of one dimension, or all) as a Markdown list."""
    found = report.warnings_for(dimension) if dimension else list(report.warnings)
    if not found:
        return "No warnings for this dimension." if dimension else "No warnings."
    more = ""
    if limit is not None and len(found) > limit:
        more = f"\n\n_... and {len(found) - limit} more (see the chapters)._"
        found = found[:limit]
    return "\n".join(f"- {_md(w)}" for w in found) + more


def money(value: float, currency: str = "", decimals: int = 2) -> str:
    """``1,234.50 CNY``; 'unpriced' for NaN.

    >>> money(1234.5, "CNY"), money(float("nan"))
    ('1,234.50 CNY', 'unpriced')
    """
    if value is None or not np.isfinite(value):
        return "unpriced"
    return f"{value:,.{decimals}f}" + (f" {currency}" if currency else "")


def header(chapter: Chapter, title: str) -> str:
    """Markdown header: chapter title, scenario, evaluation date, library version, catalog dates."""
    sc, rep = chapter.scenario, chapter.report
    dates = rep.sources.as_of.astype(str)
    span = f"{dates.min()} to {dates.max()}" if len(dates) else "none used"
    return (f"**{title}** · **Scenario:** {_md(rep.title)} (`{sc.name}`)  \n"
            f"**Estimate as of:** {rep.as_of} · **Currency:** {rep.currency} · **tco** {__version__} · "
            f"**Catalog figures dated:** {span}")


def _md(text: str) -> str:
    """Escape text from a scenario for Markdown/HTML display."""
    import html

    return html.escape(str(text)).replace("*", "\\*").replace("_", "\\_").replace("`", "\\`")


def totals_table(report: CostReport, uncertain: "Uncertainty | None" = None) -> pd.DataFrame:
    """Totals per day, month, year and 1,000 requests; with P5 / P50 / P95 rows when the scenario's
    ranges were sampled (:func:`uncertainty`)."""
    t = report.totals
    cur = report.currency
    table = pd.DataFrame({
        "per day": [money(t["per_day"], cur)], "per month": [money(t["per_month"], cur, 0)],
        "per year": [money(t["per_year"], cur, 0)], "per 1,000 requests": [money(t["per_1k_requests"], cur, 4)],
    }, index=["total" if uncertain is None else "total (point estimate)"])
    if uncertain is not None:
        p = uncertain.mc.percentiles()
        for q in ("P5", "P50", "P95"):
            table.loc[q] = [money(p.loc["total per day", q], cur), money(p.loc["total per month", q], cur, 0),
                            money(p.loc["total per year", q], cur, 0), money(p.loc["per 1,000 requests", q], cur, 4)]
    return table


@dataclass
class Uncertainty:
    """What the summary shows of a scenario's ranges: Monte Carlo, tornado, Sobol and one sentence."""

    mc: object
    tornado: pd.DataFrame
    sobol: pd.DataFrame
    sentence: str


def uncertainty(chapter: Chapter, samples: int | None = None, seed: int | None = None) -> Uncertainty | None:
    """Sample the scenario's ranges (None when it has none): percentiles, tornado, Sobol indices."""
    from . import uncertainty as unc

    sc = chapter.scenario
    if not sc.ranges:
        return None
    samples = unc.DEFAULT_SAMPLES if samples is None else samples
    seed = unc.DEFAULT_SEED if seed is None else seed
    mc = unc.monte_carlo(sc, samples, seed)
    tornado = unc.tornado(sc)
    sobol = unc.sobol(sc, seed=seed)
    return Uncertainty(mc, tornado, sobol, unc.drivers_sentence(mc, sobol, tornado, sc.currency))


def percentiles_table(u: Uncertainty, currency: str) -> pd.DataFrame:
    """The Monte Carlo percentiles, formatted for reading."""
    table = u.mc.percentiles()
    out = pd.DataFrame(index=table.index)
    for column in ("P5", "P50", "P95", "point estimate"):
        out[column] = [money(v, currency, 4 if name == "per 1,000 requests" else 2)
                       for name, v in table[column].items()]
    return out


def ranges_table(scenario: Scenario) -> pd.DataFrame:
    """The inputs written as ranges: where, which distribution, and the point value used elsewhere."""
    from .uncertainty import label

    return pd.DataFrame([{"input": label(scenario, p), "range": r.describe(), "point value": f"{r.point:,.6g}"}
                         for p, r in scenario.ranges.items()])


def items_table(report: CostReport, dimension: str) -> pd.DataFrame:
    """The dimension's line items, formatted for reading."""
    items = report.items[report.items.dimension == dimension]
    cur = report.currency
    return pd.DataFrame({
        "item": items["item"].values, "model": items.model.values,
        f"{cur}/day": [money(v) for v in items.cost_per_day], f"{cur}/month": [money(v, "", 0) for v in items.cost_per_month],
        "share of total": [f"{v * 100:.1f}%" if np.isfinite(v) else "" for v in items.share],
        "quantity": [f"{q:,.2f} {u}" for q, u in zip(items.quantity, items.unit)],
        "inputs and prices": items.note.values,
    })


def formula_markdown(report: CostReport, dimension: str) -> str:
    """Markdown with the LaTeX of every library function behind the dimension's line items (of
    every kind the dimension declares when the scenario has none)."""
    kinds = report.items[report.items.dimension == dimension]["kind"].tolist()
    rows = formulas_for(dimension, kinds if kinds else None)
    if not rows:
        return "_No line items in this dimension for this scenario._"
    out, last = [], None
    for kind, name, summary, eq in rows:
        if kind != last:
            out.append(f"**{kind}**")
            last = kind
        out.append(f"- `{name}`: {summary}\n\n  $$ {eq} $$")
    return "\n\n".join(out)


def _flatten(value, prefix: str, model_cls, out: list) -> None:
    if isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            _flatten(getattr(value, name), f"{prefix}.{name}" if prefix else name, field, out)
    elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
        for i, v in enumerate(value):
            _flatten(v, f"{prefix}[{i}]", None, out)
    else:
        desc = getattr(model_cls, "description", "") or ""
        if value is None:
            return
        if isinstance(value, list):
            value = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
        elif isinstance(value, float):
            value = f"{value:,.6g}"
        out.append({"input": prefix, "value": str(value), "meaning [unit]": desc})


#: the scenario sections each dimension reads
INPUT_SECTIONS = {
    "data": ["data"],
    "storage": ["storage"],
    "compute": ["traffic", "models", "compute", "on_prem"],
    "staff": ["staff"],
    "fusion": ["fusion"],
}


def inputs_table(scenario: Scenario, dimension: str) -> pd.DataFrame:
    """Every scenario input the dimension uses (defaults included), with its meaning and unit."""
    out: list[dict] = []
    for section in INPUT_SECTIONS[dimension]:
        value = getattr(scenario, section)
        if section == "models" and dimension == "compute":
            for i, m in enumerate(value):
                start = len(out)
                _flatten(m, f"models[{i}]", None, out)
                for row in out[start:]:  # say which values the model catalog filled in
                    if row["input"].rsplit(".", 1)[-1] in m._catalog_fields:
                        row["value"] = f"{row['value']} (model catalog: {_md(m.model)})"
        else:
            _flatten(value, section, Scenario.model_fields[section], out)
    for row in out:  # an input written as a range shows the range beside the point value used here
        r = scenario.ranges.get(row["input"])
        if r is not None:
            row["value"] = f"{row['value']} (point value of the range: {r.describe()})"
        inner = [f"{p[len(row['input']):]} {r.describe()}" for p, r in scenario.ranges.items()
                 if p.startswith(row["input"] + "[")]
        if inner:
            row["value"] = f"{row['value']} (point values of the ranges: {'; '.join(inner)})"
    return pd.DataFrame(out, columns=["input", "value", "meaning [unit]"])


def drivers(report: CostReport, dimension: str | None = None, n: int = 3) -> pd.DataFrame:
    """The ``n`` largest priced items (of one dimension, or of all) with their share of the total."""
    items = report.items[report.items.priced]
    if dimension:
        items = items[items.dimension == dimension]
    top = items.sort_values("cost_per_day", ascending=False).head(n)
    return pd.DataFrame({
        "item": [f"{i}" + (f" [{m}]" if m else "") for i, m in zip(top["item"], top.model)],
        "dimension": top.dimension.values,
        f"{report.currency}/day": [money(v) for v in top.cost_per_day],
        "share of total": [f"{v * 100:.1f}%" for v in top.share],
    })


# ------------------------------------------------------------------------------------------
# Levers: scenario changes a dimension allows, each evaluated
# ------------------------------------------------------------------------------------------
Lever = Callable[[dict, Scenario], "str | None"]


def _models(d: dict):
    return d["models"]


def _lever_autoscale(d, sc):
    done = []
    for m, model in zip(_models(d), sc.models):
        if model.serving.deployment == "cloud" and model.serving.billing == "provisioned":
            m.setdefault("serving", {})["billing"] = "autoscaled"
            done.append(model.name)
    return f"autoscaled billing for {', '.join(done)}" if done else None


def _lever_precision(d, sc):
    cat = load_catalog()
    done = []
    for m, model in zip(_models(d), sc.models):
        if model.serving.deployment == "api" or model.throughput_rps is not None or model.precision not in ("bf16", "fp16", "fp32"):
            continue
        acc = model.serving.accelerator or cat.row("instance_types", model.serving.instance)["accelerator"]
        row = cat.row("accelerators", acc)
        for p, col in (("fp8", "fp8_tflops"), ("int8", "int8_tops")):
            if np.isfinite(row[col]):
                m["precision"] = p
                done.append(f"{model.name} in {p}")
                break
    return "quantise: " + ", ".join(done) if done else None


def _lever_utilisation(d, sc):
    done = []
    for m, model in zip(_models(d), sc.models):
        if model.serving.deployment != "api" and model.serving.utilization_target < 0.8:
            m.setdefault("serving", {})["utilization_target"] = 0.8
            done.append(model.name)
    return f"utilisation target 0.8 for {', '.join(done)}" if done else None


def _lever_spares(d, sc):
    done = []
    for m, model in zip(_models(d), sc.models):
        if model.serving.deployment != "api" and model.serving.redundancy > 0:
            m["serving"]["redundancy"] = model.serving.redundancy - 1
            done.append(model.name)
    return f"one spare replica fewer for {', '.join(done)}" if done else None


def _lever_api(d, sc):
    done = []
    for m, model in zip(_models(d), sc.models):
        if model.serving.deployment != "api" and model.api_alternative:
            m["serving"] = {"deployment": "api", "api_model": model.api_alternative}
            m.pop("api_alternative", None)
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
    n = len(sc.models)
    d["fusion"]["strategy"] = "cascade"
    d["fusion"]["escalation"] = [DEFAULT_ESCALATION] * (n - 1)
    d["fusion"].pop("meta_model", None)
    return f"cascade instead of {sc.fusion.strategy}, escalating 20% at each stage"


def _lever_single(d, sc):
    if sc.fusion.strategy == "single":
        return None
    d["models"] = d["models"][:1]
    d["fusion"] = {"strategy": "single"}
    return f"first model ({sc.models[0].name}) alone"


def _lever_complexity(d, sc):
    if not (sc.fusion.algorithm_cost_per_day and sc.fusion.complexity):
        return None
    d["fusion"]["complexity"] = sc.fusion.complexity / 2
    return "fusion algorithm half as complex"


LEVERS: dict[str, list[Lever]] = {
    "data": [_lever_retention, _lever_relabel],
    "storage": [_lever_versions, _lever_compression],
    "compute": [_lever_autoscale, _lever_precision, _lever_utilisation, _lever_spares, _lever_cache, _lever_api],
    "staff": [_lever_automation],
    "fusion": [_lever_cascade, _lever_complexity, _lever_single],
}


def scenario_dict(scenario: Scenario) -> dict:
    """The scenario as a plain mapping with the keys that were set (input to a variant)."""
    return scenario.model_dump(mode="json", exclude_unset=True)


def variant(scenario: Scenario, change: Callable[[dict, Scenario], "str | None"]) -> tuple[str | None, Scenario | None]:
    """Apply ``change`` to a copy of the scenario; returns (description, new scenario) or (None, None)."""
    d = scenario_dict(scenario)
    what = change(d, scenario)
    if what is None:
        return None, None
    try:
        return what, parse_scenario(d)
    except ScenarioError as exc:
        return f"{what} (not possible: {exc.problems[0][1]})", None


def levers(chapter: Chapter, dimension: str) -> pd.DataFrame:
    """Each lever the scenario allows for ``dimension``: cost after it and the saving per day."""
    rep = chapter.report
    rows = []
    for lever in LEVERS[dimension]:
        what, sc = variant(chapter.scenario, lever)
        if what is None:
            continue
        if sc is None:
            rows.append({"lever": what, "dimension after": "", "total after": "", "saving per day": "",
                         "saving": ""})
            continue
        try:
            after = evaluate(sc, compare=False)
        except ScenarioError as exc:
            rows.append({"lever": f"{what} (not possible: {exc.problems[0][1]})", "dimension after": "",
                         "total after": "", "saving per day": "", "saving": ""})
            continue
        saving = rep.per_day - after.per_day
        rows.append({"lever": what, "dimension after": money(after.by_dimension()[dimension], rep.currency),
                     "total after": money(after.per_day, rep.currency), "saving per day": money(saving, rep.currency),
                     "saving": f"{saving / rep.per_day * 100:.1f}%" if rep.per_day else ""})
    return pd.DataFrame(rows, columns=["lever", "dimension after", "total after", "saving per day", "saving"])


# ------------------------------------------------------------------------------------------
# Compute chapter: sizing, billing modes, deployment options
# ------------------------------------------------------------------------------------------
def sizing_table(report: CostReport) -> pd.DataFrame:
    """Per-model sizing with the basis of each figure and the error band of estimates."""
    rows = []
    for m in report.models.to_dict(orient="records"):
        if m["deployment"] == "api":
            rows.append({"model": m["model"], "deployment": f"hosted API {m['api_model']}",
                         "requests/day": f"{m['requests_per_day']:,.0f}", "throughput per accelerator": "",
                         "basis": "", "replica": "", "replicas": "", "accelerators": "", "instances": "",
                         "utilisation (mean / peak)": "", "latency": ""})
            continue
        basis = m["throughput_basis"]
        slo = m["latency_slo_ms"]
        latency = f"{m['service_time_ms']:,.1f} ms per request"
        if np.isfinite(slo):
            latency += f"; SLO p{m['latency_percentile'] * 100:g} {slo:g} ms met with {m['replicas_slo']:g} replicas"
        rows.append({
            "model": m["model"], "deployment": f"{m['deployment']} {m['instance']}".strip(),
            "requests/day": f"{m['requests_per_day']:,.0f}",
            "throughput per accelerator": f"{m['throughput_rps_per_accelerator']:,.1f} req/s on {m['accelerator']}",
            "basis": basis, "replica": f"{m['replica_size']:g} x {m['accelerator']} ({m['memory_needed_gb']:,.1f} GB)",
            "replicas": f"{m['replicas']:g} ({m['binding']}; load {m['replicas_load']:g}, SLO {m['replicas_slo']:g})",
            "accelerators": f"{m['accelerators']:g}", "instances": f"{m['instances']:g} ({m['billing']})",
            "utilisation (mean / peak)": f"{m['utilisation_mean'] * 100:.1f}% / {m['utilisation_peak'] * 100:.1f}%",
            "latency": latency,
        })
    return pd.DataFrame(rows)


def llm_serving(chapter: Chapter) -> tuple[str, pd.DataFrame]:
    """How each self-hosted generative model is served: a paragraph per model (architecture, mixture
    of experts, precision, prefix cache, speculative decoding, batch, TPOT and TTFT) and a table.

    Every figure comes from the engine's sizing (``report.models``) or from the library's formulas
    (:mod:`tco.serving`) applied to the scenario's inputs.
    """
    from . import serving
    from .sizing import kv_bytes_per_token, kv_source

    report, paragraphs, rows = chapter.report, [], []
    models = {m.name: m for m in chapter.scenario.models}
    for m in report.models.to_dict(orient="records"):
        model = models[m["model"]]
        if model.kind != "generative" or m["deployment"] == "api" or not model.output_tokens > 0:
            continue
        active = model.parameters if model.active_parameters is None else model.active_parameters
        arch = f"{_md(model.model)} from the model catalog" if model.model else "the parameters given in the scenario"
        text = [f"**{_md(m['model'])}** ({arch}): {model.parameters / 1e9:,.1f} B parameters"]
        tokens = m["decode_batch"] * model.beam_width * (m["tokens_per_step"] if model.speculative is None
                                                         else model.speculative.draft_tokens + 1)
        if model.is_moe:
            touched = serving.distinct_experts(model.experts, model.active_experts, tokens)
            text.append(f", {active / 1e9:,.1f} B active per token: FLOPs use the active parameters, memory holds "
                        f"all of them. Each of its MoE layers routes a token to {model.active_experts} of "
                        f"{model.experts} experts; a decoding step of {tokens:,.0f} tokens touches "
                        f"{touched:,.1f} of them on average (E·(1 − (1 − k/E)^b)), so it reads "
                        f"{touched / model.experts:.0%} of the routed weights.")
        else:
            text.append(" (dense: every step reads all the weights outside the input embedding).")
        kv = kv_bytes_per_token(model)
        text.append(f" Weights in {model.weights_precision}, KV cache in {model.cache_precision} "
                    f"({kv / 1e3:,.1f} kB per token, {kv_source(model)}), matrix units at their "
                    f"{model.math_precision} peak.")
        prompt = model.items_per_request * model.input_tokens_per_item
        if model.prefix_cache_hit_rate > 0:
            text.append(f" The prefix cache serves {model.prefix_cache_hit_rate:.0%} of the {prompt:,.0f} prompt tokens, "
                        f"so only {prompt * (1 - model.prefix_cache_hit_rate):,.0f} are prefilled per request.")
        if model.speculative is not None:
            spec = model.speculative
            text.append(f" Speculative decoding drafts {spec.draft_tokens} token(s) per step, accepted with "
                        f"probability {spec.acceptance_rate:g}: each verification step advances "
                        f"{m['tokens_per_step']:.2f} tokens ((1 − α^(k+1)) / (1 − α)), the draft's own steps "
                        f"counted in the step time.")
        bound = ("as many as memory holds" if m["batch_binding"] == "memory" else "as given"
                 if m["batch_binding"] == "given" else f"the most whose TPOT meets {model.tpot_slo_ms:g} ms")
        text.append(f" A replica of {m['replica_size']:g} x {m['accelerator']} decodes {m['decode_batch']:,.0f} "
                    f"requests together ({bound}): {m['tpot_ms']:,.1f} ms per output token with the prefills "
                    f"interleaved, {m['ttft_ms']:,.0f} ms to the first token before any queueing, "
                    f"{m['throughput_rps_per_accelerator']:,.1f} requests/s per accelerator.")
        if np.isfinite(m["latency_slo_ms"]) or model.ttft_slo_ms is not None:
            text.append(f" Erlang C over the batch slots keeps the latency objectives at "
                        f"p{model.latency_percentile * 100:g} with {m['replicas_slo']:g} replica(s) at the peak.")
        paragraphs.append("".join(text))
        rows.append({"model": m["model"], "parameters (B)": round(model.parameters / 1e9, 2),
                     "active (B)": round(active / 1e9, 2), "precision (w / kv / compute)":
                     f"{model.weights_precision} / {model.cache_precision} / {model.math_precision}",
                     "prefilled tokens": round(prompt * (1 - model.prefix_cache_hit_rate)),
                     "tokens per step": round(m["tokens_per_step"], 2), "replica": f"{m['replica_size']:g}",
                     "batch": f"{m['decode_batch']:,.0f} ({m['batch_binding']})",
                     "TPOT (ms)": round(m["tpot_ms"], 1),
                     "TPOT objective (ms)": model.tpot_slo_ms if model.tpot_slo_ms is not None else float("nan"),
                     "TTFT before queueing (ms)": round(m["ttft_ms"]),
                     "TTFT objective (ms)": model.ttft_slo_ms if model.ttft_slo_ms is not None else float("nan"),
                     "req/s per accelerator": round(m["throughput_rps_per_accelerator"], 2)})
    if not rows:
        return "No self-hosted generative model in this scenario.", pd.DataFrame()
    return "\n\n".join(paragraphs), pd.DataFrame(rows)


def billing_comparison(chapter: Chapter) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hourly replicas and daily serving cost under provisioned and autoscaled billing (cloud models)."""
    sc, rep0 = chapter.scenario, chapter.report
    hourly = pd.DataFrame({"hour": np.arange(24), "requests/s": rep0.hourly["requests_per_s"]})
    costs = []
    for m in rep0.models.itertuples():
        if m.deployment == "on_prem":
            hourly[f"{m.model} (provisioned)"] = rep0.hourly[f"{m.model}: replicas"]
            costs.append({"model": m.model, "billing": "provisioned (on premises)",
                          "accelerator-hours/day": m.accelerator_hours_per_day,
                          f"serving {sc.currency}/day": m.serving_cost_per_day})
    for mode in ("provisioned", "autoscaled"):
        def change(d, s, mode=mode):
            hit = False
            for m, model in zip(d["models"], s.models):
                if model.serving.deployment == "cloud":
                    m.setdefault("serving", {})["billing"] = mode
                    hit = True
            return mode if hit else None
        what, variant_sc = variant(sc, change)
        if variant_sc is None:
            continue
        rep = evaluate(variant_sc, compare=False)
        for m in rep.models.itertuples():
            if m.deployment == "cloud":
                hourly[f"{m.model} ({mode})"] = rep.hourly[f"{m.model}: replicas"]
                costs.append({"model": m.model, "billing": mode, "accelerator-hours/day": m.accelerator_hours_per_day,
                              f"serving {sc.currency}/day": m.serving_cost_per_day})
    return hourly, pd.DataFrame(costs)


def deployment_options(chapter: Chapter) -> pd.DataFrame:
    """Serving cost per day of each model on cloud, on premises and the hosted API, same traffic."""
    sc, cat = chapter.scenario, load_catalog()
    rows = []
    for i, model in enumerate(sc.models):
        if model.serving.deployment == "api":
            acc = None
        else:
            acc = model.serving.accelerator or cat.row("instance_types", model.serving.instance)["accelerator"]
        options = {}
        if acc is not None:
            if model.serving.deployment == "cloud" and model.serving.instance:
                own = model.serving
                options[f"cloud ({own.instance} {own.pricing})"] = {"deployment": "cloud", "instance": own.instance,
                                                                   "pricing": own.pricing}
            else:
                pick = _cheapest_instance(acc)
                if pick is not None:
                    options[f"cloud ({pick} on demand)"] = {"deployment": "cloud", "instance": pick}
            if model.serving.deployment == "on_prem":  # the scenario's own servers, with their price
                options[f"on premises ({acc})"] = model.serving.model_dump(mode="json", exclude_unset=True)
            else:
                options[f"on premises ({acc})"] = {"deployment": "on_prem", "accelerator": acc}
        api = model.serving.api_model if model.serving.deployment == "api" else model.api_alternative
        if api:
            options[f"hosted API ({api})"] = {"deployment": "api", "api_model": api}
        for label, serving in options.items():
            def change(d, s, i=i, serving=serving):
                kept = ["utilization_target", "min_replicas", "redundancy", "regions", "usable_memory_fraction",
                        "max_accelerators_per_replica"] + (["billing"] if serving["deployment"] == "cloud" else [])
                keep = {k: v for k, v in d["models"][i].get("serving", {}).items() if k in kept}
                if serving["deployment"] == "api":
                    d["models"][i]["serving"] = dict(serving)
                    d["models"][i].pop("api_alternative", None)
                elif serving["deployment"] == model.serving.deployment == "on_prem":
                    d["models"][i]["serving"] = dict(d["models"][i].get("serving", {}))  # as the scenario has it
                else:
                    d["models"][i]["serving"] = {**keep, **serving}
                return label
            what, v = variant(sc, change)
            if v is None:
                rows.append({"model": model.name, "option": label, "kind": label.split(" (")[0],
                             f"serving {sc.currency}/day": float("nan"), "note": what or ""})
                continue
            try:
                rep = evaluate(v, compare=False)
            except ScenarioError as exc:
                rows.append({"model": model.name, "option": label, "kind": label.split(" (")[0],
                             f"serving {sc.currency}/day": float("nan"), "note": exc.problems[0][1]})
                continue
            item = rep.items[(rep.items.dimension == "compute") & (rep.items.model == model.name)
                             & rep.items.kind.isin(["inference serving", "hosted API"])]
            cost = float(item.cost_per_day.iloc[0]) if len(item) else float("nan")
            current = label.startswith({"cloud": "cloud", "on_prem": "on premises", "api": "hosted API"}[
                model.serving.deployment])
            reasons = [w.split("could not be priced: ", 1)[1].split(". It is left out")[0]
                       for w in rep.warnings if "could not be priced" in w]
            note = "" if np.isfinite(cost) else "unpriced: " + (reasons[0] if reasons else "see warnings")
            rows.append({"model": model.name, "option": label + (" *" if current else ""),
                         "kind": label.split(" (")[0], f"serving {sc.currency}/day": cost, "note": note})
    return pd.DataFrame(rows, columns=["model", "option", "kind", f"serving {sc.currency}/day", "note"])


def _cheapest_instance(accelerator: str) -> str | None:
    """The catalog instance with ``accelerator`` whose on-demand accelerator-hour is cheapest."""
    cat = load_catalog()
    rows = cat.instances[(cat.instances.accelerator == accelerator) & (cat.instances.plan == "on_demand")]
    rows = rows[rows.price_per_hour.notna()]
    if rows.empty:
        return None
    usd = rows.price_per_hour / rows.accelerators_per_instance * [cat.fx_rate(c, "USD") for c in rows.currency]
    return str(rows.loc[usd.sort_values(kind="stable").index[0], "instance"])


def formatted(frame: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """A copy with float columns shown with thousands separators (NaN as 'unpriced')."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [money(v, "", decimals) for v in out[col]]
    return out


def break_even_table(report: CostReport) -> pd.DataFrame:
    """Self-hosting against the hosted API, with the daily traffic where they cost the same."""
    rows = []
    for a in report.alternatives.to_dict(orient="records"):
        be = a["break_even_requests_per_day"]
        if np.isfinite(be):
            text = f"API cheaper below {be:,.0f} requests/day ({be * a['traffic_share']:,.0f} reaching the model)"
        elif a["api_cheaper_everywhere"]:
            text = "API cheaper at every traffic level from 1/10,000 to 1,000 times today's"
        else:
            text = "self-hosting cheaper at every traffic level from 1/10,000 to 1,000 times today's"
        rows.append({"model": a["model"], "hosted API": a["api_model"],
                     f"self-hosted {report.currency}/day": money(a["self_hosted_per_day"]),
                     f"API {report.currency}/day": money(a["api_per_day"]), "cheaper today": a["cheaper"],
                     "break-even": text})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------
# Fusion chapter
# ------------------------------------------------------------------------------------------
def strategy_comparison(chapter: Chapter) -> pd.DataFrame:
    """Traffic share per model and total cost under each fusion strategy the models allow."""
    sc = chapter.scenario
    if len(sc.models) < 2:
        return pd.DataFrame()
    n = len(sc.models)
    escalation = sc.fusion.escalation or [DEFAULT_ESCALATION] * (n - 1)
    rows = []
    for strategy in ("single", "ensemble", "cascade", "stacking"):
        def change(d, s, strategy=strategy):
            f = d.setdefault("fusion", {})
            if strategy == "single":
                d["models"] = d["models"][:1]
                d["fusion"] = {"strategy": "single"}
                return strategy
            f["strategy"] = strategy
            f.pop("escalation", None)
            if strategy == "cascade":
                f["escalation"] = list(escalation)
            if strategy == "stacking" and "meta_model" not in f:
                f["meta_model"] = dict(DEFAULT_META_MODEL)
            elif strategy != "stacking":
                f.pop("meta_model", None)
            return strategy
        what, v = variant(sc, change)
        if v is None:
            continue
        try:
            rep = evaluate(v, compare=False)
        except ScenarioError:
            continue
        shares = {m.model: m.traffic_share for m in rep.models.itertuples()}
        row = {"strategy": strategy + (" (this scenario)" if strategy == sc.fusion.strategy else "")}
        for model in sc.models:
            row[f"share {model.name}"] = f"{shares[model.name]:.3f}" if model.name in shares else "-"
        row[f"total {sc.currency}/day"] = money(rep.per_day)
        row[f"fusion {sc.currency}/day"] = money(rep.by_dimension()["fusion"])
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------
# Results JSON (what each chapter records) and the summary
# ------------------------------------------------------------------------------------------
def results(report: CostReport, chapter: str, dimension: str | None = None,
            uncertain: Uncertainty | None = None) -> dict:
    """The figures a chapter shows, as plain data (checked against ``evaluate`` by the tests)."""
    out = {"chapter": chapter, "scenario": report.name, "currency": report.currency, "as_of": report.as_of,
           "tco_version": __version__, "totals": report.totals}
    if dimension is None:
        if uncertain is not None:
            out["uncertainty"] = uncertain.mc.to_dict()
            out["uncertainty"]["sobol_ST"] = {r.input: (None if not np.isfinite(r.ST) else float(r.ST))
                                              for r in uncertain.sobol.itertuples()}
        out["by_dimension"] = report.by_dimension().to_dict()
        out["by_model"] = report.by_model().to_dict()
        out["warnings"] = list(report.warnings)
        out["marginal_fusion_cost_per_day"] = report.marginal_fusion_cost_per_day
    else:
        items = report.items[report.items.dimension == dimension]
        out["dimension"] = dimension
        out["dimension_per_day"] = float(report.by_dimension()[dimension])
        out["items"] = [{"item": r.item, "model": r.model, "cost_per_day": None if not r.priced else r.cost_per_day}
                        for r in items.itertuples()]
        if dimension == "fusion":
            out["marginal_fusion_cost_per_day"] = report.marginal_fusion_cost_per_day
            out["traffic_shares"] = {m.model: m.traffic_share for m in report.models.itertuples()}
        if dimension == "compute":
            out["models"] = [{"model": m.model, "accelerators": m.accelerators, "instances": m.instances,
                              "throughput_rps_per_accelerator": None if not np.isfinite(m.throughput_rps_per_accelerator)
                              else m.throughput_rps_per_accelerator}
                             for m in report.models.itertuples()]
    return out


def write_results(data: dict, path: str | os.PathLike) -> Path:
    """Write ``data`` as JSON to ``path`` atomically (temporary file, then rename)."""
    from .batch import write_atomic
    from .report import _clean

    target = Path(path)
    write_atomic(target, json.dumps(_clean(data), indent=2, ensure_ascii=False, allow_nan=False))
    return target


def dimension_overview(report: CostReport) -> pd.DataFrame:
    """The five dimensions with bilingual labels, cost per day and month and share."""
    dims = report.by_dimension()
    total = report.per_day
    return pd.DataFrame({
        "dimension": [LABELS[d] for d in DIMENSIONS],
        f"{report.currency}/day": [money(dims[d]) for d in DIMENSIONS],
        f"{report.currency}/month": [money(dims[d] * DAYS_PER_MONTH, "", 0) for d in DIMENSIONS],
        "share": [f"{dims[d] / total * 100:.1f}%" if total else "" for d in DIMENSIONS],
    })


def chapter_links(current: str | None = None) -> str:
    """Markdown links (relative) to every chapter notebook."""
    titles = {"data": LABELS["data"], "storage": LABELS["storage"], "compute": LABELS["compute"],
              "staff": LABELS["staff"], "fusion": LABELS["fusion"], "summary": "Summary / 总结"}
    return " · ".join(f"[{titles[k]}]({v}.ipynb)" for k, v in CHAPTERS.items() if k != current)
