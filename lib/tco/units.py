"""Time, size and precision conventions shared by every formula (DESIGN section 3).

The time base of the workbook is the **day**. A month is 365/12 days and a year 365 days, so
that ``per_month = per_day * DAYS_PER_MONTH`` holds exactly for every figure. Sizes are in
GB = 10**9 bytes.

>>> round(DAYS_PER_MONTH, 4)
30.4167
>>> BYTES_PER_VALUE["bf16"], BYTES_PER_VALUE["int4"]
(2.0, 0.5)
"""

from __future__ import annotations

import math

HOURS_PER_DAY = 24.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = HOURS_PER_DAY * SECONDS_PER_HOUR
DAYS_PER_YEAR = 365.0
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0
HOURS_PER_YEAR = DAYS_PER_YEAR * HOURS_PER_DAY  # 8760
BYTES_PER_GB = 1e9
TERA = 1e12
MS_PER_SECOND = 1000.0
TOKENS_PER_MTOKEN = 1e6
GRAMS_PER_TONNE = 1e6  # of CO2e
REQUESTS_PER_THOUSAND = 1000.0

#: The unit each conversion constant carries, so that it equals exactly 1 (used by
#: :mod:`tco.dimensional` to run the formulas on dimensioned inputs).
CONSTANT_UNITS: dict[str, str] = {
    "HOURS_PER_DAY": "hour / day",
    "SECONDS_PER_HOUR": "second / hour",
    "SECONDS_PER_DAY": "second / day",
    "DAYS_PER_YEAR": "day / year",
    "DAYS_PER_MONTH": "day / month",
    "HOURS_PER_YEAR": "hour / year",
    "BYTES_PER_GB": "byte / GB",
    "TERA": "FLOP / TFLOP",
    "MS_PER_SECOND": "millisecond / second",
    "TOKENS_PER_MTOKEN": "token / Mtoken",
    "GRAMS_PER_TONNE": "gCO2e / tCO2e",
    "REQUESTS_PER_THOUSAND": "request / krequest",
}

#: Bytes per stored value for each numeric precision a model can be served in.
BYTES_PER_VALUE: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
    # 4-bit floating point with block scales: NVFP4 stores one FP8 (E4M3) scale per 16 values,
    # 4.5 bits a value (NVIDIA, "Introducing NVFP4 for Efficient and Accurate Low-Precision
    # Inference", developer.nvidia.com blog, 2025-06-24); MXFP4 one 8-bit scale per 32 values, 4.25
    # bits (OCP Microscaling Formats (MX) Specification v1.0, 2023-09). The NVFP4 size is used.
    "fp4": 0.5625,
}

#: The accelerator catalog column that holds the dense peak for each precision.
PEAK_COLUMN: dict[str, str] = {
    "fp32": "fp32_tflops",
    "bf16": "bf16_tflops",
    "fp16": "fp16_tflops",
    "fp8": "fp8_tflops",
    "int8": "int8_tops",
    "int4": "int4_tops",
    "fp4": "fp4_tflops",
}

PRECISIONS = tuple(BYTES_PER_VALUE)


def scalar_or_array(value):
    """Return a Python float for a 0-d result and an ndarray otherwise ("scalar in, scalar out").

    A value that carries units (a pint Quantity, used by :mod:`tco.dimensional`) is returned as
    it is, so a unit check can follow one formula through another.

    >>> import numpy as np
    >>> scalar_or_array(np.float64(2.5)), scalar_or_array(np.array([1, 2]))
    (2.5, array([1., 2.]))
    """
    import numpy as np

    if hasattr(value, "units") and hasattr(value, "magnitude"):
        return value
    arr = np.asarray(value, dtype=float)
    return float(arr) if arr.ndim == 0 else arr


def fmt(value, spec: str = "g") -> str:
    """Format a figure for a note or message: the value, or 'low-high' for an array of samples.

    With the default ``"g"``, a figure that ``"g"`` would write with an exponent (from a million up,
    below 1e-4) is written in digits, as :func:`plain_number` writes it: a note is read, not parsed.

    >>> fmt(2.5, ",.1f"), fmt([3.0, 1.0, 2.0], "g"), fmt([4.0, 4.0])
    ('2.5', '1-3', '4')
    >>> fmt(1.2e6), fmt([2.5e-5, 3e6]), fmt(float("nan")), fmt(1.2e6, ".3g")
    ('1,200,000', '0.000025-3,000,000', 'nan', '1.2e+06')
    """
    import numpy as np

    def one(x: float) -> str:
        text = format(x, spec)
        return plain_number(x) if spec == "g" and "e" in text and math.isfinite(x) else text

    arr = np.asarray(value, dtype=float)
    if arr.size == 1:
        return one(float(arr.reshape(-1)[0]))
    low, high = float(np.nanmin(arr)), float(np.nanmax(arr))
    return one(low) if low == high else f"{one(low)}-{one(high)}"


def nonzero(value) -> bool:
    """Whether an optional input is set and not zero (for any sample, when it is an array)."""
    import numpy as np

    return value is not None and bool(np.any(np.asarray(value) != 0))


def per_hour(value):
    """Give a per-sample figure (shape (n,)) an hour axis to meet hourly arrays (n, 24); scalars pass."""
    import numpy as np

    return np.expand_dims(value, -1) if np.ndim(value) > 0 else value


def vectorised(func):
    """Decorator for formula functions: numpy broadcasting inside, scalar in gives a float out."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return scalar_or_array(func(*args, **kwargs))

    return wrapper


def plain_number(value) -> str:
    """A number as people write it in a table or a sentence: thousands separators, never an
    exponent, at most 6 significant digits; '' for a missing value.

    >>> plain_number(4e7), plain_number(0.7), plain_number(1234.5678), plain_number(2.5e-7), plain_number(float("nan"))
    ('40,000,000', '0.7', '1,234.57', '0.00000025', '')
    """
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return ""
    value = float(value)
    if value.is_integer():
        return f"{value:,.0f}"
    digits = math.floor(math.log10(abs(value))) + 1
    return f"{value:,.{max(0, 6 - digits)}f}".rstrip("0").rstrip(".")
