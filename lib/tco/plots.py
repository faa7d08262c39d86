"""Seaborn charts shared by the chapter notebooks. Each function returns a matplotlib Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .dimensions import DIMENSIONS
from .report import CostReport
from .units import plain_number

ENGLISH = {"data": "Data", "storage": "Model storage", "compute": "Compute", "staff": "Staff",
           "fusion": "Fusion"}
PALETTE = dict(zip(DIMENSIONS, sns.color_palette("colorblind", len(DIMENSIONS))))


def _style():
    sns.set_theme(style="whitegrid", context="notebook")


def items_bar(report: CostReport, dimension: str):
    """Horizontal bars of the dimension's line items, per day."""
    _style()
    items = report.items[(report.items.dimension == dimension) & report.items.priced].copy()
    items["label"] = [f"{i}" + (f" [{m}]" if m else "") for i, m in zip(items["item"], items.model)]
    items = items.sort_values("cost_per_day", ascending=False)
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(items), 2) + 1.2))
    if len(items):
        sns.barplot(data=items, x="cost_per_day", y="label", color=PALETTE[dimension], ax=ax)
    ax.set_xlabel(f"{report.currency} per day")
    ax.set_ylabel("")
    ax.set_title(f"{ENGLISH[dimension]} cost by line item: {report.name}")
    fig.tight_layout()
    return fig


def hourly_fleet(hourly: pd.DataFrame, currency: str = ""):
    """Requests per second over the day and replicas under provisioned and autoscaled billing."""
    _style()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    top.step(hourly.hour, hourly["requests/s"], where="post", color="black")
    top.set_ylabel("requests/s reaching the models")
    top.set_title("Traffic profile and fleet by hour")
    series = [c for c in hourly.columns if c not in ("hour", "requests/s")]
    for col in series:
        style = "-" if col.endswith("(autoscaled)") else "--"
        bottom.step(hourly.hour, hourly[col], where="post", linestyle=style, label=col)
    bottom.set_xlabel("hour of day")
    bottom.set_ylabel("replicas")
    if series:
        bottom.legend(fontsize="small")
    fig.tight_layout()
    return fig


def options_bar(options: pd.DataFrame, currency: str):
    """Serving cost per day of each model under each deployment option."""
    _style()
    col = f"serving {currency}/day"
    data = options[np.isfinite(options[col].astype(float))]
    fig, ax = plt.subplots(figsize=(8, 0.6 * max(len(data), 2) + 1.2))
    if len(data):
        sns.barplot(data=data, x=col, y="model", hue="kind", hue_order=["cloud", "on premises", "hosted API"], ax=ax)
        ax.legend(fontsize="small", title="")
    ax.set_xlabel(f"{currency} per day (serving)")
    ax.set_ylabel("")
    ax.set_title("Cloud, on premises and hosted API for the same traffic")
    fig.tight_layout()
    return fig


def stacked_by_model(report: CostReport):
    """Stacked bars: each model's cost per day split into the five dimensions."""
    _style()
    table = report.by_dimension_and_model().T
    fig, ax = plt.subplots(figsize=(8, 0.6 * max(len(table), 2) + 1.5))
    left = np.zeros(len(table))
    for dim in DIMENSIONS:
        values = table[dim].to_numpy() if dim in table else np.zeros(len(table))
        ax.barh(table.index.astype(str), values, left=left, color=PALETTE[dim], label=ENGLISH[dim])
        left += values
    ax.set_xlabel(f"{report.currency} per day")
    ax.set_title(f"Cost by model and dimension: {report.name}")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def waterfall(report: CostReport):
    """Waterfall from zero to the total per day through the five dimensions."""
    _style()
    dims = report.by_dimension()
    fig, ax = plt.subplots(figsize=(8, 4))
    bottom = 0.0
    labels = [ENGLISH[d] for d in DIMENSIONS] + ["Total"]
    for i, d in enumerate(DIMENSIONS):
        ax.bar(i, dims[d], bottom=bottom, color=PALETTE[d])
        bottom += dims[d]
    ax.bar(len(DIMENSIONS), bottom, color="0.3")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylabel(f"{report.currency} per day")
    ax.set_title(f"From dimensions to the total: {report.name}")
    fig.tight_layout()
    return fig


