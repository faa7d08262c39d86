"""The explorer's hosted-API controls (tier, cached prompt share, batchable share), checked against
the bill worked out by hand from the catalog's gpt-4o-mini row (data/catalog/api_prices.csv,
LiteLLM price map of 2026-11-20: standard 0.15 / cached 0.075 / output 0.60 USD per M tokens;
batch 0.075 / output 0.30; no cached price in the batch tier, so cached batch input is billed at
the batch input price)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tco.catalog import load_catalog
from tco.engine import evaluate
from tco.explorer import Explorer
from tco.scenario import parse_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "llm-query-rewrite.yaml"

# llm-query-rewrite: 50 M searches/day, 30% answered from the cache, 15% of the rest reach the LLM
REQUESTS = 5.0e7 * (1 - 0.3) * 0.15  # = 5,250,000 requests/day
IN_TOKENS, OUT_TOKENS = 40, 30


def hosted_line(ex) -> float:
    items = ex.report.items
    return float(items[(items.dimension == "compute") & (items.item == "hosted API")].cost_per_day.sum())


@pytest.fixture
def ex():
    return Explorer(SCENARIO)


def test_the_tier_list_is_the_chosen_apis_own(ex):
    c = ex.model_controls[0]
    # self-hosted on L40S with qwen-plus as the alternative: qwen-plus has only the standard tier
    assert c["api_tier"].options == ("standard",) and not c["api_tier"].disabled
    assert c["batchable_share"].disabled  # no batch tier to bill it at
    c["serving"].value = ("api", "gpt-4o-mini")
    assert c["api_tier"].options == ("standard", "batch", "priority")
    assert not c["batchable_share"].disabled
    c["api_tier"].value = "batch"
    assert c["batchable_share"].disabled  # every request already goes through the batch interface


def test_batch_tier_by_hand(ex):
    c = ex.model_controls[0]
    c["serving"].value = ("api", "gpt-4o-mini")
    c["api_tier"].value = "batch"
    assert ex.scenario_data()["models"][0]["serving"]["api_tier"] == "batch"
    # 5,250,000 x (40 x 0.075 + 30 x 0.30) / 1e6 = 5.25 x 12 = 63 USD/day
    usd = REQUESTS * (IN_TOKENS * 0.075 + OUT_TOKENS * 0.30) / 1e6
    assert usd == pytest.approx(63.0)
    assert hosted_line(ex) == pytest.approx(usd * load_catalog().fx_rate("USD", "CNY"), rel=1e-9)


def test_cached_and_batchable_shares_by_hand(ex):
    c = ex.model_controls[0]
    c["serving"].value = ("api", "gpt-4o-mini")
    c["cached_prompt_share"].value = 0.4
    c["batchable_share"].value = 0.5
    serving = ex.scenario_data()["models"][0]["serving"]
    assert (serving["cached_prompt_share"], serving["batchable_share"]) == (0.4, 0.5)
    # online half:  40 x (0.6 x 0.15 + 0.4 x 0.075) + 30 x 0.60 = 4.8 + 18 = 22.8 USD per M requests
    # batch half:   40 x (0.6 x 0.075 + 0.4 x 0.075) + 30 x 0.30 = 3 + 9  = 12.0 (cached at batch input)
    # mean 17.4 USD per M requests x 5.25 M requests = 91.35 USD/day
    usd = REQUESTS * (0.5 * (IN_TOKENS * (0.6 * 0.15 + 0.4 * 0.075) + OUT_TOKENS * 0.60)
                      + 0.5 * (IN_TOKENS * 0.075 + OUT_TOKENS * 0.30)) / 1e6
    assert usd == pytest.approx(91.35)
    assert hosted_line(ex) == pytest.approx(usd * load_catalog().fx_rate("USD", "CNY"), rel=1e-9)


def test_untouched_controls_leave_the_file_as_written(ex):
    """Not moving the API controls writes nothing: the scenario saved is the file's."""
    serving = ex.scenario_data()["models"][0]["serving"]
    assert not {"api_tier", "cached_prompt_share", "batchable_share"} & set(serving)


def test_the_controls_price_the_api_alternative(ex):
    """For a self-hosted model the controls price its api_alternative (qwen-plus, 0.8 / 2 CNY per M
    tokens and no cached price, so cached input stays at the input price): the hosted bill in the
    comparison is 5.25 M x (40 x 0.8 + 30 x 2) / 1e6 = 483 CNY/day whatever the cached share."""
    def api_per_day():
        return float(evaluate(parse_scenario(ex.scenario_data())).alternatives.iloc[0]["api_per_day"])

    assert REQUESTS * (IN_TOKENS * 0.8 + OUT_TOKENS * 2) / 1e6 == pytest.approx(483.0)
    assert api_per_day() == pytest.approx(483.0)
    ex.model_controls[0]["cached_prompt_share"].value = 0.5
    assert ex.scenario_data()["models"][0]["serving"]["cached_prompt_share"] == 0.5
    assert api_per_day() == pytest.approx(483.0)
