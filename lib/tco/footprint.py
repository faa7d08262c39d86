"""Energy and carbon of a scenario: kWh and tCO2e per day and per 1,000 requests (``report.energy``).

Every self-hosted fleet, in the cloud or on premises: accelerator-hours per day x the draw of one
accelerator at the fleet's mean utilisation (:func:`tco.sizing.accelerator_draw_kw`, the figure the
on-premises electricity cost uses too) x the PUE, then x the emission factor of the grid
(``data/catalog/grid_intensity.csv``). Training runs are counted at the load factor they are priced
at. A cloud fleet's figure is an **estimate**: the provider's hardware, host and PUE are not known,
so the accelerator's TDP, the catalog's server overhead and the industry-average PUE stand in for
them. Hosted-API models and CPU fleets are left unestimated, with a note each, never counted as
zero. Figures broadcast: a scenario holding arrays of samples (:mod:`tco.uncertainty`) gives arrays.
"""

from __future__ import annotations

import numpy as np

from . import energy
from .context import Context
from .sizing import _onprem_value, accelerator_draw_kw, idle_power_fraction
from .units import DAYS_PER_MONTH, DAYS_PER_YEAR, GRAMS_PER_TONNE, fmt, plain_number
from .units import scalar_or_array as num

#: The grid a cloud fleet defaults to when its instance names no region (or there is no instance).
DEFAULT_GRID = "cn"


def cloud_grid(catalog, instance: str | None) -> str:
    """Grid region of a cloud instance from the catalog's region and provider: us-*, *us* (eastus,
    us-central1) is ``us``; eu*, europe* is ``eu``; Alibaba Cloud is ``cn``; an instance of another
    provider listed without a region is ``us`` (the catalog's prices of AWS, GCP, Azure and Lambda
    are US prices); no instance: :data:`DEFAULT_GRID`.

    >>> from tco.catalog import load_catalog
    >>> cat = load_catalog()
    >>> cloud_grid(cat, "p5.48xlarge"), cloud_grid(cat, "ecs.gn8is-8x.32xlarge"), cloud_grid(cat, None)
    ('us', 'cn', 'cn')
    """
    if instance is None:
        return DEFAULT_GRID
    rows = catalog.instances[catalog.instances.instance == instance]
    region = str(rows["region"].dropna().iloc[0]).lower() if rows["region"].notna().any() else ""
    provider = str(rows["provider"].iloc[0]).lower() if len(rows) else ""
    if region.startswith("cn") or provider == "aliyun":
        return "cn"
    if region.startswith(("eu", "europe")) or "europe" in region:
        return "eu"
    if region.startswith("us") or "us" in region or (not region and provider):
        return "us"
    return DEFAULT_GRID


def grid_region(scenario, catalog, hw) -> str:
    """The grid a fleet draws from: ``energy.grid_region`` (else ``on_prem.region``) on premises,
    ``energy.cloud_grid_region`` (else :func:`cloud_grid`) in the cloud."""
    if hw.deployment == "on_prem":
        return scenario.energy.grid_region or scenario.on_prem.region
    return scenario.energy.cloud_grid_region or cloud_grid(catalog, hw.instance)


def _fleet(ctx: Context, hw, accelerator: str, hours, utilisation, what: str, model: str) -> dict:
    """kWh and tCO2e per day of one fleet running ``hours`` accelerator-hours a day."""
    scenario, catalog = ctx.scenario, ctx.catalog
    onprem = hw.deployment == "on_prem"
    draw = accelerator_draw_kw(hw, ctx, accelerator, utilisation)
    pue = _onprem_value(ctx, scenario.on_prem.pue if onprem else None, "pue")
    region = grid_region(scenario, catalog, hw)
    factor = catalog.grid_factor(region)
    kwh = energy.energy_kwh_per_day(hours, draw, pue)
    basis = ("on premises: the power of the electricity cost" if onprem else
             f"estimate: {accelerator} TDP x server overhead, industry-average PUE {fmt(pue)}; the provider's "
             f"own hardware and PUE are not known")
    return {"model": model, "fleet": what, "deployment": hw.deployment, "accelerator": accelerator,
            "accelerator_hours_per_day": num(hours), "utilisation": num(utilisation) if utilisation is not None
            else float("nan"), "power_kw_per_accelerator": num(draw), "pue": float(pue), "grid_region": region,
            "gco2e_per_kwh": factor.value, "kwh_per_day": num(kwh),
            "tco2e_per_day": num(energy.emissions_tco2e_per_day(kwh, factor.value)),
            "estimate": not onprem, "basis": basis}


