"""Model storage cost / 模型存储成本: registry, serving copies, on-premises media, distribution."""

from __future__ import annotations

from ..units import vectorised

import numpy as np

from ..context import Context, LineItem, item_kinds
from ..units import fmt, nonzero
from ..units import scalar_or_array as num
from ..pricing import per_month_to_per_day, stored_cost_per_day
from ..units import DAYS_PER_YEAR, HOURS_PER_DAY


@vectorised
def registry_gb(artifact_gb, versions_kept, backups, regions, compression_ratio=1.0):
    r"""Volume a model registry holds for one model.

    Parameters
    ----------
    artifact_gb : array_like
        Size of one model artifact. [GB]
    versions_kept : array_like
        v. [1]
    backups : array_like
        Backup copies of each version, b. [1]
    regions : array_like
        Regions the registry is replicated to, R. [1]
    compression_ratio : array_like, default 1
        Artifact size / stored size, z. [1]

    Returns
    -------
    numpy.ndarray or float
        [GB]

    Notes
    -----
    .. math:: V = \frac{S \cdot v \cdot (1 + b) \cdot R}{z}

    Examples
    --------
    >>> registry_gb(5.0, 3, 1, 2)
    60.0
    """
    copies = np.multiply(np.multiply(versions_kept, np.add(1.0, backups)), regions)
    return np.divide(np.multiply(artifact_gb, copies), compression_ratio) * 1.0


@vectorised
def media_cost_per_day(total_gb, medium_capacity_gb, medium_price, life_years):
    r"""Daily cost of the disks that hold on-premises model copies.

    Parameters
    ----------
    total_gb : array_like
        [GB]
    medium_capacity_gb : array_like
        Capacity of one medium. [GB]
    medium_price : array_like
        [currency]
    life_years : array_like
        [years]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: C = \left\lceil \frac{V}{cap} \right\rceil \frac{price}{life \cdot 365}

    Examples
    --------
    >>> round(media_cost_per_day(5000, 3840, 3650, 5), 6)
    4.0
    """
    media = np.ceil(np.divide(total_gb, medium_capacity_gb))
    return np.divide(np.multiply(media, medium_price), np.multiply(life_years, DAYS_PER_YEAR)) * 1.0


@vectorised
def transfer_cost_per_day(artifact_gb, deployments_per_month, copies, price_per_gb):
    r"""Daily cost of shipping new model versions to every serving copy.

    Parameters
    ----------
    artifact_gb : array_like
        [GB]
    deployments_per_month : array_like
        [1/month]
    copies : array_like
        Instances or servers that receive each version. [1]
    price_per_gb : array_like
        [currency/GB]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: C = \frac{S \cdot n_{dep} \cdot n_{copies} \cdot p}{365/12}

    Examples
    --------
    >>> round(transfer_cost_per_day(10, 4, 8, 0.09), 6)
    0.946849
    """
    return per_month_to_per_day(np.multiply(np.multiply(np.multiply(artifact_gb, deployments_per_month), copies),
                                            price_per_gb)) * 1.0


#: The kinds of storage line item: name, the formula shown in the items table, the functions computing it.
KINDS = item_kinds(
    "storage",
    ("model registry", "artifact GB × versions × (1 + backups) × regions ÷ compression × price/GB-month ÷ (365/12)",
     (registry_gb, stored_cost_per_day)),
    ("serving disks", "instances × artifact GB × disk price/GB-month ÷ (365/12)", (stored_cost_per_day,)),
    ("on-premises media", "ceil(total GB ÷ medium capacity) × medium price ÷ (life × 365)", (media_cost_per_day,)),
    ("distribution transfer", "artifact GB × deployments/month × instances × price/GB ÷ (365/12)",
     (transfer_cost_per_day,)),
)


def _tier_price(ctx: Context, tier: str | None, override, unit: str):
    return ctx.resolve_price(override, lambda: ctx.catalog.storage_price(tier), "{value:g} {currency}/{unit} (scenario)",
                             "{key} ({value:g} {currency}/{unit}, {as_of})", unit=unit)


def items(ctx: Context, sizings) -> list[LineItem]:
    st = ctx.scenario.storage
    cur = ctx.currency
    out: list[LineItem] = []
    registry = _tier_price(ctx, st.registry_tier, st.registry_price_per_gb_month, "GB-month")
    for sz in sizings:
        if sz.deployment == "api":  # the provider stores hosted models
            continue
        gb = registry_gb(sz.artifact_gb, st.versions_kept, st.backups, st.regions, st.compression_ratio)
        out.append(LineItem(KINDS["model registry"], "model registry", sz.name,
                            num(stored_cost_per_day(gb, registry.value)), num(gb), "GB held",
                            f"{fmt(sz.artifact_gb, ',.2f')} GB artifact; {registry.basis}"))
    hosted = [sz for sz in sizings if sz.deployment != "api"]
    if st.serving_disk_tier is not None:
        disk = _tier_price(ctx, st.serving_disk_tier, None, "GB-month")
        for sz in hosted:
            if sz.deployment != "cloud":
                continue
            instances = np.asarray(sz.instance_hours_per_day) / HOURS_PER_DAY  # time-averaged
            gb = instances * sz.artifact_gb / st.compression_ratio
            out.append(LineItem(KINDS["serving disks"], "serving disks", sz.name, num(stored_cost_per_day(gb, disk.value)),
                                num(gb), "GB held", disk.basis))
    onprem = [sz for sz in hosted if sz.deployment == "on_prem"]
    if onprem:
        total = sum(num(sz.instances) * sz.artifact_gb / st.compression_ratio for sz in onprem)
        media = st.on_prem_media
        if media is None:
            cost = ctx.unpriced("on-premises model copies (disks)", "storage.on_prem_media is not given "
                                "(capacity_gb, price, life_years of the disks)")
            note = "give storage.on_prem_media"
        else:
            cost = num(media_cost_per_day(total, media.capacity_gb, media.price, media.life_years))
            note = f"{fmt(media.capacity_gb, ',.0f')} GB media at {fmt(media.price, ',.0f')} {cur}, {fmt(media.life_years, 'g')} years"
        out.append(LineItem(KINDS["on-premises media"], "on-premises media", "", cost, total, "GB held", note))
    if st.transfer_tier is not None or st.transfer_price_per_gb is not None:
        transfer = _tier_price(ctx, st.transfer_tier, st.transfer_price_per_gb, "GB")
        for sz in hosted:
            copies = num(sz.instances)
            gb = sz.artifact_gb * st.deployments_per_month * copies
            out.append(LineItem(KINDS["distribution transfer"], "distribution transfer", sz.name,
                                num(transfer_cost_per_day(sz.artifact_gb, st.deployments_per_month, copies, transfer.value)),
                                num(per_month_to_per_day(gb)), "GB/day", transfer.basis))
    return out
