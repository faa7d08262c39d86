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

HOURS_PER_DAY = 24.0
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = HOURS_PER_DAY * SECONDS_PER_HOUR
DAYS_PER_YEAR = 365.0
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0
HOURS_PER_YEAR = DAYS_PER_YEAR * HOURS_PER_DAY  # 8760
BYTES_PER_GB = 1e9
TERA = 1e12

#: Bytes per stored value for each numeric precision a model can be served in.
BYTES_PER_VALUE: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
}

#: The accelerator catalog column that holds the dense peak for each precision.
PEAK_COLUMN: dict[str, str] = {
    "fp32": "fp32_tflops",
    "bf16": "bf16_tflops",
    "fp16": "fp16_tflops",
    "fp8": "fp8_tflops",
    "int8": "int8_tops",
    "int4": "int4_tops",
}

PRECISIONS = tuple(BYTES_PER_VALUE)


def scalar_or_array(value):
    """Return a Python float for a 0-d result and an ndarray otherwise ("scalar in, scalar out").

    >>> import numpy as np
    >>> scalar_or_array(np.float64(2.5)), scalar_or_array(np.array([1, 2]))
    (2.5, array([1., 2.]))
    """
    import numpy as np

    arr = np.asarray(value, dtype=float)
    return float(arr) if arr.ndim == 0 else arr


def vectorised(func):
    """Decorator for formula functions: numpy broadcasting inside, scalar in gives a float out."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return scalar_or_array(func(*args, **kwargs))

    return wrapper
