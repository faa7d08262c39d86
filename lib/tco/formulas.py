"""The formula registry: which library function computes each kind of line item, and its LaTeX.

The equations shown in the notebooks are read from the ``.. math::`` blocks of the functions'
docstrings, so the text a student reads is the text the code documents; nothing is retyped.

>>> latex(performance.prefill_flops)
['F_{prefill} = 2 N k t']
>>> [f.__name__ for f in FORMULAS["staff"]["operations"]]
['operations_fte', 'fte_cost_per_day']
"""

from __future__ import annotations

import inspect
import re

from . import capacity, performance, pricing, serving
from .dimensions import data, fusion, staff, storage


def latex(func) -> list[str]:
    """The equations in the ``.. math::`` blocks of ``func``'s docstring (continuation lines joined)."""
    doc = inspect.getdoc(func) or ""
    out: list[str] = []
    lines = doc.splitlines()
    i = 0
    while i < len(lines):
        match = re.match(r"^(\s*)\.\. math::\s*(.*)$", lines[i])
        if not match:
            i += 1
            continue
        indent = len(match.group(1))
        parts = [match.group(2).strip()] if match.group(2).strip() else []
        i += 1
        while i < len(lines) and (lines[i].strip() == "" and not parts or
                                  len(lines[i]) - len(lines[i].lstrip()) > indent and lines[i].strip()):
            if lines[i].strip():
                parts.append(lines[i].strip())
            i += 1
        out.append(" ".join(parts))
    return out


def summary(func) -> str:
    """First line of ``func``'s docstring."""
    return (inspect.getdoc(func) or "").splitlines()[0]


#: dimension -> line-item kind (the start of the item name) -> functions that compute it, in order
FORMULAS: dict[str, dict[str, list]] = {
    "data": {
        "acquisition": [data.volume_cost_per_day],
        "licence": [pricing.per_month_to_per_day],
        "processing": [data.volume_cost_per_day],
        "labelling": [data.labelling_cost_per_day],
        "retention": [data.retained_gb, pricing.stored_cost_per_day],
    },
    "storage": {
        "model registry": [storage.registry_gb, pricing.stored_cost_per_day],
        "serving disks": [pricing.stored_cost_per_day],
        "on-premises media": [storage.media_cost_per_day],
        "distribution transfer": [storage.transfer_cost_per_day],
    },
    "compute": {
        "inference serving": [performance.prefill_flops, performance.embedding_bytes, performance.prefill_time,
                              performance.throughput, serving.attention_flops, serving.kv_bytes_per_token,
                              serving.moe_step_weight_bytes, serving.distinct_experts, serving.allreduce_time,
                              serving.speculative_tokens_per_step, serving.batch_for_memory,
                              serving.time_per_output_token, serving.replica_request_rate,
                              performance.replica_size, capacity.arrival_rates, capacity.replicas_for_load,
                              capacity.erlang_c, capacity.replicas_for_slo, capacity.instances_needed,
                              pricing.onprem_accelerator_hour_cost],
        "hosted API": [pricing.api_cost_per_day],
        "training and refresh": [performance.training_flops, serving.attention_flops, performance.accelerator_hours],
        "CPU": [],
    },
    "staff": {
        "role": [staff.fte_cost_per_day],
        "task": [staff.person_days_cost_per_day],
        "model upkeep": [staff.person_days_cost_per_day],
        "operations": [staff.operations_fte, staff.fte_cost_per_day],
        "training": [pricing.per_year_to_per_day],
    },
    "fusion": {
        "traffic shares": [fusion.cascade_shares],
        "combiner": [fusion.combiner_cost_per_day],
        "routing": [fusion.combiner_cost_per_day],
        "meta-model training": [pricing.per_month_to_per_day],
        "integration upkeep": [staff.person_days_cost_per_day],
        "fusion algorithm upkeep": [fusion.algorithm_upkeep_per_day],
    },
}


def item_kind(dimension: str, item: str) -> str:
    """The registry key a line item belongs to (its name up to ':' or '(')."""
    for kind in FORMULAS[dimension]:
        if item == kind or item.startswith(kind + ":") or item.startswith(kind + " ("):
            return kind
    return item


def formulas_for(dimension: str, items=None) -> list[tuple[str, str, str, str]]:
    """``(kind, function name, summary, LaTeX)`` for the functions behind ``dimension``'s items.

    With ``items`` (line-item names), only the kinds that occur are listed, in the order seen.
    """
    kinds = list(FORMULAS[dimension])
    if items is not None:
        seen = [item_kind(dimension, it) for it in items]
        kinds = [k for k in dict.fromkeys(seen) if k in FORMULAS[dimension]]
    out, done = [], set()
    for kind in kinds:
        for func in FORMULAS[dimension][kind]:
            if (kind, func) in done:
                continue
            done.add((kind, func))
            for eq in latex(func):
                out.append((kind, func.__name__, summary(func), eq))
    return out
