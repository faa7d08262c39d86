"""tco: the cost workbook for deploying large AI models in e-commerce search and recommendation.

Public face (DESIGN section 2)::

    from tco import load_scenario, evaluate
    report = evaluate(load_scenario("data/scenarios/search-rerank-l4.yaml"))
    report.totals          # per_day, per_month, per_year, per_1k_requests
    report.items           # tidy line items of the five dimensions
"""

from .catalog import Catalog, load_catalog
from .engine import evaluate
from .errors import CatalogError, ScenarioError
from .report import CostReport
from .scenario import Scenario, load_scenario, repo_path

__version__ = "0.1.0"


def catalog(directory: str | None = None) -> Catalog:
    """The reference catalog (``data/catalog/`` unless ``directory`` is given)."""
    return load_catalog(directory)


__all__ = ["CostReport", "Catalog", "CatalogError", "Scenario", "ScenarioError", "catalog", "evaluate",
           "load_catalog", "load_scenario", "repo_path", "__version__"]
