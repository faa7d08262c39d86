"""Random mutations of the bundled scenarios are either refused cleanly or costed sensibly (issue 16).

Starting from each bundled scenario's mapping (and the hand-made base scenario of
tests/test_bad_inputs.py), hypothesis applies one to three random mutations: a leaf replaced by a
value of another type or an extreme number (NaN, infinity, 1e308, -0, huge integers...), a key
deleted, a key added (a schema field name in the wrong place, or a random one), a list made
shorter, longer or empty. Then exactly one of two things must happen:

* :func:`tco.parse_scenario` (or sizing, inside :func:`tco.evaluate`) raises :class:`ScenarioError`
  whose message is a non-empty string without a traceback, and whose problems are (path, message)
  pairs of strings; or
* :func:`tco.evaluate` returns a report in which every line item costs a finite, non-negative
  amount per day, or is deliberately unpriced (cost NaN, ``priced`` False, and an ``unpriced``
  warning says why), and the totals are finite and non-negative (``per_1k_requests`` is NaN only
  when there are no requests).

Any other exception, an infinite or negative cost, or an evaluation taking more than
``EXAMPLE_LIMIT_S`` fails. Runs are reproducible (``derandomize=True``).
"""

from __future__ import annotations

import copy
import math
import signal
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import tco
from tco import ScenarioError
from tco.scenario import parse_scenario
from tco.scenario import Scenario

from conftest import bundled_scenarios
from test_bad_inputs import base_scenario

CATALOG = tco.load_catalog()
BASES = {**bundled_scenarios(), "base": base_scenario()}
EXAMPLE_LIMIT_S = 10.0
#: no shrinking: a failing example is already small (its mutations are listed), and shrinking one takes
#: about a minute, which CI cannot spare
PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _field_names() -> list[str]:
    names, todo, seen = set(), [Scenario], set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(name)
            stack = [info.annotation]
            while stack:
                t = stack.pop()
                if isinstance(t, type) and issubclass(t, BaseModel):
                    todo.append(t)
                stack += list(getattr(t, "__args__", ()) or ())
    return sorted(names)


FIELD_NAMES = _field_names()
EXTREME_NUMBERS = [0, -0.0, -1, 1, 0.5, 1.0000001, 1e308, -1e308, 1.7976931348623157e308, 5e-324, 1e-300, 1e15,
                   1e30, 2 ** 31, 2 ** 63, 10 ** 30, float("inf"), float("-inf"), float("nan")]
VALUES = st.one_of(
    st.sampled_from(EXTREME_NUMBERS),
    st.none(),
    st.booleans(),
    st.integers(-(10 ** 20), 10 ** 20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "lots", "1e6", "g6.xlarge", "H100-SXM", "cloud", "api", "ensemble", "2026-13-01"]),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.sampled_from(["low", "high", "mode", "p5", "p95", "dist", "x"]),
                    st.one_of(st.floats(-10, 10), st.sampled_from(["lognormal", "weibull"])), max_size=3),
)


def _paths(node, path=()):
    """Every (path, node) below ``node``, containers and leaves alike (the root excepted)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + (key,), value
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield path + (i,), value
            yield from _paths(value, path + (i,))


def _parent(data, path):
    for key in path[:-1]:
        data = data[key]
    return data


def _numbers(node, path=()):
    """Paths of every number written as a plain number (ranges' ends included)."""
    return [p for p, v in _paths(node, path) if isinstance(v, (int, float)) and not isinstance(v, bool)]


#: well-typed numbers, most of them extreme: these reach the engine more often than random types do
FINITE_NUMBERS = st.one_of(st.sampled_from([x for x in EXTREME_NUMBERS if isinstance(x, int) or math.isfinite(x)]),
                           st.floats(0, 1e308), st.floats(0, 1), st.integers(0, 2 ** 70))


@st.composite
def numbers_changed(draw):
    """A bundled scenario with one to four of its numbers replaced by well-typed, mostly extreme ones."""
    name = draw(st.sampled_from(sorted(BASES)))
    data = copy.deepcopy(BASES[name])
    log = [name]
    numbers = _numbers(data)
    for path in draw(st.lists(st.sampled_from(numbers), min_size=1, max_size=4, unique=True)):
        value = draw(FINITE_NUMBERS)
        _parent(data, path)[path[-1]] = value
        log.append(f"{path} = {value!r}")
    return name, data, log


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(BASES)))
    data = copy.deepcopy(BASES[name])
    log = [name]
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(data))
        kind = draw(st.sampled_from(["replace", "replace", "delete", "add", "list"]))
        if kind == "replace":
            leaves = [p for p, v in paths if not isinstance(v, (dict, list))] or [p for p, _ in paths]
            path = draw(st.sampled_from(leaves))
            old = _parent(data, path)[path[-1]]
            number = isinstance(old, (int, float)) and not isinstance(old, bool)
            value = draw(st.one_of(st.sampled_from(EXTREME_NUMBERS), VALUES) if number else VALUES)
            _parent(data, path)[path[-1]] = value
            log.append(f"{path} = {value!r}")
        elif kind == "delete":
            keyed = [p for p, _ in paths if isinstance(p[-1], str)]
            path = draw(st.sampled_from(keyed))
            del _parent(data, path)[path[-1]]
            log.append(f"del {path}")
        elif kind == "add":
            mappings = [()] + [p for p, v in paths if isinstance(v, dict)]
            path = draw(st.sampled_from(mappings))
            key = draw(st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=8)))
            value = draw(VALUES)
            node = _parent(data, path + (None,))
            node[key] = value
            log.append(f"{path}[{key!r}] = {value!r}")
        else:
            lists = [p for p, v in paths if isinstance(v, list)]
            if not lists:
                continue
            path = draw(st.sampled_from(lists))
            items = _parent(data, path)[path[-1]]
            how = draw(st.sampled_from(["shorter", "longer", "empty"]))
            if how == "shorter" and items:
                items.pop(draw(st.integers(0, len(items) - 1)))
            elif how == "longer" and items:
                items.append(copy.deepcopy(items[draw(st.integers(0, len(items) - 1))]))
            elif how == "empty":
                items.clear()
            log.append(f"{path}: {how}")
    return name, data, log


