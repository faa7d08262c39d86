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

from . import capacity, performance
from .catalog import Catalog, load_catalog
from .errors import MeasurementError
from .units import BYTES_PER_GB, MS_PER_SECOND, PEAK_COLUMN, TERA

MODES = ("training", "offline", "server")
METRICS = ("accelerator_hours", "samples_per_s", "tokens_per_s")
REQUIRED = ("id", "mode", "metric", "published", "accelerator", "accelerators", "kind", "source", "as_of")
#: Columns that are fields of a scenario model (tco.scenario.Model), passed through as they are.
MODEL_FIELDS = ("model", "kind", "parameters", "active_parameters", "embedding_parameters", "precision",
                "weight_precision", "kv_precision", "compute_precision", "items_per_request",
                "input_tokens_per_item", "output_tokens", "beam_width", "prefix_cache_hit_rate", "decode_batch",
                "kv_bytes_per_token", "embedding_rows", "embedding_dim", "embedding_precision",
                "embedding_lookups_per_item", "embedding_cache_hit_rate", "mfu", "mbu")
OPTIONAL = MODEL_FIELDS + ("benchmark", "system", "training_tokens", "training_method", "sequence_length",
                           "mfu_train", "tensor_parallel", "ttft_ms", "tpot_ms", "latency_bound_ms",
                           "utilization_target", "usable_memory_fraction", "assumption", "notes")
DEFAULT_UTILIZATION_TARGET = 0.7  # the schema's default rho_max (tco.scenario.Serving)
#: The measurements the catalog's efficiency factors are derived from (notebooks/40-validation.ipynb)
CALIBRATION_FILES = ("data/validation/llama2-training.csv", "data/validation/mlperf-inference-v4.0-h100.csv",
                     "data/validation/llama3-training.csv", "data/validation/mlperf-inference-v4.1-calibration.csv")
#: Held out: other accelerators, models, MLPerf rounds and training runs, predicted with those factors unchanged
HOLDOUT_FILES = ("data/validation/mlperf-inference-transfer.csv", "data/validation/mlperf-inference-v4.1-v5.0.csv",
                 "data/validation/training-published.csv")


@dataclass
class Prediction:
    """One row of a measurement file with its prediction."""

    id: str
    benchmark: str
    kind: str
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
    band_low: float
    band_high: float
    family: str = ""
    calibrated: bool = True  # False: predicted with the cross-family factors (no calibration row for the family)

    @property
    def ratio(self) -> float:
        """predicted / published (NaN when the row could not be predicted)."""
        return self.predicted / self.published if math.isfinite(self.predicted) else float("nan")

    @property
    def in_band(self) -> bool:
        """Whether the ratio lies inside the error band the workbook states for such estimates."""
        return bool(self.band_low <= self.ratio <= self.band_high)


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
        if not row.get("parameters") and not row.get("model"):
            problems.append((f"line {i}.parameters", "is empty: give parameters or a model id of "
                                                     "data/catalog/models.csv"))
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


def _model(row: dict, catalog: Catalog):
    """The row's workload as a scenario model (validated by the scenario schema, filled from the
    model catalog when the row names a ``model``)."""
    from .scenario import Model

    fields = {k: row[k] for k in MODEL_FIELDS if row.get(k)}
    return Model.model_validate({"name": row["id"], **fields}, context={"catalog": catalog})


@dataclass
class _Setup:
    """What a row's prediction needs once its workload and hardware are read: ``value(mfu, mbu)``."""

    base: dict
    mfu: float = float("nan")
    mbu: float = float("nan")
    value: object = None  # callable (mfu, mbu) -> predicted figure
    regime: str = ""
    band: tuple = (float("nan"), float("nan"))
    reason: str = ""
    calibrated: bool = True  # False: the hardware family has no calibration row of its own
    family: str = ""


