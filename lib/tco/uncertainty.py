"""Uncertainty and sensitivity: ranges in, cost distributions and the inputs that drive them out.

A scenario's inputs written as ranges (:mod:`tco.ranges`) are sampled together, and all samples
are costed in one pass: the inputs become arrays of ``n`` values and flow through the same
vectorised engine (:func:`tco.engine.cost`) as a single scenario, so every line item comes out as
``n`` samples. No Python loop runs over the samples.

- :func:`monte_carlo`: Latin hypercube samples (seeded, reproducible), P5 / P50 / P95 of the total,
  each dimension and the cost per 1,000 requests.
- :func:`tornado`: one input at a time at the low and the high end of its range, the others at
  their point values.
- :func:`sobol`: Sobol first-order and total indices of the daily total (SALib, Saltelli sampling):
  the share of the total's variance each input explains alone and with its interactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import business, footprint
from .catalog import Catalog, load_catalog
from .context import Context
from .dimensions import DIMENSIONS
from .labels import path_label
from .units import DAYS_PER_MONTH, DAYS_PER_YEAR

DEFAULT_SAMPLES = 10_000
DEFAULT_SEED = 2026
CHUNK = 50_000  # samples costed in one pass: about 0.4 GB of temporaries at most (search-cascade)
SOBOL_BASE_SAMPLES = 1024  # Saltelli base sample N (a power of 2); N x (inputs + 2) costings
PERCENTILES = (5, 50, 95)
#: Business figures given percentiles when the scenario has a business case (tco.business), by key.
BUSINESS_ROWS = {"net_value_per_day": "net value per day", "break_even_uplift": "break-even uplift"}
#: Energy and carbon figures given percentiles (tco.footprint), by key; left out when not estimated.
ENERGY_ROWS = {"kwh_per_day": "energy kWh per day", "tco2e_per_day": "tCO2e per day"}


# --- placing arrays of samples in a scenario ---------------------------------------------------
def _tokens(path: str) -> list:
    from .ranges import _tokens as tokens

    return tokens(path)


def _set(obj, tokens: list, value):
    """A copy of ``obj`` (a pydantic model or a list) with ``value`` at ``tokens``, copied along the path."""
    head, rest = tokens[0], tokens[1:]
    if isinstance(head, int):
        out = list(obj)
        out[head] = _set(obj[head], rest, value) if rest else value
        return out
    child = getattr(obj, head)
    return obj.model_copy(update={head: _set(child, rest, value) if rest else value})


def with_values(scenario, values: dict[str, np.ndarray]):
    """The scenario with the inputs at the given field paths replaced by arrays of samples.

    The copy is not validated again (the ends of every range were, when the file was read), so
    it may hold arrays where the schema holds numbers; :func:`tco.engine.cost` broadcasts them.
    """
    out = scenario
    for path, value in values.items():
        out = _set(out, _tokens(path), value)
    return out


@dataclass
class Costs:
    """Costs of ``n`` samples: the daily total, each dimension and the cost per 1,000 requests.

    A sample that cannot be served as specified (a latency objective no fleet meets with the
    sampled inputs) is not feasible: its costs are NaN and ``infeasible`` says why.
    """

    n: int
    per_day: np.ndarray
    by_dimension: dict[str, np.ndarray]
    per_1k_requests: np.ndarray
    unpriced: list[str] = field(default_factory=list)
    infeasible: list[str] = field(default_factory=list)
    #: energy and carbon of every sample (:data:`ENERGY_ROWS` keys to arrays of ``n``)
    energy: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def feasible(self) -> np.ndarray:
        return np.isfinite(self.per_day)


def costs(scenario, values: dict[str, np.ndarray], catalog: Catalog | None = None) -> Costs:
    """Cost every sample at once: ``values`` maps field paths to arrays of the same length ``n``.

    Unpriced items (NaN) are left out of the totals, as in the report, and listed in ``unpriced``.
    More than :data:`CHUNK` samples are costed chunk by chunk, so memory stays bounded.
    """
    catalog = catalog or load_catalog()
    n = len(next(iter(values.values()))) if values else 1
    if n <= CHUNK:
        return _costs(scenario, values, catalog, n)
    parts = [_costs(scenario, {p: v[i:i + CHUNK] for p, v in values.items()}, catalog, min(CHUNK, n - i))
             for i in range(0, n, CHUNK)]
    return Costs(n, np.concatenate([c.per_day for c in parts]),
                 {d: np.concatenate([c.by_dimension[d] for c in parts]) for d in DIMENSIONS},
                 np.concatenate([c.per_1k_requests for c in parts]),
                 list(dict.fromkeys(u for c in parts for u in c.unpriced)),
                 list(dict.fromkeys(m for c in parts for m in c.infeasible)),
                 {k: np.concatenate([c.energy[k] for c in parts]) for k in ENERGY_ROWS})


def _costs(scenario, values: dict[str, np.ndarray], catalog: Catalog, n: int) -> Costs:
    from .engine import cost

    sampled = with_values(scenario, values)
    ctx = Context(sampled, catalog)
    _, sizings, items = cost(sampled, ctx)
    e = footprint.figures(sampled, sizings, catalog)
    energy = {k: np.broadcast_to(np.asarray(e[k], dtype=float), (n,)).copy() for k in ENERGY_ROWS}
    by_dimension = {d: np.zeros(n) for d in DIMENSIONS}
    feasible = np.ones(n, dtype=bool)
    unpriced = []
    for it in items:
        c = np.broadcast_to(np.asarray(it.cost_per_day, dtype=float), (n,))
        finite = np.isfinite(c)
        if not finite.any():  # not priced at all: left out of the totals, as in the report
            unpriced.append(f"{it.dimension}: {it.item}" + (f" [{it.model}]" if it.model else ""))
            continue
        feasible &= finite
        by_dimension[it.dimension] = by_dimension[it.dimension] + np.where(finite, c, 0.0)
    by_dimension = {d: np.where(feasible, v, np.nan) for d, v in by_dimension.items()}
    per_day = sum(by_dimension.values())
    requests = np.broadcast_to(np.asarray(sampled.traffic.requests_per_day, dtype=float), (n,))
    with np.errstate(divide="ignore", invalid="ignore"):
        per_1k = np.where(requests > 0, per_day / requests * 1000.0, np.nan)
    infeasible = [w.message for w in ctx.warnings if w.code == "infeasible"]
    return Costs(n, per_day, by_dimension, per_1k, unpriced, infeasible, energy)


# --- sampling -------------------------------------------------------------------------------------
def draw(scenario, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> dict[str, np.ndarray]:
    """Latin hypercube samples of every ranged input: field path -> array of ``samples`` values.

    >>> from tco import load_scenario
    >>> from tco.scenario import repo_path
    >>> s = load_scenario(repo_path("data/scenarios/paper-example.yaml"))
    >>> draw(s, 4)  # no ranges, nothing to sample
    {}
    """
    from scipy.stats import qmc

    ranges = scenario.ranges
    if not ranges:
        return {}
    u = qmc.LatinHypercube(d=len(ranges), seed=seed).random(samples)
    return {path: r.ppf(u[:, j]) for j, (path, r) in enumerate(ranges.items())}


@dataclass
class MonteCarlo:
    """The result of :func:`monte_carlo`: the samples drawn, their costs and the point estimate."""

    scenario: object
    samples: int
    seed: int
    inputs: dict[str, np.ndarray]
    costs: Costs
    point_per_day: float
    point_by_dimension: dict[str, float]
    point_per_1k_requests: float
    #: the business case of every sample (:func:`tco.business.figures` on arrays), and of the point
    #: estimate; None when the scenario has no ``business:`` section
    business: dict | None = None
    point_business: dict | None = None
    #: energy and carbon of the point estimate (:data:`ENERGY_ROWS` keys; NaN when not estimated)
    point_energy: dict = field(default_factory=dict)

    def percentiles(self) -> pd.DataFrame:
        """P5 / P50 / P95 (and mean, point estimate) of the total per day, month and year, of each
        dimension per day, and of the cost per 1,000 requests."""
        c = self.costs
        rows = [("total per day", c.per_day, self.point_per_day),
                ("total per month", c.per_day * DAYS_PER_MONTH, self.point_per_day * DAYS_PER_MONTH),
                ("total per year", c.per_day * DAYS_PER_YEAR, self.point_per_day * DAYS_PER_YEAR)]
        rows += [(f"{d} per day", c.by_dimension[d], self.point_by_dimension[d]) for d in DIMENSIONS]
        rows.append(("per 1,000 requests", c.per_1k_requests, self.point_per_1k_requests))
        if self.business is not None:
            rows += [(BUSINESS_ROWS[k], self.business[k], self.point_business[k]) for k in BUSINESS_ROWS
                     if np.isfinite(self.point_business[k])]
        rows += [(ENERGY_ROWS[k], c.energy[k], self.point_energy[k]) for k in ENERGY_ROWS
                 if k in c.energy and np.isfinite(self.point_energy.get(k, np.nan))]
        out = []
        ok = c.feasible
        for name, values, point in rows:
            kept = np.broadcast_to(values, (c.n,))[ok]
            p = np.percentile(kept, PERCENTILES) if kept.size else np.full(3, np.nan)
            out.append({"figure": name, "P5": p[0], "P50": p[1], "P95": p[2],
                        "mean": float(np.mean(kept)) if kept.size else np.nan, "point estimate": point})
        return pd.DataFrame(out).set_index("figure")

    @property
    def p_net_positive(self) -> float:
        """Share of the (feasible) samples whose net value per day is above zero: the probability
        that the deployment pays for itself; NaN without a business case that has an uplift."""
        if self.business is None or not np.isfinite(self.point_business["net_value_per_day"]):
            return float("nan")
        net = np.broadcast_to(self.business["net_value_per_day"], (self.costs.n,))[self.costs.feasible]
        return float(np.mean(net > 0)) if net.size else float("nan")

    @property
    def infeasible_share(self) -> float:
        """Share of the samples that cannot be served as specified (see :class:`Costs`)."""
        return float(1.0 - np.mean(self.costs.feasible))

    def to_dict(self) -> dict:
        table = self.percentiles()
        return {"samples": self.samples, "seed": self.seed, "inputs": list(self.inputs),
                "p_net_positive": self.p_net_positive if np.isfinite(self.p_net_positive) else None,
                "infeasible_share": self.infeasible_share, "infeasible": self.costs.infeasible,
                "percentiles": {k: {c: (float(v) if np.isfinite(v) else None) for c, v in row.items()}
                                for k, row in table.iterrows()}}

    def to_text(self) -> str:
        cur = self.scenario.currency
        table = self.percentiles()
        lines = [f"Monte Carlo: {self.samples:,} samples (seed {self.seed}) of {len(self.inputs)} uncertain "
                 f"input(s); money in {cur}",
                 f"  {'figure':24} {'P5':>16} {'P50':>16} {'P95':>16} {'point estimate':>16}"]
        for name, row in table.iterrows():
            digits = (4 if name in ("per 1,000 requests", ENERGY_ROWS["tco2e_per_day"]) else
                      6 if name == "break-even uplift" else 2)
            lines.append(f"  {name:24} " + " ".join(f"{row[c]:16,.{digits}f}" for c in
                                                    ("P5", "P50", "P95", "point estimate")))
        if np.isfinite(self.p_net_positive):
            lines.append(f"  P(net value > 0) = {self.p_net_positive:.1%}: the share of the samples in which the "
                         "added gross profit exceeds the cost")
        if self.costs.infeasible:
            lines.append(f"  {self.infeasible_share:.1%} of the samples cannot be served as specified and are left out "
                         f"of the percentiles:")
            lines += [f"    - {m}" for m in self.costs.infeasible]
        if self.costs.unpriced:
            lines.append(f"  left out of the totals (unpriced): {', '.join(dict.fromkeys(self.costs.unpriced))}")
        return "\n".join(lines)


def monte_carlo(scenario, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED,
                catalog: Catalog | None = None) -> MonteCarlo:
    """Sample every ranged input together and cost all samples in one vectorised pass.

    A scenario without ranges gives ``samples`` identical costs (zero spread).

    >>> from tco import load_scenario
    >>> from tco.scenario import repo_path
    >>> mc = monte_carlo(load_scenario(repo_path("data/scenarios/paper-example.yaml")), samples=100)
    >>> p = mc.percentiles().loc["total per day"]
    >>> bool(p["P5"] == p["P50"] == p["P95"] == p["point estimate"])
    True
    """
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    catalog = catalog or load_catalog()
    inputs = draw(scenario, samples, seed)
    if not inputs:  # nothing uncertain: one costing stands for every sample
        one = costs(scenario, {}, catalog)
        result = Costs(samples, np.full(samples, one.per_day[0]),
                       {d: np.full(samples, v[0]) for d, v in one.by_dimension.items()},
                       np.full(samples, one.per_1k_requests[0]), one.unpriced,
                       energy={k: np.full(samples, v[0]) for k, v in one.energy.items()})
    else:
        result = costs(scenario, inputs, catalog)
    point = costs(scenario, {}, catalog)
    sampled_case = point_case = None
    if scenario.business is not None:
        sampled = with_values(scenario, inputs)
        sampled_case = business.figures(sampled.business, result.per_day,
                                        np.asarray(sampled.traffic.requests_per_day, dtype=float))
        point_case = business.figures(scenario.business, float(point.per_day[0]),
                                      float(scenario.traffic.requests_per_day))
    return MonteCarlo(scenario, samples, seed, inputs, result, float(point.per_day[0]),
                      {d: float(v[0]) for d, v in point.by_dimension.items()}, float(point.per_1k_requests[0]),
                      sampled_case, point_case, {k: float(v[0]) for k, v in point.energy.items()})


# --- sensitivity ----------------------------------------------------------------------------------
def cost_ranges(scenario) -> dict:
    """The scenario's ranges that can move its cost: all but those of the ``business:`` section,
    which change the return (:mod:`tco.business`), never the cost, and would only add zero rows and
    Sobol samples to the cost's sensitivity analysis."""
    return {p: r for p, r in scenario.ranges.items() if not p.startswith("business.")}


