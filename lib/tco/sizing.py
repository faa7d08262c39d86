"""Size every model of a scenario: throughput, replicas, instances and the price of an hour.

This module joins the formula functions of :mod:`tco.performance`, :mod:`tco.capacity` and
:mod:`tco.pricing` with the scenario and the catalog. It is array-safe: traffic may carry a
leading axis (e.g. a grid of traffic levels for the hosted-API break-even), and every
figure then carries it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import capacity, performance, pricing
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

    @property
    def price_per_accelerator_hour(self) -> float:
        return self.price_per_instance_hour / self.accelerators_per_instance


def _onprem_value(ctx: Context, override, parameter: str, region: str = "global") -> float:
    if override is not None:
        return num(override)
    return ctx.use(ctx.catalog.onprem_value(parameter, region))


def hardware_rate(hw, ctx: Context, what: str, model: str) -> HourlyRate:
    """Price of an hour of the instance or server that ``hw`` (Serving or Training) describes."""
    cat = ctx.catalog
    if hw.deployment == "cloud":
        if hw.instance is not None:
            row = cat.row("instance_types", hw.instance)
            per, acc = int(row.accelerators_per_instance), str(row.accelerator)
        else:
            per, acc = 1, hw.accelerator
        if hw.price_per_hour is not None:
            src = f" ({hw.price_source})" if hw.price_source else ""
            return HourlyRate(num(hw.price_per_hour), per, acc, f"price_per_hour given in the scenario{src}")
        price = cat.instance_price(hw.instance, hw.pricing)
        if price is None:
            plans = ", ".join(cat.instance_plans(hw.instance)) or "none"
            reason = (f"the catalog has no '{hw.pricing}' price for {hw.instance} (priced plans: {plans}); "
                      f"give {what}.price_per_hour")
            return HourlyRate(ctx.unpriced(f"{model}: {what} on {hw.instance}", reason, model), per, acc, "unpriced",
                              reason)
        return HourlyRate(ctx.use(price), per, acc, f"{hw.instance} {hw.pricing}, catalog {price.as_of}")

    # on premises: price of one accelerator-hour, times the accelerators of a server
    acc = hw.accelerator
    site = ctx.scenario.on_prem
    server = cat.server_for(acc, hw.server)
    per = hw.accelerators_per_server if hw.accelerators_per_server is not None else (
        int(server.accelerators_per_server) if server is not None else 8)
    if hw.price_per_hour is not None:
        src = f" ({hw.price_source})" if hw.price_source else ""
        return HourlyRate(num(hw.price_per_hour) * per, per, acc, f"price_per_hour given in the scenario{src}")
    reason = ""
    if hw.server_price is not None:
        capex = num(hw.server_price) / per
        basis = "server_price given in the scenario"
    elif server is not None and np.isfinite(server.price):
        capex = ctx.use(cat.server_price(server)) / float(server.accelerators_per_server)
        basis = f"server {server.server} ({server.as_of})"
    else:
        reason = f"no priced server with {acc} in onprem_servers.csv; give {what}.server_price"
        capex = ctx.unpriced(f"{model}: {what} servers with {acc}", reason, model)
        basis = "unpriced"
    tdp = cat.row("accelerators", acc)["tdp_w"]
    overhead = _onprem_value(ctx, site.server_power_overhead, "server_power_overhead")
    if server is not None and np.isfinite(float(server.get("power_kw", np.nan))):
        power_kw = float(server.power_kw) / float(server.accelerators_per_server)
    elif np.isfinite(tdp):
        power_kw = float(tdp) / 1000.0 * overhead
    else:
        reason = reason or f"{acc} has no TDP in the catalog, so its energy cannot be priced"
        power_kw = ctx.unpriced(f"{model}: energy of {acc}", reason, model)
    if site.hosting_per_accelerator_month is None:
        ctx.warn("unpriced", "on-premises hosting (space, racks, network) is not priced: set "
                 "on_prem.hosting_per_accelerator_month. Totals include depreciation, energy and support only.")
        hosting = 0.0
    else:
        hosting = num(site.hosting_per_accelerator_month) / (DAYS_PER_MONTH * HOURS_PER_DAY)
    rate = pricing.onprem_accelerator_hour_cost(
        capex,
        _onprem_value(ctx, site.useful_life_years, "useful_life_years"),
        power_kw,
        _onprem_value(ctx, site.pue, "pue"),
        _onprem_value(ctx, site.electricity_price_per_kwh, "electricity_price", site.region),
        _onprem_value(ctx, site.load_factor, "load_factor"),
        _onprem_value(ctx, site.maintenance_rate, "maintenance_rate"),
        hosting,
    )
    return HourlyRate(num(rate) * per, per, acc, basis, reason)


@dataclass
class Sizing:
    """Everything computed about serving (and training) one model. Figures may be arrays."""

    name: str
    kind: str
    deployment: str
    traffic_share: float
    requests_per_day: object
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
    notes: list[str] = field(default_factory=list)


def _api_price(ctx: Context, api_model: str):
    cat = ctx.catalog
    p_in = ctx.use(cat.api_price(api_model, "input"))
    p_out = ctx.use(cat.api_price(api_model, "output"))
    return p_in, p_out


def model_memory(model) -> tuple[float, float, float, float]:
    """Bytes a model needs in accelerator memory: ``(weights, embedding tables, KV bytes per token,
    KV cache)``; the KV cache holds ``decode_batch`` full contexts (generative models only), with
    the per-token size given or estimated from the parameter count."""
    bpv = BYTES_PER_VALUE[model.precision]
    weights = num(performance.weight_bytes(model.parameters, bpv))
    tables = model.embedding_rows * model.embedding_dim * BYTES_PER_VALUE[model.embedding_precision or model.precision]
    if model.kind != "generative":
        return weights, tables, 0.0, 0.0
    kv_token = model.kv_bytes_per_token if model.kv_bytes_per_token is not None else num(
        performance.kv_bytes_per_token_estimate(model.parameters - model.embedding_parameters, bpv))
    context = model.items_per_request * model.input_tokens_per_item + model.output_tokens
    return weights, tables, kv_token, model.decode_batch * context * kv_token


def roofline_throughput(model, accelerator, mfu: float, mbu: float, replica_size: float = 1.0,
                        kv_bytes_per_token: float = 0.0) -> float:
    """Requests per second one accelerator of a ``replica_size``-wide replica serves (roofline).

    Composes the formula functions of :mod:`tco.performance` for one model of the scenario schema
    (``model``) on one catalog accelerator row: prefill FLOPs and embedding bytes per request, then,
    for generative models, decode steps of the replica's ``decode_batch`` sequences. The replica's
    ``g`` accelerators split the work tensor-parallel: each holds and reads W/g of the weights and
    the KV cache of b/g sequences per step, and does 2N·b/g FLOPs. NaN when the accelerator has no
    peak for the model's precision.
    """
    peak = float(accelerator[PEAK_COLUMN[model.precision]]) * TERA
    if not (np.isfinite(peak) and peak > 0):
        return float("nan")
    k, t, o = model.items_per_request, model.input_tokens_per_item, model.output_tokens
    n_flops = model.parameters - model.embedding_parameters
    emb_bpv = BYTES_PER_VALUE[model.embedding_precision or model.precision]
    f_pre = performance.prefill_flops(n_flops, k, t)
    b_emb = performance.embedding_bytes(k, model.embedding_lookups_per_item, model.embedding_dim, emb_bpv,
                                        model.embedding_cache_hit_rate)
    t_pre = performance.prefill_time(f_pre, b_emb, peak, accelerator["bandwidth_gb_s"], mfu, mbu)
    t_dec = 0.0
    if np.any(np.asarray(o) > 0):
        weights = performance.weight_bytes(model.parameters, BYTES_PER_VALUE[model.precision])
        batch = model.decode_batch / replica_size  # sequences per accelerator
        step = performance.decode_step_time(n_flops, weights / replica_size, kv_bytes_per_token * (k * t + o / 2.0),
                                            batch, peak, accelerator["bandwidth_gb_s"], mfu, mbu)
        t_dec = performance.decode_time(o, step, batch)
    return num(performance.throughput(t_pre, t_dec))


#: An efficiency factor so large that its roofline term takes no time (to ask "what if only the other bound").
FREE = 1e9


def roofline_regime(model, accelerator, mfu: float, mbu: float, replica_size: float = 1.0,
                    kv_bytes_per_token: float = 0.0) -> str:
    """Which roofline term binds a model's throughput: ``"compute"`` when making memory free
    changes the estimate by under 5%, else ``"memory"``."""
    args = (model, accelerator, mfu)
    both = roofline_throughput(*args, mbu, replica_size, kv_bytes_per_token)
    compute_only = roofline_throughput(*args, FREE, replica_size, kv_bytes_per_token)
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


def size_model(model, index: int, share, arrival_rates_h, ctx: Context, *, quiet: bool = False) -> Sizing:
    """Size ``model`` (the ``index``-th of the scenario) for hourly total arrival rates.

    ``share`` is the fraction of non-cached requests reaching the model after fusion routing;
    ``arrival_rates_h`` has the 24 hours on its last axis [requests/s].
    """
    cat = ctx.catalog
    lam_h = np.asarray(arrival_rates_h, dtype=float) * per_hour(share)  # requests/s reaching this model
    requests_per_day = lam_h.mean(axis=-1) * SECONDS_PER_DAY
    k, t, o = model.items_per_request, model.input_tokens_per_item, model.output_tokens
    sz = Sizing(model.name, model.kind, model.serving.deployment, share, requests_per_day,
                peak_rps=lam_h.max(axis=-1), input_tokens_per_request=k * t, output_tokens=o)
    weights, tables, kv_token, kv_mem = model_memory(model)
    sz.weights_gb = weights / BYTES_PER_GB
    sz.embedding_tables_gb = tables / BYTES_PER_GB
    sz.artifact_gb = model.artifact_gb if model.artifact_gb is not None else (weights + tables) / BYTES_PER_GB

    api_model = model.serving.api_model if model.serving.deployment == "api" else model.api_alternative
    if api_model:
        sz.api_model = api_model
        p_in, p_out = _api_price(ctx, api_model)
        sz.api_cost_per_day = pricing.api_cost_per_day(requests_per_day, k * t, o, p_in, p_out)
    if model.serving.deployment == "api":
        sz.serving_cost_per_day = sz.api_cost_per_day
        sz.binding = "hosted API"
        _size_training(model, sz, ctx)
        return sz

    s = model.serving
    rate = hardware_rate(s, ctx, "serving", model.name)
    sz.rate, sz.accelerator = rate, rate.accelerator
    sz.instance = s.instance or ("" if s.deployment == "cloud" else f"server of {fmt(rate.accelerators_per_instance)}")
    sz.accelerators_per_instance = rate.accelerators_per_instance
    acc = cat.row("accelerators", rate.accelerator)
    eff = cat.row("efficiency", model.kind)
    mfu = model.mfu if model.mfu is not None else float(eff.mfu)
    mbu = model.mbu if model.mbu is not None else float(eff.mbu)
    if model.kind == "generative" and model.kv_bytes_per_token is None:
        sz.notes.append(f"KV cache estimated at {fmt(kv_token / 1e3, '.0f')} kB/token from the parameter count")
    sz.kv_cache_gb = kv_mem / BYTES_PER_GB
    sz.memory_needed_gb = (weights + tables + kv_mem) / BYTES_PER_GB
    g = num(performance.replica_size(sz.memory_needed_gb, acc.memory_gb, s.usable_memory_fraction))
    if np.any(g > s.max_accelerators_per_replica):
        usable = acc.memory_gb * s.usable_memory_fraction * s.max_accelerators_per_replica
        raise ScenarioError([(f"models[{index}]", (
            f"model '{model.name}' needs {fmt(sz.memory_needed_gb, ',.1f')} GB (weights {fmt(sz.weights_gb, ',.1f')}, "
            f"embedding tables {fmt(sz.embedding_tables_gb, ',.1f')}, KV cache {fmt(sz.kv_cache_gb, ',.1f')}) but a "
            f"replica of at most {fmt(s.max_accelerators_per_replica)} x {rate.accelerator} holds {fmt(usable, ',.1f')} "
            f"GB usable; raise serving.max_accelerators_per_replica (now {fmt(s.max_accelerators_per_replica)}), "
            f"lower the precision, "
            f"or choose an accelerator with more memory"))])
    sz.replica_size = g

    mu_est = roofline_throughput(model, acc, mfu, mbu, g, kv_token)
    if model.throughput_rps is not None:
        mu, sz.throughput_basis = num(model.throughput_rps), f"measured ({model.throughput_source})"
    else:
        if not np.all(np.isfinite(mu_est)):
            raise ScenarioError([(f"models[{index}].throughput_rps", (
                f"{rate.accelerator} has no {model.precision} peak in the catalog, so the throughput of "
                f"'{model.name}' cannot be estimated; give a measured throughput_rps or another precision"))])
        sz.band = (float(eff.band_low), float(eff.band_high))
        regime = roofline_regime(model, acc, mfu, mbu, g, kv_token)
        mu, sz.throughput_basis = mu_est, estimate_basis(*sz.band, model.kind, regime)
        if not quiet and regime in UNVALIDATED_REGIMES.get(model.kind, ()):
            ctx.warn("estimate", f"{model.name}: {sz.throughput_basis}", model.name)
        elif not quiet and eff.band_high / eff.band_low > 10:
            ctx.warn("estimate", f"{model.name}: the roofline throughput for '{model.kind}' models is typically "
                     f"within x{eff.band_low:g}-x{eff.band_high:g} of measured; give a measured throughput_rps",
                     model.name)
    sz.throughput_rps_per_accelerator = mu
    mu_rep = g * mu
    sz.replica_throughput_rps = mu_rep

    # Requests in flight per replica (slots) and the time each spends (service), tied by Little's law
    # to the replica's throughput: slots = mu_rep * service, so load and latency sizing agree.
    if model.service_time_ms is not None:
        slots = np.maximum(1.0, np.round(mu_rep * model.service_time_ms / MS_PER_SECOND)) * 1.0
        sz.service_time_basis = "measured"
    elif model.kind == "generative":
        slots = num(model.decode_batch)
        sz.service_time_basis = "estimated: decode_batch in flight per replica at the throughput (Little's law)"
    else:
        slots = 1.0
        sz.service_time_basis = "1 / replica throughput"
    service = slots / mu_rep
    sz.service_time_ms = service * MS_PER_SECOND
    sz.slots = slots

    lam_region = lam_h / per_hour(s.regions)
    r_min = num(s.min_replicas)
    too_slow = False
    if model.latency_slo_ms is not None:
        slo = model.latency_slo_ms / MS_PER_SECOND
        too_slow = service >= slo
        if np.any(too_slow):
            slow = service[too_slow] if np.ndim(too_slow) else service
            message = (f"model '{model.name}' takes {fmt(slow * MS_PER_SECOND, ',.1f')} ms per request "
                       f"({sz.service_time_basis}) on {rate.accelerator}, so no fleet meets a "
                       f"{fmt(model.latency_slo_ms)} ms SLO; raise the SLO, choose a faster accelerator, lower the "
                       f"precision or shorten the work per request")
            if np.ndim(too_slow) == 0:
                raise ScenarioError([(f"models[{index}].latency_slo_ms", message)])
            # samples of uncertain inputs (tco.uncertainty): the samples that cannot meet the SLO get no
            # cost (NaN) and are counted apart; the others are sized as usual
            ctx.warn("infeasible", f"{np.mean(too_slow):.1%} of the samples: {message}", model.name)
            service = np.where(too_slow, slo / 2.0, service)

    def replicas(lam, hourly=False, known=np.inf):
        # per-sample figures meet hourly arrival rates on an hour axis
        h = per_hour if hourly else (lambda x: x)
        load = capacity.replicas_for_load(lam, h(mu_rep), h(s.utilization_target))
        if model.latency_slo_ms is not None:
            # hour by hour only the larger of the two counts matters: search from the load count up
            floor = np.maximum(load, h(r_min)) if hourly else 0.0
            slo_r = capacity.replicas_for_slo(lam, h(service), h(slots), h(slo), h(model.latency_percentile), floor,
                                              h(known))
        else:
            slo_r = np.zeros_like(load)
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
        sz.utilisation_mean = np.where(paid > 0, requests_per_day / paid, 0.0)
        sz.utilisation_peak = np.where(r_peak > 0, peak_region / (mu_rep * r_peak), 0.0)
    sz.serving_cost_per_day = num(np.where(too_slow, np.nan, sz.instance_hours_per_day * rate.price_per_instance_hour))
    _size_training(model, sz, ctx)
    return sz


def _size_training(model, sz: Sizing, ctx: Context) -> None:
    tr = model.training
    if tr is None:
        return
    rate = hardware_rate(tr, ctx, "training", model.name)
    acc = ctx.catalog.row("accelerators", rate.accelerator)
    peak = float(acc.bf16_tflops) if np.isfinite(acc.bf16_tflops) else float(acc[PEAK_COLUMN[model.precision]])
    mfu = tr.mfu_train if tr.mfu_train is not None else float(ctx.catalog.row("efficiency", "training").mfu)
    flops = performance.training_flops(model.parameters - model.embedding_parameters, tr.tokens_per_run,
                                       performance.TRAINING_FLOPS_FACTOR[tr.method])
    sz.training_rate = rate
    sz.training_flops_per_run = num(flops)
    sz.training_accelerator_hours_per_run = num(performance.accelerator_hours(flops, peak * TERA, mfu))
    sz.training_cost_per_run = sz.training_accelerator_hours_per_run * rate.price_per_accelerator_hour
