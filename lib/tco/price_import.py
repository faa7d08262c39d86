"""Import hosted-API prices from LiteLLM's model price map into ``data/catalog/api_prices.csv``.

LiteLLM (https://github.com/BerriAI/litellm) keeps ``model_prices_and_context_window.json``: a JSON
object of model name -> fields such as ``input_cost_per_token``, ``output_cost_per_token``,
``cache_read_input_token_cost``, ``cache_creation_input_token_cost``, ``input_cost_per_token_batches``,
``output_cost_per_token_batches``, ``input_cost_per_token_priority``, ``input_cost_per_token_flex``,
``input_cost_per_token_above_200k_tokens``, ``litellm_provider``, ``mode`` and ``source`` (the
provider's page). Prices there are USD per token; the catalog's are per million tokens.

:func:`import_prices` turns the chat and completion entries a filter selects into catalog rows and
merges them into the table: a row is added, updated (its prices change) or left unchanged (same
prices; its date and source are brought up to the file's when the file is newer). The table is
written whole or not at all (:func:`tco.files.write_atomic`) and must still load as a catalog.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import API_TIERS, API_TIER_COLUMNS, TABLES
from .errors import CatalogError

#: LiteLLM provider -> catalog provider (others keep LiteLLM's name).
PROVIDERS = {"gemini": "google", "vertex_ai-language-models": "google", "dashscope": "alibaba",
             "volcengine": "bytedance", "zai": "zhipu"}
#: Entry modes imported: text generation only (embeddings, images, audio... are skipped).
MODES = ("chat", "completion")
PER_MTOK = 1e6
#: catalog columns of the per-token fields of LiteLLM's map (x 1e6)
FIELDS = {
    "input_per_mtok": "input_cost_per_token",
    "output_per_mtok": "output_cost_per_token",
    "cached_input_per_mtok": "cache_read_input_token_cost",
    "cache_write_per_mtok": "cache_creation_input_token_cost",
    **{f"{t}_{c}_per_mtok": f"{lit}_{t if t != 'batch' else 'batches'}"
       for t in API_TIERS[1:]
       for c, lit in (("input", "input_cost_per_token"), ("cached_input", "cache_read_input_token_cost"),
                      ("output", "output_cost_per_token"))},
}
PRICE_COLUMNS = ("input_per_mtok", "output_per_mtok", *API_TIER_COLUMNS)
_ABOVE = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")


@dataclass
class Outcome:
    """What an import did: ids added, updated (with the columns that changed), unchanged, skipped."""

    added: list[str] = field(default_factory=list)
    updated: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    redated: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (old as_of, new as_of)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    rows: dict[str, dict] = field(default_factory=dict)
    path: Path | None = None

    def text(self) -> str:
        out = [f"{self.path.name if self.path else 'api_prices.csv'}: added {len(self.added)}, updated "
               f"{len(self.updated)}, unchanged {len(self.unchanged)}"
               + (f" ({len(self.redated)} re-dated)" if self.redated else "")
               + (f", skipped {len(self.skipped)}" if self.skipped else "")]
        for ident in self.added:
            out.append(f"  + {ident}: {describe(self.rows[ident])}")
        for ident, changes in self.updated.items():
            out.append(f"  ~ {ident}: " + "; ".join(f"{c} {old or 'empty'} -> {new or 'empty'}"
                                                       for c, old, new in changes))
        for ident, (was, now) in self.redated.items():
            out.append(f"  = {ident}: same prices, as_of {was} -> {now}")
        for ident, why in self.skipped:
            out.append(f"  - {ident}: skipped, {why}")
        return "\n".join(out)


def describe(row: dict) -> str:
    """A catalog row's prices in a line.

    >>> describe({"input_per_mtok": "2.5", "cached_input_per_mtok": "1.25", "output_per_mtok": "10",
    ...           "batch_input_per_mtok": "1.25", "batch_output_per_mtok": "5", "currency": "USD"})
    'input 2.5, cached 1.25, output 10 USD/Mtok; batch 1.25 / 5'
    """
    head = f"input {row['input_per_mtok']}"
    if row.get("cached_input_per_mtok"):
        head += f", cached {row['cached_input_per_mtok']}"
    if row.get("cache_write_per_mtok"):
        head += f", cache write {row['cache_write_per_mtok']}"
    parts = [f"{head}, output {row['output_per_mtok']} {row.get('currency', 'USD')}/Mtok"]
    for t in API_TIERS[1:]:
        if row.get(f"{t}_input_per_mtok"):
            parts.append(f"{t} {row[f'{t}_input_per_mtok']} / {row[f'{t}_output_per_mtok']}")
    if row.get("long_context_threshold_tokens"):
        parts.append(f"above {row['long_context_threshold_tokens']} tokens {row['long_input_per_mtok']} / "
                     f"{row['long_output_per_mtok']}")
    return "; ".join(parts)


def number(value: float) -> str:
    """A price per million tokens as a catalog cell: plain decimals, float noise removed.

    >>> number(2.5e-06 * 1e6), number(1.25e-08 * 1e6), number(272000.0)
    ('2.5', '0.0125', '272000')
    """
    return format(round(value, 9), ".10g")


def _price(entry: dict, key: str) -> float | None:
    value = entry.get(key)
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and value >= 0 else None


def catalog_row(name: str, entry: dict, as_of: _dt.date, file_name: str) -> tuple[str, dict] | str:
    """The catalog id and row of one LiteLLM entry, or why it cannot be imported.

    >>> ident, row = catalog_row("gemini/gemini-x", {"litellm_provider": "gemini", "mode": "chat",
    ...     "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
    ...     "input_cost_per_token_above_200k_tokens": 2.5e-06, "output_cost_per_token_above_200k_tokens": 1.5e-05},
    ...     _dt.date(2026, 11, 20), "prices.json")
    >>> ident, row["provider"], row["input_per_mtok"], row["long_context_threshold_tokens"], row["long_output_per_mtok"]
    ('gemini-x', 'google', '1.25', '200000', '15')
    >>> catalog_row("text-embedding-3-small", {"mode": "embedding"}, _dt.date(2026, 11, 20), "prices.json")
    "mode 'embedding' is not chat or completion"
    """
    if not isinstance(entry, dict):
        return "not an object of prices"
    mode = entry.get("mode")
    if mode not in MODES:
        return f"mode '{mode}' is not chat or completion"
    provider = str(entry.get("litellm_provider") or "")
    ident = name.split("/", 1)[1] if "/" in name and name.split("/", 1)[0] in (provider, "gemini") else name
    row = {"model": ident, "provider": PROVIDERS.get(provider, provider), "currency": "USD"}
    notes = []
    for column, key in FIELDS.items():
        value = _price(entry, key)
        row[column] = "" if value is None else number(value * PER_MTOK)
    if not row["input_per_mtok"] or not row["output_per_mtok"]:
        why = "tiered prices (by prompt length) are not imported" if entry.get("tiered_pricing") else \
            "no per-token input and output price"
        return why
    if row["cache_write_per_mtok"] and float(row["cache_write_per_mtok"]) == 0:
        row["cache_write_per_mtok"] = ""  # LiteLLM's 0 means writes carry no extra charge: billed as input
        notes.append("the map's cache-write price of 0 is read as no cache-write charge (writes billed as input)")
    for t in API_TIERS[1:]:
        given = [c for c in ("input", "output") if row[f"{t}_{c}_per_mtok"]]
        if len(given) == 1:
            notes.append(f"the map gives only a {t} {given[0]} price, so the {t} tier is left out")
        if len(given) < 2:
            for c in ("input", "cached_input", "output"):
                row[f"{t}_{c}_per_mtok"] = ""
    thresholds = sorted(int(m.group(1)) for k in entry if (m := _ABOVE.match(k)))
    row.update(long_context_threshold_tokens="", long_input_per_mtok="", long_output_per_mtok="")
    for k in thresholds:
        p_in = _price(entry, f"input_cost_per_token_above_{k}k_tokens")
        p_out = _price(entry, f"output_cost_per_token_above_{k}k_tokens")
        if p_in is not None and p_out is not None:
            row.update(long_context_threshold_tokens=number(k * 1000.0), long_input_per_mtok=number(p_in * PER_MTOK),
                       long_output_per_mtok=number(p_out * PER_MTOK))
            if len(thresholds) > 1:
                notes.append(f"the lowest long-context threshold ({k}k tokens) of {len(thresholds)} is imported")
            break
    if entry.get("off_peak_pricing"):
        notes.append("off-peak discounts are not modelled")
    page = entry.get("source")
    page = f"; provider page {page}" if isinstance(page, str) and page.startswith("http") else ""
    row["source"] = f"LiteLLM model_prices_and_context_window.json ({file_name}, {as_of.isoformat()}){page}"
    row["as_of"] = as_of.isoformat()
    row["assumption"] = " ".join(
        [f"derived: LiteLLM entry '{name}', USD per token x 1,000,000."] + [n[0].upper() + n[1:] + "." for n in notes])
    return ident, row


def _same(a: str, b: str) -> bool:
    if (a or "") == (b or ""):
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except ValueError:
        return False


def read_price_map(file: Path) -> dict:
    """The JSON object of a LiteLLM price map; :class:`~tco.errors.CatalogError` with one clear
    message when the file cannot be read or is not such a map."""
    try:
        data = json.loads(Path(file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"price map not found: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"price map {file} cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(f"price map {file} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(data, dict) or not any(isinstance(v, dict) and "litellm_provider" in v for v in data.values()):
        raise CatalogError(f"price map {file} is not in LiteLLM's model_prices_and_context_window.json format "
                           "(a JSON object of model name -> {input_cost_per_token, output_cost_per_token, "
                           "litellm_provider, mode, ...})")
    return data


def select(data: dict, models: list[str] | None, providers: list[str] | None) -> list[tuple[str, str]]:
    """``(LiteLLM name, catalog id or '')`` of the entries to import: the ``models`` named (``name`` or
    ``name=catalog-id``), else every entry of the ``providers`` (LiteLLM's or the catalog's names)."""
    if models:
        picked = []
        for item in models:
            name, _, ident = item.partition("=")
            if name.strip() not in data:
                close = [k for k in data if k.endswith("/" + name.strip())]
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise CatalogError(f"--models: '{name.strip()}' is not in the price map{hint}")
            picked.append((name.strip(), ident.strip()))
        return picked
    wanted = {p.strip() for p in providers or [] if p.strip()}
    return [(k, "") for k, v in data.items() if isinstance(v, dict) and k != "sample_spec"
            and (v.get("litellm_provider") in wanted or PROVIDERS.get(str(v.get("litellm_provider"))) in wanted)]


def import_prices(file: Path, catalog_dir: Path, *, models: list[str] | None = None,
                  providers: list[str] | None = None, as_of: _dt.date | None = None,
                  write: bool = True) -> Outcome:
    """Merge the selected chat/completion entries of LiteLLM price map ``file`` into
    ``catalog_dir/api_prices.csv`` (written atomically when ``write``); what changed."""
    from .files import write_atomic

    if not models and not providers:
        raise CatalogError("choose what to import: --models NAME[,NAME...] or --provider NAME (the map holds "
                           "thousands of models)")
    file = Path(file)
    data = read_price_map(file)
    if as_of is None:
        as_of = _dt.date.fromtimestamp(file.stat().st_mtime)
    path = Path(catalog_dir) / TABLES["api_prices"][0]
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(f"catalog table missing: {path}") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = list(reader.fieldnames or [])
    rows = {r["model"]: r for r in reader}
    tail = [c for c in ("source", "as_of", "assumption") if c in columns]
    columns = [c for c in columns if c not in tail]
    for c in ("model", "provider", *PRICE_COLUMNS, "currency"):
        if c not in columns:
            columns.append(c)
    columns += ["source", "as_of", "assumption"]

    out = Outcome(path=path)
    chosen = select(data, models, providers)
    if not chosen:
        raise CatalogError(f"no entry of {file.name} matches --provider {', '.join(providers or [])}")
    first: dict[str, str] = {}  # catalog id -> the LiteLLM name that gave it in this import
    for name, ident in chosen:
        made = catalog_row(name, data[name], as_of, file.name)
        if isinstance(made, str):
            out.skipped.append((name, made))
            continue
        new_id, new = made
        ident = ident or new_id
        if ident in first:
            out.skipped.append((name, f"same catalog id '{ident}' as '{first[ident]}', imported first"))
            continue
        first[ident] = name
        new["model"] = ident
        old = rows.get(ident)
        out.rows[ident] = new
        if old is None:
            rows[ident] = new
            out.added.append(ident)
            continue
        if old.get("currency", "USD") != "USD":
            out.skipped.append((name, f"catalog row '{ident}' is priced in {old['currency']} (another price list); "
                                      f"import it under another id: --models {name}={ident}-usd"))
            continue
        changes = [(c, old.get(c, ""), new[c]) for c in PRICE_COLUMNS if not _same(old.get(c, ""), new[c])]
        if changes:
            if old.get("as_of", "") > new["as_of"]:
                out.skipped.append((name, f"catalog row '{ident}' is dated {old['as_of']}, newer than the map"))
                continue
            rows[ident] = {**old, **new}
            out.updated[ident] = changes
        else:
            out.unchanged.append(ident)
            if old.get("as_of", "") < new["as_of"]:
                out.redated[ident] = (old.get("as_of", ""), new["as_of"])
                rows[ident] = {**old, **new}
    if not (out.added or out.updated or out.unchanged):
        raise CatalogError(f"nothing imported from {file.name}: "
                           + "; ".join(f"{n}: {why}" for n, why in out.skipped[:5]))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows.values():
        writer.writerow({c: row.get(c, "") or "" for c in columns})
    if write and (out.added or out.updated or out.redated):
        staged = _check_loads(path, buffer.getvalue())
        write_atomic(path, staged)
    return out


def _check_loads(path: Path, text: str) -> str:
    """``text`` when the catalog still loads with it as api_prices.csv (checked in a scratch copy)."""
    import shutil
    import tempfile

    from .catalog import Catalog

    with tempfile.TemporaryDirectory() as scratch:
        for other in path.parent.glob("*.csv"):
            shutil.copy(other, Path(scratch) / other.name)
        (Path(scratch) / path.name).write_text(text, encoding="utf-8")
        Catalog(Path(scratch))
    return text