def tornado(scenario, catalog: Catalog | None = None) -> pd.DataFrame:
    """One input at a time at each end of its range (others at their point values): the daily total
    at the low and the high end, and the swing between them, largest first. One vectorised pass."""
    ranges = cost_ranges(scenario)
    columns = ["input", "range", "low", "high", "total at low", "total at high", "swing"]
    if not ranges:
        return pd.DataFrame(columns=columns)
    d = len(ranges)
    values = {p: np.full(2 * d, r.point) for p, r in ranges.items()}
    for j, (p, r) in enumerate(ranges.items()):
        values[p][2 * j], values[p][2 * j + 1] = r.ends
    total = costs(scenario, values, catalog).per_day
    rows = [{"input": path_label(scenario, p), "range": r.describe(), "low": r.ends[0], "high": r.ends[1],
             "total at low": float(total[2 * j]), "total at high": float(total[2 * j + 1]),
             "swing": float(abs(total[2 * j + 1] - total[2 * j]))} for j, (p, r) in enumerate(ranges.items())]
    # an end at which the scenario cannot be served (NaN) sorts first: it matters more than any swing
    frame = pd.DataFrame(rows, columns=columns)
    key = frame["swing"].fillna(np.inf)
    return frame.iloc[np.argsort(-key.to_numpy(), kind="stable")].reset_index(drop=True)


