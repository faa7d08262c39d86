"""Compute cost / 计算资源成本: serving fleets, hosted APIs, training runs and CPU fleets."""

from __future__ import annotations

import numpy as np

from ..context import Context, LineItem
from ..units import fmt, nonzero
from ..units import scalar_or_array as num
from ..pricing import fleet_cost_per_day, per_month_to_per_day
from ..units import HOURS_PER_DAY

#: Traffic multiples (of the scenario's own) over which the hosted-API break-even is searched.
BREAK_EVEN_GRID = np.logspace(-4, 3, 141)  # 20 points per decade


def items(ctx: Context, sizings) -> list[LineItem]:
    cur = ctx.currency
    out: list[LineItem] = []
    for model, sz in zip(ctx.scenario.models, sizings):
        if sz.deployment == "api":
            out.append(LineItem("compute", "hosted API", sz.name, num(sz.serving_cost_per_day),
                                num(sz.requests_per_day), "requests/day",
                                "requests/day × (input tokens × price_in + output tokens × price_out) ÷ 10^6",
                                f"{sz.api_model}"))
        else:
            rate = sz.rate
            cost = num(sz.serving_cost_per_day) if np.all(np.isfinite(rate.price_per_instance_hour)) else float("nan")
            where = sz.instance if sz.deployment == "cloud" else f"on-premises {sz.accelerator} servers"
            out.append(LineItem(
                "compute", "inference serving", sz.name, cost, num(sz.accelerator_hours_per_day),
                "accelerator-hours/day",
                "instance-hours/day × price/instance-hour; instances from replicas = max(load, SLO, min) + redundancy",
                f"{where}; {fmt(num(sz.instances), 'g')} × {sz.accelerators_per_instance} {sz.accelerator}; "
                f"{rate.basis}; {fmt(num(rate.price_per_instance_hour), ',.2f')} {cur}/instance-hour"))
        if sz.training_rate is not None:
            tr = model.training
            rate = sz.training_rate
            hours = sz.training_accelerator_hours_per_run * tr.runs_per_month
            out.append(LineItem(
                "compute", "training and refresh", sz.name,
                num(per_month_to_per_day(sz.training_cost_per_run * tr.runs_per_month)),
                num(per_month_to_per_day(hours)), "accelerator-hours/day",
                "c·N·D ÷ (peak × mfu_train × 3600) × price/accelerator-hour × runs/month ÷ (365/12)",
                f"{fmt(sz.training_accelerator_hours_per_run, ',.1f')} {rate.accelerator}-hours per run, "
                f"{fmt(tr.runs_per_month, 'g')} runs/month, {fmt(rate.price_per_accelerator_hour, ',.2f')} {cur}/accelerator-hour; {rate.basis}"))
    for fleet in ctx.scenario.compute.cpu:
        price = ctx.resolve_price(fleet.price_per_hour, lambda: ctx.catalog.instance_price(fleet.instance, fleet.pricing),
                                  "scenario price", "{key} ({as_of})", f"CPU fleet {fleet.name}",
                                  f"the catalog has no '{fleet.pricing}' price for {fleet.instance}; "
                                  "give compute.cpu price_per_hour")
        out.append(LineItem("compute", f"CPU: {fleet.name}", "", fleet_cost_per_day(fleet.count, price.value),
                            fleet.count * HOURS_PER_DAY, "instance-hours/day", "instances × 24 × price/instance-hour",
                            price.basis))
    return out


def api_comparison(scenario, sizings, arrival_rates_h, size) -> list[dict]:
    """Self-hosting against the hosted API for every model that names an API alternative.

    ``size(model, index, share, arrival_rates_h)`` re-sizes a model for other traffic (vectorised);
    the break-even is the daily traffic below which the API is the cheaper choice.
    """
    rows = []
    for i, (model, sz) in enumerate(zip(scenario.models, sizings)):
        if sz.deployment == "api" or not sz.api_model or sz.rate is None:
            continue
        grid = BREAK_EVEN_GRID[:, None] * np.asarray(arrival_rates_h)[None, :]
        other = size(model, i, sz.traffic_share, grid)
        self_cost = np.asarray(other.serving_cost_per_day, dtype=float)
        api_cost = np.asarray(other.api_cost_per_day, dtype=float)
        api_cheaper = api_cost < self_cost
        total_q = np.asarray(scenario.traffic.requests_per_day) * BREAK_EVEN_GRID
        break_even = float("nan")
        if api_cheaper[0] and not api_cheaper.all():
            first = int(np.argmin(api_cheaper))  # first traffic level where self-hosting wins
            break_even = num(total_q[first])
        rows.append({
            "model": sz.name, "api_model": sz.api_model, "traffic_share": num(sz.traffic_share),
            "self_hosted_per_day": num(sz.serving_cost_per_day),
            "api_per_day": num(sz.api_cost_per_day),
            "cheaper": "hosted API" if sz.api_cost_per_day < sz.serving_cost_per_day else "self-hosted",
            "break_even_requests_per_day": break_even,
            "api_cheaper_everywhere": bool(api_cheaper.all()),
            "self_hosting_cheaper_everywhere": bool(not api_cheaper.any()),
        })
    return rows
