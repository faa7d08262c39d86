"""Business return: what a deployment costs against the gross profit it may add.

The source articles weigh each cost dimension's input against its return (投入和回报); these
formulas give the return side for an e-commerce search or recommendation model. The chain is the
cost-volume-profit chain of managerial accounting applied to the sessions the model touches:

sessions per day x conversion rate = orders per day; x average order value = gross merchandise
value (GMV) per day; x gross margin = gross profit per day. A deployment that lifts conversion
(or revenue per session) by a relative ``uplift``, of which a share ``attribution`` is credited to
it, adds ``gross profit x uplift x attribution`` per day; its net value is that minus its daily
cost, and the uplift at which the two are equal is its **break-even uplift**.

A relative uplift in conversion and the same relative uplift in revenue per session add the same
gross profit when the order value and the margin do not move, so one ``uplift`` stands for both.
Every function broadcasts (numpy), so the Monte Carlo of :mod:`tco.uncertainty` runs them on
arrays of samples.
"""

from __future__ import annotations

import numpy as np

from .units import vectorised

#: Where the chain and its terms come from, cited by each function.
CVP_REFERENCE = ("C. T. Horngren, S. M. Datar, M. V. Rajan, Cost Accounting: A Managerial Emphasis, "
                 "15th ed., Pearson, 2015, ch. 3 (cost-volume-profit analysis: contribution margin and "
                 "break-even point)")
EXPERIMENT_REFERENCE = ("R. Kohavi, D. Tang, Y. Xu, Trustworthy Online Controlled Experiments, Cambridge "
                        "University Press, 2020, ch. 7 (revenue per user and conversion as metrics of an "
                        "online controlled experiment; the relative lift of a treatment)")


@vectorised
def orders_per_day(sessions_per_day, conversion_rate):
    r"""Orders per day from the sessions the model touches.

    Parameters
    ----------
    sessions_per_day : array_like
        Sessions (or searches) per day that the deployment serves. [session/day]
    conversion_rate : array_like
        Orders per session, 0-1. [order/session]

    Returns
    -------
    numpy.ndarray or float
        [order/day]

    Notes
    -----
    .. math:: O = S \cdot c

    References
    ----------
    Kohavi, Tang and Xu (2020), ch. 7: conversion rate is orders per session (:data:`EXPERIMENT_REFERENCE`).

    Examples
    --------
    >>> orders_per_day(2_000_000, 0.03)
    60000.0
    """
    return np.multiply(sessions_per_day, conversion_rate) * 1.0


@vectorised
def gross_profit_per_day(orders_per_day, average_order_value, gross_margin):
    r"""Gross profit per day: orders x average order value (GMV) x gross margin.

    Parameters
    ----------
    orders_per_day : array_like
        [order/day]
    average_order_value : array_like
        [currency/order]
    gross_margin : array_like
        Gross profit as a share of GMV, 0-1. [1]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: P = O \cdot v \cdot m

    References
    ----------
    Horngren, Datar and Rajan (2015), ch. 3: contribution margin = revenue x margin ratio
    (:data:`CVP_REFERENCE`).

    Examples
    --------
    >>> gross_profit_per_day(60_000, 150.0, 0.2)
    1800000.0
    """
    return np.multiply(np.multiply(orders_per_day, average_order_value), gross_margin) * 1.0


