"""Plan against actual: reconcile a FOCUS 1.2 bill with a scenario's estimate, in DuckDB.

The bill (CSV, CSV.gz or Parquet; several files or a folder; gigabytes) is never loaded into
memory: DuckDB scans it (``read_csv(..., union_by_name)``, ``read_parquet``), maps each row to a
dimension, model and kind of line item, and aggregates per day in SQL; only the aggregate, a few
hundred rows, comes back to Python. Then, per day × dimension × model, estimated against actual
and the variance; and the figures that explain it: the price per accelerator-hour actually paid,
the accelerator-hours billed against those sized (hence the implied utilisation), the tokens
billed against those estimated. Spend no rule maps is the ``unmapped`` dimension: shown, never
dropped, so that the actual total is the bill's total.

Mapping (``--map map.yaml``): rules tried in order, the first that matches a row wins::

    rules:
      - match: {tags: {app: rerank}, resource_name: "*cross-encoder*"}   # all must hold; globs
        dimension: compute
        model: cross-encoder-base
        kind: inference serving            # optional: the kind of line item (tco.dimensions KINDS)
      - match: {service_category: Storage}
        dimension: storage

Match keys: ``tags`` (key: value glob, read from the FOCUS ``Tags`` JSON), ``resource_id``,
``resource_name``, ``sku_id``, ``service_name``, ``service_category``, ``sub_account_id``. After the
rules, a row that carries ``x_Dimension`` / ``x_Model`` / ``x_Kind`` columns (a ``tco export-focus``
file) or the tags ``tco-dimension`` / ``tco-model`` / ``tco-kind`` is mapped by them.

Costs are the FOCUS ``EffectiveCost`` (amortised, after discounts: what the usage cost), converted
from ``BillingCurrency`` to the scenario's currency at the catalog's rates (data/catalog/fx.csv).
A charge is counted on the day its ``ChargePeriodStart`` falls on (UTC).
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import variance
from .errors import ScenarioError, visible
from .files import csv_text, write_atomic
from .focus import REQUIRED, SPEC_URL
from .units import TOKENS_PER_MTOKEN

DIMENSIONS = ("data", "storage", "compute", "staff", "fusion")
UNMAPPED = "unmapped"
SUFFIXES = (".csv", ".csv.gz", ".parquet")
#: FOCUS column of each match key of a mapping rule
MATCH_COLUMNS = {"resource_id": "ResourceId", "resource_name": "ResourceName", "sku_id": "SkuId",
                 "service_name": "ServiceName", "service_category": "ServiceCategory",
                 "sub_account_id": "SubAccountId"}
ACCELERATOR_KINDS = ("inference serving", "training and refresh")


class BillError(ScenarioError):
    """A bill or mapping file that cannot be reconciled: the file and the column are named.

    >>> print(BillError([("BillingCurrency", "'XYZ' is not in data/catalog/fx.csv")], "bill.csv"))
    Bill bill.csv is not valid:
      - BillingCurrency: 'XYZ' is not in data/catalog/fx.csv
    """

    what = "Bill"


def _q(text: str) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def bill_files(paths) -> list[Path]:
    """The bill files behind ``paths``: files as given, folders searched (recursively) for
    ``.csv``, ``.csv.gz`` and ``.parquet``; a missing or unreadable path is a BillError."""
    files: list[Path] = []
    for raw in [paths] if isinstance(paths, (str, Path)) else paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))
            if not found:
                raise BillError([("", f"folder {path} holds no .csv, .csv.gz or .parquet file")], str(path))
            files += found
        elif not path.exists():
            raise BillError([("", f"file {path} does not exist")], str(path))
        elif not path.name.lower().endswith(SUFFIXES):
            raise BillError([("", f"{path.name} is not a FOCUS export this reads: give .csv, .csv.gz or .parquet "
                                  f"files, or a folder of them")], str(path))
        else:
            try:
                with open(path, "rb") as handle:
                    handle.read(1)
            except OSError as exc:
                raise BillError([("", f"cannot read {path}: {exc.strerror or exc}")], str(path)) from None
            files.append(path)
    if not files:
        raise BillError([("", "no bill file given")])
    return files


def _scan_sql(files: list[Path]) -> str:
    csv = [f for f in files if not f.name.lower().endswith(".parquet")]
    parquet = [f for f in files if f.name.lower().endswith(".parquet")]
    parts = []
    if csv:
        names = ", ".join(_q(f) for f in csv)
        parts.append(f"SELECT * FROM read_csv([{names}], union_by_name = true, header = true, all_varchar = true)")
    if parquet:
        names = ", ".join(_q(f) for f in parquet)
        parts.append(f"SELECT * FROM read_parquet([{names}], union_by_name = true)")
    return " UNION ALL BY NAME ".join(parts)


def _files_label(files: list[Path]) -> str:
    return files[0].name if len(files) == 1 else f"{files[0].name} and {len(files) - 1} more"


@dataclass(frozen=True)
class Rule:
    """One mapping rule: conditions (match key → glob) and the dimension, model, kind it gives."""

    match: dict
    dimension: str
    model: str = ""
    kind: str = ""


def load_map(path: str | Path | None) -> list[Rule]:
    """The rules of a mapping file (see the module docstring); none without a file.

    >>> load_map(None)
    []
    """
    if path is None:
        return []
    from .safeyaml import load_text

    path = Path(path)
    try:
        data = load_text(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BillError([("", f"cannot read the mapping file {path}: {exc.strerror or exc}")], str(path)) from None
    except Exception as exc:  # noqa: BLE001 - a YAML syntax error: one paragraph, no traceback
        raise BillError([("", f"the mapping file {path} is not valid YAML: {exc}")], str(path)) from None
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        raise BillError([("rules", f"{path} must hold 'rules:', a list of {{match: {{...}}, dimension: ..., "
                                   f"model: ..., kind: ...}}")], str(path))
    out, problems = [], []
    for i, rule in enumerate(rules):
        where = f"rules[{i}]"
        if not isinstance(rule, dict) or not isinstance(rule.get("match"), dict) or not rule["match"]:
            problems.append((f"{where}.match", "give match: {key: glob, ...} with keys among tags, "
                                               + ", ".join(MATCH_COLUMNS)))
            continue
        unknown = [k for k in rule["match"] if k != "tags" and k not in MATCH_COLUMNS]
        if unknown:
            problems.append((f"{where}.match", f"unknown key(s) {', '.join(map(str, unknown))}; allowed: tags, "
                                               + ", ".join(MATCH_COLUMNS)))
        if "tags" in rule["match"] and not isinstance(rule["match"]["tags"], dict):
            problems.append((f"{where}.match.tags", "give tags as {key: value glob}"))
        if rule.get("dimension") not in DIMENSIONS:
            problems.append((f"{where}.dimension", f"'{rule.get('dimension')}' is not one of {', '.join(DIMENSIONS)}"))
        out.append(Rule(rule["match"], str(rule.get("dimension")), str(rule.get("model") or ""),
                        str(rule.get("kind") or "")))
    if problems:
        raise BillError(problems, str(path))
    return out


def _glob(column: str, pattern) -> str:
    return f"coalesce(CAST({column} AS VARCHAR), '') GLOB {_q(pattern)}"


def _tag(key: str) -> str:
    return f"json_extract_string(CAST(Tags AS VARCHAR), {_q('$.' + json.dumps(str(key)))})"


def _mapping_sql(rules: list[Rule], columns: set[str], source: str) -> tuple[str, str, str]:
    """SQL expressions giving each row its dimension, model and kind."""
    dim, model, kind = [], [], []
    for i, rule in enumerate(rules):
        conditions = []
        for key, pattern in rule.match.items():
            if key == "tags":
                if "Tags" not in columns:
                    raise BillError([("Tags", f"mapping rule rules[{i}] matches tags but the bill has no Tags column")],
                                    source)
                conditions += [f"coalesce({_tag(k)}, '') GLOB {_q(v)}" for k, v in pattern.items()]
            else:
                column = MATCH_COLUMNS[key]
                if column not in columns:
                    raise BillError([(column, f"mapping rule rules[{i}] matches {key} but the bill has no {column} "
                                              f"column")], source)
                conditions.append(_glob(column, pattern))
        when = " AND ".join(conditions)
        dim.append(f"WHEN {when} THEN {_q(rule.dimension)}")
        model.append(f"WHEN {when} THEN {_q(rule.model)}")
        kind.append(f"WHEN {when} THEN {_q(rule.kind)}")
    own = [f"nullif(CAST(x_{name} AS VARCHAR), '')" for name in ("Dimension", "Model", "Kind")
           if f"x_{name}" in columns]
    tags = [_tag(f"tco-{name}") for name in ("dimension", "model", "kind")] if "Tags" in columns else []
    if len(own) == 3 and tags:
        defaults = [f"coalesce({o}, {t})" for o, t in zip(own, tags)]
    elif len(own) == 3:
        defaults = own
    elif tags:
        defaults = tags
    else:
        defaults = ["NULL", "''", "''"]

    def case(whens, default):
        return f"CASE {' '.join(whens)} ELSE {default} END" if whens else default
    return case(dim, defaults[0]), case(model, f"coalesce({defaults[1]}, '')"), case(kind, f"coalesce({defaults[2]}, '')")


def _connect():
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def aggregate(files: list[Path], rules: list[Rule], start=None, end=None, cost_column: str = "EffectiveCost"):
    """Daily sums of the bill per currency × dimension × model × kind × consumed unit, computed in
    DuckDB in one pass over the files; the period (``start``..``end``, default the bill's first and
    last day) and the largest unmapped charges. Returns ``(frame, first_day, last_day, unmapped_top)``."""
    source = _files_label(files)
    con = _connect()
    scan = _scan_sql(files)
    try:
        columns = [row[0] for row in con.execute(f"DESCRIBE {scan}").fetchall()]
    except Exception as exc:  # noqa: BLE001 - duckdb's IOException, InvalidInputException...
        raise BillError([("", f"DuckDB cannot read it as CSV or Parquet: {str(exc).splitlines()[0]}")],
                        source) from None
    have = set(columns)
    needed = [c for c in (*REQUIRED, cost_column) if c not in have]
    if needed:
        raise BillError([(", ".join(dict.fromkeys(needed)),
                          f"missing column(s) {', '.join(dict.fromkeys(needed))}: a FOCUS 1.2 cost and usage export "
                          f"has them ({SPEC_URL}); the file has {', '.join(columns[:12])}"
                          f"{' ...' if len(columns) > 12 else ''}")], source)
    dimension, model, kind = _mapping_sql(rules, have, source)
    quantity = "TRY_CAST(ConsumedQuantity AS DOUBLE)" if "ConsumedQuantity" in have else "NULL::DOUBLE"
    unit = "coalesce(CAST(ConsumedUnit AS VARCHAR), '')" if "ConsumedUnit" in have else "''"
    service = "coalesce(CAST(ServiceName AS VARCHAR), '')" if "ServiceName" in have else "''"
    named = [f"CAST({c} AS VARCHAR)" for c in ("ResourceName", "ResourceId") if c in have]
    resource = f"coalesce({', '.join(named)}, '')" if named else "''"
    con.execute(f"""CREATE TEMP VIEW bill AS SELECT
        CAST(CAST(ChargePeriodStart AS TIMESTAMPTZ) AS DATE) AS day,
        CAST(BillingCurrency AS VARCHAR) AS currency,
        TRY_CAST({cost_column} AS DOUBLE) AS cost,
        {quantity} AS quantity, {unit} AS unit,
        {dimension} AS dimension, {model} AS model, {kind} AS kind,
        {service} AS service, {resource} AS resource
        FROM ({scan})""")
    # one pass over the bill: daily sums per mapping (the unmapped rows also per service and resource,
    # to name the largest); everything after reads this small table
    try:
        con.execute(f"""CREATE TEMP TABLE daily AS SELECT day, currency, dimension, model, kind, unit,
            CASE WHEN dimension IS NULL THEN service END AS service,
            CASE WHEN dimension IS NULL THEN resource END AS resource,
            sum(cost) AS cost, sum(quantity) AS quantity, count(*) AS rows, count(*) - count(cost) AS uncosted
            FROM bill GROUP BY ALL""")
    except Exception as exc:  # noqa: BLE001 - a timestamp DuckDB cannot read, a file broken half-way
        text = str(exc).splitlines()[0]
        column = "ChargePeriodStart" if "timestamp" in text.lower() or "date" in text.lower() else ""
        raise BillError([(column, f"cannot be read: {text}")], source) from None
    first, last = con.execute("SELECT min(day), max(day) FROM daily").fetchone()
    if first is None:
        raise BillError([("", "the bill has no rows")], source)
    lo = _dt.date.fromisoformat(str(start)) if start else first
    hi = _dt.date.fromisoformat(str(end)) if end else last
    where = f"day BETWEEN DATE {_q(lo)} AND DATE {_q(hi)}"
    frame = con.execute(f"""SELECT day, currency, coalesce(dimension, '{UNMAPPED}') AS dimension,
        CASE WHEN dimension IS NULL THEN '' ELSE model END AS model,
        CASE WHEN dimension IS NULL THEN '' ELSE kind END AS kind, unit,
        sum(cost) AS cost, sum(quantity) AS quantity, sum(rows) AS rows, sum(uncosted) AS uncosted
        FROM daily WHERE {where} GROUP BY ALL ORDER BY ALL""").df()
    if frame.empty:
        raise BillError([("ChargePeriodStart", f"no charge in the period {lo} to {hi}: the bill runs from {first} to "
                                               f"{last}; give --from/--to inside it")], source)
    uncosted = int(frame["uncosted"].sum())
    if uncosted:
        raise BillError([(cost_column, f"{cost_column} is empty or not a number on {uncosted:,} row(s) of {lo} to "
                                       f"{hi}: every FOCUS charge has a cost")], source)
    top = con.execute(f"""SELECT currency, service, resource, sum(cost) AS cost, sum(rows) AS rows
        FROM daily WHERE {where} AND dimension IS NULL GROUP BY ALL ORDER BY cost DESC, service, resource
        LIMIT 20""").df()
    con.close()
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame, lo, hi, top


def _to_currency(frame: pd.DataFrame, catalog, currency: str, source: str, column: str = "cost") -> pd.Series:
    known = set(str(c) for c in catalog.fx.index)
    rates = {}
    for code in frame["currency"].dropna().unique():
        try:
            rates[code] = catalog.fx_rate(str(code), currency)
        except Exception:  # noqa: BLE001 - CatalogError: say it as a bill problem
            raise BillError([("BillingCurrency", f"'{visible(code)}' is not in data/catalog/fx.csv, so it cannot be "
                                                 f"converted to the scenario's {currency}; known: "
                                                 f"{', '.join(sorted(known)) or 'see fx.csv'}")], source) from None
    if frame["currency"].isna().any():
        raise BillError([("BillingCurrency", "empty on some rows: every charge needs its currency")], source)
    return frame[column] * frame["currency"].map(rates).astype(float)


def _accelerator_hours(quantity: pd.Series, unit: pd.Series, per_instance: float) -> pd.Series:
    """Consumed quantity in accelerator-hours: units naming accelerators (``Accelerator-Hours``,
    ``GPU-Hours``) as they are; plain hours (``Hours``, ``1 Hour``) are instance-hours, times the
    accelerators per instance; anything else is not hours (NaN)."""
    text = unit.str.lower()
    per_accelerator = text.str.contains("accelerator|gpu")
    hours = text.str.contains("hour|hr")
    return pd.Series(np.where(per_accelerator, quantity, np.where(hours, quantity * per_instance, np.nan)),
                     index=quantity.index)


def _million_tokens(quantity: pd.Series, unit: pd.Series) -> pd.Series:
    """Consumed quantity in millions of tokens: ``Tokens`` / 10^6, ``1M Tokens`` (or ``Mtokens``) as
    they are, ``1K Tokens`` / 1,000; anything else is not tokens (NaN)."""
    text = unit.str.lower().str.replace(" ", "")
    factor = np.where(text.str.contains("1m|mtok|million"), 1.0,
                      np.where(text.str.contains("1k|ktok|thousand"), 1e-3,
                               np.where(text.str.contains("token"), 1.0 / TOKENS_PER_MTOKEN, np.nan)))
    return pd.Series(quantity.to_numpy() * factor, index=quantity.index)


@dataclass
class Reconciliation:
    """The outcome of :func:`reconcile`: every table in the scenario's currency."""

    scenario: str
    currency: str
    start: _dt.date
    end: _dt.date
    files: list
    daily: pd.DataFrame       # day, dimension, model, estimated, actual, variance
    summary: pd.DataFrame     # dimension, model: estimated, actual, variance, variance_pct
    implied: pd.DataFrame     # per model and kind: quantities, prices, usage and price variance, utilisation
    unmapped: pd.DataFrame    # the largest unmapped charges: service, resource, cost
    notes: list = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def estimated(self) -> float:
        return float(self.summary["estimated"].sum())

    @property
    def actual(self) -> float:
        return float(self.summary["actual"].sum())

    def to_text(self) -> str:
        from .text import table
        from .units import plain_number as n

        def m(value):  # money to the cent, never '-0.00'
            return f"{round(float(value), 2) + 0.0:,.2f}" if np.isfinite(value) else ""

        def pct(value):
            return "" if not np.isfinite(value) else f"{round(float(value), 1) + 0.0:+.1f}%"

        lines = [f"Plan against actual: {self.scenario}, {self.start} to {self.end} ({self.days} days), "
                 f"{self.currency}; bill {', '.join(Path(f).name for f in self.files)}",
                 f"  estimated {m(self.estimated)}, actual {m(self.actual)}, variance {m(self.actual - self.estimated)} "
                 f"({pct((self.actual / self.estimated - 1) * 100 if self.estimated else float('nan'))})", ""]
        rows = [[r.dimension, r.model or "-", m(r.estimated), m(r.actual), m(r.variance), pct(r.variance_pct)]
                for r in self.summary.itertuples()]
        lines.append(table(rows, ["dimension", "model", "estimated", "actual", "variance", "%"], "<<>>>>"))
        if len(self.implied):
            lines.append("")
            rows = []
            for r in self.implied.itertuples():
                rows.append([r.model, r.kind, r.unit, n(round(r.planned_quantity, 2)), n(round(r.actual_quantity, 2)),
                             n(round(r.planned_price, 4)), n(round(r.actual_price, 4)), m(r.usage_variance), m(r.price_variance),
                             "" if not np.isfinite(r.implied_utilisation) else f"{r.implied_utilisation:.1%}"])
            lines.append(table(rows, ["model", "kind", "unit", "planned qty", "billed qty", "planned price",
                                      "paid price", "usage var.", "price var.", "implied util."], "<<<>>>>>>>"))
        if len(self.unmapped):
            lines += ["", "Largest unmapped charges (add a rule to the map to place them):"]
            rows = [[r.service or "-", r.resource or "-", m(r.cost), n(r.rows)] for r in self.unmapped.itertuples()]
            lines.append(table(rows, ["service", "resource", "cost", "rows"], "<<>>"))
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        from .report import _clean

        def rows(frame):
            return _clean([{k: (str(v) if isinstance(v, _dt.date) else v) for k, v in row.items()}
                           for row in frame.to_dict(orient="records")])
        return {"scenario": self.scenario, "currency": self.currency, "from": str(self.start), "to": str(self.end),
                "days": self.days, "files": [str(f) for f in self.files], "estimated": _clean(self.estimated),
                "actual": _clean(self.actual), "variance": _clean(self.actual - self.estimated),
                "summary": rows(self.summary), "implied": rows(self.implied), "daily": rows(self.daily),
                "unmapped": rows(self.unmapped), "notes": self.notes}

    def write(self, folder: str | Path) -> list[Path]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for name in ("summary", "daily", "implied", "unmapped"):
            path = folder / f"{name}.csv"
            # the bill's own text (resource and service names) made formula-safe, each file whole or not at all
            write_atomic(path, csv_text(getattr(self, name)))
            out.append(path)
        return out


