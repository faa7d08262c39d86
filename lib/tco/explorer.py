"""Interactive explorer (ipywidgets): move a control, see the cost change.

    from tco.explorer import Explorer
    Explorer("data/scenarios/search-cascade.yaml").show()

Every control edits a copy of the loaded scenario; on release the scenario is validated and
evaluated by the library (nothing is computed here) and the totals, the change against the loaded
scenario, the P5-P95 band of the total where the scenario has ranges
(:func:`tco.uncertainty.monte_carlo`), the five-dimension chart, the daily cost against traffic
with the break-even against the hosted API (:func:`tco.sweep.sweep`), the per-model sizing and the
warnings are redrawn. Errors
(an SLO no fleet meets, a model that fits nowhere) are shown in the panel. "Save as scenario"
writes the scenario on screen as YAML (never over an existing file unless "overwrite" is ticked);
"Reset" returns to the loaded scenario.
"""

from __future__ import annotations

import copy
import html
import math
from pathlib import Path

import ipywidgets as w
import numpy as np
import pandas as pd
import yaml

from . import sweep, variants
from .batch import bundled_scenarios
from .files import safe_name, write_atomic
from .footprint import energy_lines
from .capacity import max_peak_to_average
from .catalog import load_catalog
from .chapters import money, resolve_path, ChapterStop, table as ch_table
from .dimensions import DIMENSIONS, LABELS
from .dimensions.fusion import DEFAULT_ESCALATION
from .engine import evaluate
from .errors import ScenarioError
from .plots import PALETTE
from .report import CostReport, business_lines
from .labels import path_label
from .ranges import restore
from .scenario import Scenario, load_scenario, parse_scenario, repo_path
from .units import plain_number
from .uncertainty import DEFAULT_SEED, monte_carlo

PLANS = ["on_demand", "reserved_1y", "reserved_3y", "spot", "capacity_block"]
#: Widths of the control column. Every label fits in LABEL (checked in a browser at 1366 px by
#: tests/test_explorer_browser.py); the column keeps its width and the results panel beside it
#: wraps below it when the window is too narrow for both.
LABEL, CONTROL, COLUMN = "190px", "430px", "480px"
STYLE = {"description_width": LABEL}
FIELD = {"style": STYLE, "layout": w.Layout(width=CONTROL)}
SLIDER = {"continuous_update": False, **FIELD}
#: The band of the total: Latin hypercube samples of the ranged inputs (seeded: the same band on
#: every redraw and every machine).
BAND_SAMPLES, BAND_SEED = 4000, DEFAULT_SEED
#: The cost-against-traffic curve: today's traffic / CURVE_SPAN to x CURVE_SPAN, ten points a decade.
CURVE_SPAN, CURVE_POINTS = 1000.0, 61
TRAFFIC = "traffic.requests_per_day"


def _hex(rgb) -> str:
    return "#%02x%02x%02x" % tuple(int(round(c * 255)) for c in rgb)


def serving_options() -> list[tuple[str, tuple]]:
    """Every way a model can be served: cloud GPU instances, on-premises accelerators, hosted APIs."""
    cat = load_catalog()
    acc_table = cat.accelerators
    peaks = [c for c in acc_table.columns if c.endswith(("tflops", "tops"))]
    # accelerators whose throughput can be estimated: a memory bandwidth and at least one dense peak
    usable = set(acc_table.index[(acc_table["bandwidth_gb_s"] > 0) & (acc_table[peaks] > 0).any(axis=1)])
    out = []
    types = cat.instance_types[cat.instance_types.accelerators_per_instance > 0].sort_values(["provider", "instance"])
    for r in types.itertuples():
        if r.accelerator in usable:
            out.append((f"cloud: {r.instance} ({r.accelerators_per_instance} x {r.accelerator})", ("cloud", r.instance)))
    for acc in sorted(usable):
        out.append((f"on premises: {acc}", ("on_prem", acc)))
    for api in sorted(cat.api_prices.index):
        out.append((f"hosted API: {api}", ("api", api)))
    return out


def bar_chart(report: CostReport) -> str:
    """The five dimensions per day as a horizontal HTML bar chart (fast to redraw, no image)."""
    dims = report.by_dimension()
    top = max(float(dims.max()), 1e-12)
    rows = []
    for d in DIMENSIONS:
        width = 100.0 * float(dims[d]) / top
        rows.append(
            f'<div style="display:flex;align-items:center;margin:2px 0">'
            f'<div style="width:230px">{html.escape(LABELS[d])}</div>'
            f'<div style="flex:1;background:#f0f0f0"><div class="tco-bar-{d}" style="width:{width:.2f}%;height:16px;'
            f'background:{_hex(PALETTE[d])}"></div></div>'
            f'<div style="width:150px;text-align:right">{money(float(dims[d]), report.currency)}</div></div>')
    return '<div class="tco-chart">' + "".join(rows) + "</div>"