@vectorised
def break_even_uplift(cost_per_day, gross_profit_per_day, attribution=1.0):
    r"""The relative uplift in conversion (or revenue per session) at which the gross profit the
    deployment adds equals its daily cost.

    Parameters
    ----------
    cost_per_day : array_like
        The deployment's total cost. [currency/day]
    gross_profit_per_day : array_like
        Gross profit of the sessions it touches, before any uplift. [currency/day]
    attribution : array_like, default 1
        Share of the uplift credited to this deployment, 0-1. [1]

    Returns
    -------
    numpy.ndarray or float
        Relative uplift, e.g. 0.004 = +0.4 %; infinite when there is no gross profit to lift. [1]

    Notes
    -----
    .. math:: u^{*} = \frac{C}{P \cdot a}

    References
    ----------
    Horngren, Datar and Rajan (2015), ch. 3: break-even where contribution equals fixed costs
    (:data:`CVP_REFERENCE`); here the contribution is the attributed gross profit of the uplift.

    Examples
    --------
    Cost 7,200 per day, gross profit 1.8 M per day, all of the uplift credited:

    >>> round(break_even_uplift(7_200, 1_800_000), 6)
    0.004
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # no gross profit: infinite (NaN if nothing costs)
        return np.divide(cost_per_day, np.multiply(gross_profit_per_day, attribution))


@vectorised
def net_value_per_day(gross_profit_per_day, uplift, attribution, cost_per_day):
    r"""Gross profit the deployment adds per day, less its cost.

    Parameters
    ----------
    gross_profit_per_day : array_like
        Before any uplift. [currency/day]
    uplift : array_like
        Expected relative uplift in conversion or in revenue per session (0.01 = +1 %). [1]
    attribution : array_like
        Share of the uplift credited to this deployment, 0-1. [1]
    cost_per_day : array_like
        [currency/day]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: V = P \cdot u \cdot a - C

    References
    ----------
    Horngren, Datar and Rajan (2015), ch. 3 (operating income = contribution - fixed costs,
    :data:`CVP_REFERENCE`); Kohavi, Tang and Xu (2020), ch. 7 (the relative lift measured by an
    experiment, :data:`EXPERIMENT_REFERENCE`).

    Examples
    --------
    >>> net_value_per_day(1_800_000, 0.01, 0.5, 7_200)
    1800.0
    """
    return np.subtract(np.multiply(np.multiply(gross_profit_per_day, uplift), attribution), cost_per_day)


@vectorised
def payback_days(upfront_cost, net_value_per_day):
    r"""Days until the net value repays the up-front costs (simple payback, no discounting).

    Parameters
    ----------
    upfront_cost : array_like
        One-off costs before the deployment earns. [currency]
    net_value_per_day : array_like
        [currency/day]

    Returns
    -------
    numpy.ndarray or float
        [day]; infinite when the net value is not positive (it never pays back), 0 without
        up-front costs.

    Notes
    -----
    .. math:: T = \frac{K}{V}, \quad V > 0

    References
    ----------
    R. A. Brealey, S. C. Myers, F. Allen, Principles of Corporate Finance, 13th ed., McGraw-Hill,
    2020, ch. 5 (the payback period: time until the cash inflows repay the initial investment).

    Examples
    --------
    >>> payback_days(90_000, 1_800), payback_days(90_000, -5.0), payback_days(0, -5.0)
    (50.0, inf, 0.0)
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        days = np.divide(upfront_cost, net_value_per_day)
        never = np.abs(days) * np.inf  # the same unit, infinite
        out = np.where(np.greater(net_value_per_day, 0), days, never)
        return np.where(np.greater(upfront_cost, 0), out, np.nan_to_num(0.0 * days)) * 1.0


#: The figures of :func:`figures`, in the order a table shows them, with their units.
FIGURES = {
    "sessions_per_day": "session/day", "orders_per_day": "order/day", "gmv_per_day": "currency/day",
    "gross_profit_per_day": "currency/day", "cost_per_day": "currency/day", "cost_per_order": "currency/order",
    "cost_share_of_gmv": "1", "cost_share_of_gross_profit": "1", "break_even_uplift": "1", "uplift": "1",
    "attribution": "1", "added_gross_profit_per_day": "currency/day", "net_value_per_day": "currency/day",
    "upfront_cost": "currency", "payback_days": "day",
}
#: Which inputs each figure needs besides the cost (sessions default to the requests per day).
NEEDS = {
    "orders_per_day": ("conversion_rate",), "cost_per_order": ("conversion_rate",),
    "gmv_per_day": ("conversion_rate", "average_order_value"),
    "cost_share_of_gmv": ("conversion_rate", "average_order_value"),
    "gross_profit_per_day": ("conversion_rate", "average_order_value", "gross_margin"),
    "cost_share_of_gross_profit": ("conversion_rate", "average_order_value", "gross_margin"),
    "break_even_uplift": ("conversion_rate", "average_order_value", "gross_margin"),
    "added_gross_profit_per_day": ("conversion_rate", "average_order_value", "gross_margin", "uplift"),
    "net_value_per_day": ("conversion_rate", "average_order_value", "gross_margin", "uplift"),
    "payback_days": ("conversion_rate", "average_order_value", "gross_margin", "uplift"),
}


