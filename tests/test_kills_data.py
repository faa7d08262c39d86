"""Mutation kills for tco.dimensions.data (tools/mutation.py): the defaults of the data formulas."""

import pytest

from tco.dimensions.data import labelling_cost_per_day, retained_gb


def test_labelling_without_relabelling_by_default():
    # 10,000 labels a day at 0.07 each, no relabel rate given (default 0): 10,000 x 0.07 x (1 + 0) = 700
    assert labelling_cost_per_day(10000, 0.07) == pytest.approx(700.0, rel=1e-12)


def test_retention_of_one_copy_by_default():
    # 500 GB a day kept 30 days, no replication given (default 1 copy): 500 x 30 x 1 = 15,000 GB
    assert retained_gb(500, 30) == pytest.approx(15000.0, rel=1e-12)
