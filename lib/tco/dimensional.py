"""Unit analysis of the formulas with pint: run each one on dimensioned inputs.

Every formula function documents the unit of each parameter and of its result in brackets
(``[currency/GB-month]``). :func:`check` reads those units, gives the function its inputs as
:class:`pint.Quantity` objects, replaces the conversion constants of :mod:`tco.units` by their
dimensioned equivalents (``DAYS_PER_MONTH`` becomes 365/12 day/month, so it equals exactly 1),
and checks two things about what comes out:

- its **dimension** is the documented one (money per time for a cost: ``[currency] / [time]``);
- its **magnitude**, converted to the documented unit, equals the plain-number result, so a
  missing or doubled conversion factor (a month read as a year, MB as GB) is caught too.

Counts (requests, tokens, replicas, accelerators, FLOP...) are dimensionless here; money, time,
bytes, power and emissions (gCO2e) are dimensions. ``x`` in a generic unit such as ``[x/month]`` stands for money.

>>> check(pricing.stored_cost_per_day).ok
True
>>> str(check(pricing.stored_cost_per_day).unit_out)
'currency / day'
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
import sys
import warnings
from dataclasses import dataclass

import numpy as np

from . import business, capacity, energy, performance, pricing, serving, units, variance
from .dimensions import data, fusion, staff, storage

#: Count-like units: dimensionless, but named so that the units read as documented.
COUNTS = ("request", "query", "token", "item", "label", "inference", "replica", "instance",
          "accelerator", "person", "FTE", "erlang", "FLOP", "lookup", "sample", "pair", "session", "order")


#: The whole unit system, defined here rather than taken from pint's defaults so that a year is
#: the workbook's 365 days (pint's is 365.25) and bytes are a dimension (pint's are dimensionless).
DEFINITIONS = (
    "milli- = 1e-3 = m-", "kilo- = 1e3 = k-", "mega- = 1e6 = M-", "giga- = 1e9 = G-", "tera- = 1e12 = T-",
    "second = [time] = s = sec", "minute = 60 * second = min", "hour = 60 * minute = h = hr",
    "day = 24 * hour = d", "year = 365 * day = yr", "month = year / 12",
    "byte = [information] = B", "watt = [power] = W", "watt_hour = watt * hour = Wh",
    "currency = [currency]", "CNY = currency",
    "gCO2e = [emission]", "kgCO2e = 1e3 * gCO2e", "tCO2e = 1e6 * gCO2e",
)


@functools.lru_cache(maxsize=1)
def registry():
    """The pint unit registry of the workbook: money, time, bytes and power as dimensions, counts
    dimensionless, a year of 365 days and a month of 365/12 days.

    >>> q = registry().Quantity
    >>> q(3e6, "token").to("Mtoken"), q(1, "month").to("day")
    (<Quantity(3.0, 'Mtoken')>, <Quantity(30.4166667, 'day')>)
    """
    import pint

    ureg = pint.UnitRegistry(None)
    for definition in DEFINITIONS:
        ureg.define(definition)
    for name in COUNTS:
        ureg.define(f"{name} = []")
    ureg.define("Mtoken = 1e6 * token")
    ureg.define("TFLOP = 1e12 * FLOP")
    ureg.define("krequest = 1e3 * request")
    return ureg


def parse_unit(text: str):
    """A documented unit (``"currency/accelerator-hour"``) as a pint unit; a hyphen multiplies.

    >>> str(parse_unit("currency/GB-month"))
    'currency / gigabyte / month'
    >>> str(parse_unit("1/year")), str(parse_unit("x/day"))
    ('1 / year', 'currency / day')
    """
    text = text.strip()
    if text == "1":
        return registry().dimensionless
    text = re.sub(r"\bx\b", "currency", text)
    text = re.sub(r"([A-Za-z_]+(?:-[A-Za-z_]+)+)", lambda m: "(" + m.group(1).replace("-", " * ") + ")", text)
    return registry().parse_units(text)


def _bracket(lines: list[str]) -> str | None:
    found = re.findall(r"\[([^\[\]]+)\]", " ".join(lines))
    return found[-1] if found else None


def documented_units(func) -> tuple[dict[str, str], str]:
    """The units a numpydoc docstring gives each parameter and the result (last ``[...]`` of each).

    >>> documented_units(pricing.api_cost_per_day)[0]["input_price_per_mtok"]
    'currency/Mtoken'
    >>> documented_units(pricing.api_cost_per_day)[1]
    'currency/day'
    """
    doc = inspect.getdoc(func) or ""
    sections: dict[str, list[str]] = {}
    current = None
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()):
            current = line.strip()
            sections[current] = []
        elif current and not re.fullmatch(r"-{3,}", line.strip()):
            sections[current].append(line)
    params: dict[str, str] = {}
    names: list[str] = []
    block: list[str] = []

    def flush():
        unit = _bracket(block)
        for name in names:
            if unit is not None:
                params[name] = unit

    for line in sections.get("Parameters", []):
        if line and not line.startswith(" ") and " : " in line + " ":
            flush()
            names = [n.strip() for n in line.split(":")[0].split(",")]
            block = []
        else:
            block.append(line)
    flush()
    returns = _bracket(sections.get("Returns", []))
    if returns is None:
        raise ValueError(f"{func.__name__}: no [unit] in the Returns section")
    return params, returns


@contextlib.contextmanager
def _dimensioned_constants(func):
    """Temporarily give the conversion constants their units in ``func``'s module and in every
    module of the library (a formula may call another: staff uses pricing's per-year-to-per-day)."""
    q = registry().Quantity
    saved = []
    namespaces = [inspect.unwrap(func).__globals__]
    namespaces += [vars(m) for n, m in sys.modules.items() if n == "tco" or n.startswith("tco.")]
    try:
        for namespace in namespaces:
            for name, unit in units.CONSTANT_UNITS.items():
                if name in namespace and not hasattr(namespace[name], "units"):
                    saved.append((namespace, name, namespace[name]))
                    namespace[name] = q(getattr(units, name), unit)
        yield
    finally:
        for namespace, name, value in saved:
            namespace[name] = value


@dataclass(frozen=True)
class UnitCheck:
    """Outcome of :func:`check` for one function."""

    function: str
    unit_in: dict
    unit_documented: str
    unit_out: object
    dimension_out: str
    magnitude_plain: float
    magnitude_dimensioned: float
    dimension_ok: bool
    magnitude_ok: bool

    @property
    def ok(self) -> bool:
        return self.dimension_ok and self.magnitude_ok


#: Sample values for parameters whose shape or range matters; everything else gets 0.5 when
#: dimensionless (shares, efficiencies) and 3.0 otherwise.
SAMPLE_VALUES = {"weights": np.ones(24), "escalation": np.array([0.2, 0.5]), "experts": 8.0, "active_experts": 2.0,
                 "accelerators": 4.0}


def check(func, values: dict | None = None) -> UnitCheck:
    """Run ``func`` on plain and on dimensioned inputs; compare unit and magnitude with its docstring."""
    params, returns = documented_units(func)
    signature = inspect.signature(func)
    missing = [n for n in signature.parameters if n not in params]
    if missing:
        raise ValueError(f"{func.__name__}: no documented [unit] for {', '.join(missing)}")
    q = registry().Quantity
    plain_args, unit_args = {}, {}
    for name, text in params.items():
        unit = parse_unit(text)
        default = 0.5 if registry().Quantity(1, unit).dimensionless else 3.0
        value = (values or {}).get(name, SAMPLE_VALUES.get(name, default))
        plain_args[name] = value
        unit_args[name] = q(np.asarray(value, dtype=float), unit)
    plain = np.asarray(func(**plain_args), dtype=float)
    import pint

    with _dimensioned_constants(func), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = inspect.unwrap(func)(**unit_args)
    stripped = any(issubclass(w.category, pint.UnitStrippedWarning) for w in caught)
    if not hasattr(result, "units"):
        result = q(result, "")
    expected = parse_unit(returns)
    # a function that drops units is only trusted when every input was dimensionless anyway
    carried = not stripped or all(v.dimensionless for v in unit_args.values())
    dimension_ok = carried and result.dimensionality == q(1, expected).dimensionality
    converted = np.asarray(result.to(expected).magnitude, dtype=float) if dimension_ok else np.nan
    magnitude_ok = bool(dimension_ok and np.allclose(converted, plain, rtol=1e-9, atol=0))
    dimension = str(result.dimensionality) if not result.dimensionless else "dimensionless"
    return UnitCheck(func.__name__, {k: str(parse_unit(v)) for k, v in params.items()}, returns,
                     result.units, dimension, float(np.sum(plain)), float(np.nansum(converted)), dimension_ok, magnitude_ok)


#: Formula functions pint cannot carry, with the reason; everything else in ``MODULES`` is checked.
EXEMPT = {
    "erlang_c": "dimensionless queueing (offered load in erlang) on plain float arrays, which strips units",
    "wait_exceeds_probability": "a probability computed through erlang_c (see there)",
    "replicas_for_slo": "a bisection on erlang_c (see there); its inputs combine as λ·s = erlang",
    "max_arrival_rate": "a bisection on erlang_c (see there), the inverse of replicas_for_slo",
    "cached_lookup_share": "a count of lookups selected by comparing rows × bytes with bytes along a table axis "
                           "(sorted, so the sample values of the check do not apply); the result is a share [1]",
}

MODULES = (performance, serving, capacity, pricing, business, energy, data, storage, staff, fusion, variance)


def formula_functions() -> list:
    """Every vectorised formula function of the library, in module order."""
    out = []
    for module in MODULES:
        for _, obj in vars(module).items():
            if callable(obj) and hasattr(obj, "__wrapped__") and obj.__module__ == module.__name__:
                out.append(obj)
    return out


def check_all(functions=None):
    """A table of every formula function (or of ``functions``): documented unit, the dimension
    that comes out of the dimensioned run, and the verdict.

    >>> table = check_all()
    >>> bool(table["checked"].eq("yes").sum() >= 20), table.loc["stored_cost_per_day", "dimension out"]
    (True, '[currency] / [time]')
    """
    import pandas as pd

    rows = []
    for func in functions if functions is not None else formula_functions():
        module = func.__module__.rsplit(".", 1)[-1]
        if func.__name__ in EXEMPT:
            rows.append({"function": func.__name__, "module": module, "documented unit": documented_units(func)[1],
                         "dimension out": "", "checked": "exempt: " + EXEMPT[func.__name__]})
            continue
        result = check(func)
        rows.append({"function": func.__name__, "module": module, "documented unit": result.unit_documented,
                     "dimension out": result.dimension_out, "checked": "yes" if result.ok else "FAILED"})
    return pd.DataFrame(rows).set_index("function")
