"""Sweeps: the cost of a scenario over a grid of its inputs, in one vectorised pass where it can.

``python -m tco sweep SCENARIO --vary traffic.requests_per_day=1e6:1e8:25 --vary
models[0].serving.instance=g6.xlarge,g6e.xlarge --out DIR`` costs every point of the grid and
writes a tidy table (``sweep.csv``, ``sweep.xlsx``) and a chart of the daily cost against each
numeric input (``sweep-<input>.png``).

- A numeric axis is ``path=low:high:count`` (evenly spaced) or ``path=low:high:count:log``
  (geometrically spaced); a list axis is ``path=a,b,c`` (names or numbers).
- List axes are edits of the scenario, each validated like a file (:func:`tco.variants.edit`).
  The numeric axes of one list combination are costed together: their grid becomes arrays that
  flow through the same vectorised engine as Monte Carlo samples
  (:func:`tco.uncertainty.costs`), after both ends of every numeric axis were validated.
- When a self-hosted model names an ``api_alternative``, the grid is also costed with those models
  on the hosted API, and the chart marks where the two lines cross: the traffic (or any other
  input) at which self-hosting starts to pay.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import numpy as np

from . import variants
from .catalog import Catalog, load_catalog
from .dimensions import DIMENSIONS, LABELS
from .edits import set_path
from .errors import ScenarioError
from .files import csv_text, write_atomic
from .scenario import Scenario

#: Most points a sweep costs (the product of every axis' count): bounds memory and time.
MAX_POINTS = 200_000
AS_WRITTEN = "as written"
_NUMERIC = re.compile(r"\s*([^:]+):([^:]+):(\d+)(?::(log))?\s*")  # fullmatch


@dataclass(frozen=True)
class Axis:
    """One varied input: its field path and its values (numbers for a numeric axis, else a list)."""

    path: str
    values: tuple
    numeric: bool


def _problem(text: str, message: str) -> ScenarioError:
    return ScenarioError([("--vary", f"'{text}': {message}. Write path=low:high:count (numbers, evenly spaced), "
                                     f"path=low:high:count:log (geometrically spaced) or path=a,b,c (a list), "
                                     f"e.g. traffic.requests_per_day=1e6:1e8:25")])


def parse_axis(text: str) -> Axis:
    """Read one ``--vary`` argument.

    >>> parse_axis("traffic.requests_per_day=1e6:1e8:3:log").values
    (1000000.0, 10000000.0, 100000000.0)
    >>> parse_axis("models[0].serving.instance=g6.xlarge,g6e.xlarge")
    Axis(path='models[0].serving.instance', values=('g6.xlarge', 'g6e.xlarge'), numeric=False)
    """
    path, sep, spec = text.partition("=")
    path = path.strip()
    if not sep or not path or not spec.strip():
        raise _problem(text, "expected a field path, '=' and the values")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*", path):
        raise _problem(text, f"'{path}' is not a field path (names joined by '.', list entries as [0])")
    match = _NUMERIC.fullmatch(spec)
    if match:
        try:
            low, high = float(match.group(1)), float(match.group(2))
        except ValueError:
            raise _problem(text, "low and high must be numbers") from None
        count = int(match.group(3))
        if not (math.isfinite(low) and math.isfinite(high)) or count < 1 or count > MAX_POINTS:
            raise _problem(text, f"low and high must be finite and count between 1 and {MAX_POINTS:,}")
        if match.group(4):
            if low <= 0 or high <= 0:
                raise _problem(text, "a log axis needs low and high above 0")
            values = np.geomspace(low, high, count)
        else:
            values = np.linspace(low, high, count)
        return Axis(path, tuple(float(v) for v in values), True)
    if ":" in spec:
        raise _problem(text, "a numeric axis needs three parts, low:high:count (and optionally :log), "
                             "with a whole count")
    items = [v.strip() for v in spec.split(",")]
    if any(not v for v in items):
        raise _problem(text, "a list needs values between its commas")
    return Axis(path, tuple(_scalar(v) for v in items), False)


def _scalar(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def _with(scenario: Scenario, values: dict, catalog: Catalog) -> Scenario:
    """The scenario with ``values`` (path -> value) set, validated like a file."""
    def change(d, s):
        for p, x in values.items():
            set_path(d, p, x)
        return "set"
    v = variants.edit(scenario, change, catalog=catalog)
    if v.scenario is None:
        shown = ", ".join(f"{p}={x:g}" if isinstance(x, float) else f"{p}={x}" for p, x in values.items())
        raise ScenarioError([("--vary", f"with {shown} the scenario is {v.note}")])
    return v.scenario


def _api_option(scenario: Scenario, catalog: Catalog) -> tuple[str, Scenario] | None:
    """Every self-hosted model that names an API alternative moved to it, or None."""
    v = variants.edit(scenario, variants.to_hosted_apis, catalog=catalog)
    return None if v is None or v.scenario is None else (v.label, v.scenario)


def sweep(scenario: Scenario, axes: list[Axis], catalog: Catalog | None = None, api: bool = True):
    """The daily cost (total, per dimension, per 1,000 requests) at every point of the grid.

    Returns a tidy DataFrame: one row per point and option, a column per axis, ``option`` ('as
    written', or the hosted-API variant when ``api`` and a model names an alternative), and
    ``feasible`` (False where no fleet meets the latency objectives; its costs are then NaN).

    >>> from tco import load_scenario
    >>> from tco.scenario import repo_path
    >>> s = load_scenario(repo_path("data/scenarios/llm-query-rewrite.yaml"))
    >>> table = sweep(s, [parse_axis("traffic.requests_per_day=1e5:1e7:3:log")])
    >>> table.groupby("option").size().to_dict()
    {'as written': 3, 'hosted API: rewrite-llm-8b -> qwen-plus': 3}
    >>> bool(table[table.option == "as written"].per_day.is_monotonic_increasing)
    True
    """
    import pandas as pd

    from .uncertainty import costs

    catalog = catalog or load_catalog()
    paths = [a.path for a in axes]
    if len(set(paths)) != len(paths):
        raise ScenarioError([("--vary", "each field can be varied once; "
                                        f"{', '.join(sorted({p for p in paths if paths.count(p) > 1}))} repeats")])
    total = math.prod(len(a.values) for a in axes)
    if total > MAX_POINTS:
        raise ScenarioError([("--vary", f"the grid has {total:,} points, more than {MAX_POINTS:,}: use fewer values")])
    lists = [a for a in axes if not a.numeric]
    numbers = [a for a in axes if a.numeric]
    grid = list(itertools.product(*[a.values for a in numbers])) if numbers else [()]
    columns = {a.path: np.array([g[j] for g in grid], dtype=float) for j, a in enumerate(numbers)}
    frames = []
    for combo in itertools.product(*[a.values for a in lists]) if lists else [()]:
        fixed = dict(zip([a.path for a in lists], combo))
        base = _with(scenario, fixed, catalog) if fixed else scenario
        for a in numbers:  # both ends of every numeric axis must make a valid scenario
            for end in (min(a.values), max(a.values)):
                _with(base, {a.path: end}, catalog)
        options = [(AS_WRITTEN, base)]
        other = _api_option(base, catalog) if api else None
        if other is not None:
            options.append(other)
        for label, sc in options:
            c = costs(sc, columns, catalog) if columns else costs(sc, {}, catalog)
            n = len(grid)
            frame = pd.DataFrame({**{p: [v] * n for p, v in fixed.items()},
                                  **{p: v for p, v in columns.items()}, "option": label})
            frame["per_day"] = np.broadcast_to(c.per_day, (n,))
            frame["per_1k_requests"] = np.broadcast_to(c.per_1k_requests, (n,))
            for d in DIMENSIONS:
                frame[d] = np.broadcast_to(c.by_dimension[d], (n,))
            frame["feasible"] = np.isfinite(frame["per_day"].to_numpy())
            frame["unpriced"] = "; ".join(c.unpriced)
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out[[*[a.path for a in axes], "option", "per_day", "per_1k_requests", *DIMENSIONS, "feasible", "unpriced"]]


def crossovers(table, axis: str) -> list[dict]:
    """Where the hosted-API option and the scenario as written cost the same along ``axis``
    (linear interpolation between neighbouring grid points; geometric where the axis spans a
    factor of 100 or more), per combination of the other axes.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"q": [1.0, 2.0, 3.0] * 2, "option": ["as written"] * 3 + ["hosted API: m"] * 3,
    ...                   "per_day": [10.0, 12.0, 14.0, 4.0, 10.0, 16.0]})
    >>> crossovers(t, "q")
    [{'q': 2.5, 'cheaper below': 'hosted API: m', 'cheaper above': 'as written', 'per_day': 13.0}]
    """
    others = [c for c in table.columns if c not in (axis, "option") and c not in _RESULT_COLUMNS]
    out = []
    groups = table.groupby(others, sort=False) if others else [((), table)]
    for key, group in groups:
        mine = group[group.option == AS_WRITTEN].sort_values(axis)
        for label in group.option.unique():
            if label == AS_WRITTEN:
                continue
            api = group[group.option == label].sort_values(axis)
            x = mine[axis].to_numpy(dtype=float)
            diff = api.per_day.to_numpy(dtype=float) - mine.per_day.to_numpy(dtype=float)
            log = x.min() > 0 and x.max() / x.min() >= 100
            for i in range(len(x) - 1):
                a, b = diff[i], diff[i + 1]
                if not (np.isfinite(a) and np.isfinite(b)) or a == 0 or np.sign(a) == np.sign(b):
                    continue
                t = a / (a - b)
                at = math.exp(math.log(x[i]) + t * (math.log(x[i + 1]) - math.log(x[i]))) if log \
                    else x[i] + t * (x[i + 1] - x[i])
                cost = float(np.interp(at, x, mine.per_day.to_numpy(dtype=float)))
                row = dict(zip(others, key if isinstance(key, tuple) else (key,)))
                row.update({axis: float(at), "cheaper below": label if a < 0 else AS_WRITTEN,
                            "cheaper above": AS_WRITTEN if a < 0 else label, "per_day": cost})
                out.append(row)
    return out


_RESULT_COLUMNS = ("per_day", "per_1k_requests", *DIMENSIONS, "feasible", "unpriced")


def chart(table, axis: str, currency: str, title: str):
    """The daily cost against ``axis``: a line per option and list value, crossovers marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = matplotlib.colormaps["tab10"].colors
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    others = [c for c in table.columns if c not in (axis, "option") and c not in _RESULT_COLUMNS]
    lines = table.groupby([*others, "option"], sort=False) if others else table.groupby("option", sort=False)
    for i, (key, group) in enumerate(lines):
        group = group.sort_values(axis)
        label = " · ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
        style = "--" if (key[-1] if isinstance(key, tuple) else key) != AS_WRITTEN else "-"
        ax.plot(group[axis], group.per_day, style, color=colours[i % len(colours)], label=label, linewidth=1.8)
    x = table[axis].to_numpy(dtype=float)
    log = x.min() > 0 and x.max() / x.min() >= 100
    span = (math.log(x.max()) - math.log(x.min())) if log else (x.max() - x.min())
    zones: list[list[dict]] = []  # crossings close together (a near tie, stepping replicas) marked once
    for cross in sorted(crossovers(table, axis), key=lambda c: c[axis]):
        gap = (math.log(cross[axis]) - math.log(zones[-1][-1][axis])) if log and zones else \
            (cross[axis] - zones[-1][-1][axis]) if zones else float("inf")
        if zones and gap <= 0.05 * span:
            zones[-1].append(cross)
        else:
            zones.append([cross])
    for zone in zones:
        low, high = zone[0][axis], zone[-1][axis]
        if high > low:
            ax.axvspan(low, high, color="grey", alpha=0.15, linewidth=0)
        else:
            ax.axvline(low, color="grey", linewidth=0.8, linestyle=":")
        text = f"break-even {low:,.3g}" if high == low else f"break-even {low:,.3g}-{high:,.3g}"
        ax.annotate(text, (low, zone[0]["per_day"]), textcoords="offset points", xytext=(-6, 8), fontsize=8,
                    ha="right")
    if log:
        ax.set_xscale("log")
    positive = table.per_day.to_numpy(dtype=float)
    positive = positive[np.isfinite(positive) & (positive > 0)]
    if len(positive) and positive.max() / positive.min() >= 100:
        ax.set_yscale("log")
    ax.set_xlabel(axis)
    ax.set_ylabel(f"cost per day [{currency}]")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def file_stem(path: str) -> str:
    """A file-name-safe form of a field path.

    >>> file_stem("models[0].serving.instance")
    'models-0-serving-instance'
    """
    return re.sub(r"[^A-Za-z0-9_]+", "-", path).strip("-")[:80] or "axis"