class TooSlow(BaseException):
    pass


def _too_slow(signum, frame):
    raise TooSlow()


def _check_rejection(error: ScenarioError) -> None:
    text = str(error)
    assert isinstance(text, str) and text.strip(), "empty message"
    assert "Traceback" not in text, text
    assert error.problems, "a ScenarioError without problems"
    for path, message in error.problems:
        assert isinstance(path, str) and isinstance(message, str) and message.strip(), error.problems


def _check_report(report) -> None:
    unpriced_warned = "unpriced" in report.warning_codes
    for item in report.line_items:
        cost = np.asarray(item.cost_per_day, dtype=float)
        label = f"{item.dimension} / {item.item} ({item.model or 'shared'}): {cost}"
        if np.all(np.isfinite(cost)):
            assert np.all(cost >= 0), f"negative cost: {label}"
        else:
            assert np.all(np.isnan(cost)), f"infinite cost (not a deliberate unpriced NaN): {label}"
            assert not item.priced and unpriced_warned, f"unpriced item without an 'unpriced' warning: {label}"
    totals = report.totals
    for key in ("per_day", "per_month", "per_year"):
        assert math.isfinite(totals[key]) and totals[key] >= 0, (key, totals)
    per_1k = totals["per_1k_requests"]
    if report.requests_per_day > 0:
        assert math.isfinite(per_1k) and per_1k >= 0, totals
    else:
        assert math.isnan(per_1k), totals


@PROPERTY
@given(mutated())
def test_mutated_scenario_is_refused_cleanly_or_costed_sensibly(case):
    """Any mutation: types, extremes, deleted and added keys, list lengths."""
    _refused_cleanly_or_costed_sensibly(*case)


@PROPERTY
@given(numbers_changed())
def test_extreme_numbers_are_refused_cleanly_or_costed_sensibly(case):
    """Numbers only, well-typed and mostly extreme (0, 5e-324, 1e308, 2**70...): more of these are costed."""
    _refused_cleanly_or_costed_sensibly(*case)


def _refused_cleanly_or_costed_sensibly(name, data, log):
    note(f"mutations: {log}")
    previous = signal.signal(signal.SIGALRM, _too_slow)
    signal.setitimer(signal.ITIMER_REAL, EXAMPLE_LIMIT_S)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # numpy overflow: the costs are checked below
            try:
                scenario = parse_scenario(data, CATALOG)
            except ScenarioError as exc:
                _check_rejection(exc)
                event("refused by the schema")
                return
            try:
                report = tco.evaluate(scenario, CATALOG)
            except ScenarioError as exc:  # sizing: an SLO or a model no replica can hold
                _check_rejection(exc)
                event("refused while sizing")
                return
    except TooSlow:
        pytest.fail(f"more than {EXAMPLE_LIMIT_S:g} s for {log}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    event("costed")
    _check_report(report)


def test_every_base_is_costed():
    """Control: the unmutated starting points evaluate (else every example would be a rejection)."""
    for name, data in BASES.items():
        _check_report(tco.evaluate(parse_scenario(copy.deepcopy(data), CATALOG), CATALOG))