def figures(business, cost_per_day, requests_per_day) -> dict:
    """Every business figure of a deployment that costs ``cost_per_day`` [currency/day] and serves
    ``requests_per_day``, from ``business`` (any object with the fields of the scenario's
    ``business:`` section; None or missing fields are None). A figure whose inputs are missing is
    NaN, and ``missing`` lists the inputs that would complete the case. Arrays broadcast (the Monte
    Carlo passes arrays of samples).

    >>> from types import SimpleNamespace as B
    >>> f = figures(B(sessions_per_day=2e6, conversion_rate=0.03, average_order_value=150.0, gross_margin=0.2,
    ...               uplift=0.01, attribution=0.5, upfront_cost=90_000.0), 7_200.0, 5e6)
    >>> f["orders_per_day"], f["gross_profit_per_day"], round(f["break_even_uplift"], 6), f["net_value_per_day"]
    (60000.0, 1800000.0, 0.008, 1800.0)
    >>> f["payback_days"], f["missing"], f["sessions_basis"]
    (50.0, [], 'business.sessions_per_day')
    >>> g = figures(B(conversion_rate=0.03), 7_200.0, 5e6)
    >>> g["sessions_per_day"], g["cost_per_order"], g["missing"]
    (5000000.0, 0.048, ['average_order_value', 'gross_margin', 'uplift'])
    """
    def get(name, default=None):
        value = getattr(business, name, None) if business is not None else None
        return default if value is None else value

    nan = float("nan")
    sessions = get("sessions_per_day")
    basis = "business.sessions_per_day"
    if sessions is None:
        sessions, basis = requests_per_day, "traffic.requests_per_day"
    conversion, value, margin = get("conversion_rate"), get("average_order_value"), get("gross_margin")
    uplift, attribution, upfront = get("uplift"), get("attribution", 1.0), get("upfront_cost", 0.0)
    out = {"sessions_per_day": sessions, "cost_per_day": cost_per_day, "uplift": nan if uplift is None else uplift,
           "attribution": attribution, "upfront_cost": upfront, "sessions_basis": basis}
    orders = orders_per_day(sessions, conversion) if conversion is not None else nan
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # tiny figures: shares become infinite
        out["orders_per_day"] = orders
        out["cost_per_order"] = np.divide(cost_per_day, orders) * 1.0
        gmv = np.multiply(orders, value) * 1.0 if value is not None else nan
        out["gmv_per_day"] = gmv
        out["cost_share_of_gmv"] = np.divide(cost_per_day, gmv) * 1.0
        profit = gross_profit_per_day(orders, value, margin) if value is not None and margin is not None else nan
        out["gross_profit_per_day"] = profit
        out["cost_share_of_gross_profit"] = np.divide(cost_per_day, profit) * 1.0
    out["break_even_uplift"] = break_even_uplift(cost_per_day, profit, attribution)
    if uplift is not None:
        added = np.multiply(np.multiply(profit, uplift), attribution) * 1.0
        out["added_gross_profit_per_day"] = added
        out["net_value_per_day"] = net_value_per_day(profit, uplift, attribution, cost_per_day)
        out["payback_days"] = payback_days(upfront, out["net_value_per_day"])
    else:
        out["added_gross_profit_per_day"] = out["net_value_per_day"] = out["payback_days"] = nan
    given = {"conversion_rate": conversion, "average_order_value": value, "gross_margin": margin, "uplift": uplift}
    out["missing"] = [k for k, v in given.items() if v is None]
    for key in FIGURES:  # scalars as plain floats
        if np.ndim(out[key]) == 0:
            out[key] = float(out[key])
    return out