def sizing_html(report: CostReport) -> str:
    e = html.escape
    head = ("<tr><th>model</th><th>serving</th><th>req/s per accelerator</th><th>replicas</th><th>accelerators</th>"
            "<th>instances</th><th>utilisation</th><th>latency</th><th>serving/day</th></tr>")
    rows = []
    for m in report.models.to_dict(orient="records"):
        if m["deployment"] == "api":
            rows.append(f"<tr><td>{e(m['model'])}</td><td>API {e(m['api_model'])}</td><td colspan='6'></td>"
                        f"<td>{money(m['serving_cost_per_day'])}</td></tr>")
            continue
        band = f"<br><small>{e(m['throughput_basis'])}</small>"
        slo = f" / SLO {m['latency_slo_ms']:g} ms" if np.isfinite(m["latency_slo_ms"]) else ""
        rows.append(
            f"<tr><td>{e(m['model'])}</td><td>{e(m['deployment'])} {e(m['instance'])} {e(m['accelerator'])}</td>"
            f"<td>{m['throughput_rps_per_accelerator']:,.1f}{band}</td><td>{m['replicas']:g} ({e(m['binding'])})</td>"
            f"<td>{m['accelerators']:g}</td><td>{m['instances']:g}</td>"
            f"<td>{m['utilisation_mean'] * 100:.1f}% mean</td><td>{m['service_time_ms']:,.1f} ms{slo}</td>"
            f"<td>{money(m['serving_cost_per_day'])}</td></tr>")
    return f'<table class="tco-sizing" style="border-collapse:collapse">{head}{"".join(rows)}</table>'


def _delta(now: float, base: float, currency: str, decimals: int = 2) -> str:
    diff = now - base
    if abs(diff) < 10 ** (-decimals) / 2:
        return '<span style="color:#666">no change</span>'
    pct = f" ({diff / base * 100:+.1f}%)" if base else ""
    color = "#b00" if diff > 0 else "#070"
    return f'<span style="color:{color}">{diff:+,.{decimals}f} {html.escape(currency)}{pct}</span>'


def band(scenario: Scenario, catalog=None):
    """The Monte Carlo run behind the band (its ``percentiles()`` give P5 / P50 / P95 of the daily
    total): ``monte_carlo`` over the scenario's ranges with :data:`BAND_SAMPLES` samples and
    :data:`BAND_SEED`; None when no input is a range."""
    if not scenario.ranges:
        return None
    return monte_carlo(scenario, BAND_SAMPLES, BAND_SEED, catalog)


def band_html(mc, currency: str, ranged: int) -> str:
    """The band as a line of text and a bar: P5-P95 shaded, the median and the point estimate
    marked. ``mc`` is :func:`band`'s result; None gives one sentence instead (``ranged``: how many
    inputs the loaded file writes as ranges, to say why there is no band)."""
    if mc is None:
        if ranged:
            return ('<p class="tco-band">No band: every input written as a range has been moved to a single '
                    'value. <b>Reset</b> brings the ranges back.</p>')
        return ('<p class="tco-band">No band: this scenario writes no input as a range (for example '
                '<code>cache_hit_rate: {low: 0.2, high: 0.4}</code>), so the total has no spread to show.</p>')
    p = mc.percentiles().loc["total per day"]
    low, high = float(p["P5"]), float(p["P95"])
    if not (np.isfinite(low) and np.isfinite(high)):
        return (f'<p class="tco-band">No band: none of the {mc.samples:,} samples can be served as specified '
                f'({html.escape("; ".join(mc.costs.infeasible))}).</p>')
    lo, hi = min(low, mc.point_per_day), max(high, mc.point_per_day)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.05 or 1.0
    lo, hi = lo - pad, hi + pad

    def at(v):
        return f"{100.0 * (v - lo) / (hi - lo):.2f}%"

    left, width = at(low), f"{100.0 * (high - low) / (hi - lo):.2f}%"
    infeasible = (f" {mc.infeasible_share:.1%} of the samples cannot be served as specified and are left out."
                  if mc.infeasible_share > 0 else "")
    return (
        f'<div class="tco-band"><b>Likely range</b> <span class="tco-band-p5">{money(low, currency)}</span> to '
        f'<span class="tco-band-p95">{money(high, currency)}</span> per day (P5-P95; median '
        f'<span class="tco-band-p50">{money(float(p["P50"]), currency)}</span>) from {mc.samples:,} samples of the '
        f'{len(mc.inputs)} input(s) written as ranges; the inputs you moved are held at their value.{infeasible}'
        f'<div style="position:relative;height:14px;background:#f0f0f0;margin:4px 0 8px 0">'
        f'<div style="position:absolute;left:{left};width:{width};top:0;bottom:0;background:#9ecae1"></div>'
        f'<div title="median" style="position:absolute;left:{at(float(p["P50"]))};top:0;bottom:0;width:2px;'
        f'background:#08519c"></div>'
        f'<div title="point estimate (on screen)" style="position:absolute;left:{at(mc.point_per_day)};top:-2px;'
        f'bottom:-2px;width:2px;background:#000"></div></div>'
        f'<small>shaded: P5 to P95 · blue: median · black: the scenario on screen</small></div>')


def energy_html(report: CostReport) -> str:
    """The energy and carbon of the scenario on screen (:func:`tco.footprint.energy_lines`, the
    headline only; the fleets are in the report), or '' when the report has none."""
    energy = getattr(report, "energy", None)
    if energy is None:
        return ""
    return f'<p class="tco-energy"><b>Energy and carbon</b> {html.escape(energy_lines(energy)[0])}</p>'


