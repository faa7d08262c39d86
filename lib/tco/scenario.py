"""The scenario schema (DESIGN section 4): pydantic models, YAML loading and readable errors.

A scenario file is data: it is read with YAML's safe loader (no tags, no code) after the limits of
:mod:`tco.safeyaml` (size, nesting depth, duplicate keys, alias expansion), validated
by the pydantic models below, then checked against the reference catalogs (every accelerator,
instance, storage tier, API model and staff rate it names must exist). Every problem is reported
with the path of the field, e.g. ``models[1].serving.accelerator``, and the values allowed there.

Defaults are part of the schema (see each field's description, or ``data/scenarios/schema.json``).
Money in a scenario is in the scenario's ``currency``; catalog prices are converted to it.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import math
import re
from pathlib import Path
from typing import Any, Literal, Optional, Union

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator
from typing_extensions import Annotated

from . import safeyaml
from .errors import ScenarioError, visible
from .files import repo_path
from .ranges import extract, restore, substitute
from .units import BYTES_PER_VALUE, PEAK_COLUMN

def _not_bool(value: Any) -> Any:
    """YAML reads yes/no/on/off/true/false as booleans; pydantic would take them as 1 and 0."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r} (a YAML boolean: yes/no/on/off/true/false)")
    return value


Num = Annotated[float, BeforeValidator(_not_bool)]
Int = Annotated[int, BeforeValidator(_not_bool)]
Precision = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4", "fp4"]
#: ``precision`` may also be a weight-only shorthand: 4- or 8-bit integer weights, 16-bit compute and KV cache.
SHORTHANDS = {"w4a16": ("int4", "bf16", "bf16"), "w8a16": ("int8", "bf16", "bf16")}
ModelPrecision = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4", "fp4", "w4a16", "w8a16"]
#: Fields a model catalog row (data/catalog/models.csv) fills in when a scenario model names it.
CATALOG_MODEL_FIELDS = ("kind", "parameters", "active_parameters", "embedding_parameters", "layers", "hidden_size",
                        "attention_heads", "kv_heads", "head_dim", "kv_lora_rank", "qk_rope_head_dim", "experts",
                        "active_experts", "shared_experts", "routed_expert_parameters", "embedding_rows",
                        "embedding_dim", "embedding_lookups_per_item")
PROFILE_NAMES = ("flat", "ecommerce")
#: A scenario name: matched in full (``SLUG.fullmatch``; ``$`` would let a final newline through).
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")

# --------------------------------------------------------------------------------------------
# The largest value of every number a scenario holds (issue 16). Each bound is generous for any
# real deployment, yet so far below the float limit (1.8e308) that no product or sum the engine
# forms from inputs at their bounds can overflow: the largest, requests x items x tokens x
# parameters, stays under 1e40. A value above its bound is refused with the field's path and the
# bound. Money is in the scenario's currency; the catalog's currencies (fx.csv: USD, CNY, EUR)
# are all within a factor of 10 of each other, so one bound serves them all.
# --------------------------------------------------------------------------------------------
#: Requests a day: the whole web serves of the order of 1e11-1e12 requests a day (Google search
#: about 1e10); 1e13 is more than all of it.
MAX_REQUESTS_PER_DAY = 1e13
#: The smallest share that a cost is divided by (planned utilisation, usable memory, usable data,
#: MFU, MBU): one in ten thousand. Below it the cost grows without bound (at 1e-300 a fleet costs
#: 1e302 a day) while no real deployment plans or measures less; 0 itself is refused.
MIN_DIVIDING_FRACTION = 1e-4
#: The slowest measured throughput: one request every ~12 days per accelerator.
MIN_THROUGHPUT_RPS = 1e-6
#: The shortest useful life of a server or disk that capital costs are spread over: 0.1 year (five weeks).
MIN_YEARS = 0.1
#: The smallest storage medium: 1 GB.
MIN_MEDIUM_GB = 1.0
#: The fewest nodes one operations engineer runs: 0.1 (ten engineers for one node).
MIN_NODES_PER_ENGINEER = 0.1
#: Busiest hour / daily average: all of a day's traffic in one hour is 24 times the average.
MAX_PEAK_TO_AVERAGE = 24.0
#: A weight of a 24-hour profile (any scale): room for weights written as requests per hour.
MAX_PROFILE_WEIGHT = 1e15
#: The price of one unit (an instance- or accelerator-hour, a GB, a GB-month, a label, a kWh, a
#: person-day, an accelerator-month, a disk): the dearest of these are an 8-GPU instance-hour
#: (about 100 USD) and a day of staff (about 2,000 USD); 1e9 is over a hundred thousand times more.
MAX_UNIT_PRICE = 1e9
#: A price of a large item or a long period (a server, a loaded staff-year, a licence per month,
#: an upkeep per day): a GPU server is about 5e5 USD, a loaded staff-year about 3e5 USD; 1e12
#: is the capital cost of the largest data-centre programmes.
MAX_LARGE_PRICE = 1e12
#: Parameters of a network (total, active, draft, embedding, routed): the largest published
#: models hold about 2e12; 1e14 is fifty times that.
MAX_PARAMETERS = 1e14
#: Tokens of one item, one generated answer or one training sequence: the longest context
#: windows are about 1e7 tokens (the whole of a large code base).
MAX_TOKENS = 1e7
#: Items scored per request: re-rankers score 1e2-1e3 candidates, recall stages up to 1e4; 1e5.
MAX_ITEMS_PER_REQUEST = 1e5
#: Training tokens per run: frontier pre-training uses 1e13-4e13 tokens; 1e16 is 250 times that.
MAX_TOKENS_PER_RUN = 1e16
#: Runs, roll-outs or refreshes a month: 10,000 is one every four and a half minutes.
MAX_PER_MONTH = 10_000
#: Days data is kept: a hundred years.
MAX_DAYS = 36_500
#: Days in a year (training days per person and year cannot exceed it).
MAX_DAYS_PER_YEAR = 366
#: Years of useful life of a server or disk: a hundred (real ones last 3-7).
MAX_YEARS = 100.0
#: Full-time equivalents of one role: the engineering staff of the largest technology firms.
MAX_FTE = 1e5
#: Person-days a month on one item: 1e5 people x 22 working days is 2.2e6; 1e7.
MAX_PERSON_DAYS_PER_MONTH = 1e7
#: GB a day acquired, processed or retained: all internet traffic is about 1e10 GB (10 EB) a day.
MAX_GB_PER_DAY = 1e10
#: Labels a day: a thousand times the largest human labelling operations (about 1e7 a day).
MAX_LABELS_PER_DAY = 1e10
#: GB of one model artifact or one storage medium: 10 PB (the largest recommendation models
#: hold about 1e5 GB of embedding tables; the largest disks about 3e4 GB).
MAX_GB = 1e7
#: Copies, ratios and repeat shares (replication, compression ratio, relabel rate): 1,000.
MAX_MULTIPLE = 1_000.0
#: Backup copies of a model version (an integer): 1,000.
MAX_MULTIPLE_INT = 1_000
#: Model versions kept: 10,000 (weekly versions for two centuries).
MAX_VERSIONS = 10_000
#: Regions a service or registry spans: the largest clouds run about 40; 1,000.
MAX_REGIONS = 1_000
#: Replicas kept per region (minimum or spare): a million.
MAX_REPLICAS = 1_000_000
#: Instances, servers or nodes (a CPU fleet, nodes per engineer): ten million, more than any
#: one company runs.
MAX_INSTANCES = 1e7
#: Instance-hours of one meta-model training run: a million (a thousand instances for six weeks).
MAX_HOURS_PER_RUN = 1e6
#: Milliseconds (latency objectives, service and CPU time of a request): 1e7 ms is close to three hours.
MAX_MS = 1e7
#: Requests a second one accelerator serves: a tiny model reaches about 1e5-1e6; 1e9.
MAX_THROUGHPUT_RPS = 1e9
#: Sequences decoded together: a million (real batches reach a few thousand).
MAX_BATCH = 1_000_000
#: KV-cache bytes per token: a 400 B dense model without grouped-query attention needs about
#: 2e6 in 16-bit; 1e8.
MAX_KV_BYTES_PER_TOKEN = 1e8
#: The smallest KV cache: one byte per token of context (latent attention in 4 bits still needs
#: hundreds); below it the decode batch that fits memory grows past any float.
MIN_KV_BYTES_PER_TOKEN = 1.0
#: Transformer layers: the deepest published models have about 100-200; 10,000.
MAX_LAYERS = 10_000
#: Widths and head counts (hidden size, heads, head size, latent ranks, embedding width): the
#: widest models are about 3e4 wide; a million.
MAX_WIDTH = 1_000_000
#: Experts of one mixture-of-experts layer: a million (the PEER layer's million tiny experts).
MAX_EXPERTS = 1_000_000
#: Rows of all embedding tables: the largest recommendation models hold about 1e11; 1e13.
MAX_EMBEDDING_ROWS = 1e13
#: Embedding rows gathered per scored item: real models gather 1e2-1e4; a million.
MAX_LOOKUPS_PER_ITEM = 1e6
#: Power usage effectiveness and server wall power over accelerator TDPs: the worst data
#: centres run a PUE near 3; 10.
MAX_POWER_FACTOR = 10.0
#: Support per year as a share of the capital cost: 10 (ten times the server's price a year;
#: real contracts are 0.05-0.2).
MAX_MAINTENANCE_RATE = 10.0


