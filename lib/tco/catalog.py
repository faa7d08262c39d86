"""Reference catalogs in ``data/catalog/`` (DESIGN section 2).

Every table is a CSV whose rows carry ``source`` and ``as_of`` (and ``assumption`` where the figure
is not a published one). Tables are read once and cached. Prices keep their own currency and are
converted to a scenario's currency with ``fx.csv``; a price dated more than :data:`STALE_MONTHS`
months before the evaluation date is *stale* and the report warns about it.

>>> cat = load_catalog()
>>> float(cat.accelerators.loc["H100-SXM", "memory_gb"])
80.0
>>> round(cat.convert(1.0, "USD", "USD"), 6)
1.0
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
from dataclasses import dataclass
from pathlib import Path

from .errors import CatalogError
from .units import scalar_or_array

STALE_MONTHS = 18
#: The largest figure a catalog table may hold (issue 16): the largest are parameter counts (about
#: 1e12) and server prices (about 5e5); a figure above 1e15, infinite or negative is a typing error
#: that would carry through every cost computed from it, so the catalog is refused instead.
CATALOG_MAX = 1e15
CATALOG_DIR = Path(__file__).resolve().parents[2] / "data" / "catalog"

#: table name -> (file, id column or None, columns that must be present besides source/as_of)
TABLES: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "accelerators": ("accelerators.csv", "accelerator",
                     ("memory_gb", "bandwidth_gb_s", "tdp_w", "fp32_tflops", "bf16_tflops", "fp16_tflops",
                      "fp8_tflops", "int8_tops", "int4_tops")),
    "instances": ("instances.csv", None,
                  ("provider", "instance", "accelerator", "accelerators_per_instance", "vcpus", "plan",
                   "price_per_hour", "currency")),
    "storage": ("storage.csv", "tier", ("provider", "kind", "price", "currency", "unit")),
    "api_prices": ("api_prices.csv", "model", ("input_per_mtok", "output_per_mtok", "currency")),
    "fx": ("fx.csv", "currency", ("per_usd",)),
    "onprem": ("onprem.csv", None, ("parameter", "region", "value", "unit")),
    "servers": ("onprem_servers.csv", "server", ("accelerator", "accelerators_per_server", "price", "currency")),
    "staff_rates": ("staff_rates.csv", "rate", ("annual_cost", "currency", "basis")),
    "labelling": ("labelling.csv", "task", ("price", "currency", "unit")),
    "efficiency": ("efficiency.csv", "id", ("workload", "family", "mfu", "mbu", "band_low", "band_high")),
    "models": ("models.csv", "model", ("kind", "total_parameters", "active_parameters", "embedding_parameters",
                                       "layers", "hidden_size", "attention_heads", "kv_heads", "head_dim",
                                       "kv_lora_rank", "qk_rope_head_dim", "moe_layers", "experts", "active_experts",
                                       "shared_experts", "expert_intermediate_size", "tied_embeddings")),
    "grid_intensity": ("grid_intensity.csv", "region", ("name", "gco2e_per_kwh", "gas")),
}
#: Service tiers of a hosted API, in the order they are listed; ``standard`` is the plain price.
API_TIERS = ("standard", "batch", "priority", "flex")
#: Optional columns of api_prices.csv (empty: not offered, never zero), all per million tokens but the threshold.
API_TIER_COLUMNS = ("cached_input_per_mtok", "cache_write_per_mtok",
                    *(f"{t}_{c}_per_mtok" for t in API_TIERS[1:] for c in ("input", "cached_input", "output")),
                    "long_context_threshold_tokens", "long_input_per_mtok", "long_output_per_mtok")
#: The efficiency row used on a hardware family without a calibration row of its own.
ANY_FAMILY = "any"


class Row(dict):
    """One catalog row as a plain mapping with attribute access (much faster than a pandas row)."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:  # an attribute lookup must fail as one (hasattr, copy, doctest discovery)
            raise AttributeError(name) from None


