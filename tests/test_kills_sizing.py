"""Mutation kills for tco.sizing (tools/mutation.py): the hosted-API bill with a batchable share, by hand.

gpt-4o-mini in data/catalog/api_prices.csv (LiteLLM prices, as_of 2026-11-20), USD per million
tokens: standard input 0.15, output 0.6; Batch tier input 0.075, output 0.3; no long-context tier.
"""

from types import SimpleNamespace as NS

import pytest

from tco import load_catalog, load_scenario
from tco.context import Context
from tco.sizing import api_cost

from conftest import scenario_path


def _ctx():
    catalog = load_catalog()
    return Context(load_scenario(scenario_path("deepseek-v3-b200-vs-api"), catalog), catalog)  # currency USD


def test_api_cost_half_batchable_by_hand():
    # per request: 1,000 input and 100 output tokens
    #   standard: (1,000 x 0.15 + 100 x 0.6) / 1e6 = (150 + 60) / 1e6 = 2.1e-4 USD
    #   batch:    (1,000 x 0.075 + 100 x 0.3) / 1e6 = (75 + 30) / 1e6 = 1.05e-4 USD
    # half of 1,000 requests/day batchable: 500 x 2.1e-4 + 500 x 1.05e-4 = 0.105 + 0.0525 = 0.1575 USD/day
    serving = NS(api_tier="standard", batchable_share=0.5, cached_prompt_share=0.0, cache_write_share=0.0)
    cost, note = api_cost(_ctx(), serving, "gpt-4o-mini", 1000.0, 1000.0, 100.0)
    assert cost == pytest.approx(0.1575, rel=1e-12)
    assert note == "50% of requests at the batch price"


def test_api_cost_standard_only_has_no_note():
    # nothing batchable: 1,000 x 2.1e-4 = 0.21 USD/day, plain standard pricing has an empty note
    serving = NS(api_tier="standard", batchable_share=0.0, cached_prompt_share=0.0, cache_write_share=0.0)
    cost, note = api_cost(_ctx(), serving, "gpt-4o-mini", 1000.0, 1000.0, 100.0)
    assert cost == pytest.approx(0.21, rel=1e-12)
    assert note == ""