def _setup(row: dict, catalog: Catalog) -> _Setup:
    """Read one measurement row: the catalog factors, and a function predicting it for any factors."""
    from pydantic import ValidationError

    from .sizing import (generative_point, model_memory, roofline_regime, roofline_throughput, training_compute,
                         training_efficiency)

    base = dict(id=row["id"], benchmark=row.get("benchmark", ""),
                kind="training" if row["mode"] == "training" else row["kind"], mode=row["mode"], metric=row["metric"],
                accelerator=row["accelerator"], accelerators=float(row["accelerators"]),
                published=float(row["published"]), source=row["source"], as_of=row["as_of"])
    try:
        model = _model(row, catalog)
    except ValidationError as exc:
        first = exc.errors()[0]
        return _Setup(base, reason=f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    try:
        acc = catalog.row("accelerators", row["accelerator"])
    except KeyError:
        return _Setup(base, reason=f"accelerator '{row['accelerator']}' is not in the catalog")
    n = base["accelerators"]
    family = acc["family"] or "unknown"

    if row["mode"] == "training":
        if row["metric"] != "accelerator_hours":
            return _Setup(base, reason="training rows are predicted as accelerator_hours")
        if not row.get("training_tokens"):
            return _Setup(base, reason="training_tokens is empty")
        method = row.get("training_method") or "full"
        if method not in performance.TRAINING_FLOPS_FACTOR:
            return _Setup(base, reason=f"training_method '{method}' is not one of "
                                       f"{', '.join(performance.TRAINING_FLOPS_FACTOR)}")
        precision = row.get("compute_precision") or ("bf16" if acc["bf16_tflops"] > 0 else "fp16")
        eff, calibrated = training_efficiency(catalog, precision, family)
        if eff is None:
            return _Setup(base, reason=f"no {precision} training calibration in efficiency.csv", family=family)
        peak = float(acc.get(PEAK_COLUMN.get(precision, ""), float("nan")))
        if not math.isfinite(peak):
            return _Setup(base, reason=f"{row['accelerator']} has no {precision} peak in the catalog")
        flops = training_compute(model, float(row["training_tokens"]), method,
                                 float(row["sequence_length"]) if row.get("sequence_length") else None)
        base["kind"] = eff["workload"]
        return _Setup(base, mfu=float(row.get("mfu_train") or eff["mfu"]), regime="compute",
                      value=lambda mfu, mbu: float(performance.accelerator_hours(flops, peak * TERA, mfu)),
                      band=(float(eff["band_low"]), float(eff["band_high"])), calibrated=calibrated, family=family)

    if row["metric"] == "accelerator_hours":
        return _Setup(base, reason="accelerator_hours is a training metric")
    if row["metric"] == "tokens_per_s" and model.output_tokens <= 0:
        return _Setup(base, reason="tokens_per_s needs output_tokens (generated tokens per sample)")
    eff, calibrated = catalog.efficiency_for(model.kind, family)
    usable = float(row.get("usable_memory_fraction") or 0.9)
    low, high = float(eff["band_low"]), float(eff["band_high"])
    mfu, mbu = float(model.mfu or eff["mfu"]), float(model.mbu or eff["mbu"])
    given = int(float(row["tensor_parallel"])) if row.get("tensor_parallel") else None
    per_sample = model.output_tokens if row["metric"] == "tokens_per_s" else 1.0
    done = dict(band=(low, high), calibrated=calibrated, family=family)

    if model.kind == "generative" and model.output_tokens > 0:
        largest = int(n)
        pt = generative_point(model, acc, mfu, mbu, usable_memory_fraction=usable, largest=largest,
                              replica_size=given)
        if pt is None or not math.isfinite(float(pt.rate)):
            if not math.isfinite(float(acc.get(PEAK_COLUMN[model.math_precision], float("nan")))):
                return _Setup(base, reason=f"{row['accelerator']} has no {model.math_precision} peak in the catalog")
            need = model_memory(model, 1)[0] / BYTES_PER_GB
            return _Setup(base, reason=f"needs {need:,.0f} GB of weights: no replica of at most {n:g} x "
                                       f"{row['accelerator']} holds them")
        g = pt.replica_size
        replicas = math.floor(n / g)
        if row["mode"] == "server":
            tpot = float(row["tpot_ms"]) / MS_PER_SECOND if row.get("tpot_ms") else None
            ttft = float(row["ttft_ms"]) / MS_PER_SECOND if row.get("ttft_ms") else None
            percentile = 0.99  # MLPerf's LLM server bounds are on the 99th percentile of TTFT and TPOT

            def value(mfu, mbu):
                p = generative_point(model, acc, mfu, mbu, usable_memory_fraction=usable, replica_size=g,
                                     tpot_slo_s=tpot)
                if float(p.batch) < 1:
                    return 0.0
                service = float(p.batch) / float(p.rate)
                if ttft is None:
                    return float(p.rate) * replicas * per_sample
                wait = max(ttft - float(p.ttft_s), 0.0)
                # the wait to the first token, at two queues: for one of the batch slots, and for the
                # replica's prefill, one request at a time (the bottleneck with long prompts)
                lam = min(capacity.max_arrival_rate(replicas, float(p.batch), service, wait, percentile),
                          capacity.max_arrival_rate(replicas, 1.0, float(p.prefill_s), wait, percentile))
                return float(lam) * per_sample
        else:
            def value(mfu, mbu):
                p = generative_point(model, acc, mfu, mbu, usable_memory_fraction=usable, replica_size=g)
                return float(p.rate) * replicas * per_sample
        regime = pt.regime
        return _Setup(base, mfu=mfu, mbu=mbu, value=value, regime=regime, **done)

    weights, tables, _, kv_cache = model_memory(model)
    memory_gb = (weights + tables + kv_cache) / BYTES_PER_GB
    g = float(given or performance.replica_size(memory_gb, acc["memory_gb"], usable))
    if g > n:
        return _Setup(base, reason=f"needs {memory_gb:,.0f} GB, a replica of {g:g} x {row['accelerator']}, more "
                                   f"than the {n:g} accelerators measured")
    scale = n * per_sample
    if row["mode"] == "server":
        rho = float(row.get("utilization_target") or DEFAULT_UTILIZATION_TARGET)
        scale *= rho
        low *= rho  # a server figure may sit anywhere between the planning ceiling and the offline capacity
        done["band"] = (low, high)

    def value(mfu, mbu):
        return roofline_throughput(model, acc, mfu, mbu, g) * scale

    if not math.isfinite(value(mfu, mbu)):
        return _Setup(base, reason=f"{row['accelerator']} has no {model.math_precision} peak in the catalog")
    regime = roofline_regime(model, acc, mfu, mbu, g)
    return _Setup(base, mfu=mfu, mbu=mbu, value=value, regime=regime, **done)


def predict_row(row: dict, catalog: Catalog) -> Prediction:
    """Predict one measurement row; a row that cannot be predicted gets NaN and the reason."""
    st = _setup(row, catalog)
    if st.value is None:
        return Prediction(**st.base, predicted=float("nan"), mfu=float("nan"), mbu=float("nan"), regime="",
                          reason=st.reason, band_low=float("nan"), band_high=float("nan"), family=st.family)
    return Prediction(**st.base, predicted=float(st.value(st.mfu, st.mbu)), mfu=st.mfu, mbu=st.mbu,
                      regime=st.regime, reason="", band_low=st.band[0], band_high=st.band[1], family=st.family,
                      calibrated=st.calibrated)


def implied_factors(row: dict, catalog: Catalog) -> dict:
    """The efficiency factors at which the roofline reproduces a row's published figure exactly.

    ``mfu``: the compute efficiency that matches, holding the catalog's ``mbu`` (NaN when no
    ``mfu`` <= 1 reaches the figure: then memory binds). ``mbu_min``: the smallest bandwidth
    efficiency consistent with the figure, the one at which memory traffic alone (compute made
    free) takes exactly the measured time; a lower ``mbu`` could not have produced it (NaN when the
    row moves no bytes the roofline counts). Server rows are skipped: they measure an operating
    point, not a capacity.

    >>> from tco.scenario import repo_path
    >>> rows = read_measurements(repo_path("data/validation/llama2-training.csv"))
    >>> round(implied_factors(rows[0], load_catalog())["mfu"], 3)  # 0.40 x 176,522.4 / 184,320
    0.383
    """
    from scipy.optimize import brentq

    from .sizing import FREE

    st = _setup(row, catalog)
    out = {"id": row["id"], "mode": row["mode"], "kind": st.base["kind"], "family": st.family, "mfu": float("nan"),
           "mbu_min": float("nan")}
    if st.value is None or row["mode"] == "server":
        return out
    target = st.base["published"]
    if row["mode"] == "training":  # hours fall as mfu rises
        out["mfu"] = brentq(lambda m: st.value(m, st.mbu) - target, 1e-4, 10.0, xtol=1e-12)
        return out
    if st.value(1.0, st.mbu) >= target:
        out["mfu"] = brentq(lambda m: st.value(m, st.mbu) - target, 1e-6, 1.0, xtol=1e-12)
    if st.value(FREE, 1.0) >= target and st.value(FREE, 1e-6) < target:
        out["mbu_min"] = brentq(lambda b: st.value(FREE, b) - target, 1e-6, 1.0, xtol=1e-12)
    return out


def calibration(paths=CALIBRATION_FILES, catalog: Catalog | None = None):
    """Implied factors of every offline and training row of the measurement files (a DataFrame)."""
    import pandas as pd

    from .scenario import repo_path

    catalog = catalog or load_catalog()
    rows = [r for path in paths for r in read_measurements(repo_path(path))]
    return pd.DataFrame([implied_factors(r, catalog) for r in rows if r["mode"] != "server"])


def derived_defaults(calibrated, decimals: int = 2):
    """Per workload class and hardware family: the geometric mean of the implied ``mfu`` (rounded),
    its spread and rows.

    The geometric mean because the factor divides a time: it is the value whose ratios predicted /
    published are balanced around 1 on a log scale. ``mbu_at_least`` is the largest lower bound on
    ``mbu`` any row of the class implies.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"kind": ["training"] * 3, "family": ["Ampere"] * 3, "mfu": [0.383, 0.372, 0.427],
    ...                       "mbu_min": [float("nan")] * 3})
    >>> derived_defaults(frame)[["kind", "family", "rows", "mfu_low", "mfu_high", "mfu"]].to_dict("records")
    [{'kind': 'training', 'family': 'Ampere', 'rows': 3, 'mfu_low': 0.372, 'mfu_high': 0.427, 'mfu': 0.39}]
    """
    import pandas as pd

    out = []
    for (kind, family), group in calibrated.groupby(["kind", "family"], sort=False):
        mfu, mbu = group["mfu"].dropna(), group["mbu_min"].dropna()
        out.append({"kind": kind, "family": family, "rows": int(len(mfu)),
                    "mfu_geomean": float(np.exp(np.log(mfu).mean())) if len(mfu) else float("nan"),
                    "mfu_low": float(mfu.min()) if len(mfu) else float("nan"),
                    "mfu_high": float(mfu.max()) if len(mfu) else float("nan"),
                    "mbu_at_least": float(mbu.max()) if len(mbu) else float("nan")})
    frame = pd.DataFrame(out)
    frame["mfu"] = frame["mfu_geomean"].round(decimals)
    return frame


def derived_bands(checked, step: float = 0.05, target: tuple = (0.8, 1.25), fallback: tuple = (0.6, 1.6)):
    """The error band to state per workload class and hardware family: the range of predicted /
    published over the offline and training rows, rounded outward to ``step`` and never narrower
    than ``target`` (a handful of rows cannot support a narrower claim).

    Rows of families without a calibration row of their own (``calibrated`` False) were predicted
    with the cross-family factors: together they give the band of the ``any`` row, never narrower
    than ``fallback``.

    ``checked`` is :func:`check`'s table (``kind`` is ``training`` for training rows).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"kind": ["generative"] * 3, "family": ["Hopper", "Hopper", "CDNA3"],
    ...                       "calibrated": [True, True, False], "mode": ["offline"] * 3,
    ...                       "ratio": [0.727, 1.008, 1.7]})
    >>> [(r["family"], r["band_low"], r["band_high"]) for r in derived_bands(frame).to_dict("records")]
    [('Hopper', 0.7, 1.25), ('any', 0.6, 1.7)]
    """
    import pandas as pd

    out = []
    rows = checked[checked["mode"] != "server"].dropna(subset=["ratio"]).copy()
    if "family" not in rows:
        rows["family"], rows["calibrated"] = "any", False
    rows["band_family"] = np.where(rows["calibrated"].astype(bool), rows["family"], "any")
    for (kind, family), group in rows.groupby(["kind", "band_family"], sort=False):
        low, high = float(group["ratio"].min()), float(group["ratio"].max())
        floor, ceiling = target if family != "any" else fallback
        out.append({"kind": kind, "family": family, "rows": int(len(group)), "ratio_low": low, "ratio_high": high,
                    "band_low": round(min(floor, math.floor(low / step + 1e-9) * step), 2),
                    "band_high": round(max(ceiling, math.ceil(high / step - 1e-9) * step), 2)})
    return pd.DataFrame(out)


def accuracy(checked, by=("kind", "family"), target: tuple = (0.8, 1.25)):
    """How close the predictions are, per group of :func:`check_all`'s rows: the rows, the median
    absolute log error (as a factor: 1.10 means typically 10% off either way), the worst ratios and
    the share inside ``target``. A final row ``all`` covers every row.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"kind": ["encoder"] * 4, "family": ["Hopper"] * 4, "ratio": [1.0, 1.1, 0.9, 1.5]})
    >>> accuracy(frame).iloc[0][["rows", "median_error", "inside_target"]].to_dict()
    {'rows': 4, 'median_error': 1.106, 'inside_target': 0.75}
    """
    import pandas as pd

    rows = checked.dropna(subset=["ratio"])

    def summary(group) -> dict:
        error = np.abs(np.log(group["ratio"].to_numpy(dtype=float)))
        return {"rows": int(len(group)), "median_error": round(float(np.exp(np.median(error))), 3),
                "ratio_low": round(float(group["ratio"].min()), 3), "ratio_high": round(float(group["ratio"].max()), 3),
                "inside_target": round(float(group["ratio"].between(*target).mean()), 3)}

    out = [{**dict(zip(by, key if isinstance(key, tuple) else (key,))), **summary(group)}
           for key, group in rows.groupby(list(by), sort=False)]
    out.append({**{b: "all" for b in by}, **summary(rows)})
    return pd.DataFrame(out)


def refit_ceiling(checked, by=("kind", "family"), target: tuple = (0.8, 1.25)):
    r"""The best share inside ``target`` that one efficiency factor per group could reach: each
    group's ratios divided by their own geometric mean, fitted on every row of the group, held-out
    rows included (an in-sample, optimistic bound, not a forecast).

    Predicted throughput is proportional to the efficiency factor (MFU or MBU) once the regime is
    fixed, so refitting one factor per group multiplies that group's ratios by one constant; the
    geometric mean is the constant that centres them in log space. What stays outside ``target``
    after it is scatter that no factor per group can remove. Returns one row per kind (and
    ``all``): the groups (factors fitted), the rows and the share inside ``target``.

    Notes
    -----
    .. math:: r'_i = r_i \,/\, \exp\Big(\tfrac{1}{n_g}\sum_{j \in g} \ln r_j\Big)

    References
    ----------
    The least-squares fit of one multiplicative factor in log space, as used to report
    calibration-free accuracy bands (e.g. Tofallis, C. (2015), "A better measure of relative
    prediction accuracy for model selection and model estimation", J. Oper. Res. Soc. 66, 1352-1362, doi:10.1057/jors.2014.103).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"kind": ["generative"] * 4, "family": ["Hopper"] * 4,
    ...                       "round": ["v4.0", "v4.0", "v5.0", "v5.0"], "ratio": [1.0, 1.0, 0.6, 0.6]})
    >>> refit_ceiling(frame).iloc[0][["groups", "rows", "inside_target"]].to_dict()
    {'groups': 1, 'rows': 4, 'inside_target': 0.0}
    >>> float(refit_ceiling(frame, by=("kind", "family", "round")).iloc[0]["inside_target"])
    1.0
    """
    import pandas as pd

    rows = checked.dropna(subset=["ratio"]).copy()
    log_ratio = np.log(rows["ratio"].to_numpy(dtype=float))
    rows["refit"] = np.exp(log_ratio - rows.assign(_l=log_ratio).groupby(list(by))["_l"].transform("mean").to_numpy())
    out = []
    for kind, group in [*rows.groupby("kind", sort=False), ("all", rows)]:
        out.append({"kind": kind, "groups": int(group.groupby(list(by)).ngroups), "rows": int(len(group)),
                    "inside_target": round(float(group["refit"].between(*target).mean()), 3)})
    return pd.DataFrame(out)


#: The ever finer groupings of :func:`ceiling_table`: class and family, then also the MLPerf round,
#: dense or mixture-of-experts, and offline or server.
CEILING_GROUPINGS = (("kind", "family"), ("kind", "family", "round"), ("kind", "family", "round", "moe"),
                     ("kind", "family", "round", "moe", "mode"))


def ceiling_table(checked, catalog: Catalog | None = None, target: tuple = (0.8, 1.25)):
    """:func:`refit_ceiling` per class for each grouping of :data:`CEILING_GROUPINGS`, beside the
    share inside ``target`` today: how far recalibration alone could go, and with how many factors.

    The MLPerf round is read from the row id (``-v4.1``) or else its file name; ``moe`` is whether
    the row's model in the model catalog has experts, or the row gives fewer active than total
    parameters.
    """
    catalog = catalog or load_catalog()
    rows = checked.copy()
    rows["round"] = rows["id"].str.extract(r"-(v\d\.\d)$")[0].fillna(
        rows["file"].str.extract(r"(v\d\.\d)")[0]).fillna("-")
    models = catalog.models.set_index("model")["experts"] if "model" in catalog.models else None
    moe = {}
    for row_id in rows["id"]:
        row = measurement(row_id)
        name, total, active = row.get("model"), row.get("parameters"), row.get("active_parameters")
        by_catalog = bool(name) and models is not None and name in models.index and float(models[name]) > 0
        moe[row_id] = by_catalog or bool(total and active and float(active) < float(total))
    rows["moe"] = rows["id"].map(moe)
    table = None
    for by in CEILING_GROUPINGS:
        result = refit_ceiling(rows, by=by, target=target).set_index("kind")
        label = " x ".join(by[1:])
        column = result[["inside_target"]].rename(columns={"inside_target": f"per {label}"})
        column[f"factors ({label})"] = result["groups"]
        table = column if table is None else table.join(column)
    table.insert(0, "rows", refit_ceiling(rows, target=target).set_index("kind")["rows"])
    table.insert(1, "today", accuracy(rows, by=("kind",), target=target).set_index("kind")["inside_target"])
    return table


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
    frame = pd.DataFrame([{**vars(p), "ratio": p.ratio, "in_band": p.in_band} for p in rows])
    order = ["id", "benchmark", "kind", "mode", "metric", "accelerator", "family", "calibrated", "accelerators",
             "predicted", "published", "ratio", "band_low", "band_high", "in_band", "regime", "mfu", "mbu", "reason",
             "source", "as_of"]
    return frame[order]


def check_all(catalog: Catalog | None = None):
    """:func:`check` of the calibration files and of the held-out files, with a ``set`` column."""
    import pandas as pd

    from .scenario import repo_path

    catalog = catalog or load_catalog()
    frames = [check(repo_path(p), catalog).assign(set=name, file=Path(p).name)
              for name, files in (("calibration", CALIBRATION_FILES), ("held out", HOLDOUT_FILES)) for p in files]
    return pd.concat(frames, ignore_index=True)


def measurement(row_id: str, files=CALIBRATION_FILES + HOLDOUT_FILES) -> dict:
    """The row of the public measurement files with this id (KeyError naming the ids if none)."""
    from .scenario import repo_path

    rows = {r["id"]: r for path in files for r in read_measurements(repo_path(path))}
    if row_id not in rows:
        raise KeyError(f"no measurement '{row_id}'; ids: {', '.join(rows)}")
    return rows[row_id]


def vary(row_id: str, column: str, values, catalog: Catalog | None = None):
    """Predict one measurement again with one of its inputs set to each of ``values`` (a DataFrame).

    For the sensitivity of a prediction to an assumption (an input length nobody published, a
    batch size) or a what-if (another embedding precision, a cache hit rate).

    >>> table = vary("llama2-7b-pretraining", "training_tokens", [1e12, 2e12])
    >>> [round(r, 3) for r in table["ratio"]]  # hours scale with the tokens
    [0.491, 0.982]
    """
    import pandas as pd

    catalog = catalog or load_catalog()
    row = measurement(row_id)
    out = []
    for value in values:
        p = predict_row({**row, column: str(value)}, catalog)
        out.append({column: value, "predicted": p.predicted, "published": p.published, "ratio": p.ratio,
                    "regime": p.regime, "why not": p.reason})
    return pd.DataFrame(out)


def to_text(frame, width: int = 160) -> str:
    """A plain-text table of :func:`check`'s result, at most ``width`` display cells a line: long
    ids and reasons wrap onto continuation lines, never cut (:func:`tco.text.table`)."""
    from .text import table

    rows = []
    for r in frame.itertuples():
        if math.isfinite(r.predicted):
            band = f"{'in' if r.in_band else 'OUTSIDE'} x{r.band_low:.2g}-x{r.band_high:.3g}"
            rows.append((r.id, r.metric, f"{r.predicted:,.1f}", f"{r.published:,.1f}", f"{r.ratio:.3f}", band,
                         r.regime))
        else:
            rows.append((r.id, r.metric, "-", f"{r.published:,.1f}", "-", "", f"cannot predict: {r.reason}"))
    return table(rows, ["id", "metric", "predicted", "published", "ratio", "stated band", "regime / why not"],
                 align="<<>>><<", max_width=width)
