"""CostReport: tidy line items, totals per day / month / year / 1,000 requests, sizing, warnings."""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pandas as pd

from .dimensions import DIMENSIONS, LABELS
from .footprint import energy_lines
from .text import display_width, table
from .units import DAYS_PER_MONTH, DAYS_PER_YEAR

SOURCE_COLUMNS = ["table", "key", "value", "currency", "source", "as_of", "stale", "assumption"]
ALTERNATIVE_COLUMNS = ["model", "api_model", "traffic_share", "self_hosted_per_day", "api_per_day", "cheaper",
                       "break_even_requests_per_day", "api_cheaper_everywhere", "self_hosting_cheaper_everywhere"]
ITEM_COLUMNS = ["dimension", "item", "kind", "model", "cost_per_day", "cost_per_month", "cost_per_year", "share",
                "quantity", "unit", "formula", "note", "priced"]


def _clean(value):
    """JSON-safe plain Python values (NaN becomes None, numpy scalars become floats)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


class CostReport:
    """The answer for one scenario. Build it with :func:`tco.evaluate`.

    Attributes
    ----------
    items : pandas.DataFrame
        One row per line item: dimension, item, model, cost per day / month / year, share of
        the priced total, quantity and unit, the formula and a note on inputs and prices.
    totals : dict
        ``per_day``, ``per_month``, ``per_year`` and ``per_1k_requests`` of the priced items.
    models : pandas.DataFrame
        Sizing per model (throughput, replicas, accelerators, instances, utilisation...);
        ``requests_per_day_served`` is what reaches that model after the cache and fusion routing.
    requests_per_day : float
        All the scenario's traffic (``traffic.requests_per_day``, cached requests included).
    alternatives : pandas.DataFrame
        Self-hosting against the hosted API per model that names one, with the break-even traffic.
    sources : pandas.DataFrame
        Every catalog figure used, with its source, date and whether it is stale.
    hourly : pandas.DataFrame
        Arrival rate and replicas of each model for each hour of the day.
    warnings : list of str
        Unpriced items, stale prices, rough estimates, idle fleets.
    warning_codes, warning_models, warning_dimensions : lists
        The kind (unpriced, stale, utilisation...), model and dimensions of each warning; ``to_dict``
        gives them with the messages as ``warning_details``, next to the plain ``warnings``.

    The tables are built on first access, so evaluating stays fast when only totals are needed.
    """

    def __init__(self, scenario, line_items, model_rows, warnings, source_rows, alternative_rows,
                 first_model_alone_per_day, hourly_columns):
        self.name = scenario.name
        self.title = scenario.title or scenario.name
        self.currency = scenario.currency
        self.requests_per_day = float(scenario.traffic.requests_per_day)
        self.as_of = str(scenario.evaluation_date)
        self.line_items = list(line_items)
        self.warnings = list(warnings)
        self._model_rows = model_rows
        self._source_rows = source_rows
        self._alternative_rows = alternative_rows
        self._hourly_columns = hourly_columns
        self.first_model_alone_per_day = first_model_alone_per_day
        self.warning_dimensions: list[tuple[str, ...]] = [() for _ in self.warnings]
        #: the kind of each warning (``Warning_.code``: unpriced, stale, utilisation, estimate, assumption)
        self.warning_codes: list[str] = ["" for _ in self.warnings]
        self.warning_models: list[str] = ["" for _ in self.warnings]  # the model each warning names, if any
        #: why each unpriced item could not be priced (the reasons of the 'unpriced' warnings, in order)
        self.unpriced_reasons: list[str] = []
        #: the business case (:func:`tco.business.figures`) when the scenario has a ``business:`` section
        self.business: dict | None = None
        #: energy and carbon (:func:`tco.footprint.figures`): kWh and tCO2e per day and per 1,000
        #: requests; cloud fleets' figures are estimates
        self.energy: dict | None = None
        self.per_day = float(sum(float(it.cost_per_day) for it in self.line_items if it.priced))
        self.marginal_fusion_cost_per_day = (
            None if first_model_alone_per_day is None else self.per_day - first_model_alone_per_day)

    @functools.cached_property
    def items(self) -> pd.DataFrame:
        rows = [{
            "dimension": it.dimension, "item": it.item, "kind": it.kind.name, "model": it.model,
            "cost_per_day": float(it.cost_per_day), "quantity": float(it.quantity), "unit": it.unit,
            "formula": it.formula, "note": it.note, "priced": it.priced,
        } for it in self.line_items]
        items = pd.DataFrame(rows, columns=[c for c in ITEM_COLUMNS if c not in ("cost_per_month", "cost_per_year", "share")])
        items["cost_per_month"] = items.cost_per_day * DAYS_PER_MONTH
        items["cost_per_year"] = items.cost_per_day * DAYS_PER_YEAR
        items["share"] = items.cost_per_day / self.per_day if self.per_day > 0 else 0.0
        return items[ITEM_COLUMNS]

    @functools.cached_property
    def models(self) -> pd.DataFrame:
        return pd.DataFrame(self._model_rows)

    @functools.cached_property
    def sources(self) -> pd.DataFrame:
        return pd.DataFrame(self._source_rows, columns=SOURCE_COLUMNS)

    @functools.cached_property
    def alternatives(self) -> pd.DataFrame:
        return pd.DataFrame(self._alternative_rows, columns=ALTERNATIVE_COLUMNS)

    @functools.cached_property
    def hourly(self) -> pd.DataFrame:
        return pd.DataFrame(self._hourly_columns)

    # -- totals ------------------------------------------------------------------------------
    @property
    def totals(self) -> dict[str, float]:
        day = self.per_day
        per_1k = day / self.requests_per_day * 1000.0 if self.requests_per_day > 0 else float("nan")
        return {"per_day": day, "per_month": day * DAYS_PER_MONTH, "per_year": day * DAYS_PER_YEAR,
                "per_1k_requests": per_1k}

    def by_dimension(self) -> pd.Series:
        """Priced cost per day of each of the five dimensions (all five, zero where empty)."""
        priced = self.items[self.items.priced]
        return priced.groupby("dimension").cost_per_day.sum().reindex(list(DIMENSIONS), fill_value=0.0)

    def by_model(self) -> pd.Series:
        """Priced cost per day attributed to each model; items shared by all models under '(shared)'."""
        priced = self.items[self.items.priced]
        key = priced.model.where(priced.model != "", "(shared)")
        return priced.groupby(key, sort=False).cost_per_day.sum()

    def by_dimension_and_model(self) -> pd.DataFrame:
        priced = self.items[self.items.priced]
        key = priced.model.where(priced.model != "", "(shared)")
        table = priced.assign(model=key).pivot_table(index="dimension", columns="model", values="cost_per_day",
                                                     aggfunc="sum", fill_value=0.0, sort=False)
        return table.reindex(list(DIMENSIONS), fill_value=0.0)

    def warnings_for(self, dimension: str) -> list[str]:
        """The warnings that concern one dimension (a stale price warns where it is used)."""
        return [w for w, dims in zip(self.warnings, self.warning_dimensions) if dimension in dims]

    @property
    def unpriced(self) -> pd.DataFrame:
        return self.items[~self.items.priced]

    # -- export ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        models = []
        for row in self.models.to_dict(orient="records"):
            row = {k: v for k, v in row.items() if not (k.startswith("training") and v is None)}
            if row.get("training_accelerator_hours_per_run") is None or (
                    isinstance(row.get("training_accelerator_hours_per_run"), float)
                    and math.isnan(row["training_accelerator_hours_per_run"])):
                row.pop("training_accelerator_hours_per_run", None)
            models.append(row)
        return _clean({
            "scenario": {"name": self.name, "title": self.title, "currency": self.currency,
                         "requests_per_day": self.requests_per_day, "as_of": self.as_of},
            "totals": self.totals,
            "by_dimension": self.by_dimension().to_dict(),
            "by_model": self.by_model().to_dict(),
            "items": self.items.drop(columns=["cost_per_month", "cost_per_year"]).to_dict(orient="records"),
            "models": models,
            "alternatives": self.alternatives.to_dict(orient="records"),
            "marginal_fusion_cost_per_day": self.marginal_fusion_cost_per_day,
            "warnings": list(self.warnings),
            "warning_details": [{"code": c, "message": m, "model": mo, "dimensions": list(d)} for m, c, mo, d in zip(
                self.warnings, self.warning_codes, self.warning_models, self.warning_dimensions)],
            "sources": self.sources.astype({"as_of": str}).to_dict(orient="records"),
            "business": self.business,
            "energy": _plain(self.energy),
        })

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    # -- text --------------------------------------------------------------------------------
    def to_text(self, width: int = 100) -> str:
        """A readable terminal report: totals, dimensions, line items, sizing and warnings."""
        cur = self.currency
        t = self.totals
        heading = f"{self.title}  [{self.name}]"
        out = [heading, "=" * min(width, max(display_width(heading), 40)),
               f"Traffic {self.requests_per_day:,.0f} requests/day; prices as of {self.as_of}; money in {cur}", "",
               f"Total  {t['per_day']:>16,.2f} {cur}/day   {t['per_month']:>16,.0f} {cur}/month   "
               f"{t['per_year']:>18,.0f} {cur}/year",
               f"       {t['per_1k_requests']:>16,.4f} {cur} per 1,000 requests", "", "By dimension"]
        out.append(table([(LABELS[dim], f"{value:,.2f} {cur}/day",
                           f"{value / t['per_day'] * 100 if t['per_day'] else 0.0:.1f}%")
                          for dim, value in self.by_dimension().items()], align="<>>", indent="  "))
        out += ["", "Line items (per day)"]
        # the item column takes what the numbers leave: names wrap at word boundaries, never cut
        out.append(table([(r.dimension, r.item + (f" [{r.model}]" if r.model else ""),
                           f"{r.cost_per_day:,.2f}" if r.priced else "unpriced", f"{r.quantity:,.2f}", r.unit)
                          for r in self.items.itertuples()],
                         align="<<>><", widths=[None, 44], max_width=width, indent="  ", floor=20))
        out += ["", "Models"]
        for m in self.models.to_dict(orient="records"):
            if m["deployment"] == "api":
                applied = (m.get("notes") or "").replace(f"hosted API {m['api_model']}: ", "")
                out.append(f"  {m['model']}: hosted API {m['api_model']}, "
                           f"{m['requests_per_day_served']:,.0f} requests/day served" + (f"; {applied}" if applied else ""))
                continue
            out.append(
                f"  {m['model']}: {m['throughput_rps_per_accelerator']:,.1f} req/s per {m['accelerator']} "
                f"({m['throughput_basis']}); replica {m['replica_size']:g} acc; {m['replicas']:g} replicas "
                f"({m['binding']}); {m['accelerators']:g} accelerators on {m['instances']:g} "
                f"{'instances' if m['deployment'] == 'cloud' else 'servers'}; utilisation mean "
                f"{m['utilisation_mean'] * 100:.1f}% / peak {m['utilisation_peak'] * 100:.1f}%")
        if len(self.alternatives):
            out += ["", "Self-hosting against the hosted API"]
            for a in self.alternatives.to_dict(orient="records"):
                be = a["break_even_requests_per_day"]
                be_text = (f"API cheaper below {be:,.0f} requests/day in total ({be * a['traffic_share']:,.0f} "
                           f"reaching the model)" if be == be else
                           "API cheaper at every traffic level tried" if a["api_cheaper_everywhere"] else
                           "self-hosting cheaper at every traffic level tried")
                out.append(f"  {a['model']}: self-hosted {a['self_hosted_per_day']:,.2f} vs {a['api_model']} "
                           f"{a['api_per_day']:,.2f} {cur}/day -> {a['cheaper']}; {be_text}")
        if self.marginal_fusion_cost_per_day is not None:
            out += ["", f"Marginal cost of fusion: {self.marginal_fusion_cost_per_day:,.2f} {cur}/day over the first "
                        f"model alone ({self.first_model_alone_per_day:,.2f} {cur}/day)"]
        if self.business is not None:
            out += ["", "Business case"] + [f"  {line}" for line in business_lines(self.business, cur)]
        if self.energy is not None:
            title = "Energy and carbon (estimate)" if self.energy["estimate"] else "Energy and carbon"
            out += ["", title] + [f"  {line}" for line in energy_lines(self.energy)]
        if self.warnings:
            out += ["", f"Warnings ({len(self.warnings)})"]
            out += [f"  - {w}" for w in self.warnings]
        return "\n".join(out)


def _plain(value):
    """``value`` made JSON-safe: NaN as None, dates as text, numpy scalars and arrays as Python ones.

    >>> _plain({"a": float("nan"), "b": [1.5], "c": np.float64(2.0)})
    {'a': None, 'b': [1.5], 'c': 2.0}
    """
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value) if np.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _days(days: float) -> str:
    """``50 days``, ``0.4 days``: a payback under ten days keeps one decimal."""
    return f"{days:,.1f} days" if days < 10 else f"{days:,.0f} days"


def business_lines(b: dict, currency: str) -> list[str]:
    """The business case (:func:`tco.business.figures`) as sentences, one figure group a line;
    figures whose inputs are missing are left out and the missing inputs named.

    >>> from tco.business import figures
    >>> from types import SimpleNamespace as B
    >>> f = figures(B(conversion_rate=0.03, average_order_value=150.0, gross_margin=0.2, uplift=0.01,
    ...               attribution=0.5, upfront_cost=90_000.0), 7_200.0, 2e6)
    >>> print("\\n".join(business_lines(f, "CNY")))
    2,000,000 sessions/day (the requests per day) -> 60,000 orders/day
    GMV 9,000,000 CNY/day, gross profit 1,800,000 CNY/day
    Cost 0.12 CNY per order, 0.080% of GMV, 0.400% of gross profit
    Break-even uplift +0.800% (50% of the uplift credited to this deployment)
    Expected uplift +1.000%: adds 9,000 CNY/day of gross profit, net value 1,800.00 CNY/day, pays back 90,000 CNY up front in 50 days
    """
    ok = math.isfinite
    basis = "the requests per day" if b["sessions_basis"] == "traffic.requests_per_day" else "given"
    lines = [f"{b['sessions_per_day']:,.0f} sessions/day ({basis})"
             + (f" -> {b['orders_per_day']:,.0f} orders/day" if ok(b["orders_per_day"]) else "")]
    if ok(b["gmv_per_day"]):
        lines.append(f"GMV {b['gmv_per_day']:,.0f} {currency}/day"
                     + (f", gross profit {b['gross_profit_per_day']:,.0f} {currency}/day"
                        if ok(b["gross_profit_per_day"]) else ""))
    if ok(b["cost_per_order"]):
        parts = [f"Cost {b['cost_per_order']:,.{2 if b['cost_per_order'] >= 0.1 else 4}f} {currency} per order"]
        if ok(b["cost_share_of_gmv"]):
            parts.append(f"{b['cost_share_of_gmv']:.3%} of GMV")
        if ok(b["cost_share_of_gross_profit"]):
            parts.append(f"{b['cost_share_of_gross_profit']:.3%} of gross profit")
        lines.append(", ".join(parts))
    if ok(b["break_even_uplift"]):
        lines.append(f"Break-even uplift {b['break_even_uplift']:+.3%} ({b['attribution']:.0%} of the uplift "
                     "credited to this deployment)")
    if ok(b["net_value_per_day"]):
        payback = ("" if b["upfront_cost"] <= 0 else
                   f", pays back {b['upfront_cost']:,.0f} {currency} up front in {_days(b['payback_days'])}"
                   if ok(b["payback_days"]) else f", never pays back {b['upfront_cost']:,.0f} {currency} up front")
        lines.append(f"Expected uplift {b['uplift']:+.3%}: adds {b['added_gross_profit_per_day']:,.0f} {currency}/day "
                     f"of gross profit, net value {b['net_value_per_day']:,.2f} {currency}/day{payback}")
    if b["missing"]:
        lines.append("Not given (the figures that need them are left out): business." + ", business.".join(b["missing"]))
    return lines