def sobol(scenario, base_samples: int = SOBOL_BASE_SAMPLES, seed: int = DEFAULT_SEED,
          catalog: Catalog | None = None) -> pd.DataFrame:
    """Sobol first-order (S1) and total (ST) indices of the daily total, with 95% confidence
    half-widths, largest ST first (SALib: Saltelli sampling and Sobol analysis).

    S1 is the share of the total's variance an input explains alone; ST adds its interactions
    with the others. An input with ST near 0 can be fixed at its point value.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    ranges = cost_ranges(scenario)
    columns = ["input", "S1", "S1 conf", "ST", "ST conf"]
    if not ranges:
        return pd.DataFrame(columns=columns)
    paths = list(ranges)
    problem = {"num_vars": len(paths), "names": paths, "bounds": [[0.0, 1.0]] * len(paths)}
    u = sobol_sample.sample(problem, base_samples, calc_second_order=False, scramble=True, seed=seed)
    values = {p: ranges[p].ppf(u[:, j]) for j, p in enumerate(paths)}
    result = costs(scenario, values, catalog)
    y = result.per_day
    if not result.feasible.all():  # Sobol needs every sample costed
        frame = pd.DataFrame([{"input": path_label(scenario, p), "S1": np.nan, "S1 conf": np.nan, "ST": np.nan,
                               "ST conf": np.nan} for p in paths], columns=columns)
        frame.attrs["note"] = (f"{1 - result.feasible.mean():.1%} of the Sobol samples cannot be served as specified "
                               f"({'; '.join(result.infeasible)}). Sobol indices need every sample costed: narrow "
                               f"the ranges or relax the objective.")
        return frame
    if np.ptp(y) == 0:  # the total does not move: nothing to apportion
        return pd.DataFrame([{"input": path_label(scenario, p), "S1": 0.0, "S1 conf": 0.0, "ST": 0.0, "ST conf": 0.0}
                             for p in paths], columns=columns)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, print_to_console=False, seed=seed)
    frame = pd.DataFrame({"input": [path_label(scenario, p) for p in paths], "S1": res["S1"], "S1 conf": res["S1_conf"],
                          "ST": res["ST"], "ST conf": res["ST_conf"]})
    return frame.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)


def drivers_sentence(mc: MonteCarlo, sobol_table: pd.DataFrame, tornado_table: pd.DataFrame | None = None,
                     currency: str = "") -> str:
    """One paragraph for a manager: the likely range of the cost and the assumptions to refine first
    (by Sobol total index; by tornado swing when Sobol indices could not be computed)."""
    p = mc.percentiles().loc["total per day"]
    cur = f" {currency}" if currency else ""
    text = (f"The daily cost is likely between {p['P5']:,.0f} and {p['P95']:,.0f}{cur} (P5-P95 of {mc.samples:,} "
            f"samples; median {p['P50']:,.0f}, point estimate {p['point estimate']:,.0f}).")
    if mc.infeasible_share > 0:
        text += (f" In {mc.infeasible_share:.1%} of the samples the service cannot be delivered as specified "
                 f"(a latency objective is missed): those are left out.")
    if not cost_ranges(mc.scenario):
        return (f"The daily cost is a single figure, {p['point estimate']:,.0f}{cur}: the inputs written as ranges "
                "are all business figures, which change the return, not the cost.")
    if not sobol_table.empty and np.isfinite(sobol_table["ST"]).all():
        if sobol_table["ST"].max() <= 0:
            return text + " No uncertain input moves it."
        top = sobol_table[sobol_table["ST"] >= 0.05].head(3)
        top = top if len(top) else sobol_table.head(1)
        named = [f"{r.input} ({r.ST:.0%} of the variance)" for r in top.itertuples()]
        rest = sobol_table["ST"].iloc[len(top):]
        tail = (f" The other {len(rest)} input(s) explain {rest.max():.0%} or less each." if len(rest) else "")
    elif tornado_table is not None and not tornado_table.empty:
        top = tornado_table.head(3)
        named = [f"{r.input} (" + (f"swing {r.swing:,.0f}{cur}/day" if np.isfinite(r.swing) else
                                  "the service cannot be delivered at one end") + ")" for r in top.itertuples()]
        tail = ""
    else:
        return text
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return text + f" Refine first: {listed}." + tail