def sweep_workbook(table, currency: str) -> bytes:
    """``sweep.xlsx``: the table formatted by :func:`tco.workbook.add_sheet` (the dimension
    columns are costs per day in ``currency``)."""
    from .workbook import add_sheet, new_workbook, to_bytes

    wb = new_workbook()
    add_sheet(wb, "Sweep", table, currency=currency, kinds={d: "money" for d in DIMENSIONS},
              headers={d: f"{LABELS[d]}, per day ({currency})" for d in DIMENSIONS})
    return to_bytes(wb)


def write(table, scenario: Scenario, out) -> list:
    """Write ``sweep.csv``, ``sweep.xlsx`` and a chart per numeric axis into folder ``out``;
    each file appears whole or not at all. Returns the paths written."""
    import io
    from pathlib import Path

    out = Path(out)
    written = []
    write_atomic(out / "sweep.csv", csv_text(table))
    written.append(out / "sweep.csv")
    write_atomic(out / "sweep.xlsx", sweep_workbook(table, scenario.currency))
    written.append(out / "sweep.xlsx")
    numeric = [c for c in table.columns if c not in ("option", *_RESULT_COLUMNS)
               and np.issubdtype(table[c].dtype, np.number) and table[c].nunique() > 1]
    import matplotlib.pyplot as plt

    for axis in numeric:
        others = [c for c in numeric if c != axis]
        view = table
        for c in others:  # the other numeric axes at their middle value
            values = np.sort(view[c].unique())
            view = view[view[c] == values[len(values) // 2]]
        shown = ", ".join(f"{c} = {view[c].iloc[0]:,.4g}" for c in others)
        fig = chart(view.drop(columns=others), axis, scenario.currency,
                    f"{scenario.title}" + (f" ({shown})" if shown else ""))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        plt.close(fig)
        path = out / f"sweep-{file_stem(axis)}.png"
        write_atomic(path, buf.getvalue())
        written.append(path)
    return written
