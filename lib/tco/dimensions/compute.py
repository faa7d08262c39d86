"""Compute cost / 计算资源成本: serving fleets, hosted APIs, training runs and CPU fleets."""

from __future__ import annotations

import numpy as np

from .. import capacity, performance, pricing, serving
from ..context import Context, LineItem, item_kinds
from ..units import fmt
from ..units import scalar_or_array as num
from ..pricing import fleet_cost_per_day, per_month_to_per_day
from ..units import HOURS_PER_DAY

#: Traffic multiples (of the scenario's own) over which the hosted-API break-even is searched.
BREAK_EVEN_GRID = np.logspace(-4, 3, 141)  # 20 points per decade

#: The kinds of compute line item: name, the formula shown in the items table, the functions computing it.
KINDS = item_kinds(
    "compute",
    ("inference serving",
     "instance-hours/day × price/instance-hour; instances from replicas = max(load, SLO, min) + redundancy",
     (performance.prefill_flops, performance.embedding_bytes, performance.prefill_time, performance.throughput,
      serving.attention_flops, serving.kv_bytes_per_token, serving.moe_step_weight_bytes, serving.distinct_experts,
      serving.allreduce_time, serving.speculative_tokens_per_step, serving.batch_for_memory,
      serving.time_per_output_token, serving.replica_request_rate, performance.replica_size, capacity.arrival_rates,
      capacity.replicas_for_load, capacity.erlang_c, capacity.replicas_for_slo, capacity.instances_needed,
      pricing.onprem_accelerator_hour_cost)),
    ("hosted API", "requests/day × (input tokens × price_in + output tokens × price_out) ÷ 10^6, at the tier's "
     "prices; cached input at the cached price, cache writes at the write price, the batchable share at the batch "
     "price, prompts above the long-context threshold at its prices",
     (pricing.api_cost_per_day, pricing.api_tiered_cost_per_day)),
    ("training and refresh", "c·N·D ÷ (peak × mfu_train × 3600) × price/accelerator-hour × runs/month ÷ (365/12)",
     (performance.training_flops, serving.attention_flops, performance.accelerator_hours)),
    ("CPU", "instances × 24 × price/instance-hour", (fleet_cost_per_day,)),
)


def items(ctx: Context, sizings) -> list[LineItem]:
    cur = ctx.currency
    out: list[LineItem] = []
    for model, sz in zip(ctx.scenario.models, sizings):
        if sz.deployment == "api":
            out.append(LineItem(KINDS["hosted API"], "hosted API", sz.name, num(sz.serving_cost_per_day),
                                num(sz.requests_per_day_served), "requests/day", f"{sz.api_model}"))
        else:
            rate = sz.rate
            priced = rate.priced
            cost = num(sz.serving_cost_per_day) if priced else float("nan")
            where = sz.instance if sz.deployment == "cloud" else f"on-premises {sz.accelerator} servers"
            price = f"; {fmt(num(rate.price_per_instance_hour), ',.2f')} {cur}/instance-hour" if priced else ""
            out.append(LineItem(
                KINDS["inference serving"], "inference serving", sz.name, cost, num(sz.accelerator_hours_per_day),
                "accelerator-hours/day",
                f"{where}; {fmt(num(sz.instances), ',.0f')} × {sz.accelerators_per_instance} {sz.accelerator}; "
                f"{rate.basis}{price}"))
        if sz.training_rate is not None:
            tr = model.training
            rate = sz.training_rate
            hours = sz.training_accelerator_hours_per_run * tr.runs_per_month
            price = (f", {fmt(rate.price_per_accelerator_hour, ',.2f')} {cur}/accelerator-hour"
                     if rate.priced else "")  # the basis says "unpriced"
            out.append(LineItem(
                KINDS["training and refresh"], "training and refresh", sz.name,
                num(per_month_to_per_day(sz.training_cost_per_run * tr.runs_per_month)),
                num(per_month_to_per_day(hours)), "accelerator-hours/day",
                f"{fmt(sz.training_accelerator_hours_per_run, ',.1f')} {rate.accelerator}-hours per run, "
                f"{fmt(tr.runs_per_month, 'g')} runs/month{price}; {rate.basis}"))
    for fleet in ctx.scenario.compute.cpu:
        price = ctx.resolve_price(fleet.price_per_hour, lambda: ctx.catalog.instance_price(fleet.instance, fleet.pricing),
                                  "scenario price", "{key} ({as_of})", f"CPU fleet {fleet.name}",
                                  f"the catalog has no '{fleet.pricing}' price for {fleet.instance}; "
                                  "give compute.cpu price_per_hour")
        out.append(LineItem(KINDS["CPU"], f"CPU: {fleet.name}", "", fleet_cost_per_day(fleet.count, price.value),
                            fleet.count * HOURS_PER_DAY, "instance-hours/day", price.basis))
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