def validation_ratios(checked: pd.DataFrame):
    """Predicted / published per measurement (log scale), each against the band stated for its class.

    ``checked`` is :func:`tco.validation.check_all`'s table: one row per measurement with ``ratio``,
    ``band_low``, ``band_high``, ``kind``, ``mode`` and ``set``.
    """
    _style()
    rows = checked.dropna(subset=["ratio"]).reset_index(drop=True)
    kinds = list(dict.fromkeys(rows["kind"]))
    colours = dict(zip(kinds, sns.color_palette("colorblind", len(kinds))))
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * len(rows) + 1.6))
    # item access, not attributes: ``r.mode`` is the pandas method Series.mode, never "server"
    for i, r in rows.iterrows():
        colour = colours[r["kind"]]
        ax.plot([r["band_low"], r["band_high"]], [i, i], color=colour, alpha=0.25, linewidth=7,
                solid_capstyle="butt")
        held_out = r["set"] != "calibration"
        ax.plot(r["ratio"], i, marker="D" if r["mode"] == "server" else "o", markersize=7, linestyle="none",
                markerfacecolor="white" if held_out else colour, markeredgecolor=colour)
    ax.axvline(1.0, color="0.3", linewidth=1)
    ax.axvspan(0.8, 1.25, color="0.85", alpha=0.35, zorder=0)  # the x0.8-x1.25 target
    ax.set_xscale("log")
    low = min(rows["ratio"].min(), rows["band_low"].min())
    high = max(rows["ratio"].max(), rows["band_high"].max())
    ticks = [0.5, 0.7, 0.8, 1.0, 1.25, 1.5, 2.0] if high / low < 4 else [0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.25, 2.0, 3.0]
    ax.set_xticks([t for t in ticks if low / 1.1 <= t <= high * 1.1] or [1.0])
    ax.get_xaxis().set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.get_xaxis().set_minor_formatter(plt.NullFormatter())
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows["id"])
    ax.invert_yaxis()
    ax.set_xlabel("predicted / published (log scale)\nbar: stated band; grey: the x0.8-x1.25 target\n"
                  "filled: calibration, hollow: held out; diamond: server")
    ax.set_title("Workbook estimates against published measurements")
    handles = [plt.Line2D([], [], color=colours[k], linewidth=7, alpha=0.4, label=k) for k in kinds]
    ax.legend(handles=handles, loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def cost_distribution(mc, currency: str = ""):
    """Histogram of the sampled daily total with its P5 / P50 / P95 and the point estimate."""
    _style()
    values = mc.costs.per_day[mc.costs.feasible]
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    fig, ax = plt.subplots(figsize=(8, 3.6))
    sns.histplot(values, bins=60, color=PALETTE["compute"], alpha=0.55, ax=ax, edgecolor=None)
    for x, name, style in ((p5, "P5", "--"), (p50, "P50", "-"), (p95, "P95", "--")):
        ax.axvline(x, color="0.2", linestyle=style, linewidth=1.2)
        ax.annotate(f"{name} {x:,.0f}", (x, 1.0), xycoords=("data", "axes fraction"), rotation=90, va="top",
                    ha="right", fontsize="small")
    ax.axvline(mc.point_per_day, color=PALETTE["staff"], linewidth=1.5)
    ax.annotate(f"point {mc.point_per_day:,.0f}", (mc.point_per_day, 0.5), xycoords=("data", "axes fraction"),
                rotation=90, va="center", ha="left", fontsize="small", color=PALETTE["staff"])
    ax.set_xlabel(f"total cost per day ({currency})" if currency else "total cost per day")
    ax.set_ylabel("samples")
    ax.set_title(f"Distribution of the daily total: {mc.samples:,} samples of {len(mc.inputs)} uncertain inputs")
    fig.tight_layout()
    return fig


def tornado(table: pd.DataFrame, point: float, currency: str = "", top: int = 12):
    """Daily total with each input at the low and the high end of its range, the others at their point
    values (``tco.uncertainty.tornado``), widest swing on top."""
    _style()
    rows = table.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * max(len(rows), 2) + 1.3))
    for i, ends in enumerate(zip(rows["total at low"], rows["total at high"])):
        for end, colour in zip(ends, (PALETTE["data"], PALETTE["compute"])):
            if np.isfinite(end):
                ax.barh(i, end - point, left=point, color=colour, alpha=0.8, height=0.6)
            else:
                ax.annotate("not served", (point, i), fontsize="small", va="center", ha="center")
    ax.axvline(point, color="0.2", linewidth=1)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{r.input}  [{plain_number(r.low)} .. {plain_number(r.high)}]" for r in rows.itertuples()], fontsize="small")
    handles = [plt.Rectangle((0, 0), 1, 1, color=PALETTE["data"], alpha=0.8, label="input at its low end"),
               plt.Rectangle((0, 0), 1, 1, color=PALETTE["compute"], alpha=0.8, label="input at its high end")]
    ax.legend(handles=handles, loc="lower right", fontsize="small")
    ax.set_xlabel(f"total cost per day ({currency}); line: point estimate" if currency else "total cost per day")
    ax.set_title("One input at a time (tornado)")
    fig.tight_layout()
    return fig


def sobol_bars(table: pd.DataFrame, top: int = 12):
    """Sobol first-order (S1) and total (ST) indices of the daily total, largest ST on top."""
    _style()
    rows = table.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.42 * max(len(rows), 2) + 1.3))
    y = np.arange(len(rows))
    ax.barh(y + 0.2, rows["ST"].clip(lower=0), height=0.4, color=PALETTE["compute"], label="total (ST)",
            xerr=rows["ST conf"], error_kw={"elinewidth": 0.8})
    ax.barh(y - 0.2, rows["S1"].clip(lower=0), height=0.4, color=PALETTE["data"], label="first order (S1)",
            xerr=rows["S1 conf"], error_kw={"elinewidth": 0.8})
    ax.set_yticks(y)
    ax.set_yticklabels(rows["input"], fontsize="small")
    ax.set_xlim(0, max(1.0, float(rows["ST"].max()) * 1.1) if len(rows) else 1.0)
    ax.set_xlabel("share of the variance of the daily total (bars: 95% confidence)")
    ax.set_title("Which assumptions matter (Sobol indices)")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def net_value_curve(report: CostReport, uncertain=None):
    """Net value per day against the relative uplift (a straight line through minus the cost at no
    uplift), the break-even uplift where it crosses zero and the expected uplift marked; with ranges,
    the P5-P95 of the uplift shaded."""
    from .business import net_value_per_day

    _style()
    b, cur = report.business, report.currency
    expected = b["uplift"] if np.isfinite(b["uplift"]) else 0.0
    high = max(3 * b["break_even_uplift"], 1.5 * expected, 1e-4)
    if uncertain is not None and uncertain.mc.business is not None and np.ndim(uncertain.mc.business["uplift"]):
        u = np.asarray(uncertain.mc.business["uplift"], dtype=float)
        high = max(high, float(np.percentile(u, 99)))
    x = np.linspace(0.0, high, 200)
    y = net_value_per_day(b["gross_profit_per_day"], x, b["attribution"], b["cost_per_day"])
    fig, ax = plt.subplots(figsize=(8, 3.8))
    if uncertain is not None and uncertain.mc.business is not None and np.ndim(uncertain.mc.business["uplift"]):
        lo, hi = np.percentile(np.asarray(uncertain.mc.business["uplift"], dtype=float), [5, 95])
        ax.axvspan(lo * 100, hi * 100, color="#9ecae1", alpha=0.5, label="uplift P5-P95 (range)")
    ax.plot(x * 100, y, color=PALETTE["compute"], label="net value per day")
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.axvline(b["break_even_uplift"] * 100, color="0.2", linestyle="--",
               label=f"break-even {b['break_even_uplift']:.3%}")
    if np.isfinite(b["uplift"]):
        ax.plot([expected * 100], [b["net_value_per_day"]], "o", color="#000",
                label=f"expected {expected:.2%}: {b['net_value_per_day']:,.0f} {cur}/day")
    ax.set_xlabel("relative uplift in conversion or revenue per session (%)")
    ax.set_ylabel(f"net value ({cur}/day)" if cur else "net value per day")
    ax.set_title(f"Does it pay for itself? {report.name}")
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    return fig


def variance_waterfall(result):
    """Plan against actual (:class:`tco.reconcile.Reconciliation`): from the estimate to the actual
    total of the period through each dimension's variance and the unmapped spend."""
    _style()
    by_dimension = result.summary.groupby("dimension", sort=False)["variance"].sum()
    steps = [(ENGLISH.get(d, "Unmapped" if d == "unmapped" else d), float(v)) for d, v in by_dimension.items()]
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(0, result.estimated, color="0.55")
    level = result.estimated
    for i, (label, change) in enumerate(steps, start=1):
        ax.bar(i, change, bottom=level, color="#c44e52" if change > 0 else "#55a868")
        level += change
    ax.bar(len(steps) + 1, result.actual, color="0.3")
    labels = ["Estimated"] + [label for label, _ in steps] + ["Actual"]
    ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
    ax.set_ylabel(f"{result.currency} over {result.days} days")
    ax.set_title(f"Estimate to bill, {result.start} to {result.end}: red costs more than planned")
    fig.tight_layout()
    return fig


def daily_plan_vs_actual(result):
    """Estimated and actual cost of each day of the period, all dimensions (unmapped included)."""
    _style()
    days = result.daily.groupby("day", sort=True)[["estimated", "actual"]].sum()
    fig, ax = plt.subplots(figsize=(8, 3.5))
    x = pd.to_datetime(pd.Series(days.index))
    ax.plot(x, days["estimated"].to_numpy(), label="estimated", color="0.45", linestyle="--")
    ax.plot(x, days["actual"].to_numpy(), label="actual (bill)", color="#4c72b0", marker="o", markersize=3)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(f"{result.currency} per day")
    ax.legend(loc="lower right")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
