"""Data cost / 数据成本: acquisition, processing, labelling and retention."""

from __future__ import annotations

from ..units import vectorised

import numpy as np

from ..context import Context, LineItem, item_kinds
from ..units import fmt, nonzero
from ..units import scalar_or_array as num
from ..pricing import per_month_to_per_day, stored_cost_per_day


@vectorised
def volume_cost_per_day(gb_per_day, price_per_gb, usable_fraction=1.0):
    r"""Daily cost of acquiring or processing data priced per GB.

    Parameters
    ----------
    gb_per_day : array_like
        Data volume per day. [GB/day]
    price_per_gb : array_like
        [currency/GB]
    usable_fraction : array_like, default 1
        Share of the data that is usable; the rest is paid for too, u. [1]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: C = \frac{V_{day} \cdot p}{u}

    Examples
    --------
    >>> volume_cost_per_day(6.0, 10.0, 0.8)
    75.0
    """
    return np.divide(np.multiply(gb_per_day, price_per_gb), usable_fraction) * 1.0


@vectorised
def labelling_cost_per_day(labels_per_day, price_per_label, relabel_rate=0.0):
    r"""Daily cost of labelling.

    Parameters
    ----------
    labels_per_day : array_like
        [labels/day]
    price_per_label : array_like
        [currency/label]
    relabel_rate : array_like, default 0
        Extra share of labels redone, r. [1]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: C = L_{day} \cdot p \cdot (1 + r)

    Examples
    --------
    >>> labelling_cost_per_day(10000, 0.07, 0.1)
    770.0
    """
    return np.multiply(np.multiply(labels_per_day, price_per_label), np.add(1.0, relabel_rate)) * 1.0


@vectorised
def retained_gb(gb_per_day, days, replication=1.0):
    r"""Steady-state volume held when each day's data is kept ``days`` days.

    Parameters
    ----------
    gb_per_day : array_like
        [GB/day]
    days : array_like
        Retention period. [days]
    replication : array_like, default 1
        Copies kept. [1]

    Returns
    -------
    numpy.ndarray or float
        [GB]

    Notes
    -----
    .. math:: V = V_{day} \cdot D \cdot R

    Examples
    --------
    >>> retained_gb(500, 30, 3)
    45000.0
    """
    return np.multiply(np.multiply(gb_per_day, days), replication) * 1.0


#: The kinds of data line item: name, the formula shown in the items table, the functions computing it.
KINDS = item_kinds(
    "data",
    ("acquisition", "GB/day × price/GB ÷ usable_fraction", (volume_cost_per_day,)),
    ("licence", "licence fee/month ÷ (365/12)", (per_month_to_per_day,)),
    ("processing", "GB/day × price/GB", (volume_cost_per_day,)),
    ("labelling", "labels/day × price/label × (1 + relabel_rate)", (labelling_cost_per_day,)),
    ("retention", "GB/day × days × replication × price/GB-month ÷ (365/12)", (retained_gb, stored_cost_per_day)),
)


def items(ctx: Context, sizings=None) -> list[LineItem]:
    d = ctx.scenario.data
    cur = ctx.currency
    out: list[LineItem] = []
    for src in d.sources:
        given, basis = src.price_per_gb, "{value:g} {currency}/GB"
        if given is None and nonzero(src.licence_fee_per_month):
            given, basis = 0.0, "no price per GB: the licence fee covers it"
        elif given is None and not nonzero(src.gb_per_day):
            given, basis = 0.0, "no data acquired"
        resolved = ctx.resolve_price(given, lambda: None, basis, what=f"Data source '{src.name}'",
                                     reason="it acquires data but has no price_per_gb (write 0 for data that costs "
                                            "nothing to acquire, or give a licence_fee_per_month)")
        price, basis = resolved.value, resolved.basis
        cost = volume_cost_per_day(src.gb_per_day, price, src.usable_fraction)
        out.append(LineItem(KINDS["acquisition"], f"acquisition: {src.name}", "", num(cost), src.gb_per_day, "GB/day",
                            f"{basis}, usable {fmt(src.usable_fraction, 'g')}"))
        if nonzero(src.licence_fee_per_month):
            out.append(LineItem(KINDS["licence"], f"licence: {src.name}", "",
                                num(per_month_to_per_day(src.licence_fee_per_month)), src.licence_fee_per_month,
                                f"{cur}/month"))
    for step in d.processing:
        out.append(LineItem(KINDS["processing"], f"processing: {step.name}", "",
                            num(volume_cost_per_day(step.gb_per_day, step.price_per_gb)), step.gb_per_day, "GB/day",
                            f"{fmt(step.price_per_gb, 'g')} {cur}/GB"))
    lab = d.labelling
    if lab is not None:
        price = ctx.resolve_price(lab.price_per_label, lambda: ctx.catalog.labelling_price(lab.task),
                                  "{value:g} {currency}/label", "catalog task {key} ({value:g} {currency}/label, {as_of})")
        out.append(LineItem(KINDS["labelling"], "labelling", "",
                            num(labelling_cost_per_day(lab.labels_per_day, price.value, lab.relabel_rate)),
                            lab.labels_per_day * (1 + lab.relabel_rate), "labels/day", price.basis))
    for r in d.retention:
        gb = retained_gb(r.gb_per_day, r.days, r.replication)
        price = ctx.resolve_price(r.price_per_gb_month, lambda: ctx.catalog.storage_price(r.tier),
                                  "{value:g} {currency}/GB-month", "{key} ({value:g} {currency}/GB-month, {as_of})")
        out.append(LineItem(KINDS["retention"], f"retention: {r.name}", "", num(stored_cost_per_day(gb, price.value)),
                            num(gb), "GB held", price.basis))
    return out
