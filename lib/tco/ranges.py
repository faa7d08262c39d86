"""Ranges in scenario files: any numeric input may be a distribution instead of a number.

Three forms are accepted wherever the schema takes a number::

    cache_hit_rate: {low: 0.2, mode: 0.3, high: 0.45}     # triangular; point value: the mode
    price_per_hour: {low: 2.0, high: 3.0}                 # uniform; point value: the midpoint
    requests_per_day: {p5: 2.0e+7, p95: 6.0e+7, dist: lognormal}   # point value: the median

Everything that is not a Monte Carlo run (the report, the chapters, the explorer) uses the point
value, so a scenario without ranges, or with ranges, costs the same there. :func:`extract` takes
the ranges out of a mapping read from YAML before the schema validates it, and records each under
the path of its field (``models[0].serving.price_per_hour``), the same notation error messages
use. :mod:`tco.uncertainty` samples them.

This module knows nothing of the scenario schema: :mod:`tco.scenario` imports it and hands
:func:`extract` its pydantic model, from which each field's bounds and integer-ness are read.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ScenarioError
from .units import plain_number

#: z-score of the 95th percentile of a standard normal distribution
Z95 = 1.6448536269514722
FORMS = ("{low, high} (uniform)", "{low, mode, high} (triangular)", "{p5, p95, dist: lognormal}")
DISTS = ("uniform", "triangular", "lognormal")
KEYS = {"low", "mode", "high", "p5", "p95", "dist"}


@dataclass(frozen=True)
class Range:
    """One uncertain input: its distribution, parameters and the point value used elsewhere.

    ``integer`` inputs (counts) are rounded after sampling; ``lower`` / ``upper`` are the
    schema's bounds for the field, which lognormal samples are clipped to.
    """

    path: str
    dist: str
    low: float = math.nan
    mode: float = math.nan
    high: float = math.nan
    p5: float = math.nan
    p95: float = math.nan
    integer: bool = False
    lower: float = -math.inf
    upper: float = math.inf

    @property
    def point(self) -> float:
        """The value used when the input is not sampled: mode, midpoint or median."""
        value = {"triangular": self.mode, "uniform": (self.low + self.high) / 2.0,
                 "lognormal": math.sqrt(self.p5 * self.p95)}[self.dist]
        return float(round(value)) if self.integer else float(value)

    @property
    def ends(self) -> tuple[float, float]:
        """The low and high ends shown in a tornado chart (p5 and p95 for a lognormal range)."""
        low, high = (self.p5, self.p95) if self.dist == "lognormal" else (self.low, self.high)
        return (float(round(low)), float(round(high))) if self.integer else (float(low), float(high))

    def ppf(self, q):
        """Values at quantiles ``q`` in [0, 1] (inverse distribution function), vectorised.

        >>> Range("x", "triangular", low=0.0, mode=0.0, high=1.0).ppf([0.0, 0.75, 1.0])
        array([0. , 0.5, 1. ])
        >>> round(float(Range("x", "lognormal", p5=1.0, p95=100.0).ppf(0.95)), 9)
        100.0
        """
        q = np.clip(np.asarray(q, dtype=float), 0.0, 1.0)
        if self.dist == "uniform":
            x = self.low + q * (self.high - self.low)
        elif self.dist == "triangular":
            a, c, b = self.low, self.mode, self.high
            cut = (c - a) / (b - a)
            x = np.where(q < cut, a + np.sqrt(q * (b - a) * (c - a)), b - np.sqrt((1.0 - q) * (b - a) * (b - c)))
        else:
            from scipy.special import ndtri

            mu = 0.5 * (math.log(self.p5) + math.log(self.p95))
            sigma = (math.log(self.p95) - math.log(self.p5)) / (2.0 * Z95)
            with np.errstate(over="ignore"):
                x = np.exp(mu + sigma * ndtri(q))
            x = np.clip(x, self.lower, self.upper)
        return np.rint(x) if self.integer else x

    def spec(self) -> dict:
        """The range as written in a scenario file."""
        if self.dist == "lognormal":
            return {"p5": self.p5, "p95": self.p95, "dist": "lognormal"}
        if self.dist == "triangular":
            return {"low": self.low, "mode": self.mode, "high": self.high}
        return {"low": self.low, "high": self.high}

    def describe(self) -> str:
        """The range as written, for tables: e.g. 'triangular 0.2 / 0.3 / 0.45'."""
        n = plain_number  # 40,000,000 rather than 4e+07
        if self.dist == "lognormal":
            return f"lognormal, p5 {n(self.p5)} / p95 {n(self.p95)}"
        if self.dist == "triangular":
            return f"triangular {n(self.low)} / {n(self.mode)} / {n(self.high)}"
        return f"uniform {n(self.low)} to {n(self.high)}"


def is_range(value: Any) -> bool:
    """Whether a value read from YAML is written as a range (a mapping of range keys)."""
    return isinstance(value, dict) and bool(value) and set(value) <= KEYS and bool(set(value) & {"low", "p5"})


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError
    return float(value)


def parse(path: str, spec: dict) -> Range:
    """Check one range written in a scenario; raises ValueError with a readable message."""
    keys = set(spec)
    dist = spec.get("dist")
    if dist is not None and dist not in DISTS:
        raise ValueError(f"range dist '{dist}' is not one of {', '.join(DISTS)}")
    try:
        values = {k: _number(spec[k]) for k in keys - {"dist"}}
    except ValueError:
        bad = {k: spec[k] for k in keys - {"dist"}}
        raise ValueError(f"range values must be finite numbers, got {bad}") from None
    if keys - {"dist"} == {"low", "high"} and dist in (None, "uniform"):
        r = Range(path, "uniform", low=values["low"], high=values["high"])
        if not r.low < r.high:
            raise ValueError(f"range low ({r.low:g}) must be below high ({r.high:g})")
    elif keys - {"dist"} == {"low", "mode", "high"} and dist in (None, "triangular"):
        r = Range(path, "triangular", low=values["low"], mode=values["mode"], high=values["high"])
        if not (r.low <= r.mode <= r.high and r.low < r.high):
            raise ValueError(f"range needs low <= mode <= high and low < high, got {r.low:g} / {r.mode:g} / {r.high:g}")
    elif keys - {"dist"} == {"p5", "p95"} and dist == "lognormal":
        r = Range(path, "lognormal", p5=values["p5"], p95=values["p95"])
        if not 0 < r.p5 < r.p95:
            raise ValueError(f"lognormal range needs 0 < p5 < p95, got p5 {r.p5:g}, p95 {r.p95:g}")
    else:
        raise ValueError(f"a range is one of {'; '.join(FORMS)}; got keys {', '.join(sorted(keys))}")
    return r


def _join(path: str, key) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else str(key))


def extract(data: Any, schema=None) -> tuple[Any, dict[str, Range], list[tuple[str, str]]]:
    """Split a mapping read from YAML into point values and ranges.

    Returns the mapping with every range replaced by its point value, the ranges by field path,
    and the problems found (``(path, message)``) in ranges that are not well formed. ``schema``
    (a pydantic model class, e.g. :class:`tco.scenario.Scenario`) gives each range its field's
    bounds and whether it is a count; without it ranges are unbounded real numbers.

    >>> point, ranges, problems = extract({"traffic": {"requests_per_day": {"low": 1, "high": 3}}})
    >>> point, list(ranges), problems
    ({'traffic': {'requests_per_day': 2.0}}, ['traffic.requests_per_day'], [])
    """
    ranges: dict[str, Range] = {}
    problems: list[tuple[str, str]] = []

    def visit(value, path):
        if not is_range(value):
            return KEEP
        try:
            r = _with_field_facts(parse(path, value), schema)
        except ValueError as exc:
            problems.append((path, str(exc)))
            return value
        ranges[path] = r
        return r.point

    return rewrite(data, visit), ranges, problems


#: What a ``rewrite`` visitor returns to leave a value as it is (and look inside it).
KEEP = object()


#: Deepest nesting of mappings and lists walked (as :data:`tco.safeyaml.MAX_DEPTH` for files).
MAX_DEPTH = 32


def rewrite(data: Any, visit, max_depth: int = MAX_DEPTH) -> Any:
    """A copy of nested mappings and lists in which ``visit(value, path)`` may replace any value:
    it returns the replacement, or :data:`KEEP` to keep the value and go on into it.

    Data nested more than ``max_depth`` levels (a mapping built in code; files are refused
    earlier, by :mod:`tco.safeyaml`) raises :class:`tco.errors.ScenarioError` naming the path
    where the limit was passed, instead of exhausting Python's recursion limit.

    >>> rewrite({"a": [1, {"b": 2}]}, lambda value, path: value * 10 if path == "a[1].b" else KEEP)
    {'a': [1, {'b': 20}]}
    >>> deep = [0]
    >>> for _ in range(2000):
    ...     deep = [deep]
    >>> rewrite({"traffic": deep}, lambda value, path: KEEP)
    Traceback (most recent call last):
    ...
    tco.errors.ScenarioError: Scenario is not valid:
      - traffic[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nested more than 32 levels deep; a scenario needs far fewer
    """
    def too_deep(path):
        return ScenarioError([(path, f"nested more than {max_depth} levels deep; a scenario needs far fewer")])

    def walk(value, path, depth):
        new = visit(value, path)
        if new is not KEEP:
            return new
        if isinstance(value, dict):
            if depth >= max_depth:
                raise too_deep(path)
            return {k: walk(v, _join(path, k), depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            if depth >= max_depth:
                raise too_deep(path)
            return [walk(v, _join(path, i), depth + 1) for i, v in enumerate(value)]
        return value

    return walk(data, "", 0)


def substitute(data: Any, values: dict[str, Any]) -> Any:
    """A copy of a mapping with the values at the given field paths replaced."""
    return rewrite(data, lambda value, path: values.get(path, KEEP))


def restore(data: Any, ranges: dict[str, Range]) -> Any:
    """A copy of a point-value mapping with the ranges written back where the value is still the
    range's point value (an input nobody changed keeps its range when a scenario is saved again).

    >>> r = Range("traffic.cache_hit_rate", "uniform", low=0.2, high=0.4)
    >>> restore({"traffic": {"cache_hit_rate": 0.3}}, {r.path: r})
    {'traffic': {'cache_hit_rate': {'low': 0.2, 'high': 0.4}}}
    >>> restore({"traffic": {"cache_hit_rate": 0.25}}, {r.path: r})  # changed: stays a number
    {'traffic': {'cache_hit_rate': 0.25}}
    """

    def visit(value, path):
        r = ranges.get(path)
        if r is not None and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isclose(float(value), r.point, rel_tol=1e-12, abs_tol=1e-12):
            return r.spec()
        return KEEP

    return rewrite(data, visit)


# --- what the schema says of a field: integer or not, and its bounds ---------------------------
def _tokens(path: str) -> list:
    out: list = []
    for part in path.replace("]", "").split("."):
        name, *indices = part.split("[")
        if name:
            out.append(name)
        out += [int(i) for i in indices]
    return out


def _unwrap(annotation):
    """The model class, list or leaf type inside Optional/Union/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin is typing.Union or str(origin) == "types.UnionType":
        options = [a for a in typing.get_args(annotation) if a is not type(None)
                   and typing.get_origin(a) is not typing.Literal]
        return _unwrap(options[0]) if options else annotation
    return annotation


def _field_facts(path: str, schema) -> tuple[bool, float, float]:
    """(integer, lower, upper) for a field path of the pydantic model ``schema``; (False, -inf, inf)
    when unknown."""
    from pydantic import BaseModel

    current: Any = schema
    metadata: list = []
    leaf: Any = None
    for token in _tokens(path):
        current = _unwrap(current)
        if isinstance(token, int):
            if typing.get_origin(current) is not list:
                return False, -math.inf, math.inf
            current = typing.get_args(current)[0]
            leaf = current
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or token not in current.model_fields:
            return False, -math.inf, math.inf
        info = current.model_fields[token]
        current, leaf, metadata = info.annotation, info.annotation, list(info.metadata)
    base = _unwrap(leaf)
    if base not in (int, float):  # text, a choice, a date, a section: no distribution to sample
        kind = ("one of " + ", ".join(map(str, typing.get_args(base))) if typing.get_origin(base) is typing.Literal
                else "text" if base is str else "a list" if typing.get_origin(base) is list else "a section of the scenario"
                if isinstance(base, type) and issubclass(base, BaseModel) else getattr(base, "__name__", str(base)))
        raise ValueError(f"ranges ({{low, high}}, {{low, mode, high}}, {{p5, p95}}) are only allowed on numbers; "
                         f"this field takes {kind}")
    lower, upper = -math.inf, math.inf
    for m in metadata:
        lower = max(lower, float(getattr(m, "ge", getattr(m, "gt", -math.inf))))
        upper = min(upper, float(getattr(m, "le", getattr(m, "lt", math.inf))))
    return base is int, lower, upper


def _with_field_facts(r: Range, schema) -> Range:
    if schema is None:
        return r
    integer, lower, upper = _field_facts(r.path, schema)
    return Range(r.path, r.dist, r.low, r.mode, r.high, r.p5, r.p95, integer, lower, upper)