def business_html(report: CostReport) -> str:
    """The business case of the scenario on screen (:func:`tco.report.business_lines`), or '' when
    it has none."""
    if report.business is None:
        return ""
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in business_lines(report.business, report.currency))
    return f'<div class="tco-business"><b>Business return</b><ul style="margin:2px 0">{lines}</ul></div>'


def ranges_html(scenario: Scenario, loaded: dict) -> str:
    """The inputs the loaded file writes as ranges (``loaded``: path -> Range), collapsed under the
    band: each with its distribution and point value, and whether it still varies in the band or is
    held at the value on screen (moved by a control). Empty when the file has no range."""
    if not loaded:
        return ""
    rows = []
    for path, r in loaded.items():
        varies = path in scenario.ranges
        rows.append({"input": path_label(scenario, path), "range": r.describe(), "point value": plain_number(r.point),
                     "in the band": "varies" if varies else "held at the value on screen"})
    table = ch_table(pd.DataFrame(rows))
    return (f'<details class="tco-ranges"><summary>The {len(rows)} input(s) written as ranges</summary>'
            f'{table.html}</details>')


def traffic_curve(scenario: Scenario, catalog=None):
    """The daily total against requests per day, from today's traffic / :data:`CURVE_SPAN` to x
    :data:`CURVE_SPAN` (:func:`tco.sweep.sweep`, with the hosted-API option where a model names an
    ``api_alternative``), and where the two cost the same (:func:`tco.sweep.crossovers`)."""
    now = float(scenario.traffic.requests_per_day)
    axis = sweep.Axis(TRAFFIC, tuple(float(v) for v in np.geomspace(now / CURVE_SPAN, now * CURVE_SPAN,
                                                                    CURVE_POINTS)), True)
    table = sweep.sweep(scenario, [axis], catalog)
    return table, sweep.crossovers(table, TRAFFIC)


def _si(v: float) -> str:
    """A count in three figures: 40M, 1.2k, 170G.

    >>> _si(4e7), _si(1234.0), _si(0.5), _si(1.697e8)
    ('40M', '1.23k', '0.5', '170M')
    """
    for suffix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(v) >= scale:
            return f"{v / scale:.3g}{suffix}"
    return f"{v:.3g}"


def curve_html(table, crossings: list[dict], now: float, currency: str) -> str:
    """The curve as an inline SVG (log-log, a line per option, the traffic on screen and each
    break-even marked) and a sentence saying which option is cheaper where."""
    x_all = table[TRAFFIC].to_numpy(dtype=float)
    y_all = table.per_day.to_numpy(dtype=float)
    shown = np.isfinite(y_all) & (y_all > 0)
    if not shown.any():
        return '<p class="tco-curve">No traffic curve: no traffic level in the range could be costed.</p>'
    W, H, L, R, T, B = 520, 230, 56, 12, 10, 34
    x0, x1 = math.log10(x_all.min()), math.log10(x_all.max())
    y0, y1 = math.floor(math.log10(y_all[shown].min())), math.ceil(math.log10(y_all[shown].max()))
    y1 = max(y1, y0 + 1)

    def px(v):
        return L + (math.log10(v) - x0) / (x1 - x0) * (W - L - R)

    def py(v):
        return T + (y1 - math.log10(v)) / (y1 - y0) * (H - T - B)

    parts = [f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" stroke="#999"/>']
    for k in range(math.ceil(x0), math.floor(x1) + 1):
        x = px(10.0 ** k)
        parts.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{H - B}" stroke="#eee"/>'
                     f'<text x="{x:.1f}" y="{H - B + 13}" text-anchor="middle">{_si(10.0 ** k)}</text>')
    for k in range(y0, y1 + 1):
        y = py(10.0 ** k)
        parts.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{L - 4}" y="{y + 4:.1f}" text-anchor="end">{_si(10.0 ** k)}</text>')
    parts.append(f'<text x="{(L + W - R) / 2:.0f}" y="{H - 4}" text-anchor="middle">requests per day</text>')
    legend = []
    for i, (label, group) in enumerate(table.groupby("option", sort=False)):
        colour, dash = ("#1f77b4", "") if label == sweep.AS_WRITTEN else ("#d62728", ' stroke-dasharray="6 4"')
        runs, run = [], []
        for x, y in zip(group[TRAFFIC].to_numpy(dtype=float), group.per_day.to_numpy(dtype=float)):
            if np.isfinite(y) and y > 0:
                run.append(f"{px(x):.1f},{py(y):.1f}")
            elif run:
                runs.append(run)
                run = []
        runs += [run] if run else []
        parts += [f'<polyline class="tco-curve-{i}" fill="none" stroke="{colour}" stroke-width="2"{dash} '
                  f'points="{" ".join(r)}"/>' for r in runs]
        name = "the scenario on screen" if label == sweep.AS_WRITTEN else html.escape(label)
        legend.append(f'<span style="color:{colour}">{"- - -" if dash else "———"}</span> {name}')
    xn = px(now)
    parts.append(f'<line x1="{xn:.1f}" y1="{T}" x2="{xn:.1f}" y2="{H - B}" stroke="#000" stroke-dasharray="2 3"/>'
                 f'<text x="{xn + 3:.1f}" y="{T + 11}">on screen</text>')
    for c in crossings:
        parts.append(f'<circle class="tco-crossing" cx="{px(c[TRAFFIC]):.1f}" cy="{py(c["per_day"]):.1f}" r="4" '
                     f'fill="none" stroke="#000" stroke-width="1.5"/>')
    svg = (f'<svg width="{W}" height="{H}" viewBox="0 0 {W} {H}" style="font:11px sans-serif;max-width:100%">'
           + "".join(parts) + "</svg>")
    return (f'<div class="tco-curve"><b>Cost per day against traffic</b> ({html.escape(currency)}, both axes '
            f'logarithmic)<br>{svg}<br><small>{" &nbsp; ".join(legend)}</small>'
            f'<p class="tco-crossover">{html.escape(_crossover_sentence(table, crossings, now))}</p></div>')


