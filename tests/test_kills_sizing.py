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


def test_training_compute_with_attention_by_hand():
    from tco.sizing import training_compute

    # N = 1e9 active non-embedding parameters, D = 1,000 tokens, full training (c = 6):
    #   c N D = 6 x 1e9 x 1,000 = 6e12 FLOP
    # attention: width = 4 heads x 8 = 32; each token attends over half of 2,048 = 1,024 tokens:
    #   4 x L x width x context = 4 x 2 x 32 x 1,024 = 262,144 FLOP per token (forward)
    #   x c/2 = 3 (forward and backward) x 1,000 tokens = 786,432,000 FLOP
    # total 6e12 + 7.86432e8 = 6,000,786,432,000 FLOP
    model = NS(flop_parameters=1e9, layers=2, attention_heads=4, head_dim=8, hidden_size=None)
    assert training_compute(model, 1000.0, "full", 2048) == pytest.approx(6e12 + 786_432_000, rel=1e-15)
    # LoRA (c = 4): 4e12 + 2 x 262,144 x 1,000 = 4e12 + 524,288,000; head size from hidden_size / heads
    # when no head_dim is given (32 / 4 = 8: the same width)
    lora = NS(flop_parameters=1e9, layers=2, attention_heads=4, head_dim=None, hidden_size=32)
    assert training_compute(lora, 1000.0, "lora", 2048) == pytest.approx(4e12 + 524_288_000, rel=1e-15)
    # no sequence length: c N D only
    assert training_compute(model, 1000.0, "full") == pytest.approx(6e12, rel=1e-15)
