"""Staff cost / 人员成本: roles, tasks, per-model upkeep, operations and training.

Staff cost does not grow with query count (one of the source article's errors): it grows with
the number of models and with the size of the fleet people operate.
"""

from __future__ import annotations

from ..units import vectorised

import numpy as np

from ..context import Context, LineItem, item_kinds
from ..units import fmt, nonzero
from ..units import scalar_or_array as num
from ..pricing import per_month_to_per_day, per_year_to_per_day


@vectorised
def fte_cost_per_day(fte, annual_cost):
    r"""Daily cost of full-time staff.

    Parameters
    ----------
    fte : array_like
        Full-time equivalents. [1]
    annual_cost : array_like
        Loaded cost of one FTE for a year. [currency/year]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: C = \frac{FTE \cdot c_{year}}{365}

    Examples
    --------
    >>> fte_cost_per_day(2, 365000)
    2000.0
    """
    return per_year_to_per_day(np.multiply(fte, annual_cost)) * 1.0


@vectorised
def person_days_cost_per_day(person_days_per_month, day_rate, automation_factor=0.0):
    r"""Daily cost of effort counted in person-days per month.

    Parameters
    ----------
    person_days_per_month : array_like
        [person-days/month]
    day_rate : array_like
        [currency/person-day]
    automation_factor : array_like, default 0
        Share of the effort automated away, a. [1]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: C = \frac{d_{month} \cdot rate \cdot (1 - a)}{365/12}

    Examples
    --------
    Two models at 2 person-days each per month, 1,000 per day:

    >>> round(person_days_cost_per_day(4, 1000), 4)
    131.5068
    """
    return per_month_to_per_day(np.multiply(np.multiply(person_days_per_month, day_rate),
                                            np.subtract(1.0, automation_factor))) * 1.0


@vectorised
def operations_fte(nodes, nodes_per_engineer, automation_factor=0.0):
    r"""Operations engineers needed for a fleet (fractional).

    Parameters
    ----------
    nodes : array_like
        Instances or servers in service. [1]
    nodes_per_engineer : array_like
        [1]
    automation_factor : array_like, default 0
        a. [1]

    Returns
    -------
    numpy.ndarray or float
        [FTE]

    Notes
    -----
    .. math:: FTE_{ops} = \frac{nodes}{nodes\_per\_engineer} (1 - a)

    Examples
    --------
    >>> operations_fte(40, 50, 0.5)
    0.4
    """
    return np.multiply(np.divide(nodes, nodes_per_engineer), np.subtract(1.0, automation_factor)) * 1.0


#: The kinds of staff line item: name, the formula shown in the items table, the functions computing it.
KINDS = item_kinds(
    "staff",
    ("role", "FTE × loaded annual cost ÷ 365", (fte_cost_per_day,)),
    ("task", "person-days/month × day rate ÷ (365/12)", (person_days_cost_per_day,)),
    ("model upkeep", "person-days/model/month × day rate × (1 − automation) ÷ (365/12)", (person_days_cost_per_day,)),
    ("operations", "nodes ÷ nodes per engineer × (1 − automation) × loaded annual cost ÷ 365",
     (operations_fte, fte_cost_per_day)),
    ("training", "headcount × training days/year × day rate ÷ 365", (per_year_to_per_day,)),
)


def _annual(ctx: Context, annual_cost, rate):
    return ctx.resolve_price(annual_cost, lambda: ctx.catalog.staff_rate(rate), "{value:,.0f} {currency}/year",
                             "catalog {key} ({value:,.0f} {currency}/year, {as_of})")


def items(ctx: Context, sizings) -> list[LineItem]:
    st = ctx.scenario.staff
    cur = ctx.currency
    auto = st.automation_factor
    out: list[LineItem] = []
    headcount = 0.0
    for role in st.roles:
        annual = _annual(ctx, role.annual_cost, role.rate)
        headcount += role.fte
        out.append(LineItem(KINDS["role"], f"role: {role.role}", "", num(fte_cost_per_day(role.fte, annual.value)),
                            role.fte, "FTE", annual.basis))
    for task in st.tasks:
        rate = task.day_rate if task.day_rate is not None else st.day_rate
        out.append(LineItem(KINDS["task"], f"task: {task.task}", "",
                            num(person_days_cost_per_day(task.person_days_per_month, rate)),
                            task.person_days_per_month, "person-days/month", f"{fmt(rate, ',.0f')} {cur}/person-day"))
    if nonzero(st.upkeep_person_days_per_model_per_month):
        for sz in sizings:
            out.append(LineItem(KINDS["model upkeep"], "model upkeep", sz.name,
                                num(person_days_cost_per_day(st.upkeep_person_days_per_model_per_month, st.day_rate, auto)),
                                st.upkeep_person_days_per_model_per_month, "person-days/month",
                                f"{fmt(st.day_rate, ',.0f')} {cur}/person-day, automation {fmt(auto, 'g')}"))
    if st.operations is not None:
        nodes = sum(num(sz.instances) for sz in sizings if sz.deployment != "api")
        fte = num(operations_fte(nodes, st.operations.nodes_per_engineer, auto))
        annual = _annual(ctx, st.operations.annual_cost, st.operations.rate)
        headcount += fte
        out.append(LineItem(KINDS["operations"], "operations", "", num(fte_cost_per_day(fte, annual.value)), fte, "FTE",
                            f"{fmt(nodes, 'g')} nodes, {fmt(st.operations.nodes_per_engineer, 'g')} per engineer; "
                            f"{annual.basis}"))
    if nonzero(st.training_days_per_person_per_year):
        days = headcount * st.training_days_per_person_per_year
        out.append(LineItem(KINDS["training"], "training", "", num(per_year_to_per_day(days * st.day_rate)), days,
                            "person-days/year",
                            f"{fmt(headcount, 'g')} FTE × {fmt(st.training_days_per_person_per_year, 'g')} days"))
    return out
