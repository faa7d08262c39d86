"""Hosted-API prices with their tiers (issue 17): the catalog's tier columns, the tiered API cost
(cached input, cache writes, batch share, priority/flex, long context) worked by hand, the
validation of tiers and shares, and ``tco catalog import-prices`` on a small LiteLLM-format map."""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT

from tco import load_scenario, pricing
from tco.catalog import CATALOG_DIR, Catalog, load_catalog
from tco.context import Context
from tco.errors import CatalogError, ScenarioError
from tco.price_import import catalog_row, import_prices
from tco.scenario import switched_serving
from tco.sizing import size_model

CATALOG = load_catalog()
FIXTURE = ROOT / "tests" / "data" / "litellm_prices_fixture.json"


def api_model(api: str, tokens_in: float = 1000, tokens_out: float = 100, **serving) -> dict:
    return {"name": "assistant", "kind": "generative", "parameters": 8e9, "items_per_request": 1,
            "input_tokens_per_item": tokens_in, "output_tokens": tokens_out,
            "serving": {"deployment": "api", "api_model": api, **serving}}


def spec(model: dict) -> dict:
    return {"name": "api", "currency": "USD", "traffic": {"requests_per_day": 1e6, "hourly_profile": "flat"},
            "models": [model]}


def api_cost(model: dict, rate: float = 100.0) -> float:
    """The daily API bill of the one model at ``rate`` requests/s all day."""
    sc = load_scenario(spec(model), CATALOG)
    sz = size_model(sc.models[0], 0, 1.0, np.full(24, rate), Context(sc, CATALOG))
    return float(sz.api_cost_per_day), sz.notes


# -- the catalog -------------------------------------------------------------------------------
def test_empty_tier_columns_mean_not_offered_never_zero():
    # deepseek-v3 (deepseek-chat) has no batch, priority or flex tier: empty cells, read as NaN
    row = CATALOG.row("api_prices", "deepseek-v3")
    assert all(math.isnan(row[c]) for c in ("batch_input_per_mtok", "priority_output_per_mtok", "flex_input_per_mtok",
                                            "long_context_threshold_tokens", "cache_write_per_mtok"))
    assert CATALOG.api_tiers("deepseek-v3") == ["standard"]
    assert CATALOG.api_tiers("gpt-5-mini") == ["standard", "batch", "priority", "flex"]
    assert CATALOG.api_tiers("claude-haiku-4-5") == ["standard", "batch"]


def test_refreshed_rows_are_sourced_dated_and_in_the_catalogs_units():
    api = CATALOG.api_prices
    fresh = api[api.source.str.startswith("LiteLLM model_prices_and_context_window.json")]
    assert len(fresh) >= 25
    assert set(fresh.provider) >= {"openai", "anthropic", "google", "deepseek", "alibaba", "bytedance", "zhipu",
                                   "moonshot"}
    assert set(map(str, fresh.as_of)) == {"2026-11-20"} and (fresh.source.str.contains("https://")).all()
    # OpenAI's page: gpt-5.5 at 5 / 0.50 / 30 USD per Mtok, Batch half, prompts above 272k at 10 / 45
    g = CATALOG.row("api_prices", "gpt-5.5")
    assert (g.input_per_mtok, g.cached_input_per_mtok, g.output_per_mtok) == (5, 0.5, 30)
    assert (g.batch_input_per_mtok, g.batch_output_per_mtok) == (2.5, 15)
    assert (g.long_context_threshold_tokens, g.long_input_per_mtok, g.long_output_per_mtok) == (272_000, 10, 45)
    # Anthropic: cache writes at 1.25x input (Haiku 4.5: 1.25 per Mtok), cache reads 0.1x
    h = CATALOG.row("api_prices", "claude-haiku-4-5")
    assert (h.input_per_mtok, h.cache_write_per_mtok, h.cached_input_per_mtok) == (1, 1.25, 0.1)


