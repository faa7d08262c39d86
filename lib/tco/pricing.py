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
def api_tiered_cost_per_day(requests_per_day, input_tokens_per_request, output_tokens_per_request,
                            cached_share, cache_write_share, batch_share,
                            input_price_per_mtok, cached_input_price_per_mtok, cache_write_price_per_mtok,
                            output_price_per_mtok, batch_input_price_per_mtok, batch_cached_input_price_per_mtok,
                            batch_cache_write_price_per_mtok, batch_output_price_per_mtok,
                            long_context_threshold_tokens=np.inf, long_input_price_factor=1.0,
                            long_output_price_factor=1.0):
    r"""Daily bill of a hosted model API with prompt caching, a batch share and long-context pricing.

    The requests not sent in batch are billed at the chosen tier's prices (standard, priority or
    flex), the batchable share at the batch tier's. Of each request's input tokens, a share is read
    from the provider's prompt cache (cached price), a share is written to it (cache-write price, the
    input price where writing is not charged extra) and the rest is billed as plain input. A request
    whose input exceeds the long-context threshold is billed at the long-context multiples of every
    price (input, cached and cache-write at the input multiple, output at the output multiple).

    Parameters
    ----------
    requests_per_day : array_like
        Requests sent to the API, Q. [requests/day]
    input_tokens_per_request : array_like
        Prompt tokens of one request, t_in. [tokens]
    output_tokens_per_request : array_like
        Generated tokens of one request, t_out. [tokens]
    cached_share : array_like
        Share of input tokens read from the prompt cache, c. [1]
    cache_write_share : array_like
        Share of input tokens written to the prompt cache, w (c + w <= 1). [1]
    batch_share : array_like
        Share of requests sent through the batch interface, b. [1]
    input_price_per_mtok, cached_input_price_per_mtok, cache_write_price_per_mtok, output_price_per_mtok : array_like
        Prices of the chosen tier per million tokens. [currency/Mtoken]
    batch_input_price_per_mtok, batch_cached_input_price_per_mtok, batch_cache_write_price_per_mtok, batch_output_price_per_mtok : array_like
        Prices of the batch tier per million tokens (any finite value when b = 0). [currency/Mtoken]
    long_context_threshold_tokens : array_like, default inf
        Input tokens above which a request is billed at long-context prices, T (inf: no such
        pricing). [tokens]
    long_input_price_factor, long_output_price_factor : array_like, default 1
        Long-context price over the normal price, for input and for output tokens. [1]

    Returns
    -------
    numpy.ndarray or float
        [currency/day]

    Notes
    -----
    .. math:: r(p_{in}, p_{c}, p_{w}) = (1 - c - w)\,p_{in} + c\,p_{c} + w\,p_{w}

    .. math:: k_{in} = f_{in}^{[t_{in} > T]}, \quad k_{out} = f_{out}^{[t_{in} > T]}

    .. math:: C_{api} = \frac{Q}{10^6}\left[(1 - b)\left(t_{in} k_{in} r(p_{in}, p_{c}, p_{w}) + t_{out} k_{out} p_{out}\right)
        + b\left(t_{in} k_{in} r(p^{B}_{in}, p^{B}_{c}, p^{B}_{w}) + t_{out} k_{out} p^{B}_{out}\right)\right]

    where :math:`[t_{in} > T]` is 1 when the prompt exceeds the threshold and 0 otherwise, and
    :math:`p^{B}` are the batch tier's prices.

    With c = w = b = 0 and no threshold this is :func:`api_cost_per_day`.

    References
    ----------
    The providers' price pages, which bill cache hits, cache writes, batch requests and prompts
    above a context threshold this way: OpenAI API pricing (https://developers.openai.com/api/docs/pricing:
    cached input, Batch, Flex and Priority tiers, prompts above 272k tokens of GPT-5.4 and later billed
    at 2x input and 1.5x output for the whole request); Anthropic pricing
    (https://platform.claude.com/docs/en/about-claude/pricing: cache writes at 1.25x and cache reads
    at 0.1x the input price, Message Batches at 50%); Gemini API pricing
    (https://ai.google.dev/gemini-api/docs/pricing: context caching, Batch at 50%, prompts above
    200k tokens priced higher); DeepSeek API pricing (https://api-docs.deepseek.com/quick_start/pricing:
    cache-hit and cache-miss input).

    Examples
    --------
    One million requests a day of 1,000 input and 100 output tokens at 0.25 / 0.025 (cached) /
    2.00 USD per Mtok, batch at half price, 60% of the prompt cached and 20% of the requests batched:

    >>> round(api_tiered_cost_per_day(1e6, 1000, 100, 0.6, 0.0, 0.2, 0.25, 0.025, 0.25, 2.0,
    ...                               0.125, 0.0125, 0.125, 1.0), 6)
    283.5

    A thousand 250,000-token prompts with 1,000 output tokens at 1.25 / 10 USD per Mtok, doubled
    for input and x1.5 for output above 200,000 tokens: 1,000 x (0.625 + 0.015) = 640 USD:

    >>> round(api_tiered_cost_per_day(1000, 250_000, 1000, 0, 0, 0, 1.25, 1.25, 1.25, 10, 1.25, 1.25, 1.25, 10,
    ...                               200_000, 2.0, 1.5), 6)
    640.0
    """
    long = np.greater(input_tokens_per_request, long_context_threshold_tokens)
    k_in = np.add(1.0, np.multiply(long, np.subtract(long_input_price_factor, 1.0)))
    k_out = np.add(1.0, np.multiply(long, np.subtract(long_output_price_factor, 1.0)))
    plain = np.subtract(np.subtract(1.0, cached_share), cache_write_share)

    def per_request(p_in, p_cached, p_write, p_out):
        rate = np.add(np.add(np.multiply(plain, p_in), np.multiply(cached_share, p_cached)),
                      np.multiply(cache_write_share, p_write))
        return np.add(np.multiply(np.multiply(input_tokens_per_request, k_in), rate),
                      np.multiply(np.multiply(output_tokens_per_request, k_out), p_out))

    online = per_request(input_price_per_mtok, cached_input_price_per_mtok, cache_write_price_per_mtok,
                         output_price_per_mtok)
    batch = per_request(batch_input_price_per_mtok, batch_cached_input_price_per_mtok,
                        batch_cache_write_price_per_mtok, batch_output_price_per_mtok)
    mixed = np.add(np.multiply(np.subtract(1.0, batch_share), online), np.multiply(batch_share, batch))
    return np.divide(np.multiply(requests_per_day, mixed), TOKENS_PER_MTOKEN)


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
