"""Compare two scenarios: every line item whose cost changed, by how much, and which inputs differ.

Like a cost diff of infrastructure code: items are matched by (dimension, item, model); each
changed item lists the inputs that differ in the parts of the scenario it depends on (its model's
block, the traffic and fusion for compute, the dimension's own section otherwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .dimensions import INPUT_SECTIONS
from .engine import evaluate
from .report import CostReport, _clean
from .scenario import Scenario


def flatten(value, prefix: str = "") -> dict[str, object]:
    """Scenario data as ``{path: value}`` (``models[0].serving.instance``...), defaults included."""
    out: dict[str, object] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = value
    return out


def _model_paths(scenario: Scenario) -> dict[str, str]:
    return {m.name: f"models[{i}]" for i, m in enumerate(scenario.models)}


def input_differences(a: Scenario, b: Scenario) -> pd.DataFrame:
    """Every input whose value differs; models are matched by name, not position."""
    fa = flatten(a.model_dump(mode="json"))
    fb = flatten(b.model_dump(mode="json"))
    pa, pb = _model_paths(a), _model_paths(b)

    def by_name(flat, paths):
        renamed = {}
        for key, v in flat.items():
            for name, p in paths.items():
                if key == p or key.startswith(p + "."):
                    key = f"models[{name}]" + key[len(p):]
                    break
            renamed[key] = v
        return renamed

    fa, fb = by_name(fa, pa), by_name(fb, pb)
    rows = []
    for key in sorted(set(fa) | set(fb)):
        if key in ("name", "title", "description", "assumptions") or key.startswith("assumptions"):
            continue
        va, vb = fa.get(key, "(absent)"), fb.get(key, "(absent)")
        if va != vb:
            rows.append({"input": key, "a": va, "b": vb})
    return pd.DataFrame(rows, columns=["input", "a", "b"])


#: besides its own section, what an item depends on, by (dimension, kind of item; "" for the
#: others); items that follow the fleet size depend on the traffic and routing that size it
FLEET = ("traffic", "fusion", "on_prem")
DEPENDS = {
    ("data", ""): (),
    ("storage", "model registry"): (),
    ("storage", ""): FLEET,  # serving copies, media, transfer follow the fleet
    ("compute", ""): FLEET,
    ("staff", "operations"): FLEET,
    ("staff", "training"): FLEET,  # headcount includes operations
    ("staff", ""): (),
    ("fusion", ""): ("traffic", "staff"),  # requests combined, day rate
}


def _relevant(dimension: str, kind: str, model: str, key: str) -> bool:
    """Could input ``key`` change a line item of ``kind`` in ``dimension`` (for ``model``, or shared)?"""
    top = key.split(".")[0].split("[")[0]
    if top in ("currency", "as_of"):
        return True
    extra = DEPENDS.get((dimension, kind), DEPENDS[(dimension, "")])
    if top == "models":
        if model:
            return key.startswith(f"models[{model}]")
        return bool(extra) or dimension == "fusion"  # shared fleet-sized items depend on every model
    return top in INPUT_SECTIONS[dimension] or top in extra


@dataclass
class Comparison:
    a: CostReport
    b: CostReport
    items: pd.DataFrame
    inputs: pd.DataFrame

    @property
    def totals(self) -> dict[str, dict[str, float]]:
        return {k: {"a": self.a.totals[k], "b": self.b.totals[k], "change": self.b.totals[k] - self.a.totals[k]}
                for k in self.a.totals}

    def to_dict(self) -> dict:
        return _clean({"a": self.a.name, "b": self.b.name, "currency": [self.a.currency, self.b.currency],
                       "totals": self.totals, "items": self.items.to_dict(orient="records"),
                       "inputs": self.inputs.to_dict(orient="records")})

    def to_text(self) -> str:
        cur = self.b.currency
        out = [f"Comparing {self.a.name} (a) with {self.b.name} (b), money per day in {cur}"]
        if self.a.currency != self.b.currency:
            out.append(f"  note: a is in {self.a.currency}, b in {self.b.currency}; amounts are not converted")
        if self.items.empty:
            out.append("\nNo line item changed.")
        for r in self.items.to_dict(orient="records"):
            sign = {"added": "+", "removed": "-", "changed": "~"}[r["change"]]
            label = f"{r['dimension']}: {r['item']}" + (f" [{r['model']}]" if r["model"] else "")
            a = "" if r["a_per_day"] is None or (isinstance(r["a_per_day"], float) and math.isnan(r["a_per_day"])) \
                else f"{r['a_per_day']:,.2f}"
            b = "" if r["b_per_day"] is None or (isinstance(r["b_per_day"], float) and math.isnan(r["b_per_day"])) \
                else f"{r['b_per_day']:,.2f}"
            pct = f" ({r['change_pct']:+.1f}%)" if r["change_pct"] is not None and not math.isnan(r["change_pct"]) else ""
            out.append(f"\n{sign} {label}\n    {a or '-':>14} -> {b or '-':<14} {r['delta_per_day']:+,.2f}{pct}")
            if r["because"]:
                out.append(f"    because: {r['because']}")
        out.append("\nTotals")
        for k, v in self.totals.items():
            digits = 4 if k == "per_1k_requests" else 2
            pct = f" ({v['change'] / v['a'] * 100:+.1f}%)" if v["a"] else ""
            out.append(f"  {k:<16} {v['a']:>18,.{digits}f} -> {v['b']:>18,.{digits}f}  {v['change']:+,.{digits}f}{pct}")
        if not self.inputs.empty:
            out.append(f"\nInputs that differ ({len(self.inputs)})")
            for r in self.inputs.to_dict(orient="records"):
                out.append(f"  {r['input']}: {r['a']} -> {r['b']}")
        return "\n".join(out)


def compare(a: Scenario, b: Scenario) -> Comparison:
    """Evaluate both scenarios and diff their line items and inputs."""
    ra, rb = evaluate(a, compare=False), evaluate(b, compare=False)
    inputs = input_differences(a, b)
    key = ["dimension", "item", "kind", "model"]  # an item's name gives its kind
    ia = ra.items[key + ["cost_per_day"]].rename(columns={"cost_per_day": "a_per_day"})
    ib = rb.items[key + ["cost_per_day"]].rename(columns={"cost_per_day": "b_per_day"})
    merged = ia.merge(ib, on=key, how="outer", indicator=True)
    rows = []
    for r in merged.to_dict(orient="records"):
        a_cost, b_cost = r["a_per_day"], r["b_per_day"]
        if r["_merge"] == "both":
            if a_cost == b_cost or (a_cost != a_cost and b_cost != b_cost):
                continue
            change = "changed"
        else:
            change = "added" if r["_merge"] == "right_only" else "removed"
        delta = (0 if b_cost != b_cost else b_cost) - (0 if a_cost != a_cost else a_cost)
        pct = delta / a_cost * 100 if change == "changed" and a_cost else float("nan")
        because = [f"{d['input']}: {d['a']} -> {d['b']}" for d in inputs.to_dict(orient="records")
                   if _relevant(r["dimension"], r["kind"], r["model"], d["input"])]
        rows.append({"dimension": r["dimension"], "item": r["item"], "model": r["model"], "change": change,
                     "a_per_day": a_cost, "b_per_day": b_cost, "delta_per_day": delta, "change_pct": pct,
                     "because": "; ".join(because[:6]) + (f"; ... {len(because) - 6} more" if len(because) > 6 else "")})
    items = pd.DataFrame(rows, columns=["dimension", "item", "model", "change", "a_per_day", "b_per_day",
                                        "delta_per_day", "change_pct", "because"])
    if len(items):
        items = items.reindex(items.delta_per_day.abs().sort_values(ascending=False, kind="stable").index)
    return Comparison(ra, rb, items.reset_index(drop=True), inputs)