def test_a_half_given_tier_is_refused(tmp_path):
    for f in CATALOG_DIR.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "api_prices.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    for r in rows:
        if r["model"] == "deepseek-v3":
            r["batch_input_per_mtok"] = "0.14"  # no batch output price
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue())
    with pytest.raises(CatalogError, match="deepseek-v3: batch tier needs batch_input_per_mtok, batch_output_per_mtok"):
        Catalog(tmp_path)


# -- the tiered cost, by hand -------------------------------------------------------------------
def test_standard_tier_without_shares_is_the_plain_token_bill():
    # 8,640,000 requests x (1,000 x 0.25 + 100 x 2.00) / 10^6 = 8.64 x 450 = 3,888 USD/day
    cost, notes = api_cost(api_model("gpt-5-mini"))
    assert cost == pytest.approx(3888.0)
    assert not any("hosted API" in n for n in notes)


def test_cached_prompt_and_batchable_shares_by_hand():
    # gpt-5-mini: 0.25 input, 0.025 cached, 2.00 output; batch 0.125 / 0.0125 / 1.00 USD per Mtok.
    # online request: 1,000 x (0.4 x 0.25 + 0.6 x 0.025) + 100 x 2 = 115 + 200 = 315 USD per 10^6 requests
    # batch request:  1,000 x (0.4 x 0.125 + 0.6 x 0.0125) + 100 x 1 = 57.5 + 100 = 157.5
    # 8.64 M requests x (0.8 x 315 + 0.2 x 157.5) / 10^6 = 8.64 x 283.5 = 2,449.44 USD/day
    cost, notes = api_cost(api_model("gpt-5-mini", cached_prompt_share=0.6, batchable_share=0.2))
    assert cost == pytest.approx(2449.44)
    assert any("20% of requests at the batch price" in n and "60% of input tokens cached" in n for n in notes)


def test_cache_writes_in_the_batch_tier_by_hand():
    # claude-haiku-4-5 in the batch tier: input 0.5, cached 0.05, output 2.5; the cache-write price
    # 1.25 scales with the tier's input (0.5 / 1 = half): 0.625.
    # 1,000 x (0.4 x 0.5 + 0.5 x 0.05 + 0.1 x 0.625) + 100 x 2.5 = 287.5 + 250 = 537.5 per 10^6 requests
    # 8.64 M x 537.5 / 10^6 = 4,644 USD/day
    cost, _ = api_cost(api_model("claude-haiku-4-5", api_tier="batch", cached_prompt_share=0.5,
                                 cache_write_share=0.1))
    assert cost == pytest.approx(4644.0)


def test_priority_and_flex_tiers_by_hand():
    # gpt-5-mini priority: 1,000 x 0.45 + 100 x 3.6 = 810 per 10^6; flex: 1,000 x 0.125 + 100 x 1 = 225
    assert api_cost(api_model("gpt-5-mini", api_tier="priority"))[0] == pytest.approx(8.64 * 810)
    assert api_cost(api_model("gpt-5-mini", api_tier="flex"))[0] == pytest.approx(8.64 * 225)


def test_long_context_prompts_by_hand():
    # gemini-2.5-pro: 1.25 / 10 USD per Mtok, 2.5 / 15 above 200,000 input tokens (whole request).
    # 86,400 requests of 250,000 input and 1,000 output tokens: (250,000 x 2.5 + 1,000 x 15) / 10^6 = 0.64 each
    cost, notes = api_cost(api_model("gemini-2.5-pro", tokens_in=250_000, tokens_out=1000), rate=1.0)
    assert cost == pytest.approx(86_400 * 0.64)
    assert any("above 200,000 tokens at long-context prices (x2 input, x1.5 output)" in n for n in notes)
    # just under the threshold the normal prices hold: (199,000 x 1.25 + 1,000 x 10) / 10^6 = 0.25875
    below, _ = api_cost(api_model("gemini-2.5-pro", tokens_in=199_000, tokens_out=1000), rate=1.0)
    assert below == pytest.approx(86_400 * 0.25875)