@functools.lru_cache(maxsize=64)
def stale_limit(on: _dt.date, months: int = STALE_MONTHS) -> _dt.date:
    """The date ``months`` months before ``on`` (day clamped to the month's end).

    >>> stale_limit(_dt.date(2026, 8, 31), 18)
    datetime.date(2025, 2, 28)
    """
    index = on.year * 12 + on.month - 1 - months
    year, month = divmod(index, 12)
    last = (_dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - _dt.timedelta(days=1)).day
    return _dt.date(year, month + 1, min(on.day, last))


@dataclass(frozen=True)
class Price:
    """A catalog figure with its provenance, as used in an evaluation."""

    table: str
    key: str
    value: float
    currency: str
    source: str
    as_of: _dt.date
    assumption: str = ""
    is_price: bool = True  # False for unitless settings (PUE, useful life), which do not go stale like prices

    def is_stale(self, on: _dt.date, months: int = STALE_MONTHS) -> bool:
        """True when ``as_of`` is more than ``months`` months before ``on``.

        >>> p = Price("storage", "s3-standard", 0.023, "USD", "x", _dt.date(2024, 1, 1))
        >>> p.is_stale(_dt.date(2025, 7, 1)), p.is_stale(_dt.date(2025, 7, 2))
        (False, True)
        """
        return self.as_of < stale_limit(on, months)


def _missing(value) -> bool:
    """Whether a catalog cell is empty (None or NaN), without importing pandas.

    >>> _missing(float("nan")), _missing(None), _missing(0.0), _missing("x")
    (True, True, False, False)
    """
    return value is None or (isinstance(value, float) and math.isnan(value))


