"""Support for the chapter notebooks: open a scenario, tables, formulas, drivers, levers, results.

The notebooks explain and show; everything they display is computed here or in the engine, so a
notebook cell is one call. Every function returns plain data (DataFrames, strings, dicts).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel

from . import __version__, variants
from .catalog import load_catalog
from .dimensions import DIMENSIONS, INPUT_SECTIONS, LABELS
from .engine import evaluate
from .errors import ScenarioError
from .files import markdown_safe, without_local_paths
from .formulas import formulas_for
from .labels import PART_TITLES, field_label, path_label
from .report import CostReport
from .scenario import Scenario, load_scenario, repo_path
from .units import DAYS_PER_MONTH, plain_number

CHAPTERS = {
    "data": "01-data-cost",
    "storage": "02-storage-cost",
    "compute": "03-compute-cost",
    "staff": "04-staff-cost",
    "fusion": "05-fusion-cost",
    "summary": "06-summary",
    "business": "07-business-case",
}
#: Titles of the chapters that are not one of the five dimensions.
OTHER_TITLES = {"summary": "Summary / 总结", "business": "Business case / 商业回报",
                "plan-vs-actual": "Plan against actual / 计划与实际"}
#: Chapters run only when their input is given (``tco report --bill``): not in :data:`CHAPTERS`, which
#: every report runs, but linked from the index when a scenario's folder holds them.
OPTIONAL_CHAPTERS = {"plan-vs-actual": "50-plan-vs-actual"}


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
    raise ChapterStop(f"Scenario file not found: {without_local_paths(str(path))} (looked in the working "
                      "directory and in the repository)")


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
    except ScenarioError as exc:  # the message names files as a reader finds them, not this machine's paths
        raise ChapterStop(without_local_paths(str(exc))) from None
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


class Table:
    """A table for people: HTML without row numbers, and a plain-text form for ``repr``.

    Both forms depend only on the cells (no memory address, unlike a pandas Styler), so a notebook
    that shows one stores the same outputs on every run (nbval compares them). Built by :func:`table`.
    """

    def __init__(self, html: str, text: str, frame: pd.DataFrame):
        self.html, self.text, self.frame = html, text, frame

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


#: A cell that is a figure written as text ("1,234.50 CNY", "12.5%", "0.1776"): right-aligned.
_FIGURE = re.compile(r"[-+−]?[\d,]+(\.\d+)?(%| [A-Z]{3}| kWh| tCO2e)?|unpriced")  # fullmatch


def table(frame: pd.DataFrame, money_columns=(), currency: str = "", units: dict | None = None,
          caption: str = "", empty: str = "Nothing to show for this scenario.", group: str | None = None,
          details: str | None = None, decimals: int = 2, index: str | None = None) -> Table:
    """``frame`` displayed for people (see :class:`Table`).

    No index column; numbers with thousands separators (:func:`tco.units.plain_number`), right-aligned
    like the columns of figures already written as text; the ``money_columns`` with ``decimals`` decimals and the currency in their header; the row labels only when they mean
    something, as a first column headed ``index``; ``units`` (column -> unit) added to the
    headers as "name (unit)"; rows under a full-width heading whenever column ``group`` changes (the
    column itself is not shown); an empty frame as the sentence ``empty``, never a header-only
    table; ``details`` makes the table a collapsed ``<details>`` block with that summary line.
    All text is HTML-escaped.

    >>> t = table(pd.DataFrame({"item": ["a<b"], "cost": [1234.5], "n": [4e7]}), ["cost"], "CNY", {"n": "tokens"})
    >>> print(t)
    item  cost (CNY)  n (tokens)
     a<b    1,234.50  40,000,000
    >>> "a&lt;b" in t.html and "<th>" not in t.html.split("<tbody>")[1]
    True
    >>> table(pd.DataFrame(), empty="No fusion: one model.").html
    '<p>No fusion: one model.</p>'
    """
    import html

    if frame is None or frame.empty:
        return Table(f"<p>{html.escape(empty)}</p>", empty, pd.DataFrame())
    if index is not None:
        frame = frame.rename_axis(index).reset_index()
    units = units or {}
    shown = [c for c in frame.columns if c != group]
    out = pd.DataFrame(index=range(len(frame)))
    numeric = []
    for col in shown:
        values = frame[col].tolist()
        is_number = pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
        if col in money_columns:
            cells = [money(v, "", decimals) for v in values]
        elif is_number:
            cells = [plain_number(v) for v in values]
        else:
            cells = ["" if v is None or (isinstance(v, float) and not np.isfinite(v)) else str(v) for v in values]
        name = str(col)
        if col in money_columns and currency and currency not in name:
            name += f" ({currency})"
        if col in units and units[col]:
            name += f" ({units[col]})"
        out[name] = cells
        if col in money_columns or is_number or all(_FIGURE.fullmatch(c) for c in cells if c):
            numeric.append(name)
    head = "".join(f"<th style=\"text-align:{'right' if c in numeric else 'left'}\">{html.escape(c)}</th>"
                   for c in out.columns)
    rows, last = [], object()
    groups = frame[group].tolist() if group else [None] * len(frame)
    for g, (_, row) in zip(groups, out.iterrows()):
        if group and g != last:
            rows.append(f"<tr><td colspan=\"{len(out.columns)}\" style=\"text-align:left\"><b>{html.escape(str(g))}"
                        f"</b></td></tr>")
            last = g
        rows.append("<tr>" + "".join(f"<td style=\"text-align:{'right' if c in numeric else 'left'}\">"
                                     f"{html.escape(v)}</td>" for c, v in row.items()) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    body = (f"<table class=\"tco-table\">{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    if details:
        body = f"<details><summary>{html.escape(details)}</summary>{body}</details>"
    plain = out.copy()
    if group:
        plain.insert(0, str(group), groups)
    text = plain.to_string(index=False)
    if caption:
        text = caption + "\n" + text
    return Table(body, text, out)


def header(chapter: Chapter, title: str) -> str:
    """Markdown header: chapter title, scenario, evaluation date, library version, catalog dates."""
    sc, rep = chapter.scenario, chapter.report
    dates = rep.sources.as_of.astype(str)
    span = f"{dates.min()} to {dates.max()}" if len(dates) else "none used"
    return (f"**{title}** · **Scenario:** {_md(rep.title)} (`{sc.name}`)  \n"
            f"**Estimate as of:** {rep.as_of} · **Currency:** {rep.currency} · **tco** {__version__} · "
            f"**Catalog figures dated:** {span}")


#: Scenario text (titles, names, notes, messages) as literal Markdown: :func:`tco.files.markdown_safe`,
#: the one implementation, under the name the chapter helpers and notebooks use.
_md = escape_markdown = markdown_safe


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
    from .uncertainty import ENERGY_ROWS

    table = u.mc.percentiles()
    out = pd.DataFrame(index=table.index)
    units = {ENERGY_ROWS["kwh_per_day"]: ("kWh", 1), ENERGY_ROWS["tco2e_per_day"]: ("tCO2e", 4)}
    for column in ("P5", "P50", "P95", "point estimate"):
        out[column] = [f"{v:,.{units[name][1]}f} {units[name][0]}" if name in units else
                       money(v, currency, 4 if name == "per 1,000 requests" else 2)
                       for name, v in table[column].items()]
    return out


def ranges_table(scenario: Scenario) -> pd.DataFrame:
    """The inputs written as ranges: where, which distribution, and the point value used elsewhere."""
    return pd.DataFrame([{"input": path_label(scenario, p), "range": r.describe(), "point value": plain_number(r.point)}
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
    out, last, shown = [], None, set()
    if not kinds:
        out.append(f"_{no_items(report, dimension)} These are the formulas the dimension would use._")
    for kind, name, summary, eq in rows:
        if kind != last:
            out.append(f"**{kind}**")
            last = kind
        if name in shown:  # a function two kinds use is written out once
            out.append(f"- `{name}`: as above.")
            continue
        shown.add(name)
        out.append(f"- `{name}`: {summary}\n\n  $$ {eq} $$")
    return "\n\n".join(out)


#: Model fields that only generative (LLM) or only recsys models use.
_GENERATIVE_ONLY = {"output_tokens", "prefix_cache_hit_rate", "beam_width", "speculative", "decode_batch",
                    "kv_bytes_per_token", "ttft_slo_ms", "tpot_slo_ms", "kv_precision"}
_RECSYS_ONLY = {"embedding_rows", "embedding_dim", "embedding_precision", "embedding_lookups_per_item",
                "embedding_cache_hit_rate"}
#: What a model served by a hosted API still uses: its traffic and tokens (the API is priced per token).
_API_MODEL_FIELDS = {"name", "model", "kind", "traffic_share", "items_per_request", "input_tokens_per_item",
                     "output_tokens", "serving", "training"}


def _applies(owner, name: str) -> bool:
    """Whether field ``name`` of ``owner`` (a part of the scenario) can change the cost: fields of a
    kind of model, deployment or fusion strategy the scenario does not use are left out."""
    from .scenario import SERVING_API_USAGE, Fusion, Hardware, Model, Serving

    if isinstance(owner, Model):
        if owner.serving.deployment == "api":
            return name in _API_MODEL_FIELDS
        if name in _GENERATIVE_ONLY:
            return owner.kind == "generative"
        if name in _RECSYS_ONLY:
            return owner.kind == "recsys"
        if name == "latency_percentile":
            return owner.latency_slo_ms is not None or owner.ttft_slo_ms is not None
        return True
    if isinstance(owner, Serving) and owner.deployment == "api":
        return name in ("deployment", "api_model", *SERVING_API_USAGE)
    if isinstance(owner, Serving) and name in SERVING_API_USAGE:
        return False  # they price only the api_alternative, never the self-hosted total
    if isinstance(owner, Hardware):
        if owner.deployment == "on_prem":
            return name not in ("instance", "pricing", "billing")
        return name not in ("server", "server_price", "accelerators_per_server")
    if isinstance(owner, Fusion):
        if owner.strategy == "single":
            return name == "strategy" or (name in ("algorithm_cost_per_day", "complexity")
                                          and owner.algorithm_cost_per_day > 0 and owner.complexity > 0)
        if name == "combiner":
            return owner.strategy in ("ensemble", "stacking")
        if name == "combiner_instance":
            return owner.combiner_cpu_ms_per_request > 0
    return True


def _cell(value) -> str:
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return plain_number(value)
    return str(value)


def _flatten(owner, path: str, group: str, scenario: Scenario, out: list) -> None:
    """Rows for the fields of ``owner`` (a pydantic part of ``scenario`` at ``path``) that apply,
    under heading ``group``; nested parts get their own heading."""
    pattern = re.sub(r"\[\d+\]", "", path)
    catalog = getattr(owner, "_catalog_fields", ())
    for name, field in type(owner).model_fields.items():
        value = getattr(owner, name)
        if value is None or not _applies(owner, name) or (name in ("name", "role", "task") and path.endswith("]")):
            continue  # left out, or already the heading of the group
        sub, key = f"{path}.{name}", f"{pattern}.{name}"
        if isinstance(value, BaseModel):
            _flatten(value, sub, f"{group}: {PART_TITLES.get(key, field_label(name))}", scenario, out)
            continue
        if isinstance(value, list) and value and isinstance(value[0], BaseModel):
            title = PART_TITLES.get(key, field_label(name))
            for i, v in enumerate(value):
                own = getattr(v, "name", None) or getattr(v, "role", None) or getattr(v, "task", None) or f"{i + 1}"
                _flatten(v, f"{sub}[{i}]", f"{title} {own}", scenario, out)
            continue
        if isinstance(value, list) and not value:
            continue
        desc = field.description or ""
        found = re.findall(r"\[([^\]]+)\]", desc)
        unit = found[-1].replace("currency", scenario.currency) if found else ""
        meaning = re.sub(r"\s*\[[^\]]+\]", "", desc).strip()
        by = (f"model catalog ({owner.model})" if name in catalog else
              "scenario" if name in owner.model_fields_set else "default")
        r = scenario.ranges.get(sub)
        if r is not None:
            by += f"; range {r.describe()}, its point value used here"
        inner = [f"{p[len(sub):]} {r.describe()}" for p, r in scenario.ranges.items() if p.startswith(sub + "[")]
        if inner:
            by += f"; ranges {'; '.join(inner)}, their point values used here"
        out.append({"section": group, "input": field_label(name), "value": _cell(value),
                    "unit": "" if unit == "1" else unit, "set by": by, "meaning": meaning, "path": sub})


def inputs_table(scenario: Scenario, dimension: str) -> pd.DataFrame:
    """The scenario inputs the dimension uses and that apply to this scenario (defaults included),
    grouped by the part of the scenario they belong to, with readable labels, units, whether the
    scenario, a default or the model catalog set each, and the field's path (``path``) for lookups.

    Left out: fields of parts the scenario does not have (no on-premises fleet: no site; one
    model: no combiner), and fields a model's kind or deployment does not use (an encoder has no
    output tokens, a hosted API no replicas)."""
    out: list[dict] = []
    for section in INPUT_SECTIONS[dimension]:
        value = getattr(scenario, section)
        if section == "on_prem" and not any(
                m.serving.deployment == "on_prem" or (m.training is not None and m.training.deployment == "on_prem")
                for m in scenario.models):
            continue
        if isinstance(value, list):
            for i, part in enumerate(value):
                _flatten(part, f"{section}[{i}]", f"{PART_TITLES[section]} {getattr(part, 'name', i + 1)}",
                         scenario, out)
        else:
            _flatten(value, section, PART_TITLES[section], scenario, out)
    return pd.DataFrame(out, columns=["section", "input", "value", "unit", "set by", "meaning", "path"])


def inputs_view(scenario: Scenario, dimension: str) -> Table:
    """:func:`inputs_table` for reading: grouped under headings, without the field paths."""
    frame = inputs_table(scenario, dimension).drop(columns="path")
    return table(frame, group="section", empty="This dimension reads no inputs of this scenario.")


#: What the fusion chapter says instead of empty tables when the scenario serves one model.
SINGLE_MODEL = ("This scenario has one model, so there is nothing to fuse: no combiner or router, no meta-model "
                "and no integration upkeep, and no traffic split between models. Its fusion cost is 0 beyond the "
                "model's own cost (chapter 03).")


def _short(dimension: str) -> str:
    """'compute', 'model storage', ...: the English label of a dimension, for a sentence."""
    return LABELS[dimension].split(" / ")[0].removesuffix(" cost").lower()


def has_items(report: CostReport, dimension: str) -> bool:
    """Whether the scenario has line items in ``dimension`` (a chart of none would be empty)."""
    return bool((report.items.dimension == dimension).any())


def no_items(report: CostReport, dimension: str) -> str:
    """The sentence shown instead of an empty table of ``dimension``'s line items."""
    if dimension == "fusion" and len(report.models) == 1:
        return SINGLE_MODEL
    return (f"This scenario has no {_short(dimension)} line items: it sets none of the "
            f"inputs that would cost something in this dimension.")


