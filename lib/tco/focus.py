"""The estimate as a FOCUS 1.2 cost and usage export: one row per line item per day.

FOCUS, the FinOps Open Cost and Usage Specification, is the open format in which AWS, Azure,
Google Cloud, OCI and the FinOps tools export bills. Version 1.2 was ratified by the FinOps
Foundation in May 2025 (https://focus.finops.org/focus-specification/v1-2/, read 2026-12-05).
Writing the estimate in the same columns lets any FOCUS tool show the plan next to the actuals,
and lets :mod:`tco.reconcile` compare the two with one query.

Each line item of a :class:`tco.report.CostReport` becomes one row per day of the period:

- **cost**: ListCost = ContractedCost = EffectiveCost = BilledCost = the item's daily cost (an
  estimate has no discounts or amortisation, so the four are equal), in BillingCurrency = the
  scenario's currency;
- **quantity**: PricingQuantity / ConsumedQuantity with PricingUnit / ConsumedUnit, the item's
  daily quantity (accelerator-hours, GB, GB-months of storage held, 1M tokens of a hosted API,
  person-days of labour): :func:`daily_quantity`;
- **category**: ServiceCategory from the FOCUS 1.2 list: "AI and Machine Learning" for
  accelerators and hosted tokens, "Storage", "Compute" for CPU fleets, "Networking" for
  transfer, "Analytics" for data processing; labour (staff, labelling) is "Other": FOCUS
  describes what a cloud or SaaS provider bills and has no category for people;
- **the workbook's own columns** (FOCUS custom columns start with ``x_``): ``x_Dimension`` (data,
  storage, compute, staff, fusion), ``x_Model``, ``x_Scenario``, ``x_Item``, ``x_Kind``; the same
  three keys are in ``Tags`` (``tco-dimension``, ``tco-model``, ``tco-kind``), the way a real
  bill carries them when the resources are tagged so.

>>> from tco import evaluate
>>> from tco.scenario import repo_path
>>> report = evaluate(repo_path("data/scenarios/search-rerank-l4.yaml"), compare=False)
>>> rows = export_rows(report, days=2, start="2026-11-01")
>>> len(rows), len(report.line_items) * 2
(30, 30)
>>> serving = rows[rows.x_Kind == "inference serving"].iloc[0]
>>> serving.ServiceCategory, serving.ConsumedUnit, float(serving.ConsumedQuantity), str(serving.ChargePeriodStart)
('AI and Machine Learning', 'Accelerator-Hours', 148.0, '2026-11-01 00:00:00+00:00')
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .files import FILE_MODE, TEMP_PREFIX, write_atomic
from .pricing import per_month_to_per_day, per_year_to_per_day
from .units import DAYS_PER_MONTH, TOKENS_PER_MTOKEN

SPEC_URL = "https://focus.finops.org/focus-specification/v1-2/"
FOCUS_VERSION = "1.2"

#: FOCUS 1.2 columns written by the export, in the specification's spelling (the workbook's own
#: ``x_`` columns last). Azure's FOCUS 1.2 export spells them the same (finops-toolkit
#: src/open-data/dataset-metadata/FocusCost_1.2-preview.json, commit 6cbc74f5).
COLUMNS = (
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "ContractedUnitPrice",
    "BillingCurrency", "PricingCurrency", "BillingAccountId", "BillingAccountName", "SubAccountId", "SubAccountName",
    "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
    "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "PricingCategory",
    "ServiceCategory", "ServiceSubcategory", "ServiceName",
    "ProviderName", "PublisherName", "InvoiceIssuerName", "RegionId", "RegionName",
    "ResourceId", "ResourceName", "ResourceType", "SkuId", "SkuPriceId",
    "PricingQuantity", "PricingUnit", "ConsumedQuantity", "ConsumedUnit", "Tags",
    "x_Dimension", "x_Model", "x_Kind", "x_Item", "x_Scenario",
)

#: The columns :mod:`tco.reconcile` needs in an actual bill (the FOCUS 1.2 names).
REQUIRED = ("BilledCost", "EffectiveCost", "BillingCurrency", "ChargePeriodStart", "ChargePeriodEnd")

#: (ServiceCategory, ServiceSubcategory, ServiceName) of each kind of line item; FOCUS 1.2 lists
#: the allowed categories and subcategories (ServiceCategory, ServiceSubcategory columns).
LABOUR = ("Other", "Other (Other)", "Labour (in-house staff)")
SERVICES = {
    "inference serving": ("AI and Machine Learning", "Machine Learning", "Accelerated inference"),
    "hosted API": ("AI and Machine Learning", "Generative AI", "Hosted model API"),
    "training and refresh": ("AI and Machine Learning", "Machine Learning", "Accelerated training"),
    "CPU": ("Compute", "Virtual Machines", "Virtual machines"),
    "routing": ("Compute", "Virtual Machines", "Virtual machines"),
    "combiner": ("Compute", "Virtual Machines", "Virtual machines"),
    "acquisition": ("Analytics", "Data Processing", "Data acquisition"),
    "processing": ("Analytics", "Data Processing", "Data processing"),
    "labelling": ("Other", "Other (Other)", "Labelling (vendor labour)"),
    "retention": ("Storage", "Object Storage", "Object storage"),
    "model registry": ("Storage", "Object Storage", "Object storage"),
    "serving disks": ("Storage", "Block Storage", "Block storage"),
    "on-premises media": ("Storage", "Block Storage", "On-premises storage media"),
    "distribution transfer": ("Networking", "Network Connectivity", "Data transfer"),
}


def service(kind: str, dimension: str) -> tuple[str, str, str]:
    """(ServiceCategory, ServiceSubcategory, ServiceName) of a kind of line item: staff (and any
    fusion upkeep in person-days) is labour, "Other"; an unlisted kind falls back on its dimension.

    >>> service("inference serving", "compute")
    ('AI and Machine Learning', 'Machine Learning', 'Accelerated inference')
    >>> service("role", "staff")[0], service("fusion algorithm upkeep", "fusion")[0]
    ('Other', 'Other')
    """
    if kind in SERVICES:
        return SERVICES[kind]
    if dimension == "storage":
        return ("Storage", "Other (Storage)", kind)
    if dimension == "compute":
        return ("Compute", "Other (Compute)", kind)
    return LABOUR


def daily_quantity(quantity, unit: str) -> tuple[object, str]:
    """An item's quantity as what one day uses, with its FOCUS unit.

    Flows (``X/day``) are already per day; a stock held (``GB held``) uses GB-months a day
    (held ÷ 365/12); ``FTE`` are person-days a day; ``person-days/month`` and ``/year`` are
    converted with :func:`tco.pricing.per_month_to_per_day` / :func:`tco.pricing.per_year_to_per_day`.

    >>> daily_quantity(148.0, "accelerator-hours/day")
    (148.0, 'Accelerator-Hours')
    >>> q, u = daily_quantity(365.0, "GB held"); round(q, 6), u
    (12.0, 'GB-Months')
    >>> daily_quantity(1.5, "FTE"), daily_quantity(730.0, "person-days/year")
    ((1.5, 'Person-Days'), (2.0, 'Person-Days'))
    """
    unit = unit.strip()
    if unit == "GB held":
        return quantity / DAYS_PER_MONTH, "GB-Months"
    if unit == "FTE":
        return quantity, "Person-Days"
    if unit == "person-days/month":
        return per_month_to_per_day(quantity), "Person-Days"
    if unit == "person-days/year":
        return per_year_to_per_day(quantity), "Person-Days"
    if unit.endswith("/day"):
        unit = unit[: -len("/day")]
    return quantity, "-".join(part[:1].upper() + part[1:] for part in unit.split("-"))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def resource_id(scenario: str, dimension: str, model: str, item: str) -> str:
    """The ResourceId the export gives a line item: ``tco/<scenario>/<dimension>/<model or ->/<item>``.

    >>> resource_id("search-rerank-l4", "compute", "cross-encoder-base", "inference serving")
    'tco/search-rerank-l4/compute/cross-encoder-base/inference-serving'
    """
    return f"tco/{scenario}/{dimension}/{_slug(model) if model else '-'}/{_slug(item)}"


def export_rows(report, days: int = 30, start: str | _dt.date | None = None) -> pd.DataFrame:
    """One FOCUS 1.2 row per priced line item per day, for ``days`` days from ``start`` (default:
    the first of the month of the scenario's ``as_of``). Unpriced items (NaN cost) are left out:
    a bill has no row for what nobody charges. Hosted-API items are in tokens
    (``report.tokens_per_request``): ConsumedQuantity in tokens, PricingQuantity in 1M tokens.
    """
    if days < 1:
        raise ValueError(f"days must be a whole number of at least 1, got {days}")
    first = _dt.date.fromisoformat(str(start)) if start is not None else \
        _dt.date.fromisoformat(report.as_of).replace(day=1)
    tokens = getattr(report, "tokens_per_request", {}) or {}
    period_start = pd.Timestamp(first, tz="UTC")
    period_end = period_start + pd.Timedelta(days=days)
    items = []
    for it in report.line_items:
        if not it.priced:
            continue
        cost = float(np.mean(it.cost_per_day))
        quantity, unit = daily_quantity(float(np.mean(it.quantity)), it.unit)
        consumed, consumed_unit, pricing_q, pricing_unit = quantity, unit, quantity, unit
        if it.kind.name == "hosted API" and it.model in tokens:
            consumed, consumed_unit = quantity * tokens[it.model], "Tokens"
            pricing_q, pricing_unit = consumed / TOKENS_PER_MTOKEN, "1M Tokens"
        category, subcategory, name = service(it.kind.name, it.dimension)
        unit_price = cost / pricing_q if pricing_q else float("nan")
        rid = resource_id(report.name, it.dimension, it.model, it.item)
        items.append({
            "BilledCost": cost, "EffectiveCost": cost, "ListCost": cost, "ContractedCost": cost,
            "ListUnitPrice": unit_price, "ContractedUnitPrice": unit_price,
            "BillingCurrency": report.currency, "PricingCurrency": report.currency,
            "BillingAccountId": f"tco-estimate/{report.name}", "BillingAccountName": report.title,
            "SubAccountId": f"tco-estimate/{report.name}", "SubAccountName": report.name,
            "ChargeCategory": "Usage", "ChargeClass": None, "ChargeDescription": f"{it.item} ({it.note})"[:500],
            "ChargeFrequency": "Usage-Based", "PricingCategory": "Standard",
            "ServiceCategory": category, "ServiceSubcategory": subcategory, "ServiceName": name,
            "ProviderName": "tco estimate", "PublisherName": "tco estimate", "InvoiceIssuerName": "tco estimate",
            "RegionId": None, "RegionName": None,
            "ResourceId": rid, "ResourceName": it.item, "ResourceType": it.kind.name,
            "SkuId": f"tco:{it.dimension}:{_slug(it.kind.name)}", "SkuPriceId": f"{rid}@{report.as_of}",
            "PricingQuantity": pricing_q, "PricingUnit": pricing_unit,
            "ConsumedQuantity": consumed, "ConsumedUnit": consumed_unit,
            "Tags": json.dumps({"tco-scenario": report.name, "tco-dimension": it.dimension,
                                "tco-model": it.model, "tco-kind": it.kind.name}, ensure_ascii=False),
            "x_Dimension": it.dimension, "x_Model": it.model, "x_Kind": it.kind.name, "x_Item": it.item,
            "x_Scenario": report.name,
        })
    day_starts = pd.date_range(period_start, periods=days, freq="D")
    frame = pd.DataFrame(items).loc[np.repeat(np.arange(len(items)), days)].reset_index(drop=True) if items else \
        pd.DataFrame(columns=[c for c in COLUMNS if "Period" not in c])
    frame["ChargePeriodStart"] = np.tile(day_starts, len(items))
    frame["ChargePeriodEnd"] = frame["ChargePeriodStart"] + pd.Timedelta(days=1)
    frame["BillingPeriodStart"] = period_start
    frame["BillingPeriodEnd"] = period_end
    return frame[list(COLUMNS)]


def write(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write FOCUS rows to ``.csv``, ``.csv.gz`` or ``.parquet`` (Parquet through DuckDB, with
    timestamps as UTC ``TIMESTAMP WITH TIME ZONE``); dates in CSV are ISO 8601 with a ``Z``."""
    import duckdb

    path = Path(path)
    name = path.name.lower()
    if not name.endswith((".csv", ".csv.gz", ".parquet")):
        raise ValueError(f"--out {path}: the file name must end in .csv, .csv.gz or .parquet")
    out = frame.copy()
    if name.endswith(".parquet"):
        # DuckDB writes a temporary file beside the target, renamed over it only when complete
        tmp = path.with_name(f"{TEMP_PREFIX}{path.name}-p{os.getpid()}")
        try:
            con = duckdb.connect()
            con.register("rows", out)
            con.execute(f"COPY rows TO '{_sql_path(tmp)}' (FORMAT parquet)")
            con.close()
            os.chmod(tmp, FILE_MODE)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return path
    for column in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"):
        out[column] = pd.to_datetime(out[column], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    buffer = io.BytesIO()
    out.to_csv(buffer, index=False, compression={"method": "gzip", "mtime": 0} if name.endswith(".gz") else None)
    write_atomic(path, buffer.getvalue())
    return path


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