def _plan(report):
    """Daily estimate per dimension × model, and per model × kind the daily quantity and cost of
    the accelerator-hour and hosted-token items."""
    rows, quantities = [], []
    tokens = getattr(report, "tokens_per_request", {}) or {}
    for it in report.line_items:
        if not it.priced:
            continue
        cost = float(np.mean(it.cost_per_day))
        rows.append({"dimension": it.dimension, "model": it.model, "estimated": cost})
        if it.kind.name in ACCELERATOR_KINDS:
            quantities.append({"model": it.model, "kind": it.kind.name, "unit": "accelerator-hours",
                               "quantity": float(np.mean(it.quantity)), "cost": cost})
        elif it.kind.name == "hosted API" and it.model in tokens:
            quantities.append({"model": it.model, "kind": it.kind.name, "unit": "1M tokens",
                               "quantity": float(np.mean(it.quantity)) * tokens[it.model] / TOKENS_PER_MTOKEN,
                               "cost": cost})
    plan = pd.DataFrame(rows).groupby(["dimension", "model"], as_index=False)["estimated"].sum()
    return plan, pd.DataFrame(quantities, columns=["model", "kind", "unit", "quantity", "cost"])


def reconcile(scenario, bills, mapping=None, start=None, end=None, catalog=None,
              cost_column: str = "EffectiveCost") -> Reconciliation:
    """Reconcile the estimate of ``scenario`` (a file, mapping or Scenario) with the FOCUS bill(s)
    ``bills`` (files or folders), mapped by ``mapping`` (a YAML file, see the module docstring),
    over ``start`` to ``end`` (inclusive dates; default: the bill's first and last day).

    >>> import tempfile, pathlib
    >>> from tco.focus import export_rows, write
    >>> from tco import evaluate
    >>> from tco.scenario import repo_path
    >>> path = repo_path("data/scenarios/search-rerank-l4.yaml")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write(export_rows(evaluate(path, compare=False), days=3), folder / "plan.csv")
    >>> result = reconcile(path, [folder / "plan.csv"])
    >>> result.days, round(abs(result.actual - result.estimated), 9)
    (3, 0.0)
    """
    from .catalog import load_catalog
    from .engine import evaluate
    from .scenario import Scenario, load_scenario

    catalog = catalog or load_catalog()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, catalog)
    report = evaluate(scenario, catalog, compare=False)
    files = bill_files(bills)
    source = _files_label(files)
    frame, lo, hi, top = aggregate(files, load_map(mapping), start, end, cost_column)
    if hi < lo:
        raise BillError([("--from/--to", f"the period {lo} to {hi} is empty: --from must not be after --to")], source)
    frame["cost"] = _to_currency(frame, catalog, report.currency, source)
    converted = sorted(set(frame["currency"]) - {report.currency})
    fx_notes = [f"{code} converted to {report.currency} at the catalog rates (data/catalog/fx.csv: {code} as of "
                f"{catalog.fx.loc[code, 'as_of']}, {report.currency} as of {catalog.fx.loc[report.currency, 'as_of']}), "
                f"not at the rate of each charge's day" for code in converted]
    top["cost"] = _to_currency(top, catalog, report.currency, source) if len(top) else top.get("cost")
    days = pd.date_range(lo, hi, freq="D").date
    plan, plan_quantities = _plan(report)

    # per day × dimension × model
    actual = frame.groupby(["day", "dimension", "model"], as_index=False)["cost"].sum().rename(columns={"cost": "actual"})
    planned = plan.merge(pd.DataFrame({"day": days}), how="cross")
    daily = planned.merge(actual, on=["day", "dimension", "model"], how="outer").fillna({"estimated": 0.0, "actual": 0.0})
    daily["variance"] = daily["actual"] - daily["estimated"]
    order = {d: i for i, d in enumerate((*DIMENSIONS, UNMAPPED))}
    daily["_o"] = daily["dimension"].map(order).fillna(len(order))
    daily = daily.sort_values(["day", "_o", "model"]).drop(columns="_o").reset_index(drop=True)
    daily = daily[["day", "dimension", "model", "estimated", "actual", "variance"]]
    summary = daily.groupby(["dimension", "model"], as_index=False, sort=False)[["estimated", "actual", "variance"]].sum()
    summary["_o"] = summary["dimension"].map(order).fillna(len(order))
    summary = summary.sort_values(["_o", "model"]).drop(columns="_o").reset_index(drop=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        summary["variance_pct"] = np.where(summary["estimated"] != 0, summary["variance"] / summary["estimated"] * 100,
                                           np.nan)

    # implied figures per model × kind
    models = report.models.set_index("model") if len(report.models) else pd.DataFrame()
    implied_rows, notes = [], list(fx_notes)
    n_days = len(days)
    for q in plan_quantities.itertuples():
        rows = frame[(frame.dimension == "compute") & (frame.model == q.model)]
        rows = rows[(rows.kind == q.kind) | ((rows.kind == "") & (q.kind == "inference serving"))]
        if q.unit == "accelerator-hours":
            per_instance = float(models.loc[q.model, "accelerators_per_instance"]) if q.model in models.index else 1.0
            billed = _accelerator_hours(rows["quantity"].fillna(0.0), rows["unit"], per_instance)
        else:
            billed = _million_tokens(rows["quantity"].fillna(0.0), rows["unit"])
        if billed.isna().any():
            notes.append(f"{q.model} {q.kind}: {int(billed.isna().sum())} group(s) of rows have a ConsumedUnit that "
                         f"is not {q.unit} ({', '.join(sorted(set(rows['unit'][billed.isna()])))}); their quantity "
                         f"is left out of the billed {q.unit}, their cost is not")
        planned_quantity = q.quantity * n_days
        planned_cost = q.cost * n_days
        actual_quantity = float(billed.fillna(0.0).sum())
        actual_cost = float(rows["cost"].sum())
        planned_price = variance.unit_price(planned_cost, planned_quantity)
        actual_price = variance.unit_price(actual_cost, actual_quantity)
        utilisation = float("nan")
        if q.kind == "inference serving" and q.model in models.index and q.unit == "accelerator-hours":
            utilisation = variance.implied_utilisation(float(models.loc[q.model, "utilisation_mean"]),
                                                       planned_quantity, actual_quantity) if actual_quantity else np.nan
        implied_rows.append({
            "model": q.model, "kind": q.kind, "unit": q.unit,
            "planned_quantity": planned_quantity, "actual_quantity": actual_quantity,
            "quantity_ratio": actual_quantity / planned_quantity if planned_quantity else np.nan,
            "planned_price": planned_price, "actual_price": actual_price,
            "price_ratio": actual_price / planned_price if planned_price else np.nan,
            "planned_cost": planned_cost, "actual_cost": actual_cost,
            "usage_variance": variance.usage_variance(actual_quantity / n_days, q.quantity, planned_price) * n_days,
            "price_variance": variance.price_variance(actual_price, planned_price, actual_quantity / n_days) * n_days
            if actual_quantity else 0.0,
            "planned_utilisation": float(models.loc[q.model, "utilisation_mean"])
            if q.kind == "inference serving" and q.model in models.index else np.nan,
            "implied_utilisation": utilisation,
        })
    implied = pd.DataFrame(implied_rows, columns=[
        "model", "kind", "unit", "planned_quantity", "actual_quantity", "quantity_ratio", "planned_price",
        "actual_price", "price_ratio", "planned_cost", "actual_cost", "usage_variance", "price_variance",
        "planned_utilisation", "implied_utilisation"])
    unmapped = top[["service", "resource", "cost", "rows"]].reset_index(drop=True) if len(top) else \
        pd.DataFrame(columns=["service", "resource", "cost", "rows"])
    unmapped_total = float(summary.loc[summary.dimension == UNMAPPED, "actual"].sum())
    if unmapped_total:
        notes.append(f"{unmapped_total:,.2f} {report.currency} of the bill matched no mapping rule and no tco tag: it is "
                     f"the '{UNMAPPED}' row, counted in the actual total")
    return Reconciliation(report.name, report.currency, lo, hi, [str(f) for f in files], daily, summary, implied,
                          unmapped, notes)


def write_scenario(result: Reconciliation, scenario_path: str | Path, out: str | Path) -> Path:
    """A copy of the scenario YAML with the measured inputs of each cloud model's serving:
    ``serving.price_per_hour`` = the paid price per accelerator-hour × accelerators per instance
    (``price_source`` labelled measured with the bill's period), and ``utilization_target`` scaled
    by sized ÷ billed accelerator-hours (at most 1), so the copy sizes the fleet the bill paid for;
    each change and the billed token volumes are labelled lines under ``assumptions``."""
    import yaml

    from .engine import evaluate
    from .safeyaml import load_text

    scenario_path = Path(scenario_path)
    data = load_text(scenario_path.read_text(encoding="utf-8"))
    report = evaluate(data, compare=False)
    models = report.models.set_index("model")
    period = f"{result.start} to {result.end}"
    bill = ", ".join(Path(f).name for f in result.files)
    assumptions = list(data.get("assumptions") or [])
    for i, model in enumerate(data.get("models", [])):
        name = model.get("name")
        rows = result.implied[(result.implied.model == name)]
        serving = rows[rows.kind == "inference serving"]
        if len(serving) and model.get("serving", {}).get("deployment") == "cloud":
            r = serving.iloc[0]
            if np.isfinite(r.actual_price):
                per_instance = float(models.loc[name, "accelerators_per_instance"])
                model["serving"]["price_per_hour"] = round(float(r.actual_price) * per_instance, 6)
                model["serving"]["price_source"] = (f"measured: EffectiveCost / accelerator-hours of bill {bill}, "
                                                    f"{period}, x {per_instance:g} accelerator(s) per instance")
            if np.isfinite(r.implied_utilisation):
                # the fleet ran at planned/billed hours times the planned utilisation: the target scales
                # the same way, so the copy sizes the fleet the bill paid for (at most 100%)
                before = float(model["serving"].get("utilization_target", 0.7))
                target = min(1.0, before * float(r.planned_quantity) / float(r.actual_quantity))
                model["serving"]["utilization_target"] = round(target, 4)
                capped = (" (capped at 100%: the bill paid for fewer hours than any utilisation explains, so the "
                          "throughput was underestimated; measure throughput_rps)" if target >= 1.0 else "")
                assumptions.append(f"measured ({period}, bill {bill}): {name} was billed {r.actual_quantity:,.1f} "
                                   f"accelerator-hours against {r.planned_quantity:,.1f} sized; with the planned "
                                   f"traffic that is a mean utilisation of {r.implied_utilisation:.1%} (planned "
                                   f"{r.planned_utilisation:.1%}), so serving.utilization_target goes from "
                                   f"{before:.1%} to {target:.1%}{capped}")
        for r in rows[rows.unit == "1M tokens"].itertuples():
            assumptions.append(f"measured ({period}, bill {bill}): {name} billed {r.actual_quantity:,.2f} million tokens "
                               f"against {r.planned_quantity:,.2f} estimated, at {r.actual_price:,.4f} "
                               f"{result.currency} per million")
    data["assumptions"] = assumptions
    data["name"] = f"{data['name']}-measured"
    data["description"] = (str(data.get("description") or "").strip()
                           + f" Measured inputs from the bill of {period}.").strip()
    out = Path(out)
    header = (f"# {data['name']}: {scenario_path.name} with the prices measured on the bill {bill} ({period}),\n"
              f"# written by tco reconcile --write-scenario; 'measured:' marks each input taken from the bill.\n")
    write_atomic(out, header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110))
    return out
