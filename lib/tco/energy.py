"""Energy and carbon of a fleet: power at the modelled utilisation, kWh and tCO2e per day. Vectorised.

The power of one accelerator with its share of the server follows the linear utilisation model
of data-centre servers: an idle floor plus a dynamic share proportional to the utilisation
(Fan, Weber and Barroso 2007). The same function gives the electricity line of the on-premises
cost (:func:`tco.sizing.accelerator_draw_kw`) and the energy estimate (:mod:`tco.footprint`), so
the two agree to the kWh. Because power is linear in utilisation, the mean utilisation of the
accelerator-hours paid for gives the exact daily energy of a fleet whose utilisation varies hour
by hour.
"""

from __future__ import annotations

import numpy as np

from .units import GRAMS_PER_TONNE, REQUESTS_PER_THOUSAND, vectorised


@vectorised
def accelerator_power_kw(rated_power_kw, idle_power_fraction, utilisation, host_overhead=1.0):
    r"""Average electrical draw of one accelerator with its share of the server, before the PUE.

    Parameters
    ----------
    rated_power_kw : array_like
        Rated power of one accelerator: its TDP, or a catalog server's rated power divided by its
        accelerators (which already includes the host). [kW]
    idle_power_fraction : array_like
        Draw of an idle accelerator (model loaded, no request) as a share of its rated power. [1]
    utilisation : array_like
        Share of its capacity the accelerator is busy, 0-1. [1]
    host_overhead : array_like, default 1
        Server wall power over the accelerators' rated power (CPUs, memory, fans, NICs); 1 when
        ``rated_power_kw`` is already a server's share. [1]

    Returns
    -------
    numpy.ndarray or float
        [kW]

    Notes
    -----
    .. math:: P = h \cdot P_{rated} \cdot \left(f_{idle} + (1 - f_{idle})\, u\right)
        = h \left(P_{idle} + (P_{rated} - P_{idle})\, u\right)

    References
    ----------
    X. Fan, W.-D. Weber and L. A. Barroso, "Power provisioning for a warehouse-sized computer",
    ISCA 2007 (https://doi.org/10.1145/1250662.1250665): server power modelled as idle power plus
    a part linear in utilisation.

    Examples
    --------
    An H100 SXM (0.7 kW), idle at 20 % of it, 50 % busy, host overhead 1.5:
    1.5 x 0.7 x (0.2 + 0.8 x 0.5) = 0.63 kW.

    >>> round(accelerator_power_kw(0.7, 0.2, 0.5, 1.5), 6)
    0.63
    """
    share = np.add(idle_power_fraction, np.multiply(np.subtract(1.0, idle_power_fraction), utilisation))
    return np.multiply(np.multiply(host_overhead, rated_power_kw), share) * 1.0


@vectorised
def energy_kwh_per_day(accelerator_hours_per_day, power_kw, pue):
    r"""Electricity a fleet takes from the grid in a day, cooling and power distribution included.

    Parameters
    ----------
    accelerator_hours_per_day : array_like
        Accelerator-hours run per day (the fleet's accelerators x 24, or the sum over the hours of
        an autoscaled fleet). [accelerator-hour/day]
    power_kw : array_like
        Average draw of one accelerator with its share of the server
        (:func:`accelerator_power_kw`). [kW/accelerator]
    pue : array_like
        Power usage effectiveness of the data centre: facility power / IT power. [1]

    Returns
    -------
    numpy.ndarray or float
        [kWh/day]

    Notes
    -----
    .. math:: E = H_{acc} \cdot P \cdot PUE

    References
    ----------
    The Green Grid, "PUE: a comprehensive examination of the metric", White Paper 49 (2012):
    PUE = total facility energy / IT equipment energy, so facility energy = IT energy x PUE.

    Examples
    --------
    8 accelerators all day (192 accelerator-hours) at 0.63 kW, PUE 1.56:

    >>> round(energy_kwh_per_day(192, 0.63, 1.56), 4)
    188.6976
    """
    return np.multiply(np.multiply(accelerator_hours_per_day, power_kw), pue) * 1.0


@vectorised
def emissions_tco2e_per_day(kwh_per_day, grid_gco2e_per_kwh):
    r"""Greenhouse gases emitted for the electricity of a day (location-based Scope 2).

    Parameters
    ----------
    kwh_per_day : array_like
        Electricity taken from the grid. [kWh/day]
    grid_gco2e_per_kwh : array_like
        Emission factor of the grid (``data/catalog/grid_intensity.csv``). [gCO2e/kWh]

    Returns
    -------
    numpy.ndarray or float
        [tCO2e/day]

    Notes
    -----
    .. math:: M = \frac{E \cdot g}{10^6}

    References
    ----------
    GHG Protocol Scope 2 Guidance (World Resources Institute, 2015,
    https://ghgprotocol.org/scope-2-guidance): location-based emissions = electricity consumed x
    the average emission factor of the grid where it is consumed.

    Examples
    --------
    188.6976 kWh a day on a grid of 536.6 g/kWh (China 2022):

    >>> round(emissions_tco2e_per_day(188.6976, 536.6), 6)
    0.101255
    """
    return np.divide(np.multiply(kwh_per_day, grid_gco2e_per_kwh), GRAMS_PER_TONNE)


@vectorised
def kwh_per_1k_requests(kwh_per_day, requests_per_day):
    r"""Electricity per 1,000 requests.

    Parameters
    ----------
    kwh_per_day : array_like
        [kWh/day]
    requests_per_day : array_like
        Requests the deployment answers in a day. [request/day]

    Returns
    -------
    numpy.ndarray or float
        [kWh/krequest]

    Notes
    -----
    .. math:: e_{1k} = 1000 \cdot \frac{E}{Q}

    References
    ----------
    A ratio; the per-1,000-requests basis is the workbook's own (its cost per 1,000 requests).

    Examples
    --------
    >>> kwh_per_1k_requests(188.6976, 4e6)
    0.0471744
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.multiply(np.divide(kwh_per_day, requests_per_day), REQUESTS_PER_THOUSAND)


@vectorised
def gco2e_per_1k_requests(kwh_per_1k_requests, grid_gco2e_per_kwh):
    r"""Greenhouse gases per 1,000 requests.

    Parameters
    ----------
    kwh_per_1k_requests : array_like
        [kWh/krequest]
    grid_gco2e_per_kwh : array_like
        [gCO2e/kWh]

    Returns
    -------
    numpy.ndarray or float
        [gCO2e/krequest]

    Notes
    -----
    .. math:: m_{1k} = e_{1k} \cdot g

    References
    ----------
    GHG Protocol Scope 2 Guidance (2015), location-based method, applied per 1,000 requests.

    Examples
    --------
    >>> round(gco2e_per_1k_requests(0.0471744, 536.6), 4)
    25.3138
    """
    return np.multiply(kwh_per_1k_requests, grid_gco2e_per_kwh) * 1.0
