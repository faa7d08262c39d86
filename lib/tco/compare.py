"""Compare two scenarios: every line item whose cost changed, by how much, and which inputs differ.

Like a cost diff of infrastructure code: items are matched by (dimension, item, model); each
changed item lists the inputs that differ in the parts of the scenario it depends on (its model's
block, the traffic and fusion for compute, the dimension's own section otherwise).

Then each group of differing inputs (one model's serving block, the traffic, the storage...) is
applied alone to scenario a (a what-if of :mod:`tco.variants`): what it changes on its own, and
what is left to the changes acting together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .dimensions import INPUT_SECTIONS
from .edits import ABSENT, set_path
from .engine import evaluate
from .errors import ScenarioError
from .report import CostReport, _clean
from .scenario import Scenario, parse_scenario, scenario_to_dict
from .text import table
from .variants import Variant, evaluate_variants


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
            rows.append({"input": key, "a": "(default)" if va is None else va, "b": "(default)" if vb is None else vb})
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


#: blocks of a model applied as one group; the model's other fields form one group together
MODEL_BLOCKS = ("serving", "training", "speculative")


def _group(key: str, both: set) -> str:
    """The group a differing input is applied with: a block of a model (``models[m].serving``),
    the model's other fields (``models[m]``; all of it when only one scenario has the model), else
    the top-level section (``traffic``)."""
    if key.startswith("models["):
        name, _, rest = key[len("models["):].partition("]")
        block = rest.lstrip(".").split(".")[0].split("[")[0]
        return f"models[{name}].{block}" if name in both and block in MODEL_BLOCKS else f"models[{name}]"
    return key.split(".")[0].split("[")[0]


def attribution(a: Scenario, b: Scenario, inputs: pd.DataFrame, base: CostReport | None = None,
                keep_reports: bool = False) -> pd.DataFrame:
    """The change in the daily total that each group of differing inputs makes alone, applied to a.

    A group that cannot be applied alone (a model only one scenario has; values that are only
    valid together with another group's) says so in ``note``. The row ``together`` holds what the
    groups do only in combination: the total change minus the sum of the changes alone.
    """
    index = {m.name: i for i, m in enumerate(a.models)}
    both = set(index) & {m.name for m in b.models}
    groups: dict[str, list[dict]] = {}
    for d in inputs.to_dict(orient="records"):
        groups.setdefault(_group(d["input"], both), []).append(d)
    found = []
    for group, rows in groups.items():
        label = "; ".join(f"{r['input']}: {r['a']} -> {r['b']}" for r in rows[:4]) + \
            (f"; ... {len(rows) - 4} more" if len(rows) > 4 else "")
        model = group[len("models["):].partition("]")[0] if group.startswith("models[") else None
        if model is not None and model not in both:
            found.append(Variant(group, None, note=f"model {model} is only in {'b' if model not in index else 'a'}",
                                 group=label))
            continue
        data = scenario_to_dict(a)
        try:
            for r in rows:
                path = r["input"] if model is None else f"models[{index[model]}]" + r["input"][len(f"models[{model}]"):]
                set_path(data, path, ABSENT if r["b"] in ("(absent)", "(default)") else r["b"])
            found.append(Variant(group, parse_scenario(data, source=getattr(a, "_source", None)), group=label))
        except ScenarioError as exc:
            found.append(Variant(group, None, note=f"not possible alone: {exc.problems[0][1]}", group=label))
    base = base or evaluate(a, compare=False)
    table = evaluate_variants(found, base=base, keep_reports=keep_reports)
    out = pd.DataFrame({"change": table.variant, "inputs": table.group, "status": table.status, "note": table.note,
                        "delta_per_day": -table.saving_per_day})
    if keep_reports:
        out["report"] = table.report
    return out


@dataclass
class Comparison:
    a: CostReport
    b: CostReport
    items: pd.DataFrame
    inputs: pd.DataFrame
    alone: pd.DataFrame = None  # tco.compare.attribution: each group of inputs applied alone to a

    @property
    def together(self) -> float:
        """What the changes do only in combination: the total change minus the sum of those alone."""
        if self.alone is None or self.alone.empty:
            return 0.0
        return self.b.per_day - self.a.per_day - float(self.alone.delta_per_day.sum(skipna=True))

    @property
    def totals(self) -> dict[str, dict[str, float]]:
        return {k: {"a": self.a.totals[k], "b": self.b.totals[k], "change": self.b.totals[k] - self.a.totals[k]}
                for k in self.a.totals}

    def to_dict(self) -> dict:
        return _clean({"a": self.a.name, "b": self.b.name, "currency": [self.a.currency, self.b.currency],
                       "totals": self.totals, "items": self.items.to_dict(orient="records"),
                       "inputs": self.inputs.to_dict(orient="records"),
                       "alone": [] if self.alone is None else self.alone.to_dict(orient="records"),
                       "together_per_day": self.together})

    def to_text(self, width: int = 100) -> str:
        """The comparison for a terminal, ``width`` cells wide (model names may be CJK)."""
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
        if self.alone is not None and not self.alone.empty:
            out.append("\nEach change alone, applied to a (per day)")
            rows = [(r["change"], f"{round(r['delta_per_day'], 2) + 0.0:+,.2f}" if r["status"] == "ok" else r["note"])
                    for r in self.alone.to_dict(orient="records")]
            rows.append(("together (interactions)", f"{round(self.together, 2) + 0.0:+,.2f}"))
            out.append(table(rows, indent="  ", sep=" ", max_width=width))
        return "\n".join(out)


def compare(a: Scenario, b: Scenario) -> Comparison:
    """Evaluate both scenarios and diff their line items and inputs."""
    ra, rb = evaluate(a, compare=False), evaluate(b, compare=False)
    inputs = input_differences(a, b)
    alone = attribution(a, b, inputs, ra, keep_reports=True)
    both = {m.name for m in a.models} & {m.name for m in b.models}
    groups = [_group(k, both) for k in inputs.input]
    # each line item's cost with each group of inputs applied alone (None: the group cannot be)
    moved = {row["change"]: None if row["report"] is None else
             dict(row["report"].items.set_index(["dimension", "item", "model"]).cost_per_day.items())
             for row in alone.to_dict(orient="records")}
    alone = alone.drop(columns="report")
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
        here = (r["dimension"], r["item"], r["model"])

        def effect(group, here=here, before=a_cost):
            """How much ``group`` alone moves this item (a group that cannot be applied alone: first)."""
            if moved.get(group) is None:
                return float("inf")
            after = moved[group].get(here, float("nan"))
            return abs((0 if after != after else after) - (0 if before != before else before))

        relevant = [(d, g) for d, g in zip(inputs.to_dict(orient="records"), groups)
                    if _relevant(r["dimension"], r["kind"], r["model"], d["input"])]
        relevant.sort(key=lambda dg: -effect(dg[1]))  # the inputs that move this item first; stable
        because = [f"{d['input']}: {d['a']} -> {d['b']}" for d, _ in relevant]
        rows.append({"dimension": r["dimension"], "item": r["item"], "model": r["model"], "change": change,
                     "a_per_day": a_cost, "b_per_day": b_cost, "delta_per_day": delta, "change_pct": pct,
                     "because": "; ".join(because[:6]) + (f"; ... {len(because) - 6} more" if len(because) > 6 else "")})
    items = pd.DataFrame(rows, columns=["dimension", "item", "model", "change", "a_per_day", "b_per_day",
                                        "delta_per_day", "change_pct", "because"])
    if len(items):
        items = items.reindex(items.delta_per_day.abs().sort_values(ascending=False, kind="stable").index)
    return Comparison(ra, rb, items.reset_index(drop=True), inputs, alone)
