"""Multi-model fusion cost / 多模型融合成本: traffic shares per strategy and the fusion line items."""

from __future__ import annotations

from ..units import vectorised

import numpy as np

from ..context import Context, LineItem, item_kinds
from ..units import fmt, nonzero
from ..units import scalar_or_array as num
from ..pricing import per_month_to_per_day
from ..units import MS_PER_SECOND, SECONDS_PER_HOUR
from .staff import person_days_cost_per_day


#: Assumptions used when a scenario is switched to a strategy it does not configure (chapters,
#: levers, explorer): a cascade escalates this share at each stage; stacking gets a small CPU
#: meta-model retrained weekly. Not from a source: a scenario's own values always win.
DEFAULT_ESCALATION = 0.2
DEFAULT_META_MODEL = {"instance": "c7i.xlarge", "hours_per_run": 4.0, "runs_per_month": 4.0}


@vectorised
def cascade_shares(escalation):
    r"""Traffic share of each stage of a cascade.

    Parameters
    ----------
    escalation : array_like
        For stages 2..n, the fraction of the previous stage's traffic escalated, e_m. [1]

    Returns
    -------
    numpy.ndarray
        Shares :math:`s_1 .. s_n` of the traffic entering the cascade. [1]

    Notes
    -----
    .. math:: s_1 = 1, \quad s_m = \prod_{j=2}^{m} e_j

    Examples
    --------
    >>> cascade_shares([0.2, 0.5])
    array([1. , 0.2, 0.1])
    """
    e = np.asarray(escalation, dtype=float)
    return np.concatenate([np.ones(e.shape[:-1] + (1,)), np.cumprod(e, axis=-1)], axis=-1)


def traffic_shares(scenario) -> list[float]:
    """Share of non-cached requests reaching each model, after its own traffic_share and routing."""
    own = [m.traffic_share for m in scenario.models]
    if scenario.fusion.strategy == "cascade":
        # stages on the last axis, samples (if any) before it
        routed = cascade_shares(np.stack(np.broadcast_arrays(*scenario.fusion.escalation), axis=-1))
        routed = np.moveaxis(routed, -1, 0)
        return [num(own[0] * r * (own[i] if i else 1.0)) for i, r in enumerate(routed)]
    return own


@vectorised
def combiner_cost_per_day(requests_per_day, cpu_ms_per_request, price_per_instance_hour, vcpus):
    r"""Daily cost of the CPU time spent combining or routing model outputs.

    Parameters
    ----------
    requests_per_day : array_like
        Requests reaching the combiner. [requests/day]
    cpu_ms_per_request : array_like
        [ms]
    price_per_instance_hour : array_like
        [currency/h]
    vcpus : array_like
        vCPUs of the instance. [1]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    Paid per vCPU-hour used:

    .. math:: C = \frac{Q \cdot t_{cpu}/1000}{3600} \cdot \frac{p_{inst}}{vCPU}

    Examples
    --------
    >>> round(combiner_cost_per_day(3.6e7, 0.1, 0.1785, 4), 4)
    0.0446
    """
    cpu_hours = np.divide(np.multiply(requests_per_day, cpu_ms_per_request), MS_PER_SECOND * SECONDS_PER_HOUR)
    return np.multiply(cpu_hours, np.divide(price_per_instance_hour, vcpus)) * 1.0


@vectorised
def algorithm_upkeep_per_day(algorithm_cost_per_day, complexity):
    r"""The articles' fusion line, read as a daily upkeep scaled by the algorithm's complexity.

    Parameters
    ----------
    algorithm_cost_per_day : array_like
        Upkeep of the fusion algorithm at full complexity. [currency/day]
    complexity : array_like
        F in [0, 1]. [1]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    The article prints :math:`C_{fuse} = C_{cost-fuse} \times F` without a time unit; the workbook
    reads the cost as per day:

    .. math:: C_{fuse} = c_{day} \cdot F

    Examples
    --------
    >>> algorithm_upkeep_per_day(100, 0.5)
    50.0
    """
    return np.multiply(algorithm_cost_per_day, complexity)


