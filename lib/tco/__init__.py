"""tco: the cost workbook for deploying large AI models in e-commerce search and recommendation.

Public face (DESIGN section 2)::

    from tco import load_scenario, evaluate
    report = evaluate(load_scenario("data/scenarios/search-rerank-l4.yaml"))
    report.totals          # per_day, per_month, per_year, per_1k_requests
    report.items           # tidy line items of the five dimensions

The names below are imported on first use (PEP 562), so that ``import tco`` and
``python -m tco --help`` load neither pandas, pydantic nor scipy.

The modules stand in layers (:data:`LAYERS`, bottom first); a module imports only from its own
layer and those below it (``tests/test_imports.py`` checks it):

1. **foundation**: ``units`` (constants, unit names), ``errors``, ``files`` (safe names and writes),
   ``text`` (terminal tables measured in display cells);
2. **formulas**: the physics and economics, numbers in and out, knowing nothing of scenarios:
   ``performance``, ``serving``, ``capacity``, ``pricing``, ``business``, ``energy`` (power, kWh, tCO2e),
   ``variance`` (plan against actual: usage and price variance, implied utilisation);
3. **inputs**: ``ranges``, ``catalog``, ``safeyaml`` (reading scenario files with limits), ``scenario`` (the
   schema and its validation), ``labels``
   (scenario fields as people read them);
4. **costing**: one scenario to one report: ``context``, ``operating_point``, ``sizing``, ``footprint``
   (energy and carbon of a scenario),
   ``dimensions`` (the five dimensions' line items and their own formulas), ``edits`` (the rules of
   scenario edits), ``report``, ``formulas`` (the LaTeX of each item's functions), ``engine``;
5. **analysis**: many evaluations: ``variants`` (what-ifs), ``uncertainty``, ``sweep``, ``compare``,
   ``validation``, ``paper`` (the source article's formulas), ``dimensional`` (pint unit checks),
   ``workbook`` (formatted spreadsheets: below the presentation so that ``sweep`` writes with it),
   ``focus`` (the estimate as a FOCUS 1.2 export), ``reconcile`` (a FOCUS bill against the estimate, in
   DuckDB), ``billgen`` (synthetic FOCUS bills);
6. **presentation**: ``plots``, ``chapters``, ``explorer``, ``report_index`` (a report
   set's index page), ``offline_html`` (self-contained report pages), ``pdf`` (Chromium
   print-to-PDF), ``batch``, ``cli``.
"""

import importlib

from .catalog import Catalog, load_catalog  # light: the catalog module imports pandas when it reads a table
from .errors import CatalogError, ScenarioError

__version__ = "0.1.0"

#: The layers of the package, bottom first: (name, modules). See the module docstring.
LAYERS = (
    ("foundation", ("units", "errors", "files", "text")),
    ("formulas", ("performance", "serving", "capacity", "pricing", "business", "energy", "variance")),
    ("inputs", ("ranges", "catalog", "safeyaml", "scenario", "labels")),
    ("costing", ("context", "operating_point", "sizing", "footprint", "dimensions", "edits", "report", "formulas",
                 "engine")),
    ("analysis", ("variants", "uncertainty", "sweep", "compare", "validation", "paper", "dimensional",
                  "workbook", "focus", "reconcile", "billgen")),
    ("presentation", ("plots", "chapters", "explorer", "report_index", "offline_html", "pdf", "batch", "cli",
                      "__main__")),
)

#: Public names defined in a submodule, imported when first asked for.
_LAZY = {"evaluate": "engine", "CostReport": "report", "Scenario": "scenario", "load_scenario": "scenario",
         "repo_path": "scenario"}


def __getattr__(name: str):
    """``tco.evaluate``, ``tco.Scenario``... and any submodule (``tco.sizing``), imported on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def catalog(directory: str | None = None) -> Catalog:
    """The reference catalog (``data/catalog/`` unless ``directory`` is given)."""
    return load_catalog(directory)


__all__ = ["CostReport", "Catalog", "CatalogError", "Scenario", "ScenarioError", "catalog", "evaluate",
           "load_catalog", "load_scenario", "repo_path", "__version__"]