def _crossover_sentence(table, crossings: list[dict], now: float) -> str:
    """Which option is cheaper where along the curve, in one sentence."""
    low, high = _si(float(table[TRAFFIC].min())), _si(float(table[TRAFFIC].max()))
    labels = [x for x in table.option.unique() if x != sweep.AS_WRITTEN]
    if not labels:
        return ("No self-hosted model names an api_alternative, so there is no hosted API to compare with "
                f"(the curve runs from {low} to {high} requests per day; on screen {_si(now)}).")
    if crossings:
        name = {sweep.AS_WRITTEN: "the scenario on screen"}
        points = ", ".join(f"{_si(c[TRAFFIC])} requests/day ({name.get(c['cheaper below'], c['cheaper below'])} "
                           f"cheaper below, {name.get(c['cheaper above'], c['cheaper above'])} above)"
                           for c in crossings)
        return f"Break-even: {points}. On screen: {_si(now)} requests/day."
    mine = table[table.option == sweep.AS_WRITTEN].per_day.to_numpy(dtype=float)
    api = table[table.option == labels[0]].per_day.to_numpy(dtype=float)
    both = np.isfinite(mine) & np.isfinite(api)
    cheaper = labels[0] if both.any() and (api[both] < mine[both]).all() else "the scenario on screen"
    return f"No break-even between {low} and {high} requests per day: {cheaper} is cheaper wherever both are costed."


#: Where the explorer saves by default: beside the repository's scenarios, not among them (``tco
#: report`` and the explorer's list read ``data/scenarios/``; an explored copy would join them).
SAVE_FOLDER = "my-scenarios"


def save_folder(loaded: Path) -> Path:
    """The default folder to save an explored copy of ``loaded`` in: ``my-scenarios/`` at the root
    of the repository for a bundled scenario, else the folder ``loaded`` came from."""
    bundled = repo_path("data/scenarios").resolve()
    return repo_path(SAVE_FOLDER) if Path(loaded).resolve().parent == bundled else Path(loaded).parent