def test_a_model_without_a_cached_price_bills_cached_tokens_as_input():
    # qwen-plus-intl has no cached price: 0.4 / 1.2 USD per Mtok whatever the cached share
    plain, _ = api_cost(api_model("qwen-plus-intl"))
    cached, notes = api_cost(api_model("qwen-plus-intl", cached_prompt_share=0.5))
    assert plain == cached == pytest.approx(8.64 * (1000 * 0.4 + 100 * 1.2))
    assert any("input price (no cached price in the catalog)" in n for n in notes)


def test_the_api_alternative_uses_the_same_tier_and_shares():
    model = {"name": "rewrite", "kind": "generative", "parameters": 8e9, "items_per_request": 1,
             "input_tokens_per_item": 1000, "output_tokens": 100, "api_alternative": "gpt-5-mini",
             "serving": {"deployment": "cloud", "instance": "g6.xlarge", "cached_prompt_share": 0.6,
                         "batchable_share": 0.2}}
    sc = load_scenario(spec(model), CATALOG)
    sz = size_model(sc.models[0], 0, 1.0, np.full(24, 100.0), Context(sc, CATALOG))
    assert float(sz.api_cost_per_day) == pytest.approx(2449.44)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.floats(0, 1e8), st.floats(0, 1e5), st.floats(0, 1e4), st.floats(0, 50), st.floats(0, 50), st.floats(0, 1),
       st.floats(0, 1))
def test_tiered_bill_reduces_to_the_plain_one_and_batch_at_half_price_saves(q, t_in, t_out, p_in, p_out, c, b):
    plain = pricing.api_cost_per_day(q, t_in, t_out, p_in, p_out)
    same = pricing.api_tiered_cost_per_day(q, t_in, t_out, 0, 0, 0, p_in, p_in, p_in, p_out, p_in, p_in, p_in, p_out)
    assert same == pytest.approx(plain, rel=1e-9, abs=1e-9)
    # caching at a tenth and batching at half never raise the bill; batching everything halves it
    cheaper = pricing.api_tiered_cost_per_day(q, t_in, t_out, c, 0, b, p_in, p_in / 10, p_in, p_out,
                                              p_in / 2, p_in / 20, p_in / 2, p_out / 2)
    assert cheaper <= plain * (1 + 1e-9) + 1e-9
    half = pricing.api_tiered_cost_per_day(q, t_in, t_out, 0, 0, 1, p_in, p_in, p_in, p_out,
                                           p_in / 2, p_in / 2, p_in / 2, p_out / 2)
    assert half == pytest.approx(plain / 2, rel=1e-9, abs=1e-9)


# -- validation -----------------------------------------------------------------------------------
def problems(model: dict) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(spec(model), CATALOG)
    return str(info.value)


def test_a_tier_the_model_does_not_offer_is_refused_naming_its_tiers():
    msg = problems(api_model("claude-haiku-4-5", api_tier="flex"))
    assert "models[0].serving.api_tier" in msg and "its tiers: standard, batch" in msg
    msg = problems(api_model("deepseek-v3", batchable_share=0.3))
    assert "models[0].serving.batchable_share" in msg and "its tiers: standard" in msg


@pytest.mark.parametrize("field, value", [("cached_prompt_share", 1.2), ("batchable_share", -0.1),
                                          ("cache_write_share", 2)])
def test_shares_are_fractions(field, value):
    assert f"models[0].serving.{field}" in problems(api_model("gpt-5-mini", **{field: value}))


def test_cached_and_written_shares_cannot_exceed_the_prompt():
    assert "exceed 1" in problems(api_model("claude-haiku-4-5", cached_prompt_share=0.7, cache_write_share=0.4))