def _read(name: str, directory: Path) -> pd.DataFrame:
    import pandas as pd  # imported here (as everywhere in this module) so that `import tco` stays light

    file, key, columns = TABLES[name]
    path = directory / file
    try:
        frame = pd.read_csv(path, dtype={"source": str, "as_of": str, "assumption": str}, keep_default_na=True)
    except FileNotFoundError:
        raise CatalogError(f"catalog table missing: {path}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CatalogError(f"catalog table {path} cannot be read: {exc}") from None
    missing = [c for c in (*columns, "source", "as_of") if c not in frame.columns]
    if key and key not in frame.columns:
        missing.insert(0, key)
    if missing:
        raise CatalogError(f"{path}: missing columns {', '.join(missing)}")
    if "assumption" not in frame.columns:
        frame["assumption"] = ""
    frame["assumption"] = frame["assumption"].fillna("")
    bad = frame.index[frame["source"].isna() | frame["as_of"].isna()].tolist()
    if bad:
        raise CatalogError(f"{path}: rows {', '.join(str(b + 2) for b in bad)} lack source or as_of")
    try:
        frame["as_of"] = pd.to_datetime(frame["as_of"], format="%Y-%m-%d").dt.date
    except ValueError as exc:
        raise CatalogError(f"{path}: as_of must be YYYY-MM-DD ({exc})") from None
    _check_numbers(frame, path)
    if key:
        dupes = frame[key][frame[key].duplicated()].tolist()
        if dupes:
            raise CatalogError(f"{path}: duplicate ids {', '.join(map(str, dupes))}")
        frame = frame.set_index(key, drop=False)
        frame.index.name = None
    return frame


def _check_numbers(frame, path: Path) -> None:
    """Every number of a catalog table is empty (not given) or finite and within [0, CATALOG_MAX]."""
    for column in frame.columns:
        if frame[column].dtype.kind not in "fi":
            continue
        values = frame[column]
        bad = frame.index[values.notna() & ~values.between(0, CATALOG_MAX)].tolist()
        if bad:
            rows = ", ".join(f"row {b + 2} ({values[b]!r})" for b in bad[:5])
            raise CatalogError(f"{path}: column {column} must hold finite numbers between 0 and {CATALOG_MAX:g}; "
                               f"{rows} do not")


class Catalog:
    """All reference tables, read from one directory.

    Attributes are pandas DataFrames indexed by id: ``accelerators``, ``instances`` (one row per
    instance *and* pricing plan), ``instance_types`` (one row per instance), ``storage``,
    ``api_prices``, ``fx``, ``onprem``, ``servers``, ``staff_rates``, ``labelling``, ``efficiency``,
    ``grid_intensity``.
    """

    def __init__(self, directory: Path = CATALOG_DIR):
        self.directory = Path(directory)
        for name in TABLES:
            setattr(self, name, _read(name, self.directory))
        acc = self.accelerators
        for column in ("fp4_tflops", "scaleup_bandwidth_gb_s"):
            if column not in acc.columns:
                acc[column] = float("nan")
        if "family" not in acc.columns:
            acc["family"] = ""
        acc["family"] = acc["family"].fillna("")
        peak_cols = [c for c in acc.columns if c.endswith(("tflops", "tops"))]
        num_cols = [*peak_cols, "memory_gb", "bandwidth_gb_s", "tdp_w", "scaleup_bandwidth_gb_s"]
        acc[num_cols] = acc[num_cols].astype(float)
        inst = self.instances
        inst["accelerator"] = inst["accelerator"].fillna("")
        inst["accelerators_per_instance"] = inst["accelerators_per_instance"].fillna(0).astype(int)
        first = inst.drop_duplicates("instance").set_index("instance", drop=False)
        first.index.name = None
        self.instance_types = first[["provider", "instance", "accelerator", "accelerators_per_instance", "vcpus"]]
        unknown = sorted(set(first.accelerator[first.accelerators_per_instance > 0]) - set(acc.index))
        if unknown:
            raise CatalogError(f"instances.csv names accelerators missing from accelerators.csv: {unknown}")
        self._check_api_prices()
        self._fx = {str(k): float(v) for k, v in self.fx["per_usd"].items()}  # a dict: looked up on every price
        zero = [c for c, v in self._fx.items() if not v > 0]
        if zero:  # a rate of 0 (or none) would turn every price converted through it into inf or NaN
            raise CatalogError(f"{self.directory / 'fx.csv'}: per_usd must be a positive number; "
                               f"{', '.join(zero)} {'is' if len(zero) == 1 else 'are'} not")
        if self._fx.get("USD", 1.0) != 1.0:  # the identity row is never stale only because it cannot change
            raise CatalogError(f"{self.directory / 'fx.csv'}: per_usd of USD must be 1 (every rate is in units per "
                               f"US dollar), got {self._fx['USD']:g}")
        eff = self.efficiency
        for column in ("mfu", "mbu", "band_low", "band_high"):  # throughput and its band divide by them
            bad = eff.index[eff[column].notna() & ~(eff[column] > 0)].tolist()
            if bad:
                raise CatalogError(f"{self.directory / 'efficiency.csv'}: {column} must be > 0 where given; "
                                   f"{', '.join(map(str, bad))} {'is' if len(bad) == 1 else 'are'} not")
        self._rows: dict[str, dict[str, Row]] = {}
        for name, (_, key, _) in TABLES.items():
            if key:
                frame = getattr(self, name)
                self._rows[name] = {str(k): Row(r) for k, r in zip(frame.index, frame.to_dict(orient="records"))}
        self._rows["instance_types"] = {str(k): Row(r) for k, r in
                                        zip(first.index, first.to_dict(orient="records"))}
        self._plans = {(r["instance"], r["plan"]): Row(r) for r in inst.to_dict(orient="records")}
        self._latest_server: dict[str, Row | None] = {}

    def _check_api_prices(self) -> None:
        """Add the optional tier columns (empty when absent) and refuse a half-given tier: a tier
        with an input price but no output price (or the reverse), or a long-context threshold without
        its prices (or prices without a threshold)."""
        api = self.api_prices
        for column in API_TIER_COLUMNS:
            if column not in api.columns:
                api[column] = float("nan")
        api[list(API_TIER_COLUMNS)] = api[list(API_TIER_COLUMNS)].astype(float)
        path = self.directory / TABLES["api_prices"][0]
        groups = [(f"{t} tier", (f"{t}_input_per_mtok", f"{t}_output_per_mtok")) for t in API_TIERS[1:]]
        groups.append(("long-context pricing", ("long_context_threshold_tokens", "long_input_per_mtok",
                                                "long_output_per_mtok")))
        for model, row in api.iterrows():
            for what, columns in groups:
                given = [c for c in columns if not _missing(row[c])]
                if given and len(given) != len(columns):
                    raise CatalogError(f"{path}: {model}: {what} needs {', '.join(columns)} together "
                                       f"(given: {', '.join(given)}); leave all empty when it is not offered")

    def api_tiers(self, model: str) -> list[str]:
        """The service tiers ``model`` is offered in: ``standard`` and each tier with prices.

        >>> load_catalog().api_tiers("gpt-4o-mini")
        ['standard', 'batch', 'priority']
        """
        row = self.row("api_prices", model)
        return ["standard"] + [t for t in API_TIERS[1:] if not _missing(row[f"{t}_input_per_mtok"])]

    def row(self, table: str, key: str) -> Row:
        """The row of ``table`` (accelerators, instance_types, storage, ...) with id ``key``."""
        return self._rows[table][key]

    def efficiency_for(self, workload: str, family: str = ANY_FAMILY) -> tuple[Row, bool]:
        """The efficiency factors of a workload class (``encoder``, ``generative``, ``recsys``,
        ``training``, ``training-fp8``) on a hardware family, and whether that family was calibrated.

        A family without a row of its own gets the class's ``any`` row: a cross-family default with
        a wider band, never another family's factor passed off as its own (``calibrated`` False).

        >>> row, calibrated = load_catalog().efficiency_for("encoder", "Hopper")
        >>> calibrated, row.band_low <= 1.0 <= row.band_high
        (True, True)
        """
        rows = self._rows["efficiency"]
        key = f"{workload}/{family}"
        if key in rows:
            return rows[key], True
        return rows[f"{workload}/{ANY_FAMILY}"], False

    def model_fields(self, model: str) -> dict:
        """The scenario fields a model catalog row implies (``tco.scenario.Model``), empty cells left out.

        Routed-expert parameters are those of gated (SwiGLU) experts, three matrices of
        ``hidden_size x expert_intermediate_size`` per expert and MoE layer. Tied embeddings do FLOPs
        as the output head, so the parameters without FLOPs are then none.

        >>> f = load_catalog().model_fields("mixtral-8x7b")
        >>> f["routed_expert_parameters"] == 32 * 8 * 3 * 4096 * 14336, f["active_experts"]
        (True, 2)
        """
        r = self.row("models", model)

        def val(column):
            v = r.get(column)
            return None if _missing(v) or v == "" else v

        out = {"kind": val("kind"), "parameters": val("total_parameters"),
               "embedding_parameters": 0.0 if str(val("tied_embeddings")).lower() == "true"
               else val("embedding_parameters")}
        if val("active_parameters") is not None and val("active_parameters") != val("total_parameters"):
            out["active_parameters"] = val("active_parameters")
        for column in ("layers", "hidden_size", "attention_heads", "kv_heads", "head_dim", "kv_lora_rank",
                       "qk_rope_head_dim", "experts", "active_experts", "shared_experts", "embedding_dim"):
            if val(column) is not None:
                out[column] = int(val(column))
        for column in ("embedding_rows", "embedding_lookups_per_item"):
            if val(column) is not None:
                out[column] = float(val(column))
        if all(val(c) is not None for c in ("moe_layers", "experts", "hidden_size", "expert_intermediate_size")):
            out["routed_expert_parameters"] = float(3 * int(val("moe_layers")) * int(val("experts"))
                                                    * int(val("hidden_size")) * int(val("expert_intermediate_size")))
        return {k: v for k, v in out.items() if v is not None}

    # -- conversions -----------------------------------------------------------------------
    def fx_rate(self, from_currency: str, to_currency: str) -> float:
        """Units of ``to_currency`` per unit of ``from_currency``."""
        for c in (from_currency, to_currency):
            if c not in self._fx:
                raise CatalogError(f"currency {c} not in fx.csv; known: {', '.join(self._fx)}")
        return self._fx[to_currency] / self._fx[from_currency]

    def convert(self, amount, from_currency: str, to_currency: str):
        """``amount`` in ``from_currency`` expressed in ``to_currency`` (vectorised)."""
        import numpy as np

        return scalar_or_array(np.multiply(amount, self.fx_rate(from_currency, to_currency)))

    # -- lookups with provenance -----------------------------------------------------------
    def _price(self, table: str, key: str, row, value_col: str, currency: str | None = None,
               is_price: bool = True) -> Price:
        """A row's figure with provenance; ``currency`` None means the row's own currency column
        (no column: a unitless figure, never converted)."""
        value = row[value_col]
        value = float("nan") if _missing(value) else float(value)
        if currency is None:
            currency = str(row["currency"]) if "currency" in row and not _missing(row["currency"]) else ""
        return Price(table, key, value, currency, str(row["source"]), row["as_of"],
                     str(row.get("assumption", "") or ""), is_price)

    def instance_price(self, instance: str, plan: str) -> Price | None:
        """Hourly price of ``instance`` under ``plan``, or None when the catalog has no such price."""
        row = self._plans.get((instance, plan))
        if row is None or _missing(row["price_per_hour"]):
            return None
        return self._price("instances", f"{instance} {plan}", row, "price_per_hour")

    def instance_plans(self, instance: str) -> list[str]:
        """The plans the catalog prices ``instance`` on (a row whose price is left empty is not one).

        >>> load_catalog().instance_plans("ecs.gn8v-8x.48xlarge")
        []
        """
        rows = self.instances
        return sorted(rows.plan[(rows.instance == instance) & rows.price_per_hour.notna()])

    def storage_price(self, tier: str) -> Price:
        return self._price("storage", tier, self.row("storage", tier), "price")

    def api_price(self, model: str, direction: str) -> Price:
        """A price of ``model`` per million tokens: ``direction`` is ``input``, ``output`` or the stem of
        any other price column (``cached_input``, ``cache_write``, ``batch_output``, ``long_input``...);
        NaN where the catalog leaves it empty (not offered)."""
        col = f"{direction}_per_mtok"
        return self._price("api_prices", f"{model} {direction}", self.row("api_prices", model), col)

    def staff_rate(self, rate: str) -> Price:
        return self._price("staff_rates", rate, self.row("staff_rates", rate), "annual_cost")

    def grid_factor(self, region: str) -> Price:
        """Emission factor of a grid region (``grid_intensity.csv``) in gCO2e/kWh, with its source;
        not a price (it does not go stale like one)."""
        return self._price("grid_intensity", region, self.row("grid_intensity", region), "gco2e_per_kwh", "",
                           is_price=False)

    def labelling_price(self, task: str) -> Price:
        return self._price("labelling", task, self.row("labelling", task), "price")

    def server_for(self, accelerator: str, server: str | None = None) -> Row | None:
        """The named server, or the most recently dated priced server holding ``accelerator``."""
        if server is not None:
            return self.row("servers", server)
        if accelerator not in self._latest_server:  # the tables do not change once read: look up once
            rows = self.servers[(self.servers.accelerator == accelerator) & self.servers.price.notna()]
            self._latest_server[accelerator] = (None if rows.empty else
                                                self.row("servers", str(rows.sort_values(["as_of", "server"]).index[-1])))
        return self._latest_server[accelerator]

    def server_price(self, row: Row) -> Price:
        return self._price("onprem_servers", str(row["server"]), row, "price")

    @functools.lru_cache(maxsize=64)
    def onprem_value(self, parameter: str, region: str = "global") -> Price:
        rows = self.onprem[self.onprem.parameter == parameter]
        pick = rows[rows.region == region]
        if pick.empty:
            pick = rows[rows.region == "global"]
        if pick.empty:
            raise CatalogError(f"onprem.csv has no '{parameter}' for region '{region}' or 'global'")
        row = pick.iloc[0]
        unit = str(row["unit"])
        currency = unit.split("/")[0] if "/" in unit and unit.split("/")[0].isupper() else ""
        return self._price("onprem", f"{parameter} ({row['region']})", row, "value", currency, is_price=bool(currency))


    # -- overview ----------------------------------------------------------------------------
    def overview(self, on: _dt.date | None = None) -> pd.DataFrame:
        """One row per table: rows, oldest and newest as_of, assumptions, stale prices on ``on``."""
        import pandas as pd

        on = on or _dt.date.today()
        price_tables = {"instances", "storage", "api_prices", "fx", "onprem", "servers", "staff_rates", "labelling"}
        limit = (pd.Timestamp(on) - pd.DateOffset(months=STALE_MONTHS)).date()
        rows = []
        for name, (file, _, _) in TABLES.items():
            frame = getattr(self, name)
            stale = int(((frame.as_of < limit) & _priced_rows(name, frame)).sum()) if name in price_tables else 0
            rows.append({
                "table": name, "file": file, "rows": len(frame),
                "oldest": min(frame.as_of), "newest": max(frame.as_of),
                "assumptions": int((frame.assumption.str.len() > 0).sum()),
                "stale_prices": stale,
            })
        return pd.DataFrame(rows)

    def stale_rows(self, on: _dt.date | None = None) -> pd.DataFrame:
        """Priced rows older than :data:`STALE_MONTHS` months on ``on``, with table and id."""
        import pandas as pd

        on = on or _dt.date.today()
        limit = (pd.Timestamp(on) - pd.DateOffset(months=STALE_MONTHS)).date()
        out = []
        for name in ("instances", "storage", "api_prices", "fx", "onprem", "servers", "staff_rates", "labelling"):
            frame = getattr(self, name)
            for _, row in frame[(frame.as_of < limit) & _priced_rows(name, frame)].iterrows():
                ident = row.get("instance", None) if name == "instances" else None
                ident = f"{ident} {row['plan']}" if ident else row.iloc[0]
                out.append({"table": name, "id": str(ident), "as_of": row.as_of, "source": row.source})
        return pd.DataFrame(out, columns=["table", "id", "as_of", "source"])


def _priced_rows(name: str, frame: pd.DataFrame) -> pd.Series:
    """Rows holding money that can go stale: not on-premises settings such as PUE or useful life,
    and not the identity rate of fx.csv (1 USD per USD holds by definition and has no age).

    >>> cat = load_catalog()
    >>> stale_able = _priced_rows("fx", cat.fx)
    >>> bool(stale_able["USD"]), bool(stale_able["CNY"])
    (False, True)
    """
    import pandas as pd

    if name == "onprem":
        return frame["unit"].astype(str).str.match(r"^[A-Z]{3}/")
    if name == "fx":
        return frame["currency"] != "USD"  # the rates are per USD
    return pd.Series(True, index=frame.index)


@functools.lru_cache(maxsize=4)
def load_catalog(directory: str | None = None) -> Catalog:
    """The catalog in ``directory`` (default ``data/catalog/``), read once per process."""
    return Catalog(Path(directory) if directory else CATALOG_DIR)
