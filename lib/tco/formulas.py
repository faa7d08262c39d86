"""The equations of the library functions behind each kind of line item.

Which functions compute a kind of line item is declared once, beside the code that computes it
(``KINDS`` in each module of :mod:`tco.dimensions`). The equations shown in the notebooks are read
from the ``.. math::`` blocks of the functions' docstrings, so the text a student reads is the
text the code documents; nothing is retyped.

>>> latex(performance.prefill_flops)
['F_{prefill} = 2 N k t']
>>> KINDS["staff"]["operations"].function_names
['operations_fte', 'fte_cost_per_day']
"""

from __future__ import annotations

import inspect
import re

from . import performance  # noqa: F401 (doctest)
from .dimensions import KINDS


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


def functions(dimension: str) -> list:
    """The formula functions behind ``dimension``'s kinds of line item, each once, in kind order.

    >>> [f.__name__ for f in functions("data")]
    ['volume_cost_per_day', 'per_month_to_per_day', 'labelling_cost_per_day', 'retained_gb', 'stored_cost_per_day']
    """
    return list(dict.fromkeys(f for kind in KINDS[dimension].values() for f in kind.functions))


def formulas_for(dimension: str, kinds=None) -> list[tuple[str, str, str, str]]:
    """``(kind, function name, summary, LaTeX)`` for the functions behind ``dimension``'s items.

    With ``kinds`` (the ``kind`` column of a report's items), only the kinds that occur are
    listed, in the order seen; otherwise every kind the dimension declares.

    >>> [row[:2] for row in formulas_for("staff", ["role", "role", "training"])]
    [('role', 'fte_cost_per_day'), ('training', 'per_year_to_per_day')]
    """
    declared = KINDS[dimension]
    names = list(declared) if kinds is None else list(dict.fromkeys(kinds))
    out = []
    for name in names:
        for func in dict.fromkeys(declared[name].functions):
            for eq in latex(func):
                out.append((name, func.__name__, summary(func), eq))
    return out
