"""Terminal tables (tco.text) and the text outputs built on them: widths are display cells (CJK
counts double), long names wrap at word boundaries and are never cut."""

import re

import pytest

from tco import evaluate
from tco.scenario import load_scenario, parse_scenario, repo_path, scenario_to_dict
from tco.text import display_width, fit, pad, records, table, wrap

LONG_NAME = "搜索推荐精排模型 cross encoder for the product search page"


def test_display_width_counts_cjk_double_and_combining_marks_zero():
    assert display_width("搜索推荐") == 8  # four wide characters, two cells each
    assert display_width("ranker") == 6
    assert display_width("ＡＢ") == 4  # fullwidth Latin is wide too
    assert display_width("cafe\u0301") == 4  # e + combining acute: one cell
    assert display_width("") == 0


def test_pad_by_display_width():
    assert pad("搜索", 6) == "搜索  "  # 4 cells + 2 spaces, not 2 characters + 4
    assert pad("搜索", 6, ">") == "  搜索"
    assert pad("too wide", 3) == "too wide"  # never cut


def test_wrap_breaks_at_word_boundaries_and_never_cuts_a_word():
    text = "inference serving for the query understanding model of the product search page"
    lines = wrap(text, 20)
    assert lines == ["inference serving", "for the query", "understanding model", "of the product", "search page"]
    assert all(display_width(line) <= 20 for line in lines)
    assert " ".join(lines) == text  # every word whole, in order
    assert set(" ".join(lines).split()) == set(text.split())


def test_wrap_breaks_cjk_between_characters_and_identifiers_after_underscores():
    assert wrap("搜索推荐精排模型", 6) == ["搜索推", "荐精排", "模型"]  # 6 cells = 3 characters
    assert wrap("accelerators_per_instance", 14) == ["accelerators_", "per_instance"]
    assert wrap("abcdefgh", 3) == ["abc", "def", "gh"]  # a word wider than the column is the only cut


def test_table_columns_stay_aligned_with_cjk_cells():
    rows = [("搜索推荐", "1.00"), ("ranker", "22.50"), ("精排", "3,000.25")]
    out = table(rows, ["model", "cost"], align="<>", sep=" | ").splitlines()
    # the separator stands at the same display offset on every line: 8 cells (the widest, 搜索推荐) + 1
    assert [display_width(line[:line.index("|")]) for line in out] == [9] * 5  # header, rule, 3 rows
    # the right-aligned column ends at the same display offset too
    assert {display_width(line) for line in out} == {8 + 3 + 8}


def test_table_wraps_long_cells_onto_continuation_lines_within_max_width():
    rows = [("inference serving [query understanding model]", "866.34")]
    out = table(rows, align="<>", max_width=30).splitlines()
    # the name column is as wide as its widest wrapped line (20), not the 22 cells it was allowed
    assert out == ["inference serving     866.34", "[query understanding", "model]"]
    assert all(display_width(line) <= 30 for line in out)


def test_fit_moves_long_text_under_rows_or_falls_back_to_records():
    source = "AWS EC2 On-Demand pricing page, us-east-1, read on 2026-09-24 from the price list offer file"
    rows = [("p5.48xlarge", "55.04", source)]
    wide = fit(rows, ["instance", "price_per_hour", "source"], "<><", 60).splitlines()
    assert wide[:3] == ["instance     price_per_hour", "-----------  --------------", "p5.48xlarge           55.04"]
    assert wide[3].startswith("    source: AWS EC2") and all(display_width(line) <= 60 for line in wide)
    assert " ".join(line.strip() for line in wide[3:]).removeprefix("source: ") == source
    columns = ["instance", "accelerator", "vcpus", "memory_gb", "price_per_hour", "source"]
    rows = [("p5.48xlarge", "H100-SXM", "192", "2048", "55.04", source)]
    # side by side the short columns need 11 + 8 + 5 + 7 + 6 cells and 4 gaps of 2: 45 > 40
    narrow = fit(rows, columns, "<<>>><", 40)
    assert narrow == records(rows, columns, 40)
    lines = narrow.splitlines()
    assert lines[:5] == ["instance        p5.48xlarge", "accelerator     H100-SXM", "vcpus           192",
                         "memory_gb       2048", "price_per_hour  55.04"]
    assert lines[5].startswith("source          AWS EC2") and all(display_width(line) <= 40 for line in lines)


def _report_with(model_name: str):
    data = scenario_to_dict(load_scenario(repo_path("data/scenarios/search-rerank-l4.yaml")))
    data["models"][0]["name"] = model_name
    return evaluate(parse_scenario(data))


def _line_items(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("Line items (per day)") + 1
    return lines[start:lines.index("", start)]


def test_evaluate_text_aligns_cjk_names_and_wraps_long_ones_whole():
    report = _report_with(LONG_NAME)
    text = report.to_text()
    items = _line_items(text)
    costs = [(line, re.search(r"\s(\d[\d,]*\.\d\d)\s", line)) for line in items]
    first_lines = [(line, m) for line, m in costs if m]
    assert len(first_lines) == len(report.items)  # one first line per item, the rest continuation lines
    # the cost column ends at the same display offset on every item line, CJK name or not
    assert len({display_width(line[:m.end(1)]) for line, m in first_lines}) == 1
    assert all(display_width(line) <= 100 for line in items)
    # the model name wraps but no word of it is cut: each word is whole in the item lines
    words = {w.strip("[]") for line in items for w in line.split()}
    assert set(LONG_NAME.split()) <= words
    # the dimension table aligns its CJK labels (数据成本...): the amounts end at one offset
    dims = text.splitlines()[text.splitlines().index("By dimension") + 1:][:5]
    assert len({display_width(line[:line.index(" CNY/day")]) for line in dims}) == 1


def test_evaluate_text_title_rule_measures_display_width():
    data = scenario_to_dict(load_scenario(repo_path("data/scenarios/search-rerank-l4.yaml")))
    data["title"] = "搜索重排序：电商搜索精排模型的部署成本估算"  # 21 wide characters
    lines = evaluate(parse_scenario(data)).to_text().splitlines()
    assert lines[1] == "=" * display_width(lines[0]) == "=" * (42 + len("  [search-rerank-l4]"))


@pytest.mark.parametrize("width", [20, 47, 100])
def test_table_never_exceeds_max_width(width):
    rows = [("storage", "distribution transfer [llm-reranker-8b]", "1.15", "GB/day")] * 2
    out = table(rows, max_width=width, align="<<><")
    assert max(display_width(line) for line in out.splitlines()) <= width
