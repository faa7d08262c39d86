"""Predict published (or an analyst's own) measurements with the workbook's formulas and catalog.

A measurement file is a CSV with one row per measured figure (``data/validation/`` holds the
public set; see its README for the columns). Each row names the hardware, the workload (the
same fields a scenario's model has: parameters, precision, items and tokens per request...), the
mode it was measured in and the figure published. :func:`check` predicts every row from first
principles with the same code the engine sizes models with, and returns predicted, published and
their ratio; a row it cannot predict says why instead.

Modes and metrics:

- ``training``, metric ``accelerator_hours``: c·N·D FLOPs ÷ (bf16 peak × ``mfu_train`` × 3600).
- ``offline``, metric ``samples_per_s`` or ``tokens_per_s``: the roofline throughput per
  accelerator (:func:`tco.sizing.roofline_throughput`) × accelerators (× output tokens for tokens).
- ``server``: the offline figure × the utilisation target (the workbook plans replicas so that
  none runs above it; default 0.7, or the row's ``utilization_target``).

Efficiency factors come from the catalog's efficiency table for the row's model kind (or training),
never from the row: a row may not carry its own fudge factor. ``mfu`` / ``mbu`` columns are for
an analyst who wants to test other factors deliberately, and they are reported.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import performance
from .catalog import Catalog, load_catalog
from .errors import MeasurementError
from .units import BYTES_PER_GB, TERA

MODES = ("training", "offline", "server")
METRICS = ("accelerator_hours", "samples_per_s", "tokens_per_s")
REQUIRED = ("id", "mode", "metric", "published", "accelerator", "accelerators", "kind", "parameters",
            "source", "as_of")
#: Columns that are fields of a scenario model (tco.scenario.Model), passed through as they are.
MODEL_FIELDS = ("kind", "parameters", "embedding_parameters", "precision", "items_per_request",
                "input_tokens_per_item", "output_tokens", "decode_batch", "kv_bytes_per_token", "embedding_rows",
                "embedding_dim", "embedding_precision", "embedding_lookups_per_item", "embedding_cache_hit_rate",
                "mfu", "mbu")
OPTIONAL = MODEL_FIELDS + ("benchmark", "system", "training_tokens", "training_method", "mfu_train",
                           "utilization_target", "usable_memory_fraction", "assumption", "notes")
DEFAULT_UTILIZATION_TARGET = 0.7  # the schema's default rho_max (tco.scenario.Serving)


@dataclass
class Prediction:
    """One row of a measurement file with its prediction."""

    id: str
    benchmark: str
    mode: str
    metric: str
    accelerator: str
    accelerators: float
    published: float
    predicted: float
    mfu: float
    mbu: float
    regime: str
    reason: str
    source: str
    as_of: str

    @property
    def ratio(self) -> float:
        """predicted / published (NaN when the row could not be predicted)."""
        return self.predicted / self.published if math.isfinite(self.predicted) else float("nan")


def read_measurements(path: str | Path) -> list[dict]:
    """Rows of a measurement CSV, checked for the required columns and values.

    Raises :class:`tco.errors.MeasurementError` naming the row and column of every problem.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    except FileNotFoundError:
        raise MeasurementError([("file", f"no such file: {path}")], source=str(path)) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise MeasurementError([("file", f"cannot be read as CSV: {exc}")], source=str(path)) from None
    problems = []
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        problems.append(("columns", f"missing {', '.join(missing)}; required: {', '.join(REQUIRED)}"))
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        problems.append(("columns", f"unknown {', '.join(unknown)}; allowed: {', '.join(REQUIRED + OPTIONAL)}"))
    if problems:
        raise MeasurementError(problems, source=str(path))
    for i, row in enumerate(rows, start=2):  # line numbers as a spreadsheet shows them
        for column in REQUIRED:
            if not row.get(column):
                problems.append((f"line {i}.{column}", "is empty"))
        if row.get("mode") and row["mode"] not in MODES:
            problems.append((f"line {i}.mode", f"'{row['mode']}' is not one of {', '.join(MODES)}"))
        if row.get("metric") and row["metric"] not in METRICS:
            problems.append((f"line {i}.metric", f"'{row['metric']}' is not one of {', '.join(METRICS)}"))
        for column in ("published", "accelerators"):
            if row.get(column):
                try:
                    if float(row[column]) <= 0:
                        raise ValueError
                except ValueError:
                    problems.append((f"line {i}.{column}", f"'{row[column]}' is not a positive number"))
    if problems:
        raise MeasurementError(problems, source=str(path))
    return rows


def _model(row: dict):
    """The row's workload as a scenario model (validated by the scenario schema)."""
    from .scenario import Model

    fields = {k: row[k] for k in MODEL_FIELDS if row.get(k)}
    return Model.model_validate({"name": row["id"], **fields})


