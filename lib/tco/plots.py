"""Seaborn charts shared by the chapter notebooks. Each function returns a matplotlib Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .dimensions import DIMENSIONS
from .report import CostReport

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
    for i, r in rows.iterrows():
        ax.plot([r.band_low, r.band_high], [i, i], color=colours[r.kind], alpha=0.25, linewidth=7,
                solid_capstyle="butt")
        held_out = r.set != "calibration"
        ax.plot(r.ratio, i, marker="D" if r.mode == "server" else "o", markersize=7, linestyle="none",
                markerfacecolor="white" if held_out else colours[r.kind], markeredgecolor=colours[r.kind])
    ax.axvline(1.0, color="0.3", linewidth=1)
    ax.set_xscale("log")
    ax.set_xticks([0.5, 0.7, 0.8, 1.0, 1.25, 1.5, 2.0])
    ax.get_xaxis().set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.get_xaxis().set_minor_formatter(plt.NullFormatter())
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows["id"])
    ax.invert_yaxis()
    ax.set_xlabel("predicted / published (log scale)\nbar: stated band; filled: calibration, hollow: held out; "
                  "diamond: server")
    ax.set_title("Workbook estimates against published measurements")
    handles = [plt.Line2D([], [], color=colours[k], linewidth=7, alpha=0.4, label=k) for k in kinds]
    ax.legend(handles=handles, loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig
