"""A synthetic but FOCUS 1.2-valid bill made from a scenario with known multipliers, any size.

The bill is what the plan would have cost had every unit price been ``price`` times the estimate
and every quantity ``usage`` times it (so each row costs price × usage times the plan), billed in
``currency`` (converted from the scenario's at the catalog rate), plus rows no mapping can place
(``unmapped_share`` of the planned total: an untagged support plan and a CPU fleet of another
team). Each planned line item of each day is split over ``rows`` // (items × days) resources, so
the file can hold millions of rows; DuckDB writes it streaming, in chunks, never holding it in
memory. Reconciling it against the scenario must give back ``price`` and ``usage`` exactly
(tests/test_focus.py): it is the test bill of :mod:`tco.reconcile`.

The rows are like a provider's: no ``x_Dimension`` / ``x_Model`` columns, only ``Tags``
(``tco-dimension``, ``tco-model``, ``tco-kind``, plus ``team``) and resource names. ``seed``
decides the resource ids (``i-`` and 12 hexadecimal digits, as EC2 instance ids are written).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from .focus import COLUMNS, _sql_path, export_rows

PROVIDER = "Synthetic Cloud (tco generate-bill)"


def _template(report, days: int, start, price: float, usage: float, currency: str, catalog,
              unmapped_share: float) -> pd.DataFrame:
    """One day of bill rows (the plan × the multipliers, in ``currency``) and the unmapped rows."""
    plan = export_rows(report, days=1, start=start)
    rate = catalog.fx_rate(report.currency, currency)
    bill = plan.copy()
    for column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
        bill[column] = plan[column] * price * usage * rate
    for column in ("ListUnitPrice", "ContractedUnitPrice"):
        bill[column] = plan[column] * price * rate
    for column in ("PricingQuantity", "ConsumedQuantity"):
        bill[column] = plan[column] * usage
    bill["BillingCurrency"] = currency
    bill["PricingCurrency"] = currency
    bill["Tags"] = [t[:-1] + ', "team": "search-relevance"}' for t in plan["Tags"]]
    bill["ProviderName"] = bill["PublisherName"] = bill["InvoiceIssuerName"] = PROVIDER
    bill["BillingAccountId"] = bill["SubAccountId"] = "acct-000000000042"
    bill["BillingAccountName"] = bill["SubAccountName"] = "search production"
    bill["RegionId"], bill["RegionName"] = "cn-north-1", "China (Beijing)"
    planned_total = float(plan["EffectiveCost"].sum()) * rate
    unmapped = bill.iloc[:2].copy()
    unmapped["ServiceCategory"] = ["Other", "Compute"]
    unmapped["ServiceSubcategory"] = ["Other (Other)", "Virtual Machines"]
    unmapped["ServiceName"] = ["Business Support", "Virtual Machines"]
    unmapped["ResourceId"] = ["support-plan", "web-frontend-fleet"]
    unmapped["ResourceName"] = ["support plan", "web front-end (another team)"]
    unmapped["ResourceType"] = ["Support", "Virtual Machine"]
    unmapped["SkuId"] = ["support-business", "c7i.xlarge"]
    unmapped["ChargeDescription"] = ["Business support plan", "Front-end CPU fleet, not in this estimate"]
    shares = np.array([0.25, 0.75]) * unmapped_share * planned_total
    for column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
        unmapped[column] = shares
    unmapped["ListUnitPrice"] = unmapped["ContractedUnitPrice"] = [shares[0], shares[1] / 96.0]
    unmapped["PricingQuantity"] = unmapped["ConsumedQuantity"] = [1.0, 96.0]
    unmapped["PricingUnit"] = unmapped["ConsumedUnit"] = ["Month-Days", "Hours"]
    unmapped["Tags"] = ['{"team": "platform"}', '{"team": "web"}']
    for column in ("x_Dimension", "x_Model", "x_Kind", "x_Item", "x_Scenario"):
        unmapped[column] = None
    bill = pd.concat([bill, unmapped], ignore_index=True)
    return bill.drop(columns=["x_Dimension", "x_Model", "x_Kind", "x_Item", "x_Scenario"])


def generate(scenario, out: str | Path, rows: int = 10_000, days: int = 30, start=None, price: float = 1.1,
             usage: float = 0.8, currency: str = "USD", unmapped_share: float = 0.05, seed: int = 2026,
             catalog=None) -> dict:
    """Write a synthetic FOCUS bill of about ``rows`` rows (at least one per item and day) to
    ``out`` (``.csv``, ``.csv.gz`` or ``.parquet``). Returns what was written: rows, period, totals.

    >>> import tempfile, pathlib
    >>> from tco.scenario import repo_path
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "bill.parquet"
    >>> info = generate(repo_path("data/scenarios/search-rerank-l4.yaml"), out, rows=1000, days=10)
    >>> info["rows"], info["splits"], info["currency"]
    (1020, 6, 'USD')
    """
    import duckdb

    from .catalog import load_catalog
    from .engine import evaluate

    catalog = catalog or load_catalog()
    report = evaluate(scenario, catalog, compare=False)
    template = _template(report, days, start, price, usage, currency, catalog, unmapped_share)
    splits = max(1, int(np.ceil(rows / (len(template) * days))))
    out = Path(out)
    name = out.name.lower()
    if not name.endswith((".csv", ".csv.gz", ".parquet")):
        raise ValueError(f"--out {out}: the file name must end in .csv, .csv.gz or .parquet")
    salt = hashlib.sha256(str(seed).encode()).hexdigest()[:16]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("template_df", template)
    con.execute("CREATE TABLE template AS SELECT row_number() OVER () AS line, * FROM template_df")
    costs = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingQuantity", "ConsumedQuantity")
    select = []
    for column in [c for c in COLUMNS if not c.startswith("x_")]:
        if column in costs:
            select.append(f"{column} / {splits} AS {column}")
        elif column == "ChargePeriodStart":
            select.append("ChargePeriodStart + to_days(CAST(d.range AS INTEGER)) AS ChargePeriodStart")
        elif column == "ChargePeriodEnd":
            select.append("ChargePeriodEnd + to_days(CAST(d.range AS INTEGER)) AS ChargePeriodEnd")
        elif column == "BillingPeriodEnd":
            select.append(f"BillingPeriodStart + to_days({days}) AS BillingPeriodEnd")
        elif column == "ResourceId":
            select.append(f"CASE WHEN {splits} = 1 THEN ResourceId ELSE ResourceId || '/i-' || "
                          f"substr(md5('{salt}' || line || '-' || s.range), 1, 12) END AS ResourceId")
        else:
            select.append(column)
    query = f"SELECT {', '.join(select)} FROM template, range({days}) d, range({splits}) s"
    if len(template) * days * splits <= 200_000:  # small files byte for byte the same on every run; a big
        query += " ORDER BY d.range, line, s.range"  # one streams unsorted (a sort would hold it in memory)
    if name.endswith(".parquet"):
        options = "FORMAT parquet, ROW_GROUP_SIZE 122880"
    else:
        options = "FORMAT csv, HEADER, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%SZ'" + (
            ", COMPRESSION gzip" if name.endswith(".gz") else "")
    con.execute(f"COPY ({query}) TO '{_sql_path(out)}' ({options})")
    planned = float(template.loc[template.ServiceName.ne("Business Support") & template.ResourceId.ne(
        "web-frontend-fleet"), "EffectiveCost"].sum())
    con.close()
    return {"file": str(out), "rows": len(template) * days * splits, "splits": splits, "days": days,
            "currency": currency, "price": price, "usage": usage, "unmapped_share": unmapped_share,
            "mapped_cost_per_day": planned, "seed": seed}