def figures(scenario, sizings, catalog) -> dict:
    """Energy and carbon of every fleet and of the scenario (arrays when the scenario holds samples).

    Returns a dict: ``kwh_per_day``, ``tco2e_per_day``, ``tco2e_per_year``, ``kwh_per_1k_requests``,
    ``gco2e_per_1k_requests`` (NaN when no fleet is estimated), ``estimate`` (True when a cloud
    fleet is in the figures), ``fleets`` (one dict per serving or training fleet), ``notes`` (what is
    left out and why), ``sources`` (the grid factors and settings used, with their source).
    """
    ctx = Context(scenario, catalog)  # its own: the lookups stay out of the cost report's sources
    fleets, notes = [], []
    for model, sz in zip(scenario.models, sizings):
        if sz.deployment == "api":
            notes.append(f"{sz.name}: served by the hosted API ({sz.api_model}); the provider's accelerator-hours "
                         f"are not known, so its energy is not estimated")
        else:
            fleets.append(_fleet(ctx, model.serving, sz.accelerator, sz.accelerator_hours_per_day,
                                 sz.utilisation_mean, "serving", sz.name))
        if sz.training_rate is not None and model.training is not None:
            hours = np.multiply(sz.training_accelerator_hours_per_run, model.training.runs_per_month) / DAYS_PER_MONTH
            fleets.append(_fleet(ctx, model.training, sz.training_rate.accelerator, hours, None, "training",
                                 sz.name))
    if scenario.compute.cpu:
        notes.append("CPU fleets (" + ", ".join(f.name for f in scenario.compute.cpu) + ") are left out: the "
                     "catalog has no power figure for CPU instances")
    kwh = sum((f["kwh_per_day"] for f in fleets), 0.0)
    tco2e = sum((f["tco2e_per_day"] for f in fleets), 0.0)
    requests = scenario.traffic.requests_per_day
    if not fleets:
        kwh = tco2e = float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_1k = energy.kwh_per_1k_requests(kwh, requests)
        intensity = np.divide(np.multiply(tco2e, GRAMS_PER_TONNE), kwh)  # the fleets' mix of grids
        g_per_1k = energy.gco2e_per_1k_requests(per_1k, intensity)
    sources = [{"table": p.table, "key": p.key, "value": p.value, "source": p.source, "as_of": p.as_of,
                "assumption": p.assumption} for p in sorted(ctx.prices.values(), key=lambda p: (p.table, p.key))]
    for region in dict.fromkeys(f["grid_region"] for f in fleets):
        p = catalog.grid_factor(region)
        sources.append({"table": p.table, "key": p.key, "value": p.value, "source": p.source, "as_of": p.as_of,
                        "assumption": p.assumption})
    return {"kwh_per_day": num(kwh), "tco2e_per_day": num(tco2e), "tco2e_per_year": num(np.multiply(tco2e, DAYS_PER_YEAR)),
            "kwh_per_1k_requests": num(per_1k), "gco2e_per_1k_requests": num(g_per_1k),
            "estimate": any(f["estimate"] for f in fleets), "idle_power_fraction": idle_power_fraction(ctx),
            "fleets": fleets, "notes": notes, "sources": sources}


def energy_lines(e: dict) -> list[str]:
    """The energy and carbon figures (:func:`figures`) as sentences for the text report.

    >>> print("\\n".join(energy_lines({"kwh_per_day": 1000.0, "tco2e_per_day": 0.5, "tco2e_per_year": 182.5,
    ...     "kwh_per_1k_requests": 0.025, "gco2e_per_1k_requests": 12.5, "estimate": True, "fleets": [],
    ...     "notes": ["m: hosted API"]})))
    Estimate: 1,000 kWh/day, 0.500 tCO2e/day, 182.5 tCO2e/year; per 1,000 requests 0.025 kWh, 12.5 gCO2e
    Not estimated: m: hosted API
    """
    if not np.isfinite(e["kwh_per_day"]):
        lines = ["No self-hosted fleet: energy and carbon are not estimated"]
    else:
        label = "Estimate" if e["estimate"] else "From the on-premises power figures"
        lines = [f"{label}: {e['kwh_per_day']:,.0f} kWh/day, {e['tco2e_per_day']:,.3f} tCO2e/day, "
                 f"{e['tco2e_per_year']:,.1f} tCO2e/year; per 1,000 requests {e['kwh_per_1k_requests']:,.3g} kWh, "
                 f"{e['gco2e_per_1k_requests']:,.3g} gCO2e"]
    for f in e["fleets"]:
        lines.append(f"{f['model']} ({f['fleet']}, {f['deployment']}): {f['accelerator_hours_per_day']:,.1f} "
                     f"{f['accelerator']}-hours/day at {f['power_kw_per_accelerator']:,.3f} kW, PUE {f['pue']:g}, "
                     f"grid {f['grid_region']} {f['gco2e_per_kwh']:g} g/kWh: {plain_number(float(f['kwh_per_day']))} kWh/day "
                     f"({f['basis']})")
    lines += [f"Not estimated: {n}" for n in e["notes"]]
    return lines