def test_api_usage_on_a_self_hosted_model_without_an_alternative_is_refused():
    model = {"name": "ce", "kind": "encoder", "parameters": 3e8, "input_tokens_per_item": 128,
             "throughput_rps": 200, "throughput_source": "test",
             "serving": {"deployment": "cloud", "instance": "g6.xlarge", "batchable_share": 0.5}}
    assert "models[0].serving.batchable_share: batchable_share applies to a hosted API only" in problems(model)


def test_switching_to_the_api_keeps_how_the_api_is_used():
    current = {"deployment": "cloud", "instance": "g6.xlarge", "api_tier": "flex", "cached_prompt_share": 0.4}
    assert switched_serving(current, {"deployment": "api", "api_model": "gpt-5-mini"}) == {
        "api_tier": "flex", "cached_prompt_share": 0.4, "deployment": "api", "api_model": "gpt-5-mini"}


# -- tco catalog import-prices --------------------------------------------------------------------
@pytest.fixture
def catalog_copy(tmp_path) -> Path:
    """A copy of the catalog whose gpt-4o-mini row is the 2024 price without tiers."""
    folder = tmp_path / "catalog"
    folder.mkdir()
    for f in CATALOG_DIR.glob("*.csv"):
        shutil.copy(f, folder / f.name)
    path = folder / "api_prices.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    for r in rows:
        if r["model"] == "gpt-4o-mini":
            for c in r:
                if c.startswith(("batch_", "priority_")):
                    r[c] = ""
            r.update(output_per_mtok="0.9", as_of="2024-08-06", source="https://openai.com/api/pricing/")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue())
    return folder