_COMBINER = "requests/day × CPU ms ÷ 1000 ÷ 3600 × price/instance-hour ÷ vCPUs"
#: The kinds of fusion line item: name, the formula shown in the items table, the functions computing
#: it. A cascade's routing comes with the shares it routes to each stage.
KINDS = item_kinds(
    "fusion",
    ("routing", _COMBINER, (cascade_shares, combiner_cost_per_day)),
    ("combiner", _COMBINER, (combiner_cost_per_day,)),
    ("meta-model training", "hours/run × runs/month × price/instance-hour ÷ (365/12)", (per_month_to_per_day,)),
    ("integration upkeep", "person-days/model/month × models × day rate ÷ (365/12)", (person_days_cost_per_day,)),
    ("fusion algorithm upkeep", "fusion algorithm cost/day × complexity (the articles' C_fuse = C × F, per day)",
     (algorithm_upkeep_per_day,)),
)


def _instance_hour(ctx: Context, instance: str):
    vcpus = num(ctx.catalog.row("instance_types", instance)["vcpus"])
    price = ctx.resolve_price(None, lambda: ctx.catalog.instance_price(instance, "on_demand"),
                              catalog_basis="{key} ({as_of})", what=f"instance {instance}",
                              reason="no on_demand price in the catalog")
    return price, vcpus


def items(ctx: Context, sizings) -> list[LineItem]:
    sc = ctx.scenario
    fu = sc.fusion
    out: list[LineItem] = []
    if fu.strategy == "single":
        if nonzero(fu.algorithm_cost_per_day) and nonzero(fu.complexity):
            out.append(_algorithm_item(ctx))
        return out
    q = num(sizings[0].requests_per_day_served)
    if nonzero(fu.combiner_cpu_ms_per_request):
        price, vcpus = _instance_hour(ctx, fu.combiner_instance)
        kind = KINDS["routing"] if fu.strategy == "cascade" else KINDS["combiner"]
        what = "routing" if fu.strategy == "cascade" else f"combiner ({fu.combiner})"
        out.append(LineItem(kind, what, "", num(combiner_cost_per_day(q, fu.combiner_cpu_ms_per_request, price.value, vcpus)),
                            q * fu.combiner_cpu_ms_per_request / MS_PER_SECOND / SECONDS_PER_HOUR, "vCPU-hours/day",
                            price.basis))
    if fu.meta_model is not None:
        mm = fu.meta_model
        price, _ = _instance_hour(ctx, mm.instance)
        hours = mm.hours_per_run * mm.runs_per_month
        out.append(LineItem(KINDS["meta-model training"], "meta-model training", "",
                            num(per_month_to_per_day(hours * price.value)), num(per_month_to_per_day(hours)),
                            "instance-hours/day", price.basis))
    if nonzero(fu.integration_person_days_per_model_per_month):
        n = len(sc.models)
        days = fu.integration_person_days_per_model_per_month * n
        out.append(LineItem(KINDS["integration upkeep"], "integration upkeep", "",
                            num(person_days_cost_per_day(days, sc.staff.day_rate)), days, "person-days/month",
                            f"{n} models, {fmt(sc.staff.day_rate, ',.0f')} {ctx.currency}/person-day"))
    if nonzero(fu.algorithm_cost_per_day) and nonzero(fu.complexity):
        out.append(_algorithm_item(ctx))
    return out


def _algorithm_item(ctx: Context) -> LineItem:
    fu = ctx.scenario.fusion
    return LineItem(KINDS["fusion algorithm upkeep"], "fusion algorithm upkeep", "",
                    algorithm_upkeep_per_day(fu.algorithm_cost_per_day, fu.complexity), fu.complexity,
                    "complexity (0-1)", f"{fmt(fu.algorithm_cost_per_day, 'g')} {ctx.currency}/day × {fmt(fu.complexity, 'g')}")