def predict_row(row: dict, catalog: Catalog) -> Prediction:
    """Predict one measurement row; a row that cannot be predicted gets NaN and the reason."""
    from pydantic import ValidationError

    from .sizing import model_memory, roofline_throughput

    base = dict(id=row["id"], benchmark=row.get("benchmark", ""), mode=row["mode"], metric=row["metric"],
                accelerator=row["accelerator"], accelerators=float(row["accelerators"]),
                published=float(row["published"]), source=row["source"], as_of=row["as_of"])

    def cannot(reason: str) -> Prediction:
        return Prediction(**base, predicted=float("nan"), mfu=float("nan"), mbu=float("nan"), regime="",
                          reason=reason)

    try:
        model = _model(row)
    except ValidationError as exc:
        first = exc.errors()[0]
        return cannot(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    try:
        acc = catalog.row("accelerators", row["accelerator"])
    except KeyError:
        return cannot(f"accelerator '{row['accelerator']}' is not in the catalog")
    n = base["accelerators"]

    if row["mode"] == "training":
        if row["metric"] != "accelerator_hours":
            return cannot("training rows are predicted as accelerator_hours")
        if not row.get("training_tokens"):
            return cannot("training_tokens is empty")
        method = row.get("training_method") or "full"
        if method not in performance.TRAINING_FLOPS_FACTOR:
            return cannot(f"training_method '{method}' is not one of {', '.join(performance.TRAINING_FLOPS_FACTOR)}")
        mfu = float(row.get("mfu_train") or catalog.row("efficiency", "training")["mfu"])
        peak = float(acc["bf16_tflops"])
        if not math.isfinite(peak):
            return cannot(f"{row['accelerator']} has no bf16 peak in the catalog")
        flops = performance.training_flops(model.parameters - model.embedding_parameters,
                                           float(row["training_tokens"]), performance.TRAINING_FLOPS_FACTOR[method])
        hours = performance.accelerator_hours(flops, peak * TERA, mfu)
        return Prediction(**base, predicted=float(hours), mfu=mfu, mbu=float("nan"), regime="compute", reason="")

    if row["metric"] == "accelerator_hours":
        return cannot("accelerator_hours is a training metric")
    if row["metric"] == "tokens_per_s" and model.output_tokens <= 0:
        return cannot("tokens_per_s needs output_tokens (generated tokens per sample)")
    eff = catalog.row("efficiency", model.kind)
    mfu, mbu = float(model.mfu or eff["mfu"]), float(model.mbu or eff["mbu"])
    weights, tables, kv_token, kv_cache = model_memory(model)
    memory_gb = (weights + tables + kv_cache) / BYTES_PER_GB
    usable = float(row.get("usable_memory_fraction") or 0.9)
    g = float(performance.replica_size(memory_gb, acc["memory_gb"], usable))
    if g > n:
        return cannot(f"needs {memory_gb:,.0f} GB, a replica of {g:g} x {row['accelerator']}, more than the "
                      f"{n:g} accelerators measured")
    mu = roofline_throughput(model, acc, mfu, mbu, g, kv_token)
    if not math.isfinite(mu):
        return cannot(f"{row['accelerator']} has no {model.precision} peak in the catalog")
    regime = _regime(model, acc, mfu, mbu, g, kv_token)
    value = mu * n
    if row["mode"] == "server":
        value *= float(row.get("utilization_target") or DEFAULT_UTILIZATION_TARGET)
    if row["metric"] == "tokens_per_s":
        value *= model.output_tokens
    return Prediction(**base, predicted=float(value), mfu=mfu, mbu=mbu, regime=regime, reason="")


def _regime(model, acc, mfu, mbu, g, kv_token) -> str:
    """Which roofline term binds: 'compute' or 'memory' (the larger share of the time per request)."""
    from .sizing import roofline_throughput

    compute_only = roofline_throughput(model, acc, mfu, 1e9, g, kv_token)  # memory made free
    total = roofline_throughput(model, acc, mfu, mbu, g, kv_token)
    return "compute" if np.isclose(compute_only, total, rtol=0.05) else "memory"


def check(path: str | Path, catalog: Catalog | None = None):
    """Predict every row of a measurement file: a DataFrame with predicted, published and ratio.

    >>> from tco.scenario import repo_path
    >>> table = check(repo_path("data/validation/llama2-training.csv"))
    >>> bool(table["ratio"].between(0.8, 1.25).all())
    True
    """
    import pandas as pd

    catalog = catalog or load_catalog()
    rows = [predict_row(r, catalog) for r in read_measurements(path)]
    frame = pd.DataFrame([{**vars(p), "ratio": p.ratio} for p in rows])
    order = ["id", "benchmark", "mode", "metric", "accelerator", "accelerators", "predicted", "published", "ratio",
             "regime", "mfu", "mbu", "reason", "source", "as_of"]
    return frame[order]


def to_text(frame) -> str:
    """A plain-text table of :func:`check`'s result."""
    lines = [f"{'id':34} {'metric':18} {'predicted':>14} {'published':>14} {'ratio':>7}  regime / why not"]
    for r in frame.itertuples():
        if math.isfinite(r.predicted):
            lines.append(f"{r.id[:34]:34} {r.metric:18} {r.predicted:14,.1f} {r.published:14,.1f} "
                         f"{r.ratio:7.3f}  {r.regime}")
        else:
            lines.append(f"{r.id[:34]:34} {r.metric:18} {'-':>14} {r.published:14,.1f} {'-':>7}  "
                         f"cannot predict: {r.reason}")
    return "\n".join(lines)