def run(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib")}
    return subprocess.run([sys.executable, "-m", "tco", "catalog", "import-prices", *args], cwd=ROOT,
                          capture_output=True, text=True, env=env)


def test_import_adds_updates_and_skips_on_the_fixture(catalog_copy):
    before = (catalog_copy / "api_prices.csv").read_text()
    done = run(str(FIXTURE), "--catalog-dir", str(catalog_copy), "--as-of", "2026-11-20", "--models",
               "gpt-4o-mini,gemini/gemini-2.5-pro,claude-haiku-4-5,deepseek/deepseek-chat=deepseek-v3,"
               "dashscope/qwen-plus,dashscope/qwen3-max,text-embedding-3-small,zai/glm-example")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.splitlines()[0] == "api_prices.csv: added 1, updated 1, unchanged 3, skipped 3"
    assert "~ gpt-4o-mini: output_per_mtok 0.9 -> 0.6; batch_input_per_mtok empty -> 0.075" in out
    assert "+ glm-example: input 0.6, output 2.2 USD/Mtok" in out
    assert "- text-embedding-3-small: skipped, mode 'embedding' is not chat or completion" in out
    assert "- dashscope/qwen-plus: skipped, catalog row 'qwen-plus' is priced in CNY" in out
    assert "- dashscope/qwen3-max: skipped, tiered prices (by prompt length) are not imported" in out
    cat = Catalog(catalog_copy)  # the table still loads
    mini = cat.row("api_prices", "gpt-4o-mini")
    assert (mini.output_per_mtok, mini.batch_input_per_mtok, mini.priority_output_per_mtok) == (0.6, 0.075, 1.0)
    assert str(mini.as_of) == "2026-11-20"
    assert mini.source == ("LiteLLM model_prices_and_context_window.json (litellm_prices_fixture.json, 2026-11-20); "
                           "provider page https://developers.openai.com/api/docs/pricing")
    glm = cat.row("api_prices", "glm-example")
    assert glm.provider == "zhipu" and math.isnan(glm.batch_input_per_mtok)  # half a tier is no tier
    assert "only a batch input price" in glm.assumption
    assert cat.row("api_prices", "qwen-plus").currency == "CNY"  # the mainland row is left alone
    assert "text-embedding-3-small" not in cat.api_prices.index
    # every other row is untouched, byte for byte
    untouched = [line for line in before.splitlines() if not line.startswith("gpt-4o-mini,")]
    assert all(line in (catalog_copy / "api_prices.csv").read_text().splitlines() for line in untouched)


def test_import_by_provider_takes_only_chat_models_and_dates_by_the_file(catalog_copy, tmp_path):
    mapped = tmp_path / "prices.json"
    shutil.copy(FIXTURE, mapped)
    stamp = time.mktime((2026, 10, 30, 12, 0, 0, 0, 0, -1))
    os.utime(mapped, (stamp, stamp))
    out = import_prices(mapped, catalog_copy, providers=["openai"])
    assert (out.added, list(out.updated), out.skipped) == ([], ["gpt-4o-mini"], [("text-embedding-3-small", (
        "mode 'embedding' is not chat or completion"))])
    assert str(Catalog(catalog_copy).row("api_prices", "gpt-4o-mini").as_of) == "2026-10-30"
    # a later map with the same prices re-dates the row and says so
    later = time.mktime((2026, 12, 1, 12, 0, 0, 0, 0, -1))
    os.utime(mapped, (later, later))
    redated = import_prices(mapped, catalog_copy, models=["gpt-4o-mini"])
    assert redated.unchanged == ["gpt-4o-mini"] and "= gpt-4o-mini: same prices, as_of 2026-10-30 -> 2026-12-01" \
        in redated.text()
    # two names of one model (with and without the provider prefix) give one row
    twice = import_prices(mapped, catalog_copy, models=["gpt-4o-mini", "gpt-4o-mini=gpt-4o-mini"])
    assert twice.skipped == [("gpt-4o-mini", "same catalog id 'gpt-4o-mini' as 'gpt-4o-mini', imported first")]
    # imported again: nothing changes and the file is not rewritten
    mtime = (catalog_copy / "api_prices.csv").stat().st_mtime_ns
    again = import_prices(mapped, catalog_copy, providers=["openai"])
    assert (again.added, again.updated, again.unchanged) == ([], {}, ["gpt-4o-mini"])
    assert (catalog_copy / "api_prices.csv").stat().st_mtime_ns == mtime


@pytest.mark.parametrize("content, message", [
    ("{not json", "is not JSON"),
    ('["gpt-4o"]', "is not in LiteLLM's model_prices_and_context_window.json format"),
    ('{"gpt-4o": {"input_cost_per_token": 1}}', "is not in LiteLLM's model_prices_and_context_window.json format"),
])
def test_a_bad_file_is_one_message_exit_2_and_nothing_written(catalog_copy, tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    before = (catalog_copy / "api_prices.csv").read_bytes()
    done = run(str(bad), "--catalog-dir", str(catalog_copy), "--provider", "openai")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("Catalog error: price map") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert (catalog_copy / "api_prices.csv").read_bytes() == before


def test_import_needs_a_filter_and_known_names(catalog_copy):
    done = run(str(FIXTURE), "--catalog-dir", str(catalog_copy))
    assert done.returncode == 2 and "choose what to import: --models" in done.stderr
    done = run(str(FIXTURE), "--catalog-dir", str(catalog_copy), "--models", "gemini-2.5-pro")
    assert done.returncode == 2 and "did you mean 'gemini/gemini-2.5-pro'" in done.stderr
    done = run(str(FIXTURE), "--catalog-dir", str(catalog_copy), "--provider", "nobody")
    assert done.returncode == 2 and "no entry of litellm_prices_fixture.json matches --provider nobody" in done.stderr


def test_catalog_row_conversion():
    import datetime as dt

    ident, row = catalog_row("claude-haiku-4-5", {"litellm_provider": "anthropic", "mode": "chat",
                                                  "input_cost_per_token": 1e-06, "output_cost_per_token": 5e-06,
                                                  "cache_creation_input_token_cost": 1.25e-06,
                                                  "cache_read_input_token_cost": 1e-07}, dt.date(2026, 11, 20), "m.json")
    assert (ident, row["input_per_mtok"], row["cache_write_per_mtok"], row["cached_input_per_mtok"]) == (
        "claude-haiku-4-5", "1", "1.25", "0.1")
