"""Evaluation context: the scenario, the catalog, prices used (with provenance) and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .catalog import Catalog, Price
from .units import fmt
from .units import scalar_or_array as num


@dataclass(frozen=True)
class ItemKind:
    """One kind of line item, declared once beside the code that computes it (``KINDS`` of each
    module in :mod:`tco.dimensions`).

    ``formula`` is the composition shown in the items table; ``functions`` are the library formula
    functions that compute the item, in order (their equations are what the chapters show).
    """

    dimension: str
    name: str
    formula: str
    functions: tuple

    @property
    def function_names(self) -> list[str]:
        return [f.__name__ for f in self.functions]


def item_kinds(dimension: str, *rows: tuple) -> dict[str, ItemKind]:
    """A dimension's table of item kinds, by name, from ``(name, formula, functions)`` rows.

    >>> from tco.pricing import per_year_to_per_day
    >>> item_kinds("staff", ("training", "days ÷ 365", (per_year_to_per_day,)))["training"].function_names
    ['per_year_to_per_day']
    """
    return {name: ItemKind(dimension, name, formula, tuple(functions)) for name, formula, functions in rows}


@dataclass
class LineItem:
    """One cost line: of which kind, what, for which model, how much per day.

    The dimension, the formula text and the functions that computed it come from ``kind``.
    ``cost_per_day`` is NaN when the item could not be priced; ``priced`` is then False and a
    warning says why. Quantities are per day unless ``unit`` says otherwise.
    """

    kind: ItemKind
    item: str
    model: str
    cost_per_day: float
    quantity: float
    unit: str
    note: str = ""

    @property
    def dimension(self) -> str:
        return self.kind.dimension

    @property
    def formula(self) -> str:
        return self.kind.formula

    @property
    def functions(self) -> tuple:
        return self.kind.functions

    @property
    def priced(self) -> bool:
        return bool(np.all(np.isfinite(self.cost_per_day)))


@dataclass(frozen=True)
class Resolved:
    """A figure the scenario gives or the catalog prices (:meth:`Context.resolve_price`)."""

    value: object  # in the scenario's currency; NaN when unpriced
    basis: str  # where it comes from, for the line item's note
    reason: str = ""  # why it could not be priced


class _Figure:
    """A figure that formats as :func:`tco.units.fmt` does (a low-high range for samples)."""

    def __init__(self, value):
        self.value = value

    def __format__(self, spec: str) -> str:
        return fmt(self.value, spec or "g")


@dataclass
class Warning_:
    code: str  # unpriced | stale | utilisation | estimate | assumption
    message: str
    model: str = ""
    dimensions: tuple[str, ...] = ()
    detail: str = ""  # the reason alone, for callers that show it apart from the message


@dataclass
class Context:
    scenario: object
    catalog: Catalog
    prices: dict[tuple[str, str], Price] = field(default_factory=dict)
    warnings: list[Warning_] = field(default_factory=list)
    dimension: str = "compute"  # the dimension being costed, recorded with prices and warnings
    price_dimensions: dict[tuple[str, str], set] = field(default_factory=dict)
    #: estimates made with cross-family factors: (family, accelerator, what, model), reported once per family
    uncalibrated: list[tuple] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.scenario.currency

    def use(self, price: Price) -> float:
        """Record a catalog price and return its value in the scenario's currency."""
        self.prices[(price.table, price.key)] = price
        self.price_dimensions.setdefault((price.table, price.key), set()).add(self.dimension)
        if price.value != price.value:  # an empty catalog cell: what it prices is unpriced, and says so
            return self.unpriced(f"{price.table} '{price.key}'", f"its row in the catalog ({price.table}) gives no "
                                 f"value; fill it in or give the figure in the scenario")
        if not price.currency:
            return price.value
        return price.value * self.use_fx(price.currency)

    def resolve_price(self, given, lookup: Callable[[], Price | None], given_basis: str = "",
                      catalog_basis: str = "", what: str = "", reason: str | Callable[[], str] = "",
                      model: str = "", **fields) -> Resolved:
        """The scenario's figure ``given`` when it is set, else the catalog's price, with its basis.

        Parameters
        ----------
        given : number, array or None
            The scenario's value, in the scenario's currency; None when the scenario leaves it out.
        lookup : callable
            Returns the catalog :class:`~tco.catalog.Price`, or None when the catalog has none;
            called only when ``given`` is None. A price used is recorded (:meth:`use`).
        given_basis, catalog_basis : str
            The basis text of each case: ``given_basis`` is filled in with ``{value}`` (the
            scenario's figure) and ``{currency}`` (the scenario's); ``catalog_basis`` with the
            fields of the Price (``{key}``, ``{value}``, ``{currency}``, ``{as_of}``...).
            ``{value:g}`` formats as :func:`tco.units.fmt` (a range for samples). Text that may
            hold braces (a name from the scenario) goes in as one of the other ``fields``.
        what, reason, model : str
            When the catalog has no price: :meth:`unpriced` warns that ``what`` could not be
            priced because of ``reason`` (a callable is called then), the value is NaN, never
            zero, and the basis is ``"unpriced"``.
        **fields
            Further fields of both basis texts.

        Examples
        --------
        >>> from types import SimpleNamespace
        >>> from tco.catalog import load_catalog
        >>> ctx = Context(SimpleNamespace(currency="USD"), load_catalog())
        >>> tier = lambda: ctx.catalog.storage_price("s3-standard")
        >>> ctx.resolve_price(None, tier, catalog_basis="{key} ({value:g} {currency}/GB-month, {as_of})")
        Resolved(value=0.023, basis='s3-standard (0.023 USD/GB-month, 2025-08-29)', reason='')
        >>> ctx.resolve_price([0.02, 0.03], tier, "{value:g} {currency}/{unit} (scenario)", unit="GB-month").basis
        '0.02-0.03 USD/GB-month (scenario)'
        >>> ctx.resolve_price(None, lambda: None, what="tier x", reason="no price for it")
        Resolved(value=nan, basis='unpriced', reason='no price for it')
        >>> ctx.warnings[-1].message
        'tier x could not be priced: no price for it. It is left out of the totals.'
        """
        if given is not None:
            return Resolved(num(given), given_basis.format(**fields, value=_Figure(given), currency=self.currency))
        price = lookup()
        if price is None:
            reason = reason() if callable(reason) else reason
            return Resolved(self.unpriced(what, reason, model), "unpriced", reason)
        return Resolved(self.use(price), catalog_basis.format(**{**fields, **vars(price), "value": _Figure(price.value)}))

    def use_fx(self, currency: str) -> float:
        """Record the exchange rate used to convert ``currency`` and return units of ours per unit."""
        if currency != self.currency:
            for c in (currency, self.currency):
                if c != "USD":
                    row = self.catalog.row("fx", c)
                    self.prices[("fx", c)] = Price("fx", c, float(row.per_usd), c, str(row.source), row.as_of,
                                                    str(row.assumption))
                    self.price_dimensions.setdefault(("fx", c), set()).add(self.dimension)
        return self.catalog.fx_rate(currency, self.currency)

    def warn(self, code: str, message: str, model: str = "", dimensions: tuple[str, ...] | None = None,
             detail: str = "") -> None:
        for w in self.warnings:
            if w.code == code and w.message == message:
                w.dimensions = tuple(sorted(set(w.dimensions) | set(dimensions or (self.dimension,))))
                return
        self.warnings.append(Warning_(code, message, model, tuple(dimensions or (self.dimension,)), detail))

    def note_uncalibrated(self, family: str, accelerator: str, what: str, model: str, band: tuple) -> None:
        """Record an estimate (``what``: 'encoder throughput', 'bf16 training'...) made with the
        cross-family efficiency factors, whose stated band is ``band``; reported once per family."""
        entry = (family or "unknown", accelerator, what, model, (float(band[0]), float(band[1])))
        if entry not in self.uncalibrated:
            self.uncalibrated.append(entry)

    def warn_uncalibrated(self) -> None:
        """One warning per hardware family whose estimates use the cross-family factors."""
        for family in dict.fromkeys(e[0] for e in self.uncalibrated):
            entries = [e for e in self.uncalibrated if e[0] == family]
            accelerators = ", ".join(dict.fromkeys(e[1] for e in entries))
            parts = []
            for what in dict.fromkeys(e[2] for e in entries):
                models = ", ".join(dict.fromkeys(e[3] for e in entries if e[2] == what))
                low, high = next(e[4] for e in entries if e[2] == what)
                parts.append(f"{what} ({models}; typically within x{low:g}-x{high:g})")
            self.warn("estimate", f"No published measurement on {family} hardware ({accelerators}) calibrates "
                      f"{'; '.join(parts)}: the cross-family efficiency factors are used, with a wider band. "
                      f"Give measured figures (throughput_rps, training.mfu_train) to tighten them",
                      dimensions=("compute",))

    def unpriced(self, what: str, reason: str, model: str = "") -> float:
        """Warn that ``what`` could not be priced and return NaN for its cost."""
        self.warn("unpriced", f"{what} could not be priced: {reason}. It is left out of the totals.", model,
                  detail=reason)
        return float("nan")
