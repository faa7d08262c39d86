"""Evaluation context: the scenario, the catalog, prices used (with provenance) and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .catalog import Catalog, Price


@dataclass
class LineItem:
    """One cost line: what, for which model, how much per day, and the formula it came from.

    ``cost_per_day`` is NaN when the item could not be priced; ``priced`` is then False and a
    warning says why. Quantities are per day unless ``unit`` says otherwise.
    """

    dimension: str
    item: str
    model: str
    cost_per_day: float
    quantity: float
    unit: str
    formula: str
    note: str = ""

    @property
    def priced(self) -> bool:
        return bool(np.all(np.isfinite(self.cost_per_day)))


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
        if not price.currency:
            return price.value
        return price.value * self.use_fx(price.currency)

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
