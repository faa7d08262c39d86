"""Size every model of a scenario: throughput, replicas, instances and the price of an hour.

This module joins the formula functions of :mod:`tco.performance`, :mod:`tco.capacity` and
:mod:`tco.pricing` with the scenario and the catalog. It is array-safe: traffic may carry a
leading axis (e.g. a grid of traffic levels for the hosted-API break-even), and every
figure then carries it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from . import capacity, energy, performance, pricing, serving
from . import operating_point as op
from .context import Context
from .errors import ScenarioError
from .units import (BYTES_PER_GB, BYTES_PER_VALUE, DAYS_PER_MONTH, HOURS_PER_DAY, MS_PER_SECOND, PEAK_COLUMN,
                    SECONDS_PER_DAY, TERA, fmt, per_hour)
from .units import scalar_or_array as num


@dataclass
class HourlyRate:
    """Price of one instance-hour (cloud) or one server-hour (on premises) and what it holds."""

    price_per_instance_hour: float  # [currency/h], NaN when unpriced
    accelerators_per_instance: int
    accelerator: str
    basis: str
    reason: str = ""
    #: on premises: the price of a server-hour at a utilisation (None: at the load factor, as training
    #: runs are priced), whose electricity is :func:`accelerator_draw_kw`; None for the cloud
    price_at: Callable | None = None

    @property
    def price_per_accelerator_hour(self) -> float:
        return self.price_per_instance_hour / self.accelerators_per_instance

    @property
    def priced(self) -> bool:
        """Whether the rate has a price (for every sample): an unpriced rate is NaN and warned about."""
        return bool(np.all(np.isfinite(self.price_per_instance_hour)))


def _onprem_value(ctx: Context, override, parameter: str, region: str = "global") -> float:
    return ctx.resolve_price(override, lambda: ctx.catalog.onprem_value(parameter, region)).value


def rated_power(hw, ctx: Context, accelerator: str) -> tuple[float, float, str]:
    """Rated power of one accelerator and the host overhead to apply to it: ``(kW, overhead, basis)``.

    On premises with a catalog server that states its power: the server's rated power over its
    accelerators (host included, overhead 1). Otherwise the accelerator's TDP times the server
    power overhead (``on_prem.server_power_overhead``, else ``onprem.csv``). NaN without a TDP.
    """
    cat = ctx.catalog
    if hw.deployment == "on_prem":
        server = cat.server_for(accelerator, hw.server)
        if server is not None and np.isfinite(float(server.get("power_kw", np.nan))):
            per = float(server.accelerators_per_server)
            return (float(server.power_kw) / per, 1.0,
                    f"server {server.server} rated {fmt(float(server.power_kw))} kW / {fmt(per)} accelerators")
        overhead = _onprem_value(ctx, ctx.scenario.on_prem.server_power_overhead, "server_power_overhead")
    else:
        overhead = _onprem_value(ctx, None, "server_power_overhead")
    tdp = float(cat.row("accelerators", accelerator)["tdp_w"])
    return tdp / 1000.0, overhead, f"{accelerator} TDP {fmt(tdp)} W x server overhead {fmt(overhead)}"


def idle_power_fraction(ctx: Context) -> float:
    """Idle draw / rated power: ``energy.idle_power_fraction``, else ``onprem.csv``."""
    return _onprem_value(ctx, ctx.scenario.energy.idle_power_fraction, "idle_power_fraction")


def accelerator_draw_kw(hw, ctx: Context, accelerator: str, utilisation=None):
    """Average draw of one accelerator with its share of the server [kW], before the PUE: the one
    power figure of both the on-premises electricity cost and the energy estimate
    (:func:`tco.energy.accelerator_power_kw`, idle plus a share linear in ``utilisation``).

    ``on_prem.load_factor``, when the scenario gives it, is the draw / rated power and replaces the
    utilisation model; ``utilisation`` None (training runs) takes the load factor of the catalog.
    """
    rated, overhead, _ = rated_power(hw, ctx, accelerator)
    given = ctx.scenario.on_prem.load_factor if hw.deployment == "on_prem" else None
    if given is not None or utilisation is None:
        load = _onprem_value(ctx, given, "load_factor")
        return num(np.multiply(rated * overhead, load))
    return num(energy.accelerator_power_kw(rated, idle_power_fraction(ctx), utilisation, overhead))


def hardware_rate(hw, ctx: Context, what: str, model: str) -> HourlyRate:
    """Price of an hour of the instance or server that ``hw`` (Serving or Training) describes.

    On premises the price holds the electricity at the load factor; :attr:`HourlyRate.price_at`
    gives it at a utilisation (serving fleets, once sized)."""
    cat = ctx.catalog
    given = "price_per_hour given in the scenario{source}"
    source = f" ({hw.price_source})" if hw.price_source else ""
    if hw.deployment == "cloud":
        if hw.instance is not None:
            row = cat.row("instance_types", hw.instance)
            per, acc = int(row.accelerators_per_instance), str(row.accelerator)
        else:
            per, acc = 1, hw.accelerator
        price = ctx.resolve_price(
            hw.price_per_hour, lambda: cat.instance_price(hw.instance, hw.pricing), given, "{key}, catalog {as_of}",
            f"{model}: {what} on {hw.instance}",
            lambda: (f"the catalog has no '{hw.pricing}' price for {hw.instance} (priced plans: "
                     f"{', '.join(cat.instance_plans(hw.instance)) or 'none'}); give {what}.price_per_hour"),
            model, source=source)
        return HourlyRate(price.value, per, acc, price.basis, price.reason)

    # on premises: price of one accelerator-hour, times the accelerators of a server
    acc = hw.accelerator
    site = ctx.scenario.on_prem
    server = cat.server_for(acc, hw.server)
    per = hw.accelerators_per_server if hw.accelerators_per_server is not None else (
        int(server.accelerators_per_server) if server is not None else 8)
    if hw.price_per_hour is not None:
        return HourlyRate(num(hw.price_per_hour) * per, per, acc, given.format(source=source))
    priced = server if server is not None and np.isfinite(server.price) else None
    server_price = ctx.resolve_price(
        hw.server_price, lambda: None if priced is None else cat.server_price(priced),
        "server_price given in the scenario", "server {key} ({as_of})", f"{model}: {what} servers with {acc}",
        f"{f'server {hw.server} has no price' if hw.server is not None else f'no priced server with {acc}'} "
        f"in onprem_servers.csv; give {what}.server_price", model)
    # a catalog server's price is shared by its own accelerators
    shared_by = per if hw.server_price is not None or priced is None else float(priced.accelerators_per_server)
    capex = server_price.value / shared_by
    basis, reason = server_price.basis, server_price.reason
    rated, overhead, _ = rated_power(hw, ctx, acc)
    if not np.isfinite(rated * overhead):
        reason = reason or f"{acc} has no TDP in the catalog, so its energy cannot be priced"
        ctx.unpriced(f"{model}: energy of {acc}", reason, model)
    if site.hosting_per_accelerator_month is None:
        ctx.warn("unpriced", "on-premises hosting (space, racks, network) is not priced: set "
                 "on_prem.hosting_per_accelerator_month. Totals include depreciation, energy and support only.")
        hosting = 0.0
    else:
        hosting = num(site.hosting_per_accelerator_month) / (DAYS_PER_MONTH * HOURS_PER_DAY)
    life = _onprem_value(ctx, site.useful_life_years, "useful_life_years")
    pue = _onprem_value(ctx, site.pue, "pue")
    electricity = _onprem_value(ctx, site.electricity_price_per_kwh, "electricity_price", site.region)
    maintenance = _onprem_value(ctx, site.maintenance_rate, "maintenance_rate")

    def price_at(utilisation=None):
        # the draw is the whole electrical load (load factor 1 in the price of an hour)
        draw = accelerator_draw_kw(hw, ctx, acc, utilisation)
        return num(pricing.onprem_accelerator_hour_cost(capex, life, draw, pue, electricity, 1.0, maintenance,
                                                        hosting)) * per

    return HourlyRate(price_at(None), per, acc, basis, reason, price_at)


@dataclass
class Sizing:
    """Everything computed about serving (and training) one model. Figures may be arrays."""

    name: str
    kind: str
    deployment: str
    traffic_share: float
    requests_per_day_served: object  # requests/day reaching this model: after the cache and fusion routing
    peak_rps: object = 0.0
    accelerator: str = ""
    instance: str = ""
    throughput_rps_per_accelerator: float = float("nan")
    throughput_basis: str = ""
    band: tuple[float, float] | None = None
    weights_gb: float = 0.0
    embedding_tables_gb: float = 0.0
    kv_cache_gb: float = 0.0
    memory_needed_gb: float = 0.0
    artifact_gb: float = 0.0
    replica_size: float = 0.0
    replica_throughput_rps: float = float("nan")
    service_time_ms: float = float("nan")
    service_time_basis: str = ""
    slots: float = 1.0
    replicas_load: object = 0.0
    replicas_slo: object = 0.0
    replicas: object = 0.0
    accelerators: object = 0.0
    instances: object = 0.0
    accelerators_per_instance: int = 0
    instance_hours_per_day: object = 0.0
    accelerator_hours_per_day: object = 0.0
    binding: object = ""
    utilisation_mean: object = float("nan")
    utilisation_peak: object = float("nan")
    rate: HourlyRate | None = None
    serving_cost_per_day: object = 0.0
    api_model: str = ""
    api_cost_per_day: object = float("nan")
    input_tokens_per_request: float = 0.0
    output_tokens: float = 0.0
    training_flops_per_run: float = float("nan")
    training_accelerator_hours_per_run: float = float("nan")
    training_cost_per_run: float = float("nan")
    training_rate: HourlyRate | None = None
    hourly_replicas: object = None
    decode_batch: object = float("nan")  # requests decoded together per replica (generative)
    batch_binding: str = ""  # what set that batch: memory, TPOT objective, given
    tpot_ms: object = float("nan")
    ttft_ms: object = float("nan")  # prefill and first step, without queueing
    tokens_per_step: object = 1.0
    operating_point: object = None  # tco.operating_point.Point of a generative model
    notes: list[str] = field(default_factory=list)


def _tier_prices(ctx: Context, api_model: str, tier: str) -> tuple[float, float, float, float]:
    """Input, cached-input, cache-write and output price of ``api_model`` in ``tier`` [currency/Mtoken],
    in the scenario's currency. A tier without a cached price bills cached tokens as input; the
    cache-write price (standard tier) scales with the tier's input price, and bills as input where
    the provider charges none. The tier must be offered (checked by :func:`tco.scenario.check_references`)."""
    cat = ctx.catalog
    stem = "" if tier == "standard" else f"{tier}_"
    p_in = ctx.use(cat.api_price(api_model, f"{stem}input"))
    p_out = ctx.use(cat.api_price(api_model, f"{stem}output"))
    cached = cat.api_price(api_model, f"{stem}cached_input")
    p_cached = ctx.use(cached) if np.isfinite(cached.value) else p_in
    write = cat.api_price(api_model, "cache_write")
    if np.isfinite(write.value):
        standard_in, tier_in = cat.api_price(api_model, "input").value, cat.api_price(api_model, f"{stem}input").value
        p_write = ctx.use(write) * (tier_in / standard_in if standard_in > 0 else 1.0)
    else:
        p_write = p_in
    return p_in, p_cached, p_write, p_out


def api_cost(ctx: Context, serving, api_model: str, requests_per_day, input_tokens, output_tokens):
    """Daily bill of ``api_model`` for this traffic, in the tier, cached share and batchable share the
    serving block gives (:func:`tco.pricing.api_tiered_cost_per_day`), with long-context pricing
    where the model has it; and a note of what was applied (empty for plain standard pricing)."""
    cat = ctx.catalog
    tier = serving.api_tier
    online = _tier_prices(ctx, api_model, tier)
    batch_share = 0.0 if tier == "batch" else serving.batchable_share
    batch = _tier_prices(ctx, api_model, "batch") if np.any(np.asarray(batch_share) > 0) else online
    row = cat.row("api_prices", api_model)
    threshold = row["long_context_threshold_tokens"]
    if np.isfinite(threshold):
        f_in = float(row["long_input_per_mtok"]) / float(row["input_per_mtok"])
        f_out = float(row["long_output_per_mtok"]) / float(row["output_per_mtok"])
    else:
        threshold, f_in, f_out = np.inf, 1.0, 1.0
    cost = pricing.api_tiered_cost_per_day(
        requests_per_day, input_tokens, output_tokens, serving.cached_prompt_share, serving.cache_write_share,
        batch_share, *online, *batch, threshold, f_in, f_out)
    parts = []
    if tier != "standard":
        parts.append(f"{tier} tier")
    if np.any(np.asarray(batch_share) > 0):
        parts.append(f"{fmt(np.multiply(batch_share, 100))}% of requests at the batch price")
    if np.any(np.asarray(serving.cached_prompt_share) > 0):
        hit = "cached-input price" if np.isfinite(cat.api_price(api_model, "cached_input").value) else \
            "input price (no cached price in the catalog)"
        parts.append(f"{fmt(np.multiply(serving.cached_prompt_share, 100))}% of input tokens cached, at the {hit}")
    if np.any(np.asarray(serving.cache_write_share) > 0):
        parts.append(f"{fmt(np.multiply(serving.cache_write_share, 100))}% written to the cache")
    if np.any(np.greater(input_tokens, threshold)):
        parts.append(f"prompts above {fmt(threshold, ',.0f')} tokens at long-context prices (x{f_in:g} input, "
                     f"x{f_out:g} output)")
    return cost, "; ".join(parts)


def kv_bytes_per_token(model) -> object:
    """KV-cache bytes per token of context of a generative model: as given, else from its architecture
    (latent attention, or layers x KV heads x head size) at its KV precision, else estimated from
    the parameter count."""
    if model.kv_bytes_per_token is not None:
        return model.kv_bytes_per_token
    bpv = BYTES_PER_VALUE[model.cache_precision]
    if model.kv_lora_rank is not None and model.layers is not None:
        return num(serving.mla_kv_bytes_per_token(model.layers, model.kv_lora_rank, model.qk_rope_head_dim or 0, bpv))
    if model.layers is not None and model.kv_heads is not None and (model.head_dim or model.hidden_size):
        head = model.head_dim or model.hidden_size / (model.attention_heads or model.kv_heads)
        return num(serving.kv_bytes_per_token(model.layers, model.kv_heads, head, bpv))
    return num(performance.kv_bytes_per_token_estimate(model.parameters - model.embedding_parameters, bpv))


def kv_source(model) -> str:
    """Where :func:`kv_bytes_per_token` takes its figure from (for notes)."""
    if model.kv_bytes_per_token is not None:
        return "given"
    if model.layers is not None and (model.kv_lora_rank is not None or model.kv_heads is not None):
        return "from the architecture"
    return "estimated from the parameter count"


def draft_parameters(model, catalog) -> float:
    """Parameters of the speculative-decoding draft (0 without speculative decoding)."""
    spec = model.speculative
    if spec is None:
        return 0.0
    if spec.draft_parameters is not None:
        return spec.draft_parameters
    fields = catalog.model_fields(spec.draft_model)
    return fields.get("active_parameters", fields["parameters"]) - fields.get("embedding_parameters", 0.0)


def model_memory(model, batch=None) -> tuple[float, float, float, float]:
    """Bytes a model needs in accelerator memory: ``(weights, embedding tables, KV bytes per token,
    KV cache)``; the KV cache holds ``batch`` requests (default ``decode_batch``, else none) of
    generative models, each its prompt plus, on average, half its output per beam (a paged cache
    allocates blocks as tokens arrive, and beams share the prompt's blocks: Kwon et al. 2023,
    *Efficient Memory Management for Large Language Model Serving with PagedAttention*, section 4.4)."""
    weights = num(performance.weight_bytes(model.parameters, BYTES_PER_VALUE[model.weights_precision]))
    tables = op.embedding_table_bytes(model)
    if model.kind != "generative":
        return weights, tables, 0.0, 0.0
    kv_token = kv_bytes_per_token(model)
    batch = model.decode_batch if batch is None else batch
    batch = 0.0 if batch is None else batch
    # the prompt once (beams share its blocks, copy-on-write), half the output per beam
    held = model.items_per_request * model.input_tokens_per_item + model.beam_width * model.output_tokens / 2.0
    return weights, tables, kv_token, np.multiply(batch, held) * kv_token


def generative_point(model, accelerator, mfu, mbu, *, usable_memory_fraction=0.9, largest=8, replica_size=None,
                     tpot_slo_s=None, draft=None) -> op.Point | None:
    """The operating point of a generative model on a catalog accelerator (:mod:`tco.operating_point`):
    ``replica_size`` given, else the power of two up to ``largest`` with the most requests per
    accelerator; ``decode_batch`` given, else the largest batch fitting memory and the TPOT objective.
    ``draft``: the speculative draft's parameters (default: from the model, the catalog resolving a
    ``draft_model``)."""
    if draft is None:
        from .catalog import load_catalog

        draft = draft_parameters(model, load_catalog())
    w = op.workload(model, kv_bytes_per_token(model), draft)
    hw = op.hardware(accelerator, model.math_precision, mfu, mbu)
    return op.best_point(w, hw, usable_memory_fraction, largest, replica_size, model.decode_batch, tpot_slo_s)


def roofline_throughput(model, accelerator, mfu: float, mbu: float, replica_size: float = 1.0,
                        draft: float | None = None,
                        usable_memory_fraction: float = 0.9) -> float:
    """Requests per second one accelerator of a ``replica_size``-wide replica serves (roofline).

    Encoders and recommenders: prefill FLOPs and embedding bytes per request
    (:func:`tco.performance.prefill_time`). Generative models: the continuous-batching operating
    point of :mod:`tco.operating_point` at ``decode_batch`` (or the largest batch that fits memory).
    NaN when the accelerator has no peak for the model's compute precision.
    """
    peak = float(accelerator.get(PEAK_COLUMN[model.math_precision], np.nan)) * TERA
    if not (np.isfinite(peak) and peak > 0):
        return float("nan")
    if model.kind == "generative" and np.any(np.asarray(model.output_tokens) > 0):
        pt = generative_point(model, accelerator, mfu, mbu, usable_memory_fraction=usable_memory_fraction,
                              replica_size=replica_size, draft=draft)
        return num(pt.per_accelerator) if pt is not None else float("nan")
    k, t = model.items_per_request, model.input_tokens_per_item
    emb_bpv = BYTES_PER_VALUE[model.embedding_precision or model.weights_precision]
    f_pre = performance.prefill_flops(model.flop_parameters, k, t)
    b_emb = performance.embedding_bytes(k, model.embedding_lookups_per_item, model.embedding_dim, emb_bpv,
                                        model.embedding_cache_hit_rate)
    t_pre = performance.prefill_time(f_pre, b_emb, peak, accelerator["bandwidth_gb_s"], mfu, mbu)
    return num(performance.throughput(t_pre, 0.0))


#: An efficiency factor so large that its roofline term takes no time (to ask "what if only the other bound").
FREE = 1e9


def roofline_regime(model, accelerator, mfu: float, mbu: float, replica_size: float = 1.0,
                    draft: float | None = None, usable_memory_fraction: float = 0.9) -> str:
    """Which roofline term binds a model's throughput: ``"compute"`` when making memory free
    changes the estimate by under 5%, else ``"memory"``."""
    if model.kind == "generative" and np.any(np.asarray(model.output_tokens) > 0):
        pt = generative_point(model, accelerator, mfu, mbu, usable_memory_fraction=usable_memory_fraction,
                              replica_size=replica_size, draft=draft)
        return pt.regime if pt is not None else ""
    args = (model, accelerator, mfu)
    rest = (replica_size, draft, usable_memory_fraction)
    both = roofline_throughput(*args, mbu, *rest)
    compute_only = roofline_throughput(*args, FREE, *rest)
    return "compute" if np.all(np.isclose(compute_only, both, rtol=0.05)) else "memory"


#: Regimes no published measurement validates, per workload class (notebooks/40-validation.ipynb):
#: every recommendation-model figure there is compute-bound, so an estimate bound by embedding
#: gathers has no stated error band.
UNVALIDATED_REGIMES = {"recsys": ("memory",)}


def estimate_basis(band_low: float, band_high: float, kind: str = "", regime: str = "compute") -> str:
    """How a roofline estimate is labelled wherever it is shown: with the error band the validation
    against published measurements states for its workload class (notebooks/40-validation.ipynb),
    or, in a regime no measurement validates, with that warning.

    >>> estimate_basis(0.8, 1.25)
    'estimated (roofline), typically within x0.8-x1.25 of measured'
    """
    if regime in UNVALIDATED_REGIMES.get(kind, ()):
        return ("estimated (roofline), bound by embedding gathers: no published measurement validates this "
                "regime; give a measured throughput_rps")
    return f"estimated (roofline), typically within x{band_low:g}-x{band_high:g} of measured"


def size_model(model, index: int, share, arrival_rates_h, ctx: Context, *, quiet: bool = False,
               point: op.Point | None = None) -> Sizing:
    """Size ``model`` (the ``index``-th of the scenario) for hourly total arrival rates.

    ``share`` is the fraction of non-cached requests reaching the model after fusion routing;
    ``arrival_rates_h`` has the 24 hours on its last axis [requests/s]. ``point``: the model's LLM
    operating point when already known (it does not depend on the traffic), e.g. to size the same
    model again on a grid of traffic levels.
    """
    cat = ctx.catalog
    lam_h = np.asarray(arrival_rates_h, dtype=float) * per_hour(share)  # requests/s reaching this model
    requests_per_day_served = lam_h.mean(axis=-1) * SECONDS_PER_DAY
    k, t, o = model.items_per_request, model.input_tokens_per_item, model.output_tokens
    sz = Sizing(model.name, model.kind, model.serving.deployment, share, requests_per_day_served,
                peak_rps=lam_h.max(axis=-1), input_tokens_per_request=k * t, output_tokens=o)
    weights, tables, kv_token, kv_mem = model_memory(model)
    sz.weights_gb = weights / BYTES_PER_GB
    sz.embedding_tables_gb = tables / BYTES_PER_GB
    sz.artifact_gb = model.artifact_gb if model.artifact_gb is not None else (weights + tables) / BYTES_PER_GB

    api_model = model.serving.api_model if model.serving.deployment == "api" else model.api_alternative
    if api_model:
        sz.api_model = api_model
        sz.api_cost_per_day, applied = api_cost(ctx, model.serving, api_model, requests_per_day_served, k * t, o)
        if applied:
            sz.notes.append(f"hosted API {api_model}: {applied}")
    if model.serving.deployment == "api":
        sz.serving_cost_per_day = sz.api_cost_per_day
        sz.binding = "hosted API"
        _size_training(model, index, sz, ctx)
        return sz

    s = model.serving
    rate = hardware_rate(s, ctx, "serving", model.name)
    sz.rate, sz.accelerator = rate, rate.accelerator
    sz.instance = s.instance or ("" if s.deployment == "cloud" else f"server of {fmt(rate.accelerators_per_instance)}")
    sz.accelerators_per_instance = rate.accelerators_per_instance
    acc = cat.row("accelerators", rate.accelerator)
    eff, calibrated = cat.efficiency_for(model.kind, acc["family"])
    mfu = model.mfu if model.mfu is not None else float(eff.mfu)
    mbu = model.mbu if model.mbu is not None else float(eff.mbu)
    generative = model.kind == "generative" and np.any(np.asarray(o) > 0)
    draft = draft_parameters(model, cat)
    if model.kind == "generative":
        sz.notes.append(f"KV cache {fmt(kv_token / 1e3, ',.1f')} kB/token ({kv_source(model)})")
    pt = None
    if generative:
        tpot = model.tpot_slo_ms / MS_PER_SECOND if model.tpot_slo_ms is not None else None
        pt = point if point is not None else generative_point(
            model, acc, mfu, mbu, usable_memory_fraction=s.usable_memory_fraction,
            largest=s.max_accelerators_per_replica, replica_size=s.accelerators_per_replica, tpot_slo_s=tpot,
            draft=draft)
        sz.operating_point = pt
        if pt is not None:
            kv_mem = model_memory(model, np.asarray(pt.batch))[3]
    sz.kv_cache_gb = kv_mem / BYTES_PER_GB

    def needed_gb(kv_bytes):  # weights, embedding tables, a KV cache and the draft model's weights [GB]
        return (weights + tables + kv_bytes + draft * BYTES_PER_VALUE[model.weights_precision]) / BYTES_PER_GB

    sz.memory_needed_gb = needed_gb(kv_mem)
    if generative:
        g = pt.replica_size if pt is not None else np.inf
    elif s.accelerators_per_replica is not None:
        g = float(s.accelerators_per_replica)
    else:
        g = num(performance.replica_size(sz.memory_needed_gb, acc.memory_gb, s.usable_memory_fraction))
    usable = acc.memory_gb * s.usable_memory_fraction * np.minimum(g, s.max_accelerators_per_replica)
    # the field that bounds the replica, named in the remedies: the size given, else the largest allowed
    given = s.accelerators_per_replica is not None
    replica_field = "accelerators_per_replica" if given else "max_accelerators_per_replica"
    # a model that no replica holds (for a generative model: no operating point, which with decode_batch
    # given includes a replica that does not hold that batch's KV cache)
    if pt is None and (np.any(g > s.max_accelerators_per_replica) or np.any(sz.memory_needed_gb > usable)):
        largest = s.accelerators_per_replica if given else s.max_accelerators_per_replica
        usable = acc.memory_gb * s.usable_memory_fraction * largest
        # the KV cache is that of the decode_batch given (generative models); lowering the batch is a
        # remedy only where one request fits beside the weights
        batch_given = model.kind == "generative" and model.decode_batch is not None
        kv_remedy = batch_given and np.all(needed_gb(model_memory(model, 1)[3]) <= usable)
        raise ScenarioError([(f"models[{index}]", (
            f"model '{model.name}' needs {fmt(sz.memory_needed_gb, ',.1f')} GB (weights {fmt(sz.weights_gb, ',.1f')}, "
            f"embedding tables {fmt(sz.embedding_tables_gb, ',.1f')}, KV cache {fmt(sz.kv_cache_gb, ',.1f')}"
            f"{f' of decode_batch {fmt(model.decode_batch)}' if batch_given else ''}) but a replica of "
            f"{'' if given else 'at most '}{fmt(largest)} x {rate.accelerator} holds {fmt(usable, ',.1f')} GB usable; "
            f"raise serving.{replica_field} "
            f"(now {fmt(largest)}), {'lower decode_batch, ' if kv_remedy else ''}lower the precision, "
            f"or choose an accelerator with more memory"))])
    if pt is not None and np.any(np.asarray(pt.batch) < 1):
        why = (f"not even one request meets tpot_slo_ms {fmt(model.tpot_slo_ms)} (one decoding step takes "
               f"{fmt(pt.step_s * MS_PER_SECOND, ',.1f')} ms per token at batch 1)" if model.tpot_slo_ms is not None
               and np.any(np.asarray(pt.batch_memory) >= 1) else
               f"the weights leave no memory for the KV cache of one request in a replica of {fmt(pt.replica_size)}")
        raise ScenarioError([(f"models[{index}]", (
            f"model '{model.name}' on {rate.accelerator}: {why}; raise the objective, lower the precision, "
            f"choose a faster accelerator or allow larger replicas (serving.{replica_field})"))])
    sz.replica_size = g

    family = acc["family"] or "unknown"
    if generative:
        mu_est = num(pt.per_accelerator)
        regime = pt.regime
        sz.decode_batch, sz.batch_binding = pt.batch, pt.binding
        sz.tpot_ms, sz.ttft_ms = pt.tpot_s * MS_PER_SECOND, pt.ttft_s * MS_PER_SECOND
        sz.tokens_per_step = pt.tokens_per_step
        sz.notes.append(f"{fmt(pt.batch, ',.0f')} requests decoded together per replica of {fmt(g)} ({pt.binding}); "
                        f"TPOT {fmt(sz.tpot_ms, ',.1f')} ms, TTFT without queueing {fmt(sz.ttft_ms, ',.0f')} ms")
    else:
        mu_est = roofline_throughput(model, acc, mfu, mbu, g)
        regime = roofline_regime(model, acc, mfu, mbu, g) if np.all(np.isfinite(mu_est)) else ""
    if model.throughput_rps is not None:
        mu, sz.throughput_basis = num(model.throughput_rps), f"measured ({model.throughput_source})"
    else:
        if not np.all(np.isfinite(mu_est)):
            raise ScenarioError([(f"models[{index}].throughput_rps", (
                f"{rate.accelerator} has no {model.math_precision} peak in the catalog, so the throughput of "
                f"'{model.name}' cannot be estimated; give a measured throughput_rps or another precision"))])
        sz.band = (float(eff.band_low), float(eff.band_high))
        mu, sz.throughput_basis = mu_est, estimate_basis(*sz.band, model.kind, regime)
        if not calibrated:
            sz.throughput_basis += (f"; no {model.kind} measurement on {family} hardware calibrates it: the "
                                    f"cross-family factor is used and the band is wider")
        if not quiet and regime in UNVALIDATED_REGIMES.get(model.kind, ()):
            ctx.warn("estimate", f"{model.name}: {sz.throughput_basis}", model.name)
        elif not quiet and not calibrated:
            ctx.note_uncalibrated(family, rate.accelerator, f"{model.kind} throughput", model.name,
                                  (eff.band_low, eff.band_high))
    sz.throughput_rps_per_accelerator = mu
    mu_rep = g * mu
    sz.replica_throughput_rps = mu_rep

    # Requests in flight per replica (slots) and the time each spends (service), tied by Little's law
    # to the replica's throughput: slots = mu_rep * service, so load and latency sizing agree.
    if model.service_time_ms is not None:
        slots = np.maximum(1.0, np.round(mu_rep * model.service_time_ms / MS_PER_SECOND)) * 1.0
        sz.service_time_basis = "measured"
    elif generative:
        slots = num(pt.batch)
        sz.service_time_basis = "estimated: the decode batch in flight per replica at the throughput (Little's law)"
    else:
        slots = 1.0
        sz.service_time_basis = "1 / replica throughput"
    service = slots / mu_rep
    sz.service_time_ms = service * MS_PER_SECOND
    sz.slots = slots

    lam_region = lam_h / per_hour(s.regions)
    r_min = num(s.min_replicas)
    # latency objectives as (field, the time a request may take in all, the part of it that is not
    # waiting for a slot): end to end, or to the first token
    objectives = []
    if model.latency_slo_ms is not None:
        objectives.append(("latency_slo_ms", model.latency_slo_ms / MS_PER_SECOND, service))
    if model.ttft_slo_ms is not None:
        if not generative:
            raise ScenarioError([(f"models[{index}].ttft_slo_ms", "a time-to-first-token objective applies to "
                                  "generative models with output_tokens > 0; use latency_slo_ms")])
        objectives.append(("ttft_slo_ms", model.ttft_slo_ms / MS_PER_SECOND, pt.ttft_s))
    too_slow = False
    slos = []
    for field_name, target, busy in objectives:
        slow = busy >= target
        too_slow = too_slow | slow
        if np.any(slow):
            shown = busy[slow] if np.ndim(slow) else busy
            what = "per request" if field_name == "latency_slo_ms" else "to the first token without queueing"
            message = (f"model '{model.name}' takes {fmt(shown * MS_PER_SECOND, ',.1f')} ms {what} "
                       f"({sz.service_time_basis}) on {rate.accelerator}, so no fleet meets a "
                       f"{fmt(target * MS_PER_SECOND)} ms {'SLO' if field_name == 'latency_slo_ms' else 'TTFT objective'}; raise it, choose a "
                       f"faster accelerator, lower the precision or shorten the work per request")
            if np.ndim(slow) == 0:
                raise ScenarioError([(f"models[{index}].{field_name}", message)])
            # samples of uncertain inputs (tco.uncertainty): the samples that cannot meet the SLO get no
            # cost (NaN) and are counted apart; the others are sized as usual. A slow sample is sized
            # with a placeholder (half the target busy) only to keep the search finite; its fleet is NaN
            ctx.warn("infeasible", f"{np.mean(slow):.1%} of the samples: {message}", model.name)
            busy = np.where(slow, target / 2.0, busy)
        # Erlang C bounds the wait by target - busy, written as an SLO on the whole time in the queue's
        # server: the wait for one of the replicas' batch slots, and, to the first token, the wait for
        # the replica's prefill (one request at a time, prefill_s each: the shared resource that a
        # long prompt makes the bottleneck)
        slos.append((service, slots, service + (target - busy)))
        if field_name == "ttft_slo_ms":
            slos.append((pt.prefill_s, 1.0, pt.prefill_s + (target - busy)))

    def replicas(lam, hourly=False, known=np.inf):
        # per-sample figures meet hourly arrival rates on an hour axis
        h = per_hour if hourly else (lambda x: x)
        load = capacity.replicas_for_load(lam, h(mu_rep), h(s.utilization_target))
        slo_r = np.zeros_like(load)
        for queue_service, queue_slots, slo in slos:
            # hour by hour only the larger of the counts matters: search from the load count up
            floor = np.maximum(np.maximum(load, h(r_min)), slo_r) if hourly else slo_r
            slo_r = np.maximum(slo_r, capacity.replicas_for_slo(lam, h(queue_service), h(queue_slots), h(slo),
                                                                h(model.latency_percentile), floor, h(known)))
        return load, slo_r, np.maximum(np.maximum(load, slo_r), h(r_min)) + h(s.redundancy)

    peak_region = lam_region.max(axis=-1)
    r_load, r_slo, r_peak = replicas(peak_region)
    sz.replicas_load, sz.replicas_slo = r_load * s.regions, r_slo * s.regions
    sz.binding = np.where(r_peak - s.redundancy <= np.maximum(r_load, r_slo),
                          np.where(r_slo > r_load, "latency SLO", "load"), "min_replicas")
    if np.ndim(sz.binding) == 0:
        sz.binding = str(sz.binding)
    per = rate.accelerators_per_instance
    if s.billing == "autoscaled":
        _, _, r_h = replicas(lam_region, hourly=True, known=r_slo)  # no hour needs more than the peak
        inst_h = capacity.instances_needed(r_h, per_hour(g), per_hour(per))
        sz.hourly_replicas = r_h * s.regions
        sz.instance_hours_per_day = inst_h.sum(axis=-1) * s.regions
        sz.replicas = r_h.max(axis=-1) * s.regions
        sz.instances = inst_h.max(axis=-1) * s.regions
    else:
        sz.replicas = r_peak * s.regions
        sz.instances = capacity.instances_needed(r_peak, g, per) * s.regions
        sz.instance_hours_per_day = sz.instances * HOURS_PER_DAY
        sz.hourly_replicas = np.repeat(np.asarray(sz.replicas, dtype=float)[..., None], 24, axis=-1)
    sz.accelerators = sz.replicas * g
    sz.accelerator_hours_per_day = sz.instance_hours_per_day * per
    with np.errstate(divide="ignore", invalid="ignore"):
        # mean utilisation of the accelerator-hours paid for (whole instances or servers)
        paid = sz.accelerator_hours_per_day * 3600.0 * mu
        sz.utilisation_mean = np.where(paid > 0, requests_per_day_served / paid, 0.0)
        sz.utilisation_peak = np.where(r_peak > 0, peak_region / (mu_rep * r_peak), 0.0)
    if rate.price_at is not None:  # on premises: the electricity at the fleet's own utilisation
        rate = sz.rate = replace(rate, price_per_instance_hour=rate.price_at(sz.utilisation_mean))
    sz.serving_cost_per_day = num(np.where(too_slow, np.nan, sz.instance_hours_per_day * rate.price_per_instance_hour))
    if np.any(too_slow):  # samples no fleet serves: their fleet is NaN too (only a placeholder was sized)
        for name in ("replicas_load", "replicas_slo", "replicas", "instances", "accelerators",
                     "instance_hours_per_day", "accelerator_hours_per_day", "utilisation_mean", "utilisation_peak"):
            setattr(sz, name, num(np.where(too_slow, np.nan, getattr(sz, name))))
        sz.hourly_replicas = np.where(np.asarray(too_slow)[..., None], np.nan, sz.hourly_replicas)
        sz.binding = np.where(too_slow, "latency SLO", sz.binding)
    _size_training(model, index, sz, ctx)
    return sz


def training_compute(model, tokens, method: str = "full", sequence_length=None):
    """FLOPs of one training run: c·N·D on the active non-embedding parameters
    (:func:`tco.performance.training_flops`), plus, where the architecture and the sequence length
    are known, the attention of every token over half its sequence on average (causal), forward and
    backward (:func:`tco.serving.attention_flops` x c/2)."""
    c = performance.TRAINING_FLOPS_FACTOR[method]
    flops = performance.training_flops(model.flop_parameters, tokens, c)
    if sequence_length and model.layers and model.attention_heads:
        width = model.attention_heads * (model.head_dim or model.hidden_size / model.attention_heads)
        flops = flops + c / 2.0 * np.multiply(tokens, serving.attention_flops(model.layers, width,
                                                                               np.multiply(0.5, sequence_length)))
    return num(flops)


def training_efficiency(catalog, precision: str, family: str):
    """The efficiency row of training at a precision (``training`` for 16-bit, ``training-fp8`` ...) on a
    hardware family, and whether that family is calibrated (:meth:`tco.catalog.Catalog.efficiency_for`).
    ``(None, False)`` when no published figure calibrates training at that precision on any family."""
    workload = "training" if precision in ("bf16", "fp16") else f"training-{precision}"
    try:
        return catalog.efficiency_for(workload, family)
    except KeyError:
        return None, False


def _size_training(model, index: int, sz: Sizing, ctx: Context) -> None:
    tr = model.training
    if tr is None:
        return
    rate = hardware_rate(tr, ctx, "training", model.name)
    acc = ctx.catalog.row("accelerators", rate.accelerator)
    precision = tr.precision_on(acc)
    peak = float(acc[PEAK_COLUMN[precision]])
    eff, calibrated = training_efficiency(ctx.catalog, precision, acc["family"])
    if eff is None and tr.mfu_train is None:
        raise ScenarioError([(f"models[{index}].training.mfu_train", (
            f"no published measurement calibrates {precision} training (data/catalog/efficiency.csv has no "
            f"'training-{precision}' row), so its utilisation of the {precision} peak cannot be defaulted; give "
            f"training.mfu_train (measured, or an assumption you state), or train in bf16"))])
    mfu = tr.mfu_train if tr.mfu_train is not None else float(eff.mfu)
    if tr.mfu_train is None and not calibrated:
        ctx.note_uncalibrated(acc["family"], rate.accelerator, f"{precision} training", model.name,
                              (eff.band_low, eff.band_high))
    flops = training_compute(model, tr.tokens_per_run, tr.method, tr.sequence_length)
    sz.training_rate = rate
    sz.training_flops_per_run = num(flops)
    sz.training_accelerator_hours_per_run = num(performance.accelerator_hours(flops, peak * TERA, mfu))
    sz.training_cost_per_run = sz.training_accelerator_hours_per_run * rate.price_per_accelerator_hour
