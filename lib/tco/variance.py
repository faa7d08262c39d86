"""Plan against actual: unit price, the usage / price variance split and implied utilisation. Vectorised.

The split is the standard cost-variance decomposition of management accounting (a flexible
budget's price and efficiency variances): Horngren, Datar and Rajan, *Cost Accounting: A
Managerial Emphasis*, 14th ed., Pearson 2012, ch. 7 ("Flexible Budgets, Direct-Cost Variances,
and Management Control"). The planned cost is ``Qp·Pp`` and the actual ``Qa·Pa``; the usage
(efficiency) variance prices the quantity difference at the planned price, the price variance
prices the price difference at the actual quantity, and the two add up to the whole variance
(here per day, the workbook's time base: quantities a day on average over the bill's period):

    Qa·Pa − Qp·Pp = (Qa − Qp)·Pp + (Pa − Pp)·Qa

>>> planned_price = unit_price(1000.0, 100.0)
>>> actual_price = unit_price(968.0, 88.0)
>>> usage_variance(88.0, 100.0, planned_price) + price_variance(actual_price, planned_price, 88.0)
-32.0
"""

from __future__ import annotations

import numpy as np

from .units import vectorised


@vectorised
def unit_price(cost, quantity):
    r"""Price paid per unit: cost over quantity (NaN where nothing was used).

    Parameters
    ----------
    cost : array_like
        Cost of the quantity over a period. [currency]
    quantity : array_like
        Quantity used over the same period, e.g. accelerator-hours. [accelerator-hour]

    Returns
    -------
    numpy.ndarray or float
        [currency/accelerator-hour]

    Notes
    -----
    .. math:: P = \frac{C}{Q}

    References
    ----------
    FOCUS 1.2, EffectiveCost and PricingQuantity columns: a unit price is a cost over the quantity it
    pays for (https://focus.finops.org/focus-specification/v1-2/, ratified May 2025).

    Examples
    --------
    A day of inference serving: 866.34 CNY for 148 accelerator-hours.

    >>> round(unit_price(866.337583, 148.0), 4)
    5.8536
    >>> unit_price(5.0, 0.0)
    nan
    """
    quantity = np.where(np.equal(quantity, 0), np.nan, quantity)  # nothing used: no price, not inf
    return np.divide(cost, quantity)


@vectorised
def usage_variance(actual_quantity, planned_quantity, planned_price):
    r"""Usage (efficiency) variance: the quantity difference at the planned price.

    Positive means more was used than planned.

    Parameters
    ----------
    actual_quantity : array_like
        Quantity the bill shows, a day on average over the period. [accelerator-hours/day]
    planned_quantity : array_like
        Quantity the estimate sized. [accelerator-hours/day]
    planned_price : array_like
        Unit price of the estimate. [currency/accelerator-hour]

    Returns
    -------
    numpy.ndarray or float
        A day on average; times the days of the period for its total. [currency/day]

    Notes
    -----
    .. math:: V_{usage} = (Q_a - Q_p)\,P_p

    References
    ----------
    Horngren, Datar, Rajan, *Cost Accounting: A Managerial Emphasis*, 14th ed., Pearson 2012, ch. 7:
    efficiency variance = (actual input quantity − budgeted input quantity allowed) × budgeted price.

    Examples
    --------
    148 accelerator-hours a day planned at 5.85 CNY, 118.4 used (x0.8):

    >>> round(usage_variance(118.4, 148.0, 5.85), 2)
    -173.16
    """
    return np.multiply(np.subtract(actual_quantity, planned_quantity), planned_price)


@vectorised
def price_variance(actual_price, planned_price, actual_quantity):
    r"""Price variance: the unit-price difference over the quantity actually used.

    Positive means each unit cost more than planned.

    Parameters
    ----------
    actual_price : array_like
        Unit price the bill implies. [currency/accelerator-hour]
    planned_price : array_like
        Unit price of the estimate. [currency/accelerator-hour]
    actual_quantity : array_like
        Quantity the bill shows, a day on average over the period. [accelerator-hours/day]

    Returns
    -------
    numpy.ndarray or float
        A day on average; times the days of the period for its total. [currency/day]

    Notes
    -----
    .. math:: V_{price} = (P_a - P_p)\,Q_a

    References
    ----------
    Horngren, Datar, Rajan, *Cost Accounting: A Managerial Emphasis*, 14th ed., Pearson 2012, ch. 7:
    price variance = (actual price of input − budgeted price of input) × actual quantity of input.

    Examples
    --------
    Paid 6.435 CNY (x1.1) instead of 5.85 for 118.4 accelerator-hours a day:

    >>> round(price_variance(6.435, 5.85, 118.4), 2)
    69.26
    """
    return np.multiply(np.subtract(actual_price, planned_price), actual_quantity)


@vectorised
def implied_utilisation(planned_utilisation, planned_accelerator_hours, actual_accelerator_hours):
    r"""Mean utilisation the bill implies: the plan's busy accelerator-hours over those billed.

    The busy hours are the planned utilisation × the hours sized. It assumes the traffic was as
    planned; more traffic than planned shows up here as a higher utilisation.

    Parameters
    ----------
    planned_utilisation : array_like
        Mean utilisation of the sized fleet (CostReport.models ``utilisation_mean``). [1]
    planned_accelerator_hours : array_like
        Accelerator-hours the estimate sized. [accelerator-hours/day]
    actual_accelerator_hours : array_like
        Accelerator-hours the bill shows, a day on average. [accelerator-hours/day]

    Returns
    -------
    numpy.ndarray or float
        [1]

    Notes
    -----
    .. math:: u_a = u_p \frac{H_p}{H_a}

    References
    ----------
    Utilisation as busy time over paid time (the offered load per server, ρ = λ s / c, of queueing
    theory: Kleinrock, *Queueing Systems* vol. 1, Wiley 1975, §2.1); the busy hours are the plan's.

    Examples
    --------
    A fleet sized at 148 accelerator-hours a day, 52% used, that was billed 118.4:

    >>> round(implied_utilisation(0.52, 148.0, 118.4), 4)
    0.65
    """
    return np.divide(np.multiply(planned_utilisation, planned_accelerator_hours), actual_accelerator_hours)