class Explorer:
    """Widgets bound to a scenario. ``show()`` displays them; ``widget`` is the whole panel."""

    def __init__(self, scenario: str | Path = "data/scenarios/search-cascade.yaml"):
        self._busy = False
        self.ranges: dict = {}
        self.band, self.curve, self.crossings = None, None, []  # the views' figures (for tests)
        self.options = serving_options()
        self.picker = w.Dropdown(description="Scenario", options=[(p.stem, str(p)) for p in bundled_scenarios()],
                                 **FIELD)
        self.path_text = w.Text(description="or a file", placeholder="path/to/scenario.yaml", **FIELD)
        self.load_button = w.Button(description="Load", icon="folder-open")
        self.load_button.on_click(lambda _: self.load(self.path_text.value.strip() or self.picker.value))
        self.save_name = w.Text(description="Save as", **FIELD)
        self.overwrite = w.Checkbox(description="overwrite an existing file", value=False, indent=False,
                                    layout=w.Layout(width="auto"))
        self.save_button = w.Button(description="Save as scenario", icon="save")
        self.save_button.on_click(lambda _: self.save())
        self.reset_button = w.Button(description="Reset", icon="undo")
        self.reset_button.on_click(lambda _: self.reset())
        self.totals = w.HTML()
        self.totals.add_class("tco-totals")
        self.chart = w.HTML()
        self.band_view = w.HTML()
        self.business_view = w.HTML()
        self.curve_view = w.HTML()
        self.sizing = w.HTML(layout=w.Layout(overflow="auto"))
        self.warnings = w.HTML()
        self.message = w.HTML()
        self.message.add_class("tco-message")
        # the control column keeps its width; the results take the rest and wrap below when narrow
        self.controls = w.VBox(layout=w.Layout(flex="0 0 auto", width=COLUMN, margin="0 16px 0 0"))
        self.controls.add_class("tco-controls")
        results = w.VBox([self.totals, self.message, self.band_view, self.business_view, self.chart, self.curve_view,
                          self.sizing, self.warnings], layout=w.Layout(flex="1 1 480px", min_width="0", overflow="auto"))
        results.add_class("tco-results")
        row = {"flex_flow": "row wrap", "align_items": "flex-start", "width": "100%"}
        self.widget = w.VBox([
            w.HTML("<h3>Cost explorer / 成本探索</h3>"),
            w.HBox([w.VBox([self.picker, self.path_text]), self.load_button], layout=w.Layout(**row)),
            w.HBox([self.controls, results], layout=w.Layout(**row)),
            w.HBox([self.save_name, self.overwrite, self.save_button, self.reset_button], layout=w.Layout(**row)),
        ], layout=w.Layout(width="100%"))
        self.load(scenario)

    # -- loading and controls ------------------------------------------------------------------
    def load(self, scenario: str | Path) -> None:
        """Load a scenario file and rebuild the controls for it."""
        try:
            path = resolve_path(scenario)
            loaded = load_scenario(path)
            base_report = evaluate(loaded, compare=False)
        except (ScenarioError, ChapterStop) as exc:
            self.message.value = f'<pre style="color:#b00;white-space:pre-wrap">{html.escape(str(exc))}</pre>'
            return
        self.path = path
        self.base = loaded.model_dump(mode="json", exclude_unset=True)
        self.ranges = loaded.ranges  # written back on save for the inputs left at their point values
        self.base_report = base_report
        self.data = copy.deepcopy(self.base)
        self.save_name.value = str(save_folder(path) / f"{loaded.name}-explored.yaml")
        if str(path) in {value for _, value in self.picker.options}:  # the list shows what is loaded
            self.picker.value = str(path)
        self._build_controls()
        self.update()

    def _build_controls(self) -> None:
        d = self.base
        tr = d["traffic"]
        self._busy = True
        self.requests = w.FloatLogSlider(value=tr["requests_per_day"] or 1.0, base=10, min=2, max=11, step=0.01,
                                         description="requests/day", readout_format=".3s", **SLIDER)
        self.cache = w.FloatSlider(value=tr.get("cache_hit_rate", 0.0), min=0, max=0.95, step=0.01,
                                   description="cache hit rate", **SLIDER)
        profile = tr.get("hourly_profile", "ecommerce")
        names = ["flat", "ecommerce"] + (["custom (from the file)"] if isinstance(profile, list) else [])
        self.profile = w.Dropdown(options=names, value=profile if isinstance(profile, str) else names[-1],
                                  description="traffic profile", **FIELD)
        self.profile.add_class("tco-profile")
        self.peak = w.FloatSlider(value=tr.get("peak_to_average") or 0.0, min=0.0, max=3.0, step=0.05,
                                  description="peak / average (0: profile)", **SLIDER)
        self.model_controls = [self._model_controls(i, m) for i, m in enumerate(d["models"])]
        n = len(d["models"])
        fusion = d.get("fusion", {})
        strategies = ["single"] if n == 1 else ["ensemble", "cascade", "stacking"]
        self.strategy = w.Dropdown(options=strategies, value=fusion.get("strategy", "single"),
                                   description="fusion strategy", **FIELD)
        esc = fusion.get("escalation") or [DEFAULT_ESCALATION] * (n - 1)
        # a model's name can be any length: the label names the stage, a line above names the models
        self.escalation = [w.FloatSlider(value=e, min=0.01, max=1.0, step=0.01,
                                         description=f"escalate to stage {i + 2}",
                                         tooltip=f"share of the traffic escalated to "
                                                 f"{d['models'][i + 1]['name']}", **SLIDER)
                           for i, e in enumerate(esc)]
        stages = w.HTML("Stages: " + ", ".join(f"{i + 1} {html.escape(m['name'])}" for i, m in enumerate(d["models"])),
                        layout=w.Layout(width=CONTROL))
        staff = d.get("staff", {})
        fte = sum(r.get("fte", 0.0) for r in staff.get("roles", []))
        self.team = w.FloatSlider(value=fte, min=0.0, max=max(4 * fte, 10.0), step=0.25,
                                  description="team size (FTE)", disabled=not staff.get("roles"), **SLIDER)
        self.day_rate = w.FloatText(value=staff.get("day_rate") or 0.0, description="day rate",
                                    disabled=staff.get("day_rate") is None, **FIELD)
        biz = d.get("business") or {}
        self.uplift = w.FloatSlider(value=biz.get("uplift") or 0.0, min=-0.05, max=0.1, step=0.0005,
                                    description="expected uplift", readout_format=".2%",
                                    disabled=d.get("business") is None, **SLIDER)
        self.order_value = w.FloatText(value=biz.get("average_order_value") or 0.0, description="average order value",
                                       disabled=d.get("business") is None, **FIELD)
        business_note = w.HTML("" if d.get("business") is not None else
                               "<small>This file has no <code>business:</code> section: add conversion rate, order "
                               "value, margin and uplift to it to see whether the deployment pays for itself.</small>",
                               layout=w.Layout(width=CONTROL))
        sections = [
            w.VBox([self.requests, self.cache, self.profile, self.peak]),
            *[w.VBox(list(c.values())) for c in self.model_controls],
            w.VBox([self.strategy, *([stages] if n > 1 else []), *self.escalation]),
            w.VBox([self.team, self.day_rate]),
            w.VBox([self.uplift, self.order_value, business_note]),
        ]
        acc = w.Accordion(children=sections, layout=w.Layout(width="100%"))
        titles = ["Traffic", *[f"Model: {m['name']}" for m in d["models"]], "Fusion", "Team", "Business return"]
        for i, t in enumerate(titles):
            acc.set_title(i, t)
        acc.selected_index = 0
        self.controls.children = [acc]
        for ctrl in self._all_controls():
            ctrl.observe(self._changed, names="value")
        self._sync_enabled()
        self._busy = False

    def _model_controls(self, i: int, m: dict) -> dict:
        s = m.get("serving", {})
        dep = s.get("deployment", "cloud")
        if dep == "cloud" and s.get("instance"):
            key = ("cloud", s["instance"])
        elif dep == "cloud":
            key = ("cloud-custom", s.get("accelerator"))
        elif dep == "on_prem":
            key = ("on_prem", s["accelerator"])
        else:
            key = ("api", s["api_model"])
        options = list(self.options)
        if key not in [v for _, v in options]:
            options.insert(0, (f"as in the file ({key[1]}, priced in the file)", key))
        ctrls = {
            "parameters": w.FloatLogSlider(value=m["parameters"], base=10, min=5, max=12.5, step=0.01,
                                           description="parameters", readout_format=".3s", **SLIDER),
            "precision": w.Dropdown(options=["fp32", "bf16", "fp16", "fp8", "int8", "int4", "fp4", "w4a16", "w8a16"],
                                    value=m.get("precision", "bf16"), description="precision", **FIELD),
            "serving": w.Dropdown(options=options, value=key, description="serving", **FIELD),
            "pricing": w.Dropdown(options=PLANS, value=s.get("pricing", "on_demand"), description="cloud plan",
                                  **FIELD),
            "billing": w.Dropdown(options=["provisioned", "autoscaled"], value=s.get("billing", "provisioned"),
                                  description="billing", **FIELD),
            "utilization": w.FloatSlider(value=s.get("utilization_target", 0.7), min=0.2, max=1.0, step=0.01,
                                         description="utilisation target", **SLIDER),
            "slo": w.FloatText(value=m.get("latency_slo_ms") or 0.0, description="latency SLO ms (0: none)",
                               **FIELD),
        }
        if m.get("kind") == "generative" and m.get("output_tokens", 0) > 0:
            # LLM serving: prefix cache, time to first token, time per output token
            ctrls.update({
                "prefix_cache": w.FloatSlider(value=m.get("prefix_cache_hit_rate", 0.0), min=0.0, max=0.95,
                                              step=0.05, description="prefix cache hit rate", **SLIDER),
                "ttft": w.FloatText(value=m.get("ttft_slo_ms") or 0.0, description="TTFT objective ms (0: none)",
                                    **FIELD),
                "tpot": w.FloatText(value=m.get("tpot_slo_ms") or 0.0, description="TPOT objective ms (0: none)",
                                    **FIELD),
            })
        # how the hosted API is used: the API served, or else the model's api_alternative
        ctrls.update({
            "api_tier": w.Dropdown(options=["standard"], value="standard", description="API tier", **FIELD),
            "cached_prompt_share": w.FloatSlider(value=s.get("cached_prompt_share", 0.0), min=0.0, max=1.0,
                                                 step=0.05, description="API cached prompt share", **SLIDER),
            "batchable_share": w.FloatSlider(value=s.get("batchable_share", 0.0), min=0.0, max=1.0, step=0.05,
                                             description="API batchable share", **SLIDER),
        })
        tiers = self._api_tiers(key, m)
        ctrls["api_tier"].options = tiers
        ctrls["api_tier"].value = s.get("api_tier", "standard") if s.get("api_tier", "standard") in tiers else "standard"
        ctrls["serving"].add_class(f"tco-serving-{i}")
        ctrls["precision"].add_class(f"tco-precision-{i}")
        return ctrls

    @staticmethod
    def _api_model(key: tuple, m: dict) -> str | None:
        """The hosted API whose tier and shares apply: the one served, or else the api_alternative."""
        return key[1] if key[0] == "api" else m.get("api_alternative")

    def _api_tiers(self, key: tuple, m: dict) -> list[str]:
        api = self._api_model(key, m)
        return load_catalog().api_tiers(api) if api else ["standard"]

    def _all_controls(self):
        yield from (self.requests, self.cache, self.profile, self.peak, self.strategy, *self.escalation, self.team,
                    self.day_rate, self.uplift, self.order_value)
        for c in self.model_controls:
            yield from c.values()

    def _sync_enabled(self) -> None:
        for esc in self.escalation:
            esc.disabled = self.strategy.value != "cascade"
        profile = self.profile.value
        shape = self.base["traffic"]["hourly_profile"] if profile.startswith("custom") else profile
        top = max_peak_to_average(shape)
        self.peak.max = max(round(math.floor(top * 100) / 100, 2), 1.0)
        self.peak.disabled = top <= 1.0
        for c in self.model_controls:
            kind = c["serving"].value[0]
            c["pricing"].disabled = kind != "cloud"
            c["billing"].disabled = not kind.startswith("cloud")
            c["utilization"].disabled = kind == "api"
            c["slo"].disabled = kind == "api"
            for key in ("prefix_cache", "ttft", "tpot"):
                if key in c:
                    c[key].disabled = kind == "api"
        for m, c in zip(self.base["models"], self.model_controls):
            # the tiers are the chosen API's: a switch of API offers its own (standard when the old is gone)
            tiers = self._api_tiers(c["serving"].value, m)
            busy, self._busy = self._busy, True
            if tuple(c["api_tier"].options) != tuple(tiers):
                keep = c["api_tier"].value if c["api_tier"].value in tiers else "standard"
                c["api_tier"].options = tiers
                c["api_tier"].value = keep
            self._busy = busy
            no_api = self._api_model(c["serving"].value, m) is None
            c["api_tier"].disabled = no_api
            c["cached_prompt_share"].disabled = no_api
            # the batchable share is billed at the batch price: only a model with a batch tier, used online
            c["batchable_share"].disabled = no_api or "batch" not in tiers or c["api_tier"].value == "batch"

    def _changed(self, change) -> None:
        if self._busy:
            return
        self._sync_enabled()
        self.update()

    # -- controls -> scenario -------------------------------------------------------------------
    def scenario_data(self) -> dict:
        """The scenario the controls describe, as plain data (what is evaluated and saved)."""
        d = copy.deepcopy(self.base)
        tr = d["traffic"]
        tr["requests_per_day"] = float(self.requests.value)
        tr["cache_hit_rate"] = float(self.cache.value)
        if not self.profile.value.startswith("custom"):
            tr["hourly_profile"] = self.profile.value
        if self.peak.value >= 1.0 and not self.peak.disabled:
            tr["peak_to_average"] = float(self.peak.value)
        else:
            tr.pop("peak_to_average", None)
        for m, base_m, c in zip(d["models"], self.base["models"], self.model_controls):
            self._apply_model(m, base_m, c)
        if len(d["models"]) > 1:  # one model: nothing to fuse, the fusion block stays as written
            variants.apply_strategy(d, self.strategy.value,
                                    [float(e.value) for e in self.escalation] if self.strategy.value == "cascade" else None)
        staff = d.setdefault("staff", {})
        roles = staff.get("roles", [])
        base_fte = sum(r.get("fte", 0.0) for r in roles)
        if roles and base_fte > 0 and not math.isclose(self.team.value, base_fte):
            for r in roles:
                r["fte"] = r["fte"] * float(self.team.value) / base_fte
        if not self.day_rate.disabled:
            staff["day_rate"] = float(self.day_rate.value)
        biz = d.get("business")
        if biz is not None:  # a control left where the file put it keeps the file's value (and its range)
            for key, ctrl in (("uplift", self.uplift), ("average_order_value", self.order_value)):
                if not math.isclose(float(ctrl.value), float(biz.get(key) or 0.0), rel_tol=1e-9, abs_tol=1e-12):
                    biz[key] = float(ctrl.value)
        return d

    @staticmethod
    def _apply_model(m: dict, base_m: dict, c: dict) -> None:
        factor = float(c["parameters"].value) / base_m["parameters"]
        if not math.isclose(factor, 1.0, rel_tol=1e-9):
            m["parameters"] = float(c["parameters"].value)
            for key in ("embedding_parameters", "artifact_gb", "active_parameters", "routed_expert_parameters"):
                if key in m:
                    m[key] = m[key] * factor
            if "throughput_rps" in m:  # work per request grows with the parameters
                m["throughput_rps"] = m["throughput_rps"] / factor
        m["precision"] = c["precision"].value
        kind, ident = c["serving"].value
        if kind == "api":
            variants.switch_deployment(m, {"deployment": "api", "api_model": ident})
            Explorer._apply_api_usage(m, base_m, c)
            return
        option = {"cloud": {"deployment": "cloud", "instance": ident, "pricing": c["pricing"].value,
                            "billing": c["billing"].value},
                  "cloud-custom": {"deployment": "cloud", "accelerator": ident, "billing": c["billing"].value},
                  }.get(kind, {"deployment": "on_prem", "accelerator": ident, "billing": "provisioned"})
        variants.switch_deployment(m, option)
        m["serving"]["utilization_target"] = float(c["utilization"].value)
        if c["slo"].value and c["slo"].value > 0:
            m["latency_slo_ms"] = float(c["slo"].value)
        else:
            m.pop("latency_slo_ms", None)
        Explorer._apply_api_usage(m, base_m, c)
        if "tpot" in c:
            if c["prefix_cache"].value > 0 or "prefix_cache_hit_rate" in base_m:
                m["prefix_cache_hit_rate"] = float(c["prefix_cache"].value)
            for key, field in (("ttft", "ttft_slo_ms"), ("tpot", "tpot_slo_ms")):
                if c[key].value and c[key].value > 0:
                    m[field] = float(c[key].value)
                else:
                    m.pop(field, None)

    @staticmethod
    def _apply_api_usage(m: dict, base_m: dict, c: dict) -> None:
        """Tier and shares of the hosted API: a control left where the file put it keeps the file's
        value (and its range); a disabled one (no API, or no batch tier) is not written."""
        base_s = base_m.get("serving", {})
        for field, default in (("api_tier", "standard"), ("cached_prompt_share", 0.0), ("batchable_share", 0.0)):
            ctrl = c[field]
            if ctrl.disabled:
                if field == "batchable_share" and m["serving"].get("api_tier") == "batch":
                    m["serving"].pop(field, None)  # every request is already batched
                continue
            value = ctrl.value if field == "api_tier" else float(ctrl.value)
            before = base_s.get(field, default)
            same = value == before if field == "api_tier" else math.isclose(value, float(before), abs_tol=1e-12)
            if not same:
                m["serving"][field] = value

    # -- evaluation and display -----------------------------------------------------------------
    def update(self) -> None:
        """Evaluate the scenario on screen and redraw; an invalid one shows its message instead."""
        data = self.scenario_data()
        try:
            scenario = parse_scenario(data)
            report = evaluate(scenario, compare=False)
        except ScenarioError as exc:
            self.report = None
            self.message.value = (f'<pre style="color:#b00;white-space:pre-wrap">{html.escape(str(exc))}</pre>')
            return
        self.scenario, self.report, self.current = scenario, report, data
        self.message.value = ""
        base = self.base_report
        t, b = report.totals, base.totals
        cur = report.currency
        self.totals.value = (
            f'<div style="font-size:1.1em"><b>Total</b> <span class="tco-total-day">{money(t["per_day"], cur)}</span>'
            f' per day ({_delta(t["per_day"], b["per_day"], cur)} against the loaded scenario)<br>'
            f'<span class="tco-total-month">{money(t["per_month"], cur, 0)}</span> per month · '
            f'<span class="tco-total-1k">{money(t["per_1k_requests"], cur, 4)}</span> per 1,000 requests '
            f'({_delta(t["per_1k_requests"], b["per_1k_requests"], cur, 4)})</div>')
        self.chart.value = bar_chart(report)
        self.business_view.value = business_html(report) + energy_html(report)
        self.sizing.value = sizing_html(report)
        self._draw_band(data)
        self._draw_curve(scenario, report.currency)
        items = "".join(f"<li>{html.escape(x)}</li>" for x in report.warnings)
        self.warnings.value = f"<details><summary>{len(report.warnings)} warning(s)</summary><ul>{items}</ul></details>"

    def _draw_band(self, data: dict) -> None:
        """The band of the scenario on screen: the loaded file's ranges, except for the inputs moved
        off their point value (those are held at the value on screen, as when saving); the ranges
        themselves listed under it."""
        self.band = None
        try:
            ranged = parse_scenario(restore(copy.deepcopy(data), self.ranges))
        except ScenarioError as exc:
            self.band_view.value = f'<p class="tco-band" style="color:#b00">No band: {html.escape(str(exc))}</p>'
            return
        self.band = band(ranged)
        self.band_view.value = (band_html(self.band, self.report.currency, len(self.ranges))
                                + ranges_html(ranged, self.ranges))

    def _draw_curve(self, scenario: Scenario, currency: str) -> None:
        """The cost against traffic of the scenario on screen; a traffic level the scenario cannot
        take (outside a field's bounds) is said in the panel instead."""
        self.curve, self.crossings = None, []
        try:
            self.curve, self.crossings = traffic_curve(scenario)
        except ScenarioError as exc:
            self.curve_view.value = (f'<p class="tco-curve" style="color:#b00">No traffic curve: '
                                     f'{html.escape(str(exc))}</p>')
            return
        now = float(scenario.traffic.requests_per_day)
        self.curve_view.value = curve_html(self.curve, self.crossings, now, currency)

    def figures(self) -> dict:
        """The figures on screen (for tests): totals and the five dimensions per day."""
        if self.report is None:
            return {}
        return {**self.report.totals, **{f"{d}_per_day": v for d, v in self.report.by_dimension().items()}}

    # -- buttons ---------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the loaded scenario."""
        self._build_controls()
        self.message.value = ""
        self.update()

    def save(self, path: str | Path | None = None, overwrite: bool | None = None) -> Path | None:
        """Write the scenario on screen as YAML; refuse to replace a file unless overwrite is ticked."""
        target = Path(path or self.save_name.value).expanduser()
        overwrite = self.overwrite.value if overwrite is None else overwrite
        if self.report is None:
            self.message.value = '<span style="color:#b00">Nothing saved: the scenario on screen is not valid.</span>'
            return None
        if target.suffix not in (".yaml", ".yml"):
            target = target.with_suffix(".yaml")
        if target.exists() and not overwrite:
            self.message.value = (f'<span style="color:#b00">{html.escape(str(target))} exists; tick "overwrite an '
                                  f'existing file" to replace it.</span>')
            return None
        data = restore(copy.deepcopy(self.current), self.ranges)
        data["name"] = safe_name(target.stem)
        data["title"] = (data.get("title") or data["name"]) + " (explored)"
        text = ("# Saved by the tco explorer from " + str(self.path.name) + "\n"
                + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        parse_scenario(yaml.safe_load(text))  # what is written must validate
        write_atomic(target, text)
        self.overwrite.value = False
        self.message.value = f'<span style="color:#070">Saved {html.escape(str(target))}.</span>'
        return target

    def show(self):
        from IPython.display import display

        display(self.widget)
        return None