#: Characters no text of a scenario may hold: controls (NUL, ESC, carriage return...) other than tab
#: and line feed, DEL, and the Unicode controls that reorder or split a line (as tco.errors shows escaped).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: Fields that are one line of text (names, titles): a line feed in them is refused too.
ONE_LINE_FIELDS = frozenset({"name", "title", "role", "task", "currency"})


class _Base(BaseModel):
    """Common settings: unknown keys are errors (with a suggestion), NaN and inf are rejected, and
    no text holds control characters (a name with a newline or an escape code that recolours a
    terminal is refused)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=False)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any, info) -> Any:
        texts = [value] if isinstance(value, str) else (
            [v for v in value if isinstance(v, str)] if isinstance(value, list) else [])
        for text in texts:
            bad = _CONTROL.search(text) or (re.search("\n", text) if info.field_name in ONE_LINE_FIELDS else None)
            if bad:
                raise ValueError(f"contains a control character ({visible(bad.group())}); use plain text"
                                 + (" on one line" if info.field_name in ONE_LINE_FIELDS else ""))
        return value

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = list(cls.model_fields)
            unknown = [k for k in data if k not in cls.model_fields]
            if unknown:
                parts = []
                for key in unknown:
                    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    parts.append(f"unknown key '{key}'{hint}")
                raise ValueError("; ".join(parts) + "; allowed keys: " + ", ".join(known))
        return data


# --------------------------------------------------------------------------------------------
# Traffic
# --------------------------------------------------------------------------------------------
class Traffic(_Base):
    requests_per_day: Num = Field(
        ge=0, le=MAX_REQUESTS_PER_DAY, description="Requests (searches, page views to rank) per day. [requests/day]"
    )
    cache_hit_rate: Num = Field(
        0.0, ge=0, le=1,
        description="Fraction of requests answered from a result cache, never reaching a model. [1]",
    )
    hourly_profile: Union[Literal["flat", "ecommerce"], list[Num]] = Field(
        "ecommerce",
        description="Shape of traffic over the day: 'flat', 'ecommerce' (evening peak), or 24 "
        "non-negative weights for hours 0..23 (any scale). [1]",
    )
    peak_to_average: Optional[Num] = Field(
        None, ge=1, le=MAX_PEAK_TO_AVERAGE,
        description="If given, the profile is stretched about its mean so that its busiest hour "
        "is this multiple of the daily average. [1]",
    )

    @field_validator("hourly_profile", mode="before")
    @classmethod
    def _profile(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value not in PROFILE_NAMES:
                raise ValueError(
                    f"unknown profile '{value}'; allowed: {', '.join(PROFILE_NAMES)} or a list of 24 weights"
                )
            return value
        if isinstance(value, (list, tuple)):
            if len(value) != 24:
                raise ValueError(f"a profile list needs 24 hourly weights, got {len(value)}")
            try:
                weights = [float(v) for v in value]
            except (TypeError, ValueError):
                raise ValueError("profile weights must be numbers") from None
            bad = [h for h, w in enumerate(weights) if not (0 <= w <= MAX_PROFILE_WEIGHT)]
            if bad:
                raise ValueError(f"profile weights must be finite, >= 0 and <= {MAX_PROFILE_WEIGHT:g}; hour(s) "
                                 f"{', '.join(map(str, bad))} are not (hours count from 0)")
            if sum(weights) <= 0:
                raise ValueError("profile weights must not all be 0")
            return weights
        raise ValueError(
            f"must be one of {', '.join(PROFILE_NAMES)} or a list of 24 weights, got {type(value).__name__}"
        )

    @model_validator(mode="after")
    def _peak(self) -> "Traffic":
        from .capacity import max_peak_to_average

        if self.peak_to_average is not None:
            top = max_peak_to_average(self.hourly_profile)
            if self.peak_to_average > top + 1e-9:
                shape = f"the {self.hourly_profile}" if isinstance(self.hourly_profile, str) else "the given"
                raise ValueError(
                    f"peak_to_average {self.peak_to_average:g} is more than {shape} profile can be stretched to "
                    f"(at most {top:.3f} before its quietest hour reaches zero); lower it or give 24 weights"
                )
        return self


# --------------------------------------------------------------------------------------------
# Hardware and pricing of a fleet (serving or training)
# --------------------------------------------------------------------------------------------
class Hardware(_Base):
    deployment: Literal["cloud", "on_prem"] = Field(
        "cloud", description="Where the accelerators run: rented 'cloud' instances or owned 'on_prem' servers."
    )
    instance: Optional[str] = Field(
        None, description="Cloud instance type from data/catalog/instances.csv (cloud only)."
    )
    accelerator: Optional[str] = Field(
        None, description="Accelerator id from data/catalog/accelerators.csv. Cloud: taken from the "
        "instance when omitted. On premises: required.",
    )
    pricing: Literal["on_demand", "reserved_1y", "reserved_3y", "spot", "capacity_block"] = Field(
        "on_demand", description="Cloud pricing plan; a plan the catalog has no price for is reported "
        "as an unpriced item (give price_per_hour).",
    )
    price_per_hour: Optional[Num] = Field(
        None, ge=0, le=MAX_UNIT_PRICE, description="Cloud: price of one instance-hour; on premises: all-in price of one "
        "accelerator-hour. Overrides the catalog. [currency/hour]",
    )
    price_source: Optional[str] = Field(None, description="Where price_per_hour comes from.")
    server: Optional[str] = Field(
        None, description="On-premises server model from data/catalog/onprem_servers.csv "
        "(default: the newest priced server with this accelerator).",
    )
    server_price: Optional[Num] = Field(
        None, gt=0, le=MAX_LARGE_PRICE, description="On premises: price of one server, overriding the catalog. [currency]"
    )
    accelerators_per_server: Optional[Int] = Field(
        None, ge=1, le=64, description="On premises: accelerators in one server (default: the catalog "
        "server's, else 8). [1]",
    )


class Serving(Hardware):
    deployment: Literal["cloud", "on_prem", "api"] = Field(
        "cloud", description="'cloud' instances, 'on_prem' servers, or a hosted 'api' (buy, not build)."
    )
    api_model: Optional[str] = Field(
        None, description="Hosted model from data/catalog/api_prices.csv (deployment 'api' only)."
    )
    api_tier: Literal["standard", "batch", "priority", "flex"] = Field(
        "standard", description="Service tier of the hosted API (deployment 'api', or the api_alternative "
        "comparison): 'standard', 'batch' (every request through the batch interface), 'priority' or 'flex'; "
        "the model must offer it (data/catalog/api_prices.csv).",
    )
    cached_prompt_share: Num = Field(
        0.0, ge=0, le=1, description="Hosted API: share of input tokens read from the provider's prompt cache, "
        "billed at the cached-input price (the input price where the model has none). [1]",
    )
    cache_write_share: Num = Field(
        0.0, ge=0, le=1, description="Hosted API: share of input tokens written to the prompt cache, billed at "
        "the cache-write price where the provider charges one (else as input). [1]",
    )
    batchable_share: Num = Field(
        0.0, ge=0, le=1, description="Hosted API: share of requests that can wait for the batch interface and "
        "are billed at the batch price (the model must offer a batch tier). [1]",
    )
    utilization_target: Num = Field(
        0.7, ge=MIN_DIVIDING_FRACTION, le=1, description="Highest planned utilisation of a replica at peak (rho_max). [1]"
    )
    min_replicas: Int = Field(1, ge=0, le=MAX_REPLICAS, description="Fewest replicas kept running per region. [1]")
    redundancy: Int = Field(0, ge=0, le=MAX_REPLICAS, description="Spare replicas per region on top of what load and SLO need (N+k). [1]")
    regions: Int = Field(1, ge=1, le=MAX_REGIONS, description="Regions serving active-active; traffic splits evenly. [1]")
    billing: Literal["provisioned", "autoscaled"] = Field(
        "provisioned", description="'provisioned' pays the peak fleet all day; 'autoscaled' (cloud "
        "only) sizes each hour from its own traffic.",
    )
    usable_memory_fraction: Num = Field(
        0.9, ge=MIN_DIVIDING_FRACTION, le=1, description="Share of accelerator memory usable for weights, tables and cache. [1]"
    )
    max_accelerators_per_replica: Int = Field(
        8, ge=1, le=1024, description="Largest replica (tensor/embedding sharding) allowed. [1]"
    )
    accelerators_per_replica: Optional[Int] = Field(
        None, ge=1, le=1024, description="Accelerators per replica (tensor x expert parallel), fixed. Default: "
        "generative models take the power of two with the most requests per accelerator, others the smallest "
        "that holds the model. [1]")

    @model_validator(mode="after")
    def _replica(self) -> "Serving":
        if self.cached_prompt_share + self.cache_write_share > 1 + 1e-12:
            raise ValueError(f"cached_prompt_share ({self.cached_prompt_share:g}) + cache_write_share "
                             f"({self.cache_write_share:g}) exceed 1: they are shares of the same input tokens")
        if self.accelerators_per_replica is not None and self.accelerators_per_replica > self.max_accelerators_per_replica:
            raise ValueError(f"accelerators_per_replica ({self.accelerators_per_replica}) exceeds "
                             f"max_accelerators_per_replica ({self.max_accelerators_per_replica}); raise the maximum "
                             f"or choose a smaller replica")
        return self


#: What survives a switch of a model's deployment (tco.variants.with_deployment), written once.
#: How the fleet is run survives any switch between self-hosted options:
SERVING_KEPT_ON_ANY_HARDWARE = ("utilization_target", "min_replicas", "redundancy", "regions",
                                "usable_memory_fraction", "max_accelerators_per_replica")
#: What was priced or sized for one instance or accelerator survives only while it stays the same:
SERVING_KEPT_ON_SAME_HARDWARE = ("pricing", "price_per_hour", "price_source", "server", "server_price",
                                 "accelerators_per_server", "accelerators_per_replica")
#: Billing survives a switch that stays on the cloud (on premises is provisioned); a switch to the
#: hosted API keeps nothing of the serving block but how the API is used (SERVING_API_USAGE).
SERVING_KEPT_ON_CLOUD = ("billing",)
#: How a hosted API is used (tier, cached and batchable shares) survives a switch to the hosted API.
SERVING_API_USAGE = ("api_tier", "cached_prompt_share", "cache_write_share", "batchable_share")


def switched_serving(current: dict, option: dict) -> dict:
    """The serving block (plain data) after switching from ``current`` to ``option``.

    ``option`` names the new deployment: ``{"deployment": "api", "api_model": ...}``,
    ``{"deployment": "cloud", "instance": ...}`` (or a cloud ``accelerator``), or
    ``{"deployment": "on_prem", "accelerator": ...}``, and may set any other serving key, which wins.

    >>> switched_serving({"instance": "g6.xlarge", "price_per_hour": 0.9, "redundancy": 1},
    ...                  {"deployment": "cloud", "instance": "g6e.xlarge"})
    {'redundancy': 1, 'deployment': 'cloud', 'instance': 'g6e.xlarge'}
    >>> switched_serving({"deployment": "on_prem", "accelerator": "H100", "server_price": 3e5},
    ...                  {"deployment": "on_prem", "accelerator": "H100"})
    {'deployment': 'on_prem', 'accelerator': 'H100', 'server_price': 300000.0}
    """
    target = option.get("deployment", "cloud")
    if target == "api":
        return {**{k: v for k, v in current.items() if k in SERVING_API_USAGE}, **option}
    was = current.get("deployment", "cloud")
    same = was == target and all(current.get(k) == option.get(k) for k in ("instance", "accelerator"))
    kept = SERVING_KEPT_ON_ANY_HARDWARE + (SERVING_KEPT_ON_SAME_HARDWARE if same else ())
    kept += SERVING_KEPT_ON_CLOUD if target == "cloud" and was == "cloud" else ()
    out = {k: v for k, v in current.items() if k in kept}
    if same:
        out = {**{k: current[k] for k in ("deployment", "instance", "accelerator") if k in current}, **out}
    return {**out, **option}


class Training(Hardware):
    tokens_per_run: Num = Field(
        gt=0, le=MAX_TOKENS_PER_RUN, description="Training tokens (or samples x tokens per sample) per run, D. [tokens]"
    )
    method: Literal["full", "lora"] = Field(
        "full", description="'full' training or fine-tuning (6 N D FLOPs) or 'lora' (4 N D)."
    )
    runs_per_month: Num = Field(1.0, ge=0, le=MAX_PER_MONTH, description="Training or refresh runs per month. [1/month]")
    mfu_train: Optional[Num] = Field(
        None, ge=MIN_DIVIDING_FRACTION, le=1, description="Model FLOPs utilisation in training (default from "
        "data/catalog/efficiency.csv, per training precision). [1]",
    )
    sequence_length: Optional[Num] = Field(
        None, gt=0, le=MAX_TOKENS, description="Training sequence length; with the architecture known, attention FLOPs are added. "
        "[tokens]")
    precision: Optional[Literal["bf16", "fp16", "fp8", "fp4"]] = Field(
        None, description="Compute precision of training, whose dense peak and calibrated factor are used "
        "(default: bf16, or fp16 on accelerators without bf16).")

    def precision_on(self, accelerator_row) -> str:
        """The training precision on an accelerator: as given, else bf16 where it has a bf16 peak, else fp16."""
        if self.precision is not None:
            return self.precision
        return "bf16" if accelerator_row["bf16_tflops"] > 0 else "fp16"


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------
class Speculative(_Base):
    """Speculative decoding: a draft model (or multi-token-prediction heads) proposes tokens that the
    model verifies in one step (Leviathan et al. 2023)."""

    draft_model: Optional[str] = Field(
        None, description="Draft model id from data/catalog/models.csv (or give draft_parameters).")
    draft_parameters: Optional[Num] = Field(
        None, gt=0, le=MAX_PARAMETERS, description="Parameters the draft runs per drafted token (an MTP head: its own layer). [1]")
    draft_tokens: Int = Field(3, ge=1, le=16, description="Tokens drafted per verification step, k. [tokens]")
    acceptance_rate: Num = Field(
        0.7, ge=0, le=1, description="Probability the model accepts a drafted token, alpha (measure it on your "
        "traffic; 0.6-0.9 is typical for a well-matched draft). [1]")

    @model_validator(mode="after")
    def _draft(self) -> "Speculative":
        if self.draft_model is None and self.draft_parameters is None:
            raise ValueError("give draft_model (a catalog id) or draft_parameters")
        return self


class Model(_Base):
    name: str = Field(description="Short name, unique within the scenario.")
    model: Optional[str] = Field(
        None, description="Architecture id from data/catalog/models.csv (e.g. llama-3.1-70b, qwen3-30b-a3b); it "
        "fills parameters, active parameters, the KV-cache size and the MoE structure. Fields given here override it.")
    kind: Literal["encoder", "generative", "recsys"] = Field(
        description="'encoder' (cross-encoder, BERT-like scorer), 'generative' (LLM producing tokens) "
        "or 'recsys' (ranking model with embedding tables)."
    )
    parameters: Num = Field(gt=0, le=MAX_PARAMETERS, description="Parameters of the network, including token embeddings. [1]")
    active_parameters: Optional[Num] = Field(
        None, gt=0, le=MAX_PARAMETERS, description="Parameters used per token (mixture of experts); FLOPs use these, memory the "
        "total. Default: all parameters. [1]")
    embedding_parameters: Num = Field(
        0.0, ge=0, le=MAX_PARAMETERS, description="Of `parameters`, those in token-embedding tables (excluded from FLOPs). [1]"
    )
    precision: ModelPrecision = Field(
        "bf16", description="Numeric precision of weights, KV cache and compute (shorthand; w4a16 / w8a16: "
        "integer weights, 16-bit compute).")
    weight_precision: Optional[Precision] = Field(None, description="Precision of the stored weights (default: precision).")
    kv_precision: Optional[Precision] = Field(None, description="Precision of the KV cache (default: precision).")
    compute_precision: Optional[Precision] = Field(
        None, description="Precision of the matrix units, whose dense peak is used (default: precision).")
    traffic_share: Num = Field(
        1.0, gt=0, le=1, description="Share of the (non-cached) requests that reach this model before "
        "fusion routing, e.g. only long-tail queries. [1]",
    )
    items_per_request: Num = Field(1.0, ge=1, le=MAX_ITEMS_PER_REQUEST, description="Items scored per request, k. [items]")
    input_tokens_per_item: Num = Field(
        1.0, ge=0, le=MAX_TOKENS, description="Input tokens per item (or sequence length per item), t. [tokens]"
    )
    output_tokens: Num = Field(0.0, ge=0, le=MAX_TOKENS, description="Tokens generated per request, o. [tokens]")
    prefix_cache_hit_rate: Num = Field(
        0.0, ge=0, lt=1, description="Share of prompt tokens served from the prefix (KV) cache; they skip "
        "prefill FLOPs. [1]")
    beam_width: Int = Field(1, ge=1, le=64, description="Beams decoded per request (beam search), w. [1]")
    speculative: Optional[Speculative] = Field(None, description="Speculative decoding, if used.")
    decode_batch: Optional[Int] = Field(
        None, ge=1, le=MAX_BATCH, description="Sequences a replica decodes together, b (generative). Default: the largest batch "
        "that fits memory and meets tpot_slo_ms. [1]")
    kv_bytes_per_token: Optional[Num] = Field(
        None, ge=MIN_KV_BYTES_PER_TOKEN, le=MAX_KV_BYTES_PER_TOKEN, description="KV-cache bytes per token of context (generative). Default: from the architecture "
        "(layers, KV heads, head size, kv_precision), else estimated from the parameter count. [bytes]",
    )
    layers: Optional[Int] = Field(None, ge=1, le=MAX_LAYERS, description="Transformer layers, L (architecture). [1]")
    hidden_size: Optional[Int] = Field(None, ge=1, le=MAX_WIDTH, description="Model width, d_model (architecture). [1]")
    attention_heads: Optional[Int] = Field(None, ge=1, le=MAX_WIDTH, description="Query heads (architecture). [1]")
    kv_heads: Optional[Int] = Field(None, ge=1, le=MAX_WIDTH, description="Key/value heads (grouped-query attention). [1]")
    head_dim: Optional[Int] = Field(None, ge=1, le=MAX_WIDTH, description="Values per attention head. [1]")
    kv_lora_rank: Optional[Int] = Field(None, ge=1, le=MAX_WIDTH, description="Latent KV width of multi-head latent attention. [1]")
    qk_rope_head_dim: Optional[Int] = Field(None, ge=0, le=MAX_WIDTH, description="Rotary key width of latent attention. [1]")
    experts: Optional[Int] = Field(None, ge=1, le=MAX_EXPERTS, description="Routed experts per MoE layer, E. [1]")
    active_experts: Optional[Int] = Field(None, ge=1, le=MAX_EXPERTS, description="Routed experts per token, k. [1]")
    shared_experts: Optional[Int] = Field(None, ge=0, le=MAX_EXPERTS, description="Always-active experts per MoE layer. [1]")
    routed_expert_parameters: Optional[Num] = Field(
        None, ge=0, le=MAX_PARAMETERS, description="Parameters in routed experts, all MoE layers together. [1]")
    embedding_rows: Num = Field(0.0, ge=0, le=MAX_EMBEDDING_ROWS, description="Rows in all embedding tables (recsys). [1]")
    embedding_dim: Int = Field(0, ge=0, le=MAX_WIDTH, description="Width of an embedding row (recsys). [values]")
    embedding_precision: Optional[Precision] = Field(
        None, description="Precision of embedding tables (default: the model's)."
    )
    embedding_lookups_per_item: Num = Field(
        0.0, ge=0, le=MAX_LOOKUPS_PER_ITEM, description="Embedding rows gathered per scored item (recsys). [1]"
    )
    embedding_cache_hit_rate: Num = Field(
        0.0, ge=0, le=1, description="Share of lookups served from on-chip cache of hot rows. [1]"
    )
    throughput_rps: Optional[Num] = Field(
        None, ge=MIN_THROUGHPUT_RPS, le=MAX_THROUGHPUT_RPS, description="Measured requests per second per accelerator; overrides the roofline. [requests/s]"
    )
    throughput_source: Optional[str] = Field(None, description="Where throughput_rps was measured (required with it).")
    service_time_ms: Optional[Num] = Field(
        None, gt=0, le=MAX_MS, description="Measured time to serve one batch (default: estimated). [ms]"
    )
    latency_slo_ms: Optional[Num] = Field(None, gt=0, le=MAX_MS, description="Latency objective at latency_percentile. [ms]")
    ttft_slo_ms: Optional[Num] = Field(
        None, gt=0, le=MAX_MS, description="Time-to-first-token objective at latency_percentile (generative). [ms]")
    tpot_slo_ms: Optional[Num] = Field(
        None, gt=0, le=MAX_MS, description="Time-per-output-token objective (generative); caps the decode batch. [ms]")
    latency_percentile: Num = Field(0.99, gt=0, lt=1, description="Percentile of the latency SLO. [1]")
    mfu: Optional[Num] = Field(None, ge=MIN_DIVIDING_FRACTION, le=1, description="Model FLOPs utilisation (default per kind). [1]")
    mbu: Optional[Num] = Field(None, ge=MIN_DIVIDING_FRACTION, le=1, description="Memory bandwidth utilisation (default per kind). [1]")
    artifact_gb: Optional[Num] = Field(
        None, gt=0, le=MAX_GB, description="Size of the stored model artifact (default: weights + embedding tables). [GB]"
    )
    api_alternative: Optional[str] = Field(
        None, description="Hosted API model (api_prices.csv) to compare self-hosting against."
    )
    serving: Serving = Field(default_factory=Serving, description="How the model is served.")
    training: Optional[Training] = Field(None, description="Training or refresh runs, if any.")

    #: the fields the ``model:`` catalog row filled in (not written in the scenario)
    _catalog_fields: tuple = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _from_catalog(cls, data: Any, handler, info) -> "Model":
        """Fill the fields a ``model:`` catalog id implies; fields written out take precedence."""
        filled: tuple = ()
        if isinstance(data, dict) and isinstance(data.get("model"), str):
            catalog = (info.context or {}).get("catalog") if info is not None else None
            if catalog is None:
                from .catalog import load_catalog

                catalog = load_catalog()
            if data["model"] in catalog.models.index:  # else the field's own validator names it
                fields = catalog.model_fields(data["model"])
                filled = tuple(k for k in fields if k not in data)
                data = {**fields, **data}
        model = handler(data)
        if filled:
            model._catalog_fields = filled
        return model

    @field_validator("model")
    @classmethod
    def _model_id(cls, value: Optional[str], info) -> Optional[str]:
        if value is None:
            return value
        catalog = (info.context or {}).get("catalog") if info is not None else None
        if catalog is None:
            from .catalog import load_catalog

            catalog = load_catalog()
        if value not in catalog.models.index:
            raise ValueError(_known("model", value, catalog.models.index))
        return value

    @model_validator(mode="after")
    def _consistency(self) -> "Model":
        if self.embedding_parameters >= self.parameters:
            raise ValueError("embedding_parameters must be smaller than parameters")
        if self.active_parameters is not None and not self.embedding_parameters < self.active_parameters <= self.parameters:
            raise ValueError("active_parameters must lie between embedding_parameters and parameters")
        if self.throughput_rps is not None and not self.throughput_source:
            raise ValueError("throughput_rps needs throughput_source (where it was measured)")
        if self.embedding_lookups_per_item > 0 and self.embedding_dim <= 0:
            raise ValueError("embedding_lookups_per_item needs embedding_dim > 0")
        if self.experts is not None and self.active_experts is not None and self.active_experts > self.experts:
            raise ValueError("active_experts cannot exceed experts")
        if self.routed_expert_parameters is not None and self.routed_expert_parameters >= self.parameters:
            raise ValueError("routed_expert_parameters must be smaller than parameters")
        return self

    # -- resolved settings: one place for each default --------------------------------------------
    def _precision(self, which: int, explicit) -> str:
        if explicit is not None:
            return explicit
        return SHORTHANDS[self.precision][which] if self.precision in SHORTHANDS else self.precision

    @property
    def weights_precision(self) -> str:
        """Precision the weights are stored and read in."""
        return self._precision(0, self.weight_precision)

    @property
    def cache_precision(self) -> str:
        """Precision of the KV cache."""
        return self._precision(1, self.kv_precision)

    @property
    def math_precision(self) -> str:
        """Precision of the matrix units, whose dense peak bounds the FLOPs."""
        return self._precision(2, self.compute_precision)

    @property
    def flop_parameters(self):
        """Parameters doing FLOPs per token: the active ones outside the token embedding."""
        active = self.parameters if self.active_parameters is None else self.active_parameters
        return active - self.embedding_parameters

    @property
    def is_moe(self) -> bool:
        return bool(self.experts and self.active_experts and self.routed_expert_parameters)


# --------------------------------------------------------------------------------------------
# Fusion, data, storage, staff, compute extras, on-premises site
# --------------------------------------------------------------------------------------------
class MetaModel(_Base):
    instance: str = Field("c7i.xlarge", description="Instance type the meta-model trains on.")
    hours_per_run: Num = Field(ge=0, le=MAX_HOURS_PER_RUN, description="Instance-hours per training run. [h]")
    runs_per_month: Num = Field(1.0, ge=0, le=MAX_PER_MONTH, description="Runs per month. [1/month]")


class Fusion(_Base):
    strategy: Literal["single", "ensemble", "cascade", "stacking"] = Field(
        "single", description="'single' (one model), 'ensemble' (all models score all traffic), "
        "'cascade' (each stage sees what the one before escalates) or 'stacking' (ensemble + meta-model).",
    )
    escalation: Optional[list[Num]] = Field(
        None, description="Cascade: for models 2..n, the fraction of the previous stage's traffic "
        "escalated to it, e_m in (0, 1]. [1]",
    )
    combiner: Literal["average", "softmax", "learned_weights"] = Field(
        "average", description="How scores are combined (ensemble, stacking)."
    )
    combiner_cpu_ms_per_request: Num = Field(
        0.0, ge=0, le=MAX_MS, description="CPU time of combining or routing one request. [ms]"
    )
    combiner_instance: str = Field("c7i.xlarge", description="CPU instance the combiner runs on.")
    meta_model: Optional[MetaModel] = Field(None, description="Stacking: meta-model training.")
    integration_person_days_per_model_per_month: Num = Field(
        0.0, ge=0, le=MAX_PERSON_DAYS_PER_MONTH, description="Upkeep of the fusion integration. [person-days/model/month]"
    )
    algorithm_cost_per_day: Num = Field(
        0.0, ge=0, le=MAX_LARGE_PRICE, description="The articles' 'fusion algorithm cost' read as upkeep per day. [currency/day]"
    )
    complexity: Num = Field(0.0, ge=0, le=1, description="The articles' fusion complexity factor F. [1]")


class DataSource(_Base):
    name: str
    gb_per_day: Num = Field(ge=0, le=MAX_GB_PER_DAY, description="Raw data acquired per day. [GB/day]")
    price_per_gb: Optional[Num] = Field(
        None, ge=0, le=MAX_UNIT_PRICE, description="Acquisition price; 0 for data that costs nothing to acquire. Left out, the "
        "source is unpriced (a warning) unless a licence fee covers it. [currency/GB]")
    usable_fraction: Num = Field(1.0, ge=MIN_DIVIDING_FRACTION, le=1, description="Share of acquired data that is usable. [1]")
    licence_fee_per_month: Num = Field(0.0, ge=0, le=MAX_LARGE_PRICE, description="Flat licence fee. [currency/month]")


class Processing(_Base):
    name: str
    gb_per_day: Num = Field(ge=0, le=MAX_GB_PER_DAY, description="Data processed per day. [GB/day]")
    price_per_gb: Num = Field(ge=0, le=MAX_UNIT_PRICE, description="Processing price. [currency/GB]")


class Labelling(_Base):
    labels_per_day: Num = Field(ge=0, le=MAX_LABELS_PER_DAY, description="New labels per day. [labels/day]")
    price_per_label: Optional[Num] = Field(None, ge=0, le=MAX_UNIT_PRICE, description="Price of one label. [currency/label]")
    task: Optional[str] = Field(None, description="Labelling task from data/catalog/labelling.csv (if no price_per_label).")
    relabel_rate: Num = Field(0.0, ge=0, le=MAX_MULTIPLE, description="Extra share of labels redone for quality. [1]")

    @model_validator(mode="after")
    def _price(self) -> "Labelling":
        if self.price_per_label is None and self.task is None:
            raise ValueError("give price_per_label or a catalog task")
        return self


class Retention(_Base):
    name: str
    gb_per_day: Num = Field(ge=0, le=MAX_GB_PER_DAY, description="Data written to this tier per day. [GB/day]")
    days: Num = Field(ge=0, le=MAX_DAYS, description="Days each day's data is kept. [days]")
    replication: Num = Field(1.0, ge=1, le=MAX_MULTIPLE, description="Copies kept. [1]")
    tier: Optional[str] = Field(None, description="Storage tier from data/catalog/storage.csv.")
    price_per_gb_month: Optional[Num] = Field(None, ge=0, le=MAX_UNIT_PRICE, description="Price overriding the tier. [currency/GB-month]")

    @model_validator(mode="after")
    def _price(self) -> "Retention":
        if self.tier is None and self.price_per_gb_month is None:
            raise ValueError("give a storage tier or price_per_gb_month")
        return self


class Data(_Base):
    sources: list[DataSource] = Field(default_factory=list, description="Data acquisition.")
    processing: list[Processing] = Field(default_factory=list, description="Cleaning, feature pipelines.")
    labelling: Optional[Labelling] = None
    retention: list[Retention] = Field(default_factory=list, description="Hot and cold data tiers.")


class OnPremMedia(_Base):
    capacity_gb: Num = Field(ge=MIN_MEDIUM_GB, le=MAX_GB, description="Capacity of one storage medium (disk). [GB]")
    price: Num = Field(ge=0, le=MAX_UNIT_PRICE, description="Price of one medium. [currency]")
    life_years: Num = Field(5.0, ge=MIN_YEARS, le=MAX_YEARS, description="Useful life. [years]")


class Storage(_Base):
    registry_tier: Optional[str] = Field("s3-standard", description="Tier holding model versions (storage.csv).")
    registry_price_per_gb_month: Optional[Num] = Field(
        None, ge=0, le=MAX_UNIT_PRICE, description="Registry price overriding the tier. [currency/GB-month]"
    )
    versions_kept: Int = Field(3, ge=1, le=MAX_VERSIONS, description="Model versions kept in the registry. [1]")
    backups: Int = Field(1, ge=0, le=MAX_MULTIPLE_INT, description="Backup copies of each version. [1]")
    regions: Int = Field(1, ge=1, le=MAX_REGIONS, description="Regions the registry is replicated to. [1]")
    compression_ratio: Num = Field(1.0, ge=1, le=MAX_MULTIPLE, description="Artifact size divided by stored size. [1]")
    serving_disk_tier: Optional[str] = Field(
        None, description="Block-storage tier billed for each cloud serving instance's model copy (e.g. ebs-gp3)."
    )
    on_prem_media: Optional[OnPremMedia] = Field(None, description="Disks holding on-premises model copies.")
    deployments_per_month: Num = Field(4.0, ge=0, le=MAX_PER_MONTH, description="Model roll-outs per month. [1/month]")
    transfer_tier: Optional[str] = Field(None, description="Egress tier priced for distributing artifacts.")
    transfer_price_per_gb: Optional[Num] = Field(None, ge=0, le=MAX_UNIT_PRICE, description="Transfer price overriding the tier. [currency/GB]")


class Role(_Base):
    role: str
    fte: Num = Field(ge=0, le=MAX_FTE, description="Full-time equivalents. [1]")
    annual_cost: Optional[Num] = Field(None, ge=0, le=MAX_LARGE_PRICE, description="Loaded cost per FTE and year. [currency/year]")
    rate: Optional[str] = Field(None, description="Rate id from data/catalog/staff_rates.csv (if no annual_cost).")

    @model_validator(mode="after")
    def _cost(self) -> "Role":
        if self.annual_cost is None and self.rate is None:
            raise ValueError("give annual_cost or a catalog rate")
        return self


class Task(_Base):
    task: str
    person_days_per_month: Num = Field(ge=0, le=MAX_PERSON_DAYS_PER_MONTH, description="Effort. [person-days/month]")
    day_rate: Optional[Num] = Field(None, ge=0, le=MAX_UNIT_PRICE, description="Day rate (default staff.day_rate). [currency/person-day]")


class Operations(_Base):
    nodes_per_engineer: Num = Field(ge=MIN_NODES_PER_ENGINEER, le=MAX_INSTANCES, description="Servers or instances one operations engineer runs. [1]")
    annual_cost: Optional[Num] = Field(None, ge=0, le=MAX_LARGE_PRICE, description="Loaded cost per engineer-year. [currency/year]")
    rate: Optional[str] = Field(None, description="Rate id from staff_rates.csv (if no annual_cost).")

    @model_validator(mode="after")
    def _cost(self) -> "Operations":
        if self.annual_cost is None and self.rate is None:
            raise ValueError("give annual_cost or a catalog rate")
        return self


class Staff(_Base):
    day_rate: Optional[Num] = Field(None, ge=0, le=MAX_UNIT_PRICE, description="Loaded cost of one person-day. [currency/person-day]")
    roles: list[Role] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    upkeep_person_days_per_model_per_month: Num = Field(
        0.0, ge=0, le=MAX_PERSON_DAYS_PER_MONTH, description="Monitoring, retraining, fixes per model. [person-days/model/month]"
    )
    operations: Optional[Operations] = None
    training_days_per_person_per_year: Num = Field(0.0, ge=0, le=MAX_DAYS_PER_YEAR, description="Training per team member. [days/year]")
    automation_factor: Num = Field(
        0.0, ge=0, lt=1, description="Share of upkeep and operations effort removed by automation. [1]"
    )


class CpuFleet(_Base):
    name: str
    instance: str = Field(description="CPU instance type (instances.csv).")
    count: Num = Field(ge=0, le=MAX_INSTANCES, description="Instances running all day. [1]")
    pricing: Literal["on_demand", "reserved_1y", "reserved_3y", "spot", "capacity_block"] = "on_demand"
    price_per_hour: Optional[Num] = Field(None, ge=0, le=MAX_UNIT_PRICE, description="Price overriding the catalog. [currency/hour]")


class Compute(_Base):
    cpu: list[CpuFleet] = Field(default_factory=list, description="CPU fleets for orchestration, feature serving.")


class OnPremSite(_Base):
    region: Literal["cn", "us"] = Field("cn", description="Where the data centre is (electricity default).")
    electricity_price_per_kwh: Optional[Num] = Field(None, ge=0, le=MAX_UNIT_PRICE, description="[currency/kWh] (default: catalog).")
    pue: Optional[Num] = Field(None, ge=1, le=MAX_POWER_FACTOR, description="Power usage effectiveness (default: catalog). [1]")
    useful_life_years: Optional[Num] = Field(None, ge=MIN_YEARS, le=MAX_YEARS, description="Depreciation period (default: catalog). [years]")
    maintenance_rate: Optional[Num] = Field(None, ge=0, le=MAX_MAINTENANCE_RATE, description="Support per year as a share of capex. [1/year]")
    server_power_overhead: Optional[Num] = Field(None, ge=1, le=MAX_POWER_FACTOR, description="Server wall power / accelerator TDPs. [1]")
    load_factor: Optional[Num] = Field(None, ge=0, le=1, description="Average draw / rated power. [1]")
    hosting_per_accelerator_month: Optional[Num] = Field(
        None, ge=0, le=MAX_UNIT_PRICE, description="Space, network, racks per accelerator; unset is reported as unpriced. [currency/month]"
    )


#: The dates a scenario can be estimated for: the catalog's prices start in the 2020s and no estimate
#: of this kind is meaningful a century ahead; a date outside is a typing error (1900, 2999).
EARLIEST_AS_OF, LATEST_AS_OF = _dt.date(2000, 1, 1), _dt.date(2100, 12, 31)


class Energy(_Base):
    """Where the electricity comes from, for the energy and carbon estimate (:mod:`tco.footprint`).
    Every field is optional."""

    grid_region: Optional[str] = Field(
        None, description="Grid of the on-premises site, an id of data/catalog/grid_intensity.csv (cn, cn-east, "
        "cn-hebei, us, eu, renewable...). Default: on_prem.region.")
    cloud_grid_region: Optional[str] = Field(
        None, description="Grid of the cloud fleets, an id of grid_intensity.csv. Default: from each instance's "
        "region (us-*, *us*: us; eu*, europe*: eu; Alibaba Cloud or no region: cn).")
    idle_power_fraction: Optional[Num] = Field(
        None, ge=0, le=1, description="Draw of an idle accelerator (model loaded) as a share of its rated power "
        "(default: catalog onprem.csv). Sets the on-premises electricity cost too. [1]")


class Business(_Base):
    """What the deployment is for, in money: the sessions it touches and what they earn
    (:mod:`tco.business`). Every field is optional; what is missing leaves the figures that need it
    out, and says so. Any number may be a range."""

    sessions_per_day: Optional[Num] = Field(
        None, gt=0, le=1e12, description="Sessions or searches per day the model touches (default: the "
        "scenario's requests per day). At most 1e12, more than all web searches. [session/day]")
    conversion_rate: Optional[Num] = Field(None, gt=0, le=1, description="Orders per session, 0-1. [order/session]")
    average_order_value: Optional[Num] = Field(
        None, gt=0, le=1e7, description="Average order value, in the scenario's currency. [currency/order]")
    gross_margin: Optional[Num] = Field(None, gt=0, le=1, description="Gross profit as a share of GMV, 0-1. [1]")
    uplift: Optional[Num] = Field(
        None, ge=-1, le=10, description="Expected relative uplift in conversion or in revenue per session that "
        "the deployment brings, e.g. 0.01 = +1% (from an A/B test or a published one). [1]")
    attribution: Num = Field(1.0, gt=0, le=1, description="Share of the uplift credited to this deployment, 0-1. [1]")
    upfront_cost: Num = Field(
        0.0, ge=0, le=1e12, description="One-off costs before it earns (integration, migration, evaluation), "
        "not already in the daily cost. [currency]")
    source: str = Field("", description="Where the business figures come from, or 'assumption: ...'.")


# --------------------------------------------------------------------------------------------
# Scenario
# --------------------------------------------------------------------------------------------
class Scenario(_Base):
    name: str = Field(description="Slug (lower case, digits, '-', '_'); also the report folder name.")
    title: str = Field("", description="Human title.")
    description: str = Field("", description="What is being costed.")
    currency: str = Field("CNY", description="Currency of all money in the file and the report (fx.csv).")
    as_of: Optional[_dt.date] = Field(
        None, ge=EARLIEST_AS_OF, le=LATEST_AS_OF,
        description="Date the estimate is made for; catalog prices older than 18 months "
        "before it are flagged, and a date before every catalog price used is warned of (default: today). "
        "Between 2000-01-01 and 2100-12-31.",
    )
    traffic: Traffic
    models: list[Model] = Field(description="Models served (at least one).")
    fusion: Fusion = Field(default_factory=Fusion)
    data: Data = Field(default_factory=Data)
    storage: Storage = Field(default_factory=Storage)
    staff: Staff = Field(default_factory=Staff)
    compute: Compute = Field(default_factory=Compute)
    on_prem: OnPremSite = Field(default_factory=OnPremSite)
    business: Optional[Business] = Field(None, description="The business return: sessions, conversion, order "
                                         "value, margin, uplift (tco.business).")
    energy: Energy = Field(default_factory=Energy, description="Grid regions and idle power for the energy and "
                           "carbon estimate (tco.footprint).")
    assumptions: list[str] = Field(default_factory=list, description="Assumptions and their sources, free text.")
    _source: Optional[str] = PrivateAttr(default=None)  # the file it was read from, for messages
    _ranges: dict = PrivateAttr(default_factory=dict)  # uncertain inputs by field path (tco.ranges)

    @property
    def source(self) -> Optional[str]:
        return self._source

    @property
    def ranges(self) -> dict:
        """The inputs written as ranges, by field path (:class:`tco.ranges.Range`); empty if none."""
        return self._ranges

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.fullmatch(value):
            raise ValueError(
                f"'{value}' is not a slug: use 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit"
            )
        return value

    @field_validator("models")
    @classmethod
    def _models(cls, value: list[Model]) -> list[Model]:
        if not value:
            raise ValueError("at least one model is needed")
        names = [m.name for m in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"model names must be unique; repeated: {', '.join(dupes)}")
        return value

    @model_validator(mode="after")
    def _fusion(self) -> "Scenario":
        n = len(self.models)
        strategy = self.fusion.strategy
        if strategy == "single" and n > 1:
            raise ValueError(
                f"fusion.strategy 'single' takes one model but {n} are given; use ensemble, cascade or stacking"
            )
        if strategy != "single" and n < 2:
            raise ValueError(f"fusion.strategy '{strategy}' needs at least two models")
        if strategy == "cascade":
            esc = self.fusion.escalation
            if esc is None or len(esc) != n - 1:
                raise ValueError(
                    f"fusion.escalation needs {n - 1} fraction{'s' if n > 2 else ''} for a cascade of {n} models "
                    f"(one for each model after the first)"
                )
            if any(not (0 < e <= 1) for e in esc):
                raise ValueError("fusion.escalation fractions must be in (0, 1]")
        elif self.fusion.escalation is not None:
            raise ValueError("fusion.escalation applies to strategy 'cascade' only")
        if strategy == "stacking" and self.fusion.meta_model is None:
            raise ValueError("fusion.strategy 'stacking' needs fusion.meta_model")
        return self

    @property
    def evaluation_date(self) -> _dt.date:
        return self.as_of or _dt.date.today()


# --------------------------------------------------------------------------------------------
# Loading, reference checks, error formatting
# --------------------------------------------------------------------------------------------
def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _message(err: dict) -> str:
    kind = err.get("type", "")
    msg = err.get("msg", "")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    given = err.get("input")
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than", "finite_number"}:
        msg = f"{msg} (got {given!r})"
    elif kind in {"float_parsing", "float_type", "int_parsing", "int_type", "string_type", "int_from_float",
                  "list_type", "bool_type", "date_parsing", "date_from_datetime_parsing"}:
        msg = f"{msg} (got {given!r})"
    elif kind == "literal_error":
        msg = f"{msg} (got {given!r})"
    elif kind == "missing":
        msg = "required field is missing"
    elif kind in {"model_type", "model_attributes_type", "dict_type"}:
        msg = f"expected a mapping of keys (key: value lines), got {given!r}"
    return msg


def _pydantic_problems(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    seen = set()
    for err in exc.errors(include_url=False):
        path = _path(tuple(err["loc"]))
        msg = _message(err)
        if (path, msg) not in seen:
            seen.add((path, msg))
            problems.append((path, msg))
    return problems


def _known(kind: str, value: str, options) -> str:
    options = sorted(str(o) for o in options)
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {kind} '{value}'{hint}; known: {', '.join(options)}"


def _api_usage(problems: list, mp: str, m, catalog) -> None:
    """The hosted-API usage of a model (tier, cached and batchable shares): only where a hosted API is
    costed, and only in a tier its model offers."""
    s = m.serving
    api = s.api_model if s.deployment == "api" else m.api_alternative
    set_fields = [f for f in ("api_tier", "cached_prompt_share", "cache_write_share", "batchable_share")
                  if f in s.model_fields_set]
    if api is None:
        if set_fields and s.deployment != "api":
            problems.append((f"{mp}.serving.{set_fields[0]}", f"{set_fields[0]} applies to a hosted API only "
                             "(deployment 'api', or a model with an api_alternative)"))
        return
    if api not in catalog.api_prices.index:
        return  # reported as an unknown API model
    offered = catalog.api_tiers(api)
    if s.api_tier not in offered:
        problems.append((f"{mp}.serving.api_tier", f"{api} is not offered in the '{s.api_tier}' tier; "
                         f"its tiers: {', '.join(offered)}"))
    if s.batchable_share > 0 and s.api_tier != "batch" and "batch" not in offered:
        problems.append((f"{mp}.serving.batchable_share", f"{api} has no batch tier, so no share of its "
                         f"requests can be billed at a batch price; its tiers: {', '.join(offered)} "
                         "(set batchable_share to 0 or choose a model with a batch tier)"))


def check_references(scenario: Scenario, catalog) -> list[tuple[str, str]]:
    """Check every catalog id the scenario names, and combinations the schema alone cannot.

    Returns ``(field_path, message)`` pairs; an empty list means the scenario can be evaluated.
    """
    problems: list[tuple[str, str]] = []
    accel = catalog.accelerators
    inst = catalog.instance_types
    tiers = catalog.storage
    if scenario.currency not in catalog.fx.index:
        problems.append(("currency", _known("currency", scenario.currency, catalog.fx.index)))
    for name in ("grid_region", "cloud_grid_region"):
        region = getattr(scenario.energy, name)
        if region is not None and region not in catalog.grid_intensity.index:
            problems.append((f"energy.{name}", _known("grid region", region, catalog.grid_intensity.index)))

    def hardware(path: str, hw: Hardware, model: Model | None) -> None:
        if hw.deployment == "cloud":
            if hw.instance is None:
                if hw.accelerator is None or hw.price_per_hour is None:
                    problems.append((f"{path}.instance", "cloud deployment needs an instance type "
                                     "(or an accelerator with price_per_hour); known instances: "
                                     + ", ".join(sorted(inst.index[inst.accelerators_per_instance > 0]))))
                    return
            elif hw.instance not in inst.index:
                problems.append((f"{path}.instance", _known("instance", hw.instance, inst.index)))
                return
            else:
                row = inst.loc[hw.instance]
                if row.accelerators_per_instance <= 0:
                    problems.append((f"{path}.instance", f"'{hw.instance}' has no accelerator; choose a GPU "
                                     "instance: " + ", ".join(sorted(inst.index[inst.accelerators_per_instance > 0]))))
                    return
                if hw.accelerator is not None and hw.accelerator not in accel.index:
                    problems.append((f"{path}.accelerator", _known("accelerator", hw.accelerator, accel.index)
                                     + f"; '{hw.instance}' carries {row.accelerator}, so accelerator can be left out"))
                    return
                if hw.accelerator is not None and hw.accelerator != row.accelerator:
                    problems.append((f"{path}.accelerator", f"'{hw.instance}' carries {row.accelerator}, not "
                                     f"{hw.accelerator}; drop accelerator or change the instance"))
                    return
        elif hw.deployment == "on_prem":
            if hw.instance is not None:
                problems.append((f"{path}.instance", "an instance type applies to cloud deployment only"))
            if hw.accelerator is None:
                problems.append((f"{path}.accelerator", "on-premises deployment needs an accelerator; known: "
                                 + ", ".join(sorted(accel.index))))
                return
            if hw.server is not None:
                servers = catalog.servers
                if hw.server not in servers.index:
                    problems.append((f"{path}.server", _known("server", hw.server, servers.index)))
                elif servers.loc[hw.server, "accelerator"] != hw.accelerator:
                    problems.append((f"{path}.server", f"'{hw.server}' holds {servers.loc[hw.server, 'accelerator']}, "
                                     f"not {hw.accelerator}"))
        if hw.accelerator is not None and hw.accelerator not in accel.index:
            problems.append((f"{path}.accelerator", _known("accelerator", hw.accelerator, accel.index)))

    for i, m in enumerate(scenario.models):
        mp = f"models[{i}]"
        s = m.serving
        if s.deployment == "api":
            if s.api_model is None:
                problems.append((f"{mp}.serving.api_model", "deployment 'api' needs api_model; known: "
                                 + ", ".join(sorted(catalog.api_prices.index))))
            elif s.api_model not in catalog.api_prices.index:
                problems.append((f"{mp}.serving.api_model", _known("API model", s.api_model, catalog.api_prices.index)))
        else:
            if s.api_model is not None:
                problems.append((f"{mp}.serving.api_model", "api_model applies to deployment 'api' only; "
                                 "use api_alternative to compare against a hosted model"))
            if s.billing == "autoscaled" and s.deployment != "cloud":
                problems.append((f"{mp}.serving.billing", "'autoscaled' applies to cloud deployment only "
                                 "(owned servers cost the same idle or busy); use 'provisioned'"))
            before = len(problems)
            hardware(f"{mp}.serving", s, m)
            if len(problems) == before and m.throughput_rps is None:
                acc_id = s.accelerator or inst.loc[s.instance, "accelerator"]
                row = accel.loc[acc_id]
                col = PEAK_COLUMN[m.math_precision]
                if not (row["bandwidth_gb_s"] > 0):
                    problems.append((f"{mp}.throughput_rps", f"{acc_id} has no memory bandwidth in the catalog, so "
                                     f"the throughput of '{m.name}' cannot be estimated; give a measured "
                                     f"throughput_rps (with throughput_source) or choose another accelerator"))
                elif not (row.get(col, float("nan")) > 0):
                    supported = [p for p, c in PEAK_COLUMN.items() if row.get(c, float("nan")) > 0]
                    field = "compute_precision" if m.compute_precision is not None else "precision"
                    problems.append((f"{mp}.{field}", f"{acc_id} has no {m.math_precision} peak in the catalog; "
                                     f"supported: {', '.join(supported) or 'none (no dense peak is published)'} "
                                     f"(or give a measured throughput_rps)"))
        if m.speculative is not None and m.speculative.draft_model is not None \
                and m.speculative.draft_model not in catalog.models.index:
            problems.append((f"{mp}.speculative.draft_model", _known("model", m.speculative.draft_model,
                                                                     catalog.models.index)))
        if m.api_alternative is not None and m.api_alternative not in catalog.api_prices.index:
            problems.append((f"{mp}.api_alternative", _known("API model", m.api_alternative, catalog.api_prices.index)))
        _api_usage(problems, mp, m, catalog)
        if m.training is not None:
            before = len(problems)
            hardware(f"{mp}.training", m.training, m)
            if len(problems) == before:
                acc_id = m.training.accelerator or inst.loc[m.training.instance, "accelerator"]
                precision = m.training.precision_on(accel.loc[acc_id])
                if not (accel.loc[acc_id, PEAK_COLUMN[precision]] > 0):
                    supported = [p for p in ("bf16", "fp16", "fp8", "fp4") if accel.loc[acc_id, PEAK_COLUMN[p]] > 0]
                    problems.append((f"{mp}.training.precision", f"{acc_id} has no {precision} peak to "
                                     f"train with; supported: {', '.join(supported) or 'none'}"))

    def tier(path: str, value: str | None, kinds: tuple[str, ...]) -> None:
        if value is None:
            return
        if value not in tiers.index:
            problems.append((path, _known("storage tier", value, tiers.index[tiers.kind.isin(kinds)])))
        elif tiers.loc[value, "kind"] not in kinds:
            problems.append((path, f"'{value}' is a {tiers.loc[value, 'kind']} tier; expected {' or '.join(kinds)}: "
                             + ", ".join(sorted(tiers.index[tiers.kind.isin(kinds)]))))

    for i, r in enumerate(scenario.data.retention):
        tier(f"data.retention[{i}].tier", r.tier, ("object", "block"))
    lab = scenario.data.labelling
    if lab is not None and lab.price_per_label is None and lab.task not in catalog.labelling.index:
        problems.append(("data.labelling.task", _known("labelling task", str(lab.task), catalog.labelling.index)))
    st = scenario.storage
    if st.registry_price_per_gb_month is None:
        if st.registry_tier is None:
            problems.append(("storage.registry_tier", "give a registry tier or registry_price_per_gb_month"))
        tier("storage.registry_tier", st.registry_tier, ("object", "block"))
    tier("storage.serving_disk_tier", st.serving_disk_tier, ("block",))
    if st.transfer_price_per_gb is None:
        tier("storage.transfer_tier", st.transfer_tier, ("egress",))

    rates = catalog.staff_rates
    for i, role in enumerate(scenario.staff.roles):
        if role.annual_cost is None and role.rate not in rates.index:
            problems.append((f"staff.roles[{i}].rate", _known("staff rate", str(role.rate), rates.index)))
    ops = scenario.staff.operations
    if ops is not None and ops.annual_cost is None and ops.rate not in rates.index:
        problems.append(("staff.operations.rate", _known("staff rate", str(ops.rate), rates.index)))
    needs_day_rate = (
        scenario.staff.upkeep_person_days_per_model_per_month > 0
        or scenario.staff.training_days_per_person_per_year > 0
        or scenario.fusion.integration_person_days_per_model_per_month > 0
        or any(t.day_rate is None for t in scenario.staff.tasks)
    )
    if needs_day_rate and scenario.staff.day_rate is None:
        problems.append(("staff.day_rate", "person-day items are given, so staff.day_rate is needed [currency/person-day]"))

    cpu_ok = inst.index[inst.accelerators_per_instance == 0]
    for i, fleet in enumerate(scenario.compute.cpu):
        if fleet.instance not in inst.index:
            problems.append((f"compute.cpu[{i}].instance", _known("instance", fleet.instance, inst.index)))
    fu = scenario.fusion
    if fu.strategy != "single" and fu.combiner_cpu_ms_per_request > 0 and fu.combiner_instance not in inst.index:
        problems.append(("fusion.combiner_instance", _known("instance", fu.combiner_instance, cpu_ok)))
    if fu.meta_model is not None and fu.meta_model.instance not in inst.index:
        problems.append(("fusion.meta_model.instance", _known("instance", fu.meta_model.instance, inst.index)))
    return problems


def _read_yaml(path: Path) -> Any:
    """Read a scenario file's YAML: the one place every scenario file is read, with the limits of
    :mod:`tco.safeyaml` (size, nesting depth, duplicate keys, alias expansion) applied before the
    YAML is loaded. Problems raise :class:`ScenarioError` naming the file.

    >>> _read_yaml(repo_path("data/scenarios/paper-example.yaml"))["name"]
    'paper-example'
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ScenarioError([("", f"file not found: {path}")], source=str(path)) from None
    except OSError as exc:
        raise ScenarioError([("", f"cannot read the file: {exc.strerror or exc}")], source=str(path)) from None
    try:
        with path.open("rb") as stream:  # never more than the limit, even from a file that grows or a device
            raw = stream.read(min(size, safeyaml.MAX_BYTES) + 1)
            if len(raw) > size:
                raw += stream.read(safeyaml.MAX_BYTES + 1 - len(raw))
        too_big = safeyaml.size_problem(max(size, len(raw)))
        if too_big:
            raise ScenarioError([("", too_big)], source=str(path))
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError([("", f"file not found: {path}")], source=str(path)) from None
    except UnicodeDecodeError as exc:
        utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")
        what = ("UTF-16 text (it starts with a UTF-16 byte-order mark)" if utf16 else
                f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start:,} is not valid UTF-8; "
                "is it a binary file?)")
        raise ScenarioError([("", f"the file is {what}; a scenario file must be UTF-8 encoded text: save it as "
                              "UTF-8")], source=str(path)) from None
    except OSError as exc:
        raise ScenarioError([("", f"cannot read the file: {exc.strerror or exc}")], source=str(path)) from None
    try:
        return safeyaml.load_text(text)  # limits first, then the safe loader (C version when available)
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, source=str(path)) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        if "merging" in str(exc.problem):  # a '<<' merge key followed by a scalar
            raise ScenarioError([("", f"a YAML merge key (<<){where} must be followed by a mapping or a list of "
                                  f"mappings to merge in: {exc.problem}")], source=str(path)) from None
        raise ScenarioError([("", f"YAML tags that build objects are not allowed in a scenario{where}: "
                              f"{exc.problem}. A scenario is plain data (mappings, lists, numbers, text).")],
                            source=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and cmark is not None and (mark is None or cmark.line != mark.line):
            problem += f" ({context} at line {cmark.line + 1}, column {cmark.column + 1})"
        raise ScenarioError([("", f"malformed YAML{where}: {problem}")], source=str(path)) from None


def parse_scenario(data: Any, catalog=None, source: str | None = None) -> Scenario:
    """Validate a mapping (as read from YAML) into a :class:`Scenario`, or raise ScenarioError."""
    from .catalog import load_catalog

    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ScenarioError([("", f"a scenario must be a mapping of keys (name, traffic, models, ...), got {got}")],
                            source=source)
    data, ranges, problems = extract(data, Scenario)  # ranges -> point values; the ranges are kept aside
    if problems:
        raise ScenarioError(problems, source=source)
    catalog = catalog or load_catalog()
    try:
        scenario = Scenario.model_validate(data, context={"catalog": catalog})
    except ValidationError as exc:
        raise ScenarioError(_pydantic_problems(exc), source=source) from None
    problems = check_references(scenario, catalog)
    for end, label in ((0, "low"), (1, "high")):  # each end of every range must be a valid value too
        ends = {path: r.ends[end] for path, r in ranges.items()}
        try:
            Scenario.model_validate(substitute(data, ends), context={"catalog": catalog})
        except ValidationError as exc:
            for path, msg in _pydantic_problems(exc):
                where = (f"the {label} end of its range ({ends[path]:g})" if path in ends
                         else f"every range at its {label} end")
                problems.append((path, f"with {where}: {msg}"))
    if problems:
        raise ScenarioError(problems, source=source)
    scenario._source = source
    scenario._ranges = ranges
    return scenario


def load_scenario(path: str | Path | dict, catalog=None) -> Scenario:
    """Read, validate and reference-check a scenario file (or an already-parsed mapping).

    >>> from tco import load_scenario
    >>> s = load_scenario(repo_path("data/scenarios/paper-example.yaml"))
    >>> s.name, len(s.models)
    ('paper-example', 2)
    """
    if isinstance(path, dict):
        return parse_scenario(path, catalog)
    path = Path(path)
    return parse_scenario(_read_yaml(path), catalog, source=str(path))


def scenario_to_dict(scenario: Scenario) -> dict:
    """The scenario as plain data (for saving as YAML), leaving out unset defaults; inputs written
    as ranges are written back as ranges."""
    data = restore(json.loads(scenario.model_dump_json(exclude_unset=True)), scenario.ranges)
    for model, saved in zip(scenario.models, data.get("models", [])):
        for key in model._catalog_fields:  # the catalog fills them again when the file is read
            if saved.get(key) == json.loads(json.dumps(getattr(model, key))):
                saved.pop(key, None)
    return data


def json_schema() -> dict:
    """JSON Schema of a scenario file, for editors (written to data/scenarios/schema.json)."""
    schema = _allow_ranges(Scenario.model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "AI deployment cost scenario (tco)"
    return schema


RANGE_SCHEMA = {
    "description": "An uncertain number (tco.ranges): {low, high} uniform, {low, mode, high} triangular, or "
                   "{p5, p95, dist: lognormal}. Reports use the mode, midpoint or median; Monte Carlo samples it.",
    "oneOf": [
        {"type": "object", "properties": {"low": {"type": "number"}, "high": {"type": "number"},
                                          "dist": {"const": "uniform"}},
         "required": ["low", "high"], "additionalProperties": False},
        {"type": "object", "properties": {"low": {"type": "number"}, "mode": {"type": "number"},
                                          "high": {"type": "number"}, "dist": {"const": "triangular"}},
         "required": ["low", "mode", "high"], "additionalProperties": False},
        {"type": "object", "properties": {"p5": {"type": "number", "exclusiveMinimum": 0},
                                          "p95": {"type": "number", "exclusiveMinimum": 0},
                                          "dist": {"const": "lognormal"}},
         "required": ["p5", "p95", "dist"], "additionalProperties": False},
    ],
}


def _allow_ranges(schema: dict) -> dict:
    """Let every number of the JSON Schema be written as a range too (see tco.ranges)."""
    ref = {"$ref": "#/$defs/Range"}

    def numeric(node) -> bool:
        return isinstance(node, dict) and node.get("type") in ("number", "integer")

    def walk(node):
        if isinstance(node, dict):
            if numeric(node):
                keep = {k: v for k, v in node.items() if k in ("description", "default", "title")}
                bare = {k: v for k, v in node.items() if k not in keep}
                return {**keep, "anyOf": [bare, ref]}
            out = {k: walk(v) for k, v in node.items()}
            if "anyOf" in node and any(numeric(a) for a in node["anyOf"]):
                out["anyOf"] = [walk_inner(a) for a in node["anyOf"]] + [ref]
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    def walk_inner(node):  # a number inside anyOf stays a number (the Range is added beside it)
        if not numeric(node):
            return walk(node)
        # pydantic leaves the bounds of an Optional number under its own names: give them JSON Schema's
        names = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}
        return {names.get(k, k): v for k, v in node.items()}

    schema = walk(schema)
    schema.setdefault("$defs", {})["Range"] = RANGE_SCHEMA
    return schema


__all__ = [
    "Scenario", "Model", "Serving", "Training", "Traffic", "Fusion", "Data", "Storage", "Staff", "Business",
    "load_scenario", "parse_scenario", "check_references", "json_schema", "scenario_to_dict", "repo_path",
    "BYTES_PER_VALUE",
]