def no_levers(report: CostReport, dimension: str) -> str:
    """The sentence shown instead of an empty table of levers."""
    if dimension == "fusion" and len(report.models) == 1:
        return "With one model there is no fusion to change, so no lever applies."
    return "None of this dimension's levers applies to this scenario."


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
# Levers: the changes a dimension allows (tco.variants), each costed
# ------------------------------------------------------------------------------------------
def levers(chapter: Chapter, dimension: str) -> pd.DataFrame:
    """Each lever the scenario allows for ``dimension``: cost after it and the saving per day."""
    rep = chapter.report
    table = variants.evaluate_variants(variants.levers(chapter.scenario, dimension), base=rep)
    rows = []
    for v in table.to_dict(orient="records"):
        if v["status"] != "ok":
            rows.append({"lever": f"{v['variant']} ({v['note']})", "dimension after": "", "total after": "",
                         "saving per day": "", "saving": ""})
            continue
        saving = v["saving_per_day"]
        rows.append({"lever": v["variant"], "dimension after": money(v[dimension], rep.currency),
                     "total after": money(v["per_day"], rep.currency), "saving per day": money(saving, rep.currency),
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
                         "requests/day served": f"{m['requests_per_day_served']:,.0f}", "throughput per accelerator": "",
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
            "requests/day served": f"{m['requests_per_day_served']:,.0f}",
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
        text.append(f" Weights in {_md(model.weights_precision)}, KV cache in {_md(model.cache_precision)} "
                    f"({kv / 1e3:,.1f} kB per token, {kv_source(model)}), matrix units at their "
                    f"{_md(model.math_precision)} peak.")
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
        text.append(f" A replica of {m['replica_size']:g} x {_md(m['accelerator'])} decodes {m['decode_batch']:,.0f} "
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
        variant_sc = variants.with_billing(sc, mode)
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
    sc = chapter.scenario
    column = f"serving {sc.currency}/day"
    table = variants.evaluate_variants(variants.deployment_options(sc), keep_reports=True)
    rows = []
    for v in table.to_dict(orient="records"):
        kind = v["variant"].split(" (")[0]
        rep = v["report"]
        if rep is None:
            rows.append({"model": v["group"], "option": v["variant"], "kind": kind, column: float("nan"),
                         "note": v["note"].removeprefix("not possible: ")})
            continue
        item = rep.items[(rep.items.dimension == "compute") & (rep.items.model == v["group"])
                         & rep.items.kind.isin(["inference serving", "hosted API"])]
        cost = float(item.cost_per_day.iloc[0]) if len(item) else float("nan")
        reasons = rep.unpriced_reasons
        note = "" if np.isfinite(cost) else "unpriced: " + (reasons[0] if reasons else "see warnings")
        rows.append({"model": v["group"], "option": v["variant"] + (" *" if v["current"] else ""), "kind": kind,
                     column: cost, "note": note})
    return pd.DataFrame(rows, columns=["model", "option", "kind", column, "note"])


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
    rows = []
    for v in variants.evaluate_variants(variants.strategies(sc), keep_reports=True).to_dict(orient="records"):
        rep = v["report"]
        if rep is None:
            continue
        shares = {m.model: m.traffic_share for m in rep.models.itertuples()}
        row = {"strategy": v["variant"] + (" (this scenario)" if v["current"] else "")}
        for model in sc.models:
            row[f"share {model.name}"] = f"{shares[model.name]:.3f}" if model.name in shares else "-"
        row[f"total {sc.currency}/day"] = money(rep.per_day)
        row[f"fusion {sc.currency}/day"] = money(v["fusion"])
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
        out["business"] = report.business
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
    from .files import write_atomic
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


def best_lever(chapter: Chapter) -> dict | None:
    """The lever (of every dimension's, :func:`levers`) that saves the most per day, or None when
    none saves anything: ``{"lever", "dimension", "saving_per_day", "per_day_after"}``."""
    best = None
    for dimension in DIMENSIONS:
        table = variants.evaluate_variants(variants.levers(chapter.scenario, dimension), base=chapter.report)
        for v in table[table.status == "ok"].to_dict(orient="records"):
            if np.isfinite(v["saving_per_day"]) and v["saving_per_day"] > 0 and (
                    best is None or v["saving_per_day"] > best["saving_per_day"]):
                best = {"lever": v["variant"], "dimension": dimension, "saving_per_day": v["saving_per_day"],
                        "per_day_after": v["per_day"]}
    return best


def answer(chapter: Chapter, uncertain: Uncertainty | None = None) -> str:
    """The summary's opening paragraph, for a manager: the total per day, month, year and 1,000
    requests, the split by dimension (largest first), the lever that saves the most, and the
    likely range when the scenario has uncertain inputs. Figures are the engine's (:func:`results`)."""
    rep = chapter.report
    cur, t = rep.currency, rep.totals
    lines = [f"**This scenario costs {money(t['per_day'], cur)} per day**: {money(t['per_month'], cur, 0)} per month, "
             f"{money(t['per_year'], cur, 0)} per year, {money(t['per_1k_requests'], cur, 4)} per 1,000 requests."]
    dims = rep.by_dimension().sort_values(ascending=False, kind="stable")
    if rep.per_day:
        split = [f"{_short(d)} {v / rep.per_day:.0%}"
                 for d, v in dims.items() if v > 0]
        lines.append("Where it goes: " + ", ".join(split) + ".")
    unpriced = int((~rep.items.priced).sum())
    if unpriced:
        lines.append(f"**{unpriced} line item(s) could not be priced** and are left out of the total (see the warnings).")
    best = best_lever(chapter)
    if best is None:
        lines.append("None of the levers the chapters evaluate lowers the cost.")
    else:
        share = f" ({best['saving_per_day'] / rep.per_day:.0%})" if rep.per_day else ""
        lines.append(f"The largest saving the chapters find: **{_md(best['lever'])}** "
                     f"({_short(best['dimension'])}), {money(best['saving_per_day'], cur)} per day less{share}, "
                     f"{money(best['per_day_after'], cur)} per day in all; its chapter says what else it changes.")
    if uncertain is None:
        lines.append("Every input is a single number, so no likely range is given.")
    else:
        lines.append(_md(uncertain.sentence))
    worth = business_sentence(rep, uncertain)
    if worth:
        lines.append(worth)
    footprint = energy_sentence(rep, uncertain)
    if footprint:
        lines.append(footprint)
    return "\n\n".join(lines)


def energy_sentence(report: CostReport, uncertain: "Uncertainty | None" = None) -> str:
    """Energy and carbon in one sentence (:mod:`tco.footprint`): kWh per day, tCO2e per year and
    per 1,000 requests, the likely range of the kWh with ranges, what is left out; labelled an
    estimate when a cloud fleet is in it. '' when no fleet is self-hosted."""
    e = report.energy
    if e is None or not np.isfinite(e["kwh_per_day"]):
        return ""
    what = "an estimate (cloud fleets: the provider's hardware and PUE are not known)" if e["estimate"] else \
        "from the same power figures as the electricity cost"
    grids = ", ".join(dict.fromkeys(f"{f['grid_region']} {f['gco2e_per_kwh']:g} g/kWh" for f in e["fleets"]))
    text = (f"**Energy and carbon**: about {plain_number(round(float(e['kwh_per_day'])))} kWh per day, "
            f"{float(e['tco2e_per_year']):,.1f} tCO2e per year ({float(e['kwh_per_1k_requests']):.3g} kWh and "
            f"{float(e['gco2e_per_1k_requests']):.3g} gCO2e per 1,000 requests; grid {grids}), {what}.")
    if uncertain is not None:
        p = uncertain.mc.percentiles()
        if "energy kWh per day" in p.index:
            row = p.loc["energy kWh per day"]
            text += f" Likely range (P5-P95): {row['P5']:,.0f}-{row['P95']:,.0f} kWh per day."
    if e["notes"]:
        text += " Not estimated: " + "; ".join(_md(n) for n in e["notes"]) + "."
    return text


def business_sentence(report: CostReport, uncertain: "Uncertainty | None" = None) -> str:
    """Is it worth it: the break-even uplift, the net value at the expected uplift and, with ranges,
    the chance it pays for itself (:mod:`tco.business`); '' when the scenario has no business case
    or lacks the inputs for a break-even."""
    b, cur = report.business, report.currency
    if b is None or not np.isfinite(b["break_even_uplift"]):
        return ""
    credited = "" if b["attribution"] >= 1 else f" ({b['attribution']:.0%} of it credited to this deployment)"
    text = (f"**It pays for itself if conversion (or revenue per session) rises by {b['break_even_uplift']:.3%} or "
            f"more** on the {plain_number(b['sessions_per_day'])} sessions a day it touches{credited}.")
    if np.isfinite(b["net_value_per_day"]):
        text += (f" At the expected uplift of {b['uplift']:.2%} it adds {money(b['net_value_per_day'], cur)} per day "
                 "net of its cost")
        mc = uncertain.mc if uncertain is not None else None
        if mc is not None and np.isfinite(mc.p_net_positive):
            net = mc.percentiles().loc["net value per day"]
            text += (f"; across the ranges it pays off in {mc.p_net_positive:.0%} of the samples (net value "
                     f"P5-P95 {money(net['P5'], cur, 0)} to {money(net['P95'], cur, 0)} per day)")
        text += "."
    return text


def chapter_links(current: str | None = None) -> str:
    """Markdown links (relative) to every chapter notebook."""
    titles = {**LABELS, **OTHER_TITLES}
    return " · ".join(f"[{titles[k]}]({v}.ipynb)" for k, v in CHAPTERS.items() if k != current)


# ------------------------------------------------------------------------------------------
# Business case (07-business-case)
# ------------------------------------------------------------------------------------------
#: The business inputs, as the chapter names them, with their units.
BUSINESS_INPUTS = {
    "sessions_per_day": ("Sessions or searches per day the model touches", "sessions/day"),
    "conversion_rate": ("Conversion rate (orders per session)", "share"),
    "average_order_value": ("Average order value", "currency/order"),
    "gross_margin": ("Gross margin", "share of GMV"),
    "uplift": ("Expected relative uplift in conversion or revenue per session", "share"),
    "attribution": ("Share of the uplift credited to this deployment", "share"),
    "upfront_cost": ("Up-front costs", "currency"),
}
#: The figures of the chain, as the chapter shows them: key of tco.business.figures, label, kind.
BUSINESS_ROWS = [
    ("sessions_per_day", "Sessions per day", "count"), ("orders_per_day", "Orders per day", "count"),
    ("gmv_per_day", "GMV per day", "money"), ("gross_profit_per_day", "Gross profit per day", "money"),
    ("cost_per_day", "Cost of the deployment per day", "money"), ("cost_per_order", "Cost per order", "money4"),
    ("cost_share_of_gmv", "Cost as a share of GMV", "share"),
    ("cost_share_of_gross_profit", "Cost as a share of gross profit", "share"),
    ("break_even_uplift", "Break-even uplift", "share"), ("uplift", "Expected uplift", "share"),
    ("added_gross_profit_per_day", "Gross profit added per day at the expected uplift", "money"),
    ("net_value_per_day", "Net value per day", "money"), ("upfront_cost", "Up-front costs", "money"),
    ("payback_days", "Payback (days)", "days"),
]


def _business_cell(value, kind: str, currency: str) -> str:
    if value is None or not np.isfinite(value):
        return "never" if kind == "days" and value == np.inf else "not given"
    if kind == "money":
        return money(value, currency)
    if kind == "money4":
        return money(value, currency, 4 if abs(value) < 0.1 else 2)
    if kind == "share":
        return f"{value:.3%}"
    if kind == "days":
        return f"{value:,.1f}"
    return plain_number(value)


def business_inputs_table(scenario: Scenario) -> pd.DataFrame:
    """The ``business:`` inputs: value (a range's point value), how it was set, and the unit."""
    b = scenario.business
    rows = []
    for name, (label, unit) in BUSINESS_INPUTS.items():
        path = f"business.{name}"
        value = getattr(b, name) if b is not None else None
        if name == "sessions_per_day" and value is None:
            value, how = scenario.traffic.requests_per_day, "default: the scenario's requests per day"
        elif value is None:
            how = "not given"
        elif path in scenario.ranges:
            how = f"range: {scenario.ranges[path].describe()}"
        elif name in (b.model_fields_set if b is not None else ()):
            how = "scenario"
        else:
            how = "default"
        unit = unit.replace("currency", scenario.currency)
        rows.append({"input": label, "value": "" if value is None else plain_number(value), "unit": unit,
                     "set by": how})
    return pd.DataFrame(rows)


def business_table(report: CostReport, uncertain: "Uncertainty | None" = None) -> pd.DataFrame:
    """The chain from sessions to net value, one figure a row; with ranges, P5 and P95 of the
    figures the Monte Carlo samples (net value, break-even uplift)."""
    b, cur = report.business, report.currency
    mc = uncertain.mc if uncertain is not None else None
    spread = {}
    if mc is not None and mc.business is not None:
        ok = mc.costs.feasible
        for key, _, _ in BUSINESS_ROWS:
            values = np.broadcast_to(np.asarray(mc.business[key], dtype=float), (mc.costs.n,))[ok]
            values = values[np.isfinite(values)]
            if values.size and np.ptp(values) > 0:
                spread[key] = np.percentile(values, [5, 95])
    rows = []
    for key, label, kind in BUSINESS_ROWS:
        row = {"figure": label, "value": _business_cell(b[key], kind, cur)}
        if mc is not None:
            p = spread.get(key)
            row["P5"] = "" if p is None else _business_cell(p[0], kind, cur)
            row["P95"] = "" if p is None else _business_cell(p[1], kind, cur)
        rows.append(row)
    return pd.DataFrame(rows)


def business_formulas() -> str:
    """The equations of the chain (from the docstrings of :mod:`tco.business`), as Markdown."""
    import inspect

    from . import business
    from .formulas import latex

    out = []
    for func in (business.orders_per_day, business.gross_profit_per_day, business.break_even_uplift,
                 business.net_value_per_day, business.payback_days):
        summary = " ".join(inspect.getdoc(func).split("\n\n")[0].split())  # the first paragraph, on one line
        out.append(f"- `{func.__name__}`: {summary}\n\n" + "\n\n".join(f"  $$ {eq} $$" for eq in latex(func)))
    return "\n\n".join(out)


def business_missing(chapter: Chapter) -> str:
    """What the chapter says when the scenario has no business case ('' when it has one)."""
    report = chapter.report
    if chapter.scenario.business is None:
        return ("This scenario has no `business:` section, so only the cost side is known: "
                f"{money(report.totals['per_1k_requests'], report.currency, 4)} per 1,000 requests. "
                "Add one to see whether the deployment pays for itself, for example:\n\n"
                "```yaml\nbusiness:\n  conversion_rate: 0.03        # orders per session\n"
                "  average_order_value: 180     # in the scenario's currency\n  gross_margin: 0.15\n"
                "  uplift: {low: 0.001, high: 0.01}   # relative lift in conversion, from an A/B test\n```")
    return ""


# ------------------------------------------------------------------------------------------
# Chapter 50: plan against actual (tco.reconcile)
# ------------------------------------------------------------------------------------------
def plan_vs_actual(chapter: Chapter, bill: str, mapping: str = ""):
    """Reconcile the bill (a file or folder; several separated by commas) with the chapter's
    scenario; a bad bill or mapping stops the notebook with its message (no traceback)."""
    from .reconcile import BillError, reconcile

    def where(path):
        given = Path(path).expanduser()
        return given if given.exists() else repo_path(str(path))
    try:
        return reconcile(chapter.scenario, [where(b.strip()) for b in str(bill).split(",") if b.strip()],
                         where(mapping) if mapping else None)
    except BillError as exc:
        raise ChapterStop(without_local_paths(str(exc))) from None


def plan_vs_actual_sentence(result) -> str:
    """The answer in one paragraph: estimate, bill, variance, and what explains it."""
    cur = result.currency
    gap = result.actual - result.estimated
    text = (f"Over {result.days} days ({result.start} to {result.end}) the estimate was {money(result.estimated, cur)} "
            f"and the bill {money(result.actual, cur)}: {'over' if gap > 0 else 'under'} the plan by "
            f"{money(abs(gap), cur)} ({gap / result.estimated * 100:+.1f}%)." if result.estimated else
            f"The bill comes to {money(result.actual, cur)}.")
    for r in result.implied[result.implied.kind == "inference serving"].itertuples():
        if r.actual_quantity:
            text += (f" **{r.model}** was billed {plain_number(round(r.actual_quantity, 1))} accelerator-hours against "
                     f"{plain_number(round(r.planned_quantity, 1))} sized (x{r.quantity_ratio:.3f}), at "
                     f"{money(r.actual_price, cur, 4)} an accelerator-hour against {money(r.planned_price, cur, 4)} "
                     f"planned (x{r.price_ratio:.3f}): usage {money(r.usage_variance, cur)}, price "
                     f"{money(r.price_variance, cur)}; with the planned traffic its fleet was "
                     f"{r.implied_utilisation:.1%} used (planned {r.planned_utilisation:.1%}).")
    unmapped = float(result.summary.loc[result.summary.dimension == "unmapped", "actual"].sum())
    if unmapped:
        text += (f" {money(unmapped, cur)} of the bill matched no mapping rule: it is shown as *unmapped* and counted "
                 f"in the actual total, never dropped.")
    return text


def plan_vs_actual_table(result) -> Table:
    frame = result.summary.rename(columns={"variance_pct": "variance %"}).copy()
    frame["model"] = frame["model"].replace("", "-")
    return table(frame, money_columns=("estimated", "actual", "variance"), currency=result.currency,
                 caption=f"Estimated against actual, {result.start} to {result.end}")


def implied_table(result) -> Table:
    columns = {"planned_quantity": "planned quantity", "actual_quantity": "billed quantity",
               "planned_price": "planned price", "actual_price": "paid price", "usage_variance": "usage variance",
               "price_variance": "price variance", "planned_utilisation": "planned utilisation",
               "implied_utilisation": "implied utilisation"}
    frame = result.implied[["model", "kind", "unit", *columns]].rename(columns=columns)
    return table(frame, money_columns=("usage variance", "price variance"), currency=result.currency, decimals=2,
                 caption="What explains the variance (prices per unit of the quantity column)",
                 empty="The estimate has no accelerator-hours or hosted tokens to compare.")


def unmapped_table(result) -> Table:
    return table(result.unmapped.rename(columns={"rows": "bill rows"}), money_columns=("cost",),
                 currency=result.currency, caption="Largest unmapped charges: add a rule to the map to place them",
                 empty="Every charge of the bill is mapped to a dimension.")


def variance_formulas() -> str:
    """The equations of the variance split (tco.variance), as Markdown."""
    from . import variance
    from .formulas import latex, summary

    return "\n\n".join(f"- **{f.__name__}**: {summary(f)}\n\n  $${eq}$$"
                         for f in (variance.unit_price, variance.usage_variance, variance.price_variance,
                                   variance.implied_utilisation) for eq in latex(f))
