"""Mutation kills for tco.pricing (tools/mutation.py): the long-context multiples default to 1."""

import pytest

from tco.pricing import api_tiered_cost_per_day


def test_a_threshold_without_multiples_bills_long_prompts_at_the_normal_price():
    # 1,000 requests of 2,000 input and 100 output tokens at 1 (input) and 4 (output) per Mtok, no cache,
    # no batch; a threshold of 1,000 tokens is given but no multiple, so the multiples are 1:
    #   1000 / 1e6 x (2000 x 1 + 100 x 4) = 0.001 x 2400 = 2.4 per day
    # (an input multiple of 2 would give 0.001 x (4000 + 400) = 4.4; an output multiple of 2, 2.8)
    cost = api_tiered_cost_per_day(1000, 2000, 100, 0.0, 0.0, 0.0,
                                   1.0, 0.5, 1.25, 4.0, 0.5, 0.25, 0.625, 2.0,
                                   long_context_threshold_tokens=1000)
    assert cost == pytest.approx(2.4, rel=1e-12)
