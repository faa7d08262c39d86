"""Price of an accelerator-hour and of hosted-API traffic (DESIGN 3.4). Vectorised."""

from __future__ import annotations

from .units import vectorised

import numpy as np

from .units import DAYS_PER_MONTH, DAYS_PER_YEAR, HOURS_PER_DAY, HOURS_PER_YEAR, TOKENS_PER_MTOKEN


@vectorised
def onprem_accelerator_hour_cost(capex_per_accelerator, useful_life_years, power_kw, pue,
                                 electricity_price_per_kwh, load_factor, maintenance_rate,
                                 hosting_per_hour=0.0):
    r"""All-in cost of owning one accelerator for one hour.

    Parameters
    ----------
    capex_per_accelerator : array_like
        Server price divided by its accelerators. [currency]
    useful_life_years : array_like
        Depreciation period, straight line. [years]
    power_kw : array_like
        Rated power of one accelerator with its share of the server. [kW]
    pue : array_like
        Power usage effectiveness of the data centre. [1]
    electricity_price_per_kwh : array_like
        [currency/kWh]
    load_factor : array_like
        Average draw as a share of rated power. [1]
    maintenance_rate : array_like
        Support and repairs per year as a share of capex. [1/year]
    hosting_per_hour : array_like, default 0
        Space, racks and network per accelerator. [currency/h]

    Returns
    -------
    numpy.ndarray or float
        [currency/accelerator-hour]

    Notes
    -----
    .. math:: c_h = \frac{capex}{life \cdot 8760} + P_{kW} \cdot PUE \cdot p_{kWh} \cdot LF
        + \frac{m \cdot capex}{8760} + hosting

    Examples
    --------
    A DGX H100 at 270,000 USD (33,750 per GPU), 5 years, 1.05 kW per GPU, PUE 1.56,
    0.088 USD/kWh, load 0.6, 20 %/year support:

    >>> round(onprem_accelerator_hour_cost(33750, 5, 1.05, 1.56, 0.088, 0.6, 0.2), 4)
    1.6276
    """
    depreciation = np.divide(capex_per_accelerator, np.multiply(useful_life_years, HOURS_PER_YEAR))
    energy = np.multiply(np.multiply(np.multiply(power_kw, pue), electricity_price_per_kwh), load_factor)
    maintenance = np.divide(np.multiply(maintenance_rate, capex_per_accelerator), HOURS_PER_YEAR)
    return np.add(np.add(np.add(depreciation, energy), maintenance), hosting_per_hour) * 1.0


@vectorised
def fleet_cost_per_day(instances, price_per_instance_hour):
    r"""Daily cost of instances that run all day, billed per instance-hour.

    Parameters
    ----------
    instances : array_like
        Instances running around the clock, n. [instances]
    price_per_instance_hour : array_like
        [currency/instance-hour]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: C = n \cdot 24 \cdot p_{h}

    References
    ----------
    Amazon EC2 On-Demand pricing (https://aws.amazon.com/ec2/pricing/on-demand/): an instance is
    billed for the time it runs at its hourly price, 24 hours a day when it never stops.

    Examples
    --------
    Three c7i.xlarge at 0.1785 USD/h:

    >>> round(fleet_cost_per_day(3, 0.1785), 4)
    12.852
    """
    return np.multiply(np.multiply(instances, HOURS_PER_DAY), price_per_instance_hour) * 1.0


@vectorised
def api_cost_per_day(requests_per_day, input_tokens_per_request, output_tokens_per_request,
                     input_price_per_mtok, output_price_per_mtok):
    r"""Daily bill of a hosted model API.

    Parameters
    ----------
    requests_per_day : array_like
        Requests sent to the API. [requests/day]
    input_tokens_per_request, output_tokens_per_request : array_like
        [tokens]
    input_price_per_mtok, output_price_per_mtok : array_like
        Prices per million tokens. [currency/Mtoken]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: C_{api} = Q_m \frac{t_{in} p_{in} + t_{out} p_{out}}{10^6}

    Examples
    --------
    One million rewrites a day of 60 input and 30 output tokens at 0.15 / 0.60 USD per Mtok:

    >>> api_cost_per_day(1e6, 60, 30, 0.15, 0.60)
    27.0
    """
    per_request = np.add(np.multiply(input_tokens_per_request, input_price_per_mtok),
                         np.multiply(output_tokens_per_request, output_price_per_mtok))
    return np.divide(np.multiply(requests_per_day, per_request), TOKENS_PER_MTOKEN)


@vectorised
def stored_cost_per_day(stored_gb, price_per_gb_month):
    r"""Daily cost of keeping ``stored_gb`` in a tier priced per GB-month.

    Parameters
    ----------
    stored_gb : array_like
        Volume held. [GB]
    price_per_gb_month : array_like
        [currency/GB-month]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: C = \frac{V \cdot p}{365/12}

    Examples
    --------
    >>> round(stored_cost_per_day(1000, 0.023), 6)
    0.756164
    """
    return np.multiply(stored_gb, price_per_gb_month) / DAYS_PER_MONTH


@vectorised
def per_month_to_per_day(amount_per_month):
    r"""A monthly amount spread per day.

    Parameters
    ----------
    amount_per_month : array_like
        [x/month]

    Returns
    -------
    numpy.ndarray or float
        [x/day]

    Notes
    -----
    .. math:: a_{day} = \frac{a_{month}}{365/12}

    Examples
    --------
    >>> round(per_month_to_per_day(365), 6)
    12.0
    """
    return np.divide(amount_per_month, DAYS_PER_MONTH)


@vectorised
def per_year_to_per_day(amount_per_year):
    r"""A yearly amount spread per day.

    Parameters
    ----------
    amount_per_year : array_like
        [x/year]

    Returns
    -------
    numpy.ndarray or float
        [x/day]

    Notes
    -----
    .. math:: a_{day} = \frac{a_{year}}{365}

    Examples
    --------
    >>> per_year_to_per_day(730.0)
    2.0
    """
    return np.divide(amount_per_year, DAYS_PER_YEAR)
