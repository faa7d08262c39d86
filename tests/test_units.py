"""Unit analysis of every formula with pint (tco.dimensional): a unit error in the library fails here.

Each formula is run twice: on plain numbers, and on pint quantities carrying the units its
docstring documents, with the conversion constants carrying theirs (365/12 day/month...). The
dimension that comes out must be the documented one, and its magnitude in the documented unit
must equal the plain result.
"""

import numpy as np
import pytest

from tco import dimensional, units
from tco.units import DAYS_PER_YEAR, vectorised

CHECKED = [f for f in dimensional.formula_functions() if f.__name__ not in dimensional.EXEMPT]


@pytest.mark.parametrize("func", CHECKED, ids=lambda f: f.__name__)
def test_formula_gives_its_documented_unit(func):
    result = dimensional.check(func)
    assert result.dimension_ok, f"{func.__name__} gives {result.unit_out}, documented [{result.unit_documented}]"
    assert result.magnitude_ok, (f"{func.__name__}: {result.magnitude_dimensioned} in "
                                 f"[{result.unit_documented}] but {result.magnitude_plain} on plain numbers")


def test_every_cost_formula_gives_money_per_time():
    costs = [f for f in CHECKED if dimensional.documented_units(f)[1].split("/")[0] in ("currency", "x")]
    assert len(costs) >= 12
    q = dimensional.registry().Quantity
    for func in costs:
        result = dimensional.check(func)
        assert result.dimension_out == str(q(1, "currency / day").dimensionality), func.__name__


def test_every_formula_is_checked_or_exempt_with_a_reason():
    names = {f.__name__ for f in dimensional.formula_functions()}
    assert set(dimensional.EXEMPT) <= names
    assert len(names) >= 35
    assert all(len(reason) > 20 for reason in dimensional.EXEMPT.values())


def test_exempt_queueing_inputs_combine_to_a_dimensionless_offered_load():
    q = dimensional.registry().Quantity
    offered = q(50.0, "request / second") * q(80.0, "millisecond")  # A = λ·s
    assert offered.dimensionless and offered.to("erlang").magnitude == pytest.approx(4.0)


@pytest.mark.parametrize("name,unit", sorted(units.CONSTANT_UNITS.items()))
def test_each_conversion_constant_is_exactly_one(name, unit):
    q = dimensional.registry().Quantity
    assert q(getattr(units, name), unit).to("").magnitude == pytest.approx(1.0, rel=1e-12)


# --- the checker must be able to fail ---------------------------------------------------------

@vectorised
def _monthly_price_spread_over_a_year(stored_gb, price_per_gb_month):
    """A storage cost with the wrong period (a unit error the check must catch).

    Parameters
    ----------
    stored_gb : array_like
        [GB]
    price_per_gb_month : array_like
        [currency/GB-month]

    Returns
    -------
    float
        [currency/day]
    """
    return np.multiply(stored_gb, price_per_gb_month) / DAYS_PER_YEAR


@vectorised
def _hourly_price_without_hours(instances, price_per_hour):
    """A compute cost that forgets the 24 hours of a day.

    Parameters
    ----------
    instances : array_like
        [1]
    price_per_hour : array_like
        [currency/h]

    Returns
    -------
    float
        [currency/day]
    """
    return np.multiply(instances, price_per_hour)


@vectorised
def _bandwidth_in_gb_used_as_bytes(memory_bytes, memory_bandwidth):
    """A memory time that forgets GB/s -> bytes/s (a factor of 10^9, same dimension).

    Parameters
    ----------
    memory_bytes : array_like
        [bytes]
    memory_bandwidth : array_like
        [GB/s]

    Returns
    -------
    float
        [s]
    """
    return np.divide(memory_bytes, memory_bandwidth)


def test_check_catches_a_month_read_as_a_year():
    result = dimensional.check(_monthly_price_spread_over_a_year)
    assert result.dimension_ok and not result.magnitude_ok  # money per time, but 365/30.42 = 12x too small
    assert result.magnitude_plain / result.magnitude_dimensioned == pytest.approx(1 / 12)


def test_check_catches_a_missing_time_unit():
    result = dimensional.check(_hourly_price_without_hours)
    assert not result.ok and result.dimension_out == "[currency] / [time]"  # per hour, not per day...
    assert str(result.unit_out) == "currency / hour"
    # ... the dimension is the same, so it is the magnitude check (24x) that fails it
    assert not result.magnitude_ok


def test_check_catches_a_scale_factor_inside_one_dimension():
    result = dimensional.check(_bandwidth_in_gb_used_as_bytes)
    assert result.dimension_ok and not result.magnitude_ok
    assert result.magnitude_plain / result.magnitude_dimensioned == pytest.approx(1e9)


def test_a_wrong_dimension_fails():
    def fake(stored_gb, price_per_gb_month):
        """Money per GB, documented per day.

        Parameters
        ----------
        stored_gb : array_like
            [GB]
        price_per_gb_month : array_like
            [currency/GB-month]

        Returns
        -------
        float
            [currency/day]
        """
        return np.divide(price_per_gb_month, stored_gb)

    result = dimensional.check(fake)
    assert not result.dimension_ok and not result.ok


def test_undocumented_parameter_is_reported():
    def fake(a, b):
        """Parameters
        ----------
        a : float
            [GB]
        b : float
            no unit here

        Returns
        -------
        float
            [GB]
        """
        return a

    with pytest.raises(ValueError, match="no documented \\[unit\\] for b"):
        dimensional.check(fake)
