"""The chapter notebooks run for every bundled scenario and show the engine's figures.

Each chapter is executed with papermill into a temporary folder (never over the source notebook),
asked to record the figures it shows in a results JSON, and those figures are compared with
``tco.evaluate`` on the same scenario file.
"""

import json
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from conftest import ROOT, SCENARIOS
from tco import evaluate
from tco.chapters import CHAPTERS

NOTEBOOKS = ROOT / "notebooks"
SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))


def run_chapter(chapter: str, scenario: Path, out_dir: Path, cwd: Path) -> dict:
    out_nb = out_dir / f"{chapter}.ipynb"
    results = out_dir / f"{chapter}.json"
    pm.execute_notebook(str(NOTEBOOKS / f"{chapter}.ipynb"), str(out_nb), kernel_name="python3",
                        parameters={"scenario": str(scenario.relative_to(ROOT)), "results_path": str(results)},
                        cwd=str(cwd), progress_bar=False, log_output=False)
    return json.loads(results.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def all_results(tmp_path_factory):
    base = tmp_path_factory.mktemp("chapters")
    jobs = []
    for k, scenario in enumerate(SCENARIO_FILES):
        for j, chapter in enumerate(CHAPTERS.values()):
            out = base / scenario.stem
            out.mkdir(exist_ok=True)
            cwd = ROOT if (j + k) % 2 == 0 else NOTEBOOKS  # from the root and from notebooks/ alike
            jobs.append((chapter, scenario, out, cwd))
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {(c, s.stem): pool.submit(run_chapter, c, s, o, w) for c, s, o, w in jobs}
        return {key: f.result() for key, f in futures.items()}


@pytest.mark.parametrize("scenario", [p.stem for p in SCENARIO_FILES])
def test_chapter_figures_equal_the_engine(all_results, scenario):
    report = evaluate(SCENARIOS / f"{scenario}.yaml")
    dims = report.by_dimension()
    for dimension, chapter in CHAPTERS.items():
        got = all_results[(chapter, scenario)]
        assert got["scenario"] == scenario
        assert got["totals"]["per_day"] == pytest.approx(report.totals["per_day"], rel=1e-12)
        assert got["totals"]["per_1k_requests"] == pytest.approx(report.totals["per_1k_requests"], rel=1e-12)
        if dimension in ("summary", "business"):
            assert got["by_dimension"] == pytest.approx(dims.to_dict(), rel=1e-12)
            assert got["warnings"] == report.warnings
            if report.business is None:
                assert got["business"] is None
            else:  # JSON keeps finite figures; an infinite payback or break-even becomes null
                want = {k: v for k, v in report.business.items() if isinstance(v, float) and math.isfinite(v)}
                assert {k: got["business"][k] for k in want} == pytest.approx(want, rel=1e-12)
            continue
        assert got["dimension_per_day"] == pytest.approx(dims[dimension], rel=1e-12)
        items = report.items[report.items.dimension == dimension]
        assert [(i["item"], i["model"]) for i in got["items"]] == list(zip(items["item"], items.model))
        assert [i["cost_per_day"] for i in got["items"]] == pytest.approx(items.cost_per_day.tolist(), rel=1e-12)
        if dimension == "compute":
            assert [m["accelerators"] for m in got["models"]] == report.models.accelerators.tolist()
        if dimension == "fusion" and report.marginal_fusion_cost_per_day is not None:
            assert got["marginal_fusion_cost_per_day"] == pytest.approx(report.marginal_fusion_cost_per_day)


def test_source_notebooks_are_untouched_and_clean():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert "papermill" not in nb.metadata, path  # never a papermill run saved over a source
        if path.stem in CHAPTERS.values():
            params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
            assert len(params) == 1 and "scenario: str" in params[0].source, path


def test_papermill_lists_typed_parameters():
    params = pm.inspect_notebook(str(NOTEBOOKS / "03-compute-cost.ipynb"))
    assert params["scenario"]["inferred_type_name"] == "str"
    assert "scenario YAML file" in params["scenario"]["help"]
    assert "results_path" in params


def test_bad_scenario_stops_in_the_first_code_cell_with_the_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntraffic: {requests_per_day: -5}\nmodels: []\n", encoding="utf-8")
    out = tmp_path / "out.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as info:
        pm.execute_notebook(str(NOTEBOOKS / "01-data-cost.ipynb"), str(out), kernel_name="python3",
                            parameters={"scenario": str(bad)}, progress_bar=False, log_output=False)
    assert "traffic.requests_per_day" in str(info.value)
    nb = nbformat.read(out, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]
    failed = [i for i, c in enumerate(code) if any(o.get("output_type") == "error" for o in c.outputs)]
    assert failed == [1]  # parameters cell is 0; the first code cell after it stops
    error = [o for o in code[1].outputs if o.get("output_type") == "error"][0]
    text = "\n".join(error["traceback"])
    assert "traffic.requests_per_day: Input should be greater than or equal to 0 (got -5)" in text
    assert "pandas" not in text and "File " not in text  # the message, not a traceback from deep inside


# ------------------------------------------------------------------------------------------
# Tables for people (issue 15, items 6, 7 and 11)
# ------------------------------------------------------------------------------------------
import html  # noqa: E402
import re  # noqa: E402
from html import escape  # noqa: E402

import pandas as pd  # noqa: E402

from tco import chapters as ch  # noqa: E402
from tco import load_scenario  # noqa: E402
from tco.scenario import scenario_to_dict  # noqa: E402

CHAPTER_FILES = [NOTEBOOKS / f"{name}.ipynb" for name in CHAPTERS.values()]


def _outputs(nb, kind):
    """(cell index, text) of every output of MIME type ``kind`` in a notebook."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if kind in data:
                yield i, "".join(data[kind]) if isinstance(data[kind], list) else data[kind]


def test_table_drops_row_numbers_formats_numbers_and_escapes():
    frame = pd.DataFrame({"item": ["<b>gpu</b>", "disk"], "cost": [1234.5, float("nan")], "tokens": [4e7, 0.25]},
                         index=[7, 8])
    t = ch.table(frame, ["cost"], "CNY", {"tokens": "per day"})
    assert "<th" not in t.html.split("<tbody>")[1]  # no row-number column, no index header
    assert ">7<" not in t.html and ">8<" not in t.html
    assert "cost (CNY)" in t.html and "tokens (per day)" in t.html
    assert ">1,234.50<" in t.html and ">unpriced<" in t.html  # 1234.5 with 2 decimals; NaN money is unpriced
    assert ">40,000,000<" in t.html and ">0.25<" in t.html and "e+" not in t.html
    assert "&lt;b&gt;gpu&lt;/b&gt;" in t.html and "<b>gpu" not in t.html
    assert repr(t).splitlines()[1].split() == ["<b>gpu</b>", "1,234.50", "40,000,000"]
    assert "0x" not in repr(t)  # no memory address (nbval compares text/plain)
    empty = ch.table(frame.iloc[:0], empty="Nothing here & why.")
    assert empty.html == "<p>Nothing here &amp; why.</p>" and repr(empty) == "Nothing here & why."


def test_table_groups_rows_and_collapses():
    frame = pd.DataFrame({"part": ["A", "A", "B"], "x": [1, 2, 3]})
    t = ch.table(frame, group="part", details="more")
    assert t.html.startswith("<details><summary>more</summary>")
    headings = re.findall(r'<td colspan="1"[^>]*><b>(\w)</b>', t.html)
    assert headings == ["A", "B"]  # a heading where the group changes, not on every row
    assert "<th" in t.html and ">part<" not in t.html  # the group column itself is not a column


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_stored_chapter_tables_have_no_row_numbers(path):
    nb = nbformat.read(path, as_version=4)
    tables = [html for _, html in _outputs(nb, "text/html") if "<table" in html]
    assert tables, path  # the chapter shows tables at all
    for html in tables:
        for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
            assert "<th" not in body, html[:300]  # pandas writes its row numbers as <th> in the body
        assert 'class="dataframe"' not in html
        assert not re.search(r"\d\.?\d*e[+-]\d\d", re.sub(r"<[^>]+>", " ", html)), html[:300]
    for _, text in _outputs(nb, "text/plain"):
        assert not re.search(r"0x[0-9a-f]{6,}", text), text[:200]


def _rows(scenario, dimension):
    return ch.inputs_table(scenario, dimension)


def test_compute_inputs_show_only_what_applies_grouped_and_readable():
    sc = load_scenario(SCENARIOS / "paper-example.yaml")  # two encoders on cloud instances, flat traffic
    table = _rows(sc, "compute")
    assert list(dict.fromkeys(table.section)) == ["Traffic", "Model model-a", "Model model-a: serving",
                                                  "Model model-b", "Model model-b: serving"]
    a = table[table.section == "Model model-a"].set_index("input")
    # an encoder: nothing of decoding or embedding tables; no SLO, so no percentile; the name heads the group
    assert list(a.index) == ["Kind", "Parameters", "Embedding parameters", "Precision", "Traffic share",
                             "Items per request", "Input tokens per item", "Measured throughput",
                             "Throughput source", "Artifact size"]
    assert a.loc["Parameters", "value"] == "500,000,000" and a.loc["Parameters", "set by"] == "scenario"
    assert a.loc["Traffic share", "set by"] == "default" and a.loc["Traffic share", "unit"] == ""
    assert a.loc["Measured throughput", ["value", "unit"]].tolist() == ["500", "requests/s"]
    serving = table[table.section == "Model model-a: serving"].set_index("input")
    assert serving.loc["Price per hour", ["value", "unit"]].tolist() == ["100", "CNY/hour"]
    assert "Server" not in serving.index and "Accelerators per server" not in serving.index  # cloud
    view = ch.inputs_view(sc, "compute")
    for column in ("input", "value", "unit"):
        for cell in view.frame[column]:
            assert not re.search(r"[a-z_]+(\[\d+\])?\.[a-z_]+", cell), cell  # no dotted path
            assert not re.search(r"\de[+-]\d", cell), cell  # 4e+07 is written 40,000,000
    assert not set(view.frame["unit"]) & {"1", "[1]"}  # a ratio or count has no unit
    shown = re.sub(r"<[^>]+>", "\n", view.html)
    assert "e+0" not in shown and "[1]" not in shown and "models[" not in shown
    assert view.html.count("<b>Model model-a</b>") == 1


def test_inputs_of_onprem_api_and_generative_models():
    onprem = _rows(load_scenario(SCENARIOS / "llm-rerank-onprem.yaml"), "compute")
    assert "On-premises site" in set(onprem.section)
    serving = onprem[onprem.section.str.endswith(": serving")]
    assert not set(serving.input) & {"Instance", "Pricing", "Billing"}  # cloud-only fields
    cloud = _rows(load_scenario(SCENARIOS / "llm-rerank-cloud.yaml"), "compute")
    assert "On-premises site" not in set(cloud.section)
    assert "Output tokens" in set(cloud.input) and "Embedding rows" not in set(cloud.input)  # a generative model
    spec = scenario_to_dict(load_scenario(SCENARIOS / "llm-rerank-cloud.yaml"))
    spec["models"][0]["serving"] = {"deployment": "api", "api_model": "qwen-plus"}
    api = _rows(load_scenario(spec), "compute")
    model = api[api.section.str.startswith("Model")]
    assert set(model.input) <= {"Kind", "Catalog model", "Parameters", "Traffic share", "Items per request",
                                "Input tokens per item", "Output tokens", "Deployment", "API model",
                                "API tier", "Cached prompt share", "Cache write share", "Batchable share",
                                "Tokens per run", "Method", "Runs per month", "Instance", "Pricing"} - {""}
    assert {"Deployment", "API model", "API tier", "Batchable share", "Output tokens"} <= set(model.input)
    assert not {"API tier", "Batchable share"} & set(cloud.input)  # self-hosted: they price only the alternative
    assert "Utilization target" not in set(model.input) and "Min replicas" not in set(model.input)


def test_inputs_keep_catalog_defaults_and_ranges_visible():
    sc = load_scenario(SCENARIOS / "search-cascade.yaml")
    table = _rows(sc, "compute").set_index("path")
    assert table.loc["traffic.requests_per_day", "value"] == "40,000,000"  # 4e7, not '4e+07'
    assert "range" in table.loc["traffic.requests_per_day", "set by"]
    fusion = _rows(sc, "fusion").set_index("input")
    assert fusion.loc["Escalation", "value"] == "0.2, 0.1" and "ranges [0]" in fusion.loc["Escalation", "set by"]
    assert "Combiner" not in fusion.index  # a cascade routes; it does not combine scores


def test_single_model_fusion_chapter_says_so_once():
    chapter = ch.open_chapter(SCENARIOS / "llm-rerank-cloud.yaml")
    rep = chapter.report
    assert len(chapter.scenario.models) == 1
    assert ch.table(ch.items_table(rep, "fusion"), empty=ch.no_items(rep, "fusion")).html == \
        f"<p>{html.escape(ch.SINGLE_MODEL)}</p>"
    assert not ch.has_items(rep, "fusion")  # so the chapter draws no chart
    assert ch.strategy_comparison(chapter).empty and ch.levers(chapter, "fusion").empty
    text = ch.formula_markdown(rep, "fusion")
    names = re.findall(r"- `(\w+)`: ", text)
    assert names.count("combiner_cost_per_day") == 2 and text.count(r"\frac{Q \cdot t_{cpu}") == 1
    assert "`combiner_cost_per_day`: as above." in text
    fusion_inputs = ch.inputs_table(chapter.scenario, "fusion")
    assert fusion_inputs[["input", "value"]].values.tolist() == [["Strategy", "single"]]


def test_single_model_fusion_notebook_has_no_empty_table_or_chart(tmp_path):
    out = tmp_path / "05.ipynb"
    pm.execute_notebook(str(NOTEBOOKS / "05-fusion-cost.ipynb"), str(out), kernel_name="python3",
                        parameters={"scenario": "data/scenarios/llm-rerank-cloud.yaml"}, cwd=str(ROOT),
                        progress_bar=False, log_output=False)
    nb = nbformat.read(out, as_version=4)
    html = [h for _, h in _outputs(nb, "text/html")]
    for h in html:
        for body in re.findall(r"<tbody>(.*?)</tbody>", h, re.S):
            assert "<tr>" in body  # no header-only table
    assert not list(_outputs(nb, "image/png"))  # no chart of nothing
    assert sum(h.count(escape(ch.SINGLE_MODEL)) for h in html) == 1
    plain = "\n".join(t for _, t in _outputs(nb, "text/plain")) + "\n".join(
        t for _, t in _outputs(nb, "text/markdown"))
    assert "Empty DataFrame" not in plain


def test_summary_opens_with_the_answer_and_keeps_sobol_in_the_appendix():
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import make_notebooks

    nb = nbformat.read(NOTEBOOKS / "06-summary.ipynb", as_version=4)
    report = evaluate(SCENARIOS / "search-cascade.yaml")  # the stored outputs are of the default scenario
    appendix = next(i for i, c in enumerate(nb.cells) if c.source.startswith(make_notebooks.APPENDIX))
    markdown = list(_outputs(nb, "text/markdown"))
    first_answer = markdown[1]  # after the chapter header
    assert first_answer[1].startswith(f"**This scenario costs {report.per_day:,.2f} CNY per day**")
    assert f"{report.totals['per_1k_requests']:,.4f} CNY per 1,000 requests" in first_answer[1]
    assert "Where it goes: staff " in first_answer[1] and "likely between" in first_answer[1]
    tables = [i for i, h in _outputs(nb, "text/html") if "<table" in h]
    assert tables and first_answer[0] < tables[0]  # the answer comes before any table
    for i, h in _outputs(nb, "text/html"):
        if "S1 conf" in h or "ST conf" in h:
            assert i > appendix and "<details>" in h
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and ("papermill" in cell.source or "S1 conf" in cell.source):
            assert i > appendix, cell.source[:100]
    assert any("S1 conf" in h for i, h in _outputs(nb, "text/html") if i > appendix)


def test_answer_names_the_largest_saving_and_unpriced_items():
    chapter = ch.open_chapter(SCENARIOS / "paper-example.yaml")
    best = ch.best_lever(chapter)
    # the paper's example fuses two models; serving model-a alone drops model-b and the fusion upkeep
    assert best["lever"] == "first model (model-a) alone" and best["dimension"] == "fusion"
    assert best["saving_per_day"] == pytest.approx(chapter.report.marginal_fusion_cost_per_day)
    text = ch.answer(chapter)
    assert r"**first model \(model-a\) alone**" in text and "no likely range" in text  # scenario text escaped
    assert text.index("costs") < text.index("Where it goes") < text.index("largest saving")


@pytest.mark.parametrize("scenario", [p.stem for p in SCENARIO_FILES])
def test_inputs_tables_of_every_scenario_are_readable(scenario):
    sc = load_scenario(SCENARIOS / f"{scenario}.yaml")
    for dimension in ("data", "storage", "compute", "staff", "fusion"):
        frame = ch.inputs_view(sc, dimension).frame
        assert len(frame), dimension  # every dimension reads something (fusion: at least the strategy)
        for cell in list(frame["input"]) + list(frame["unit"]):
            assert "." not in cell.replace("e.g.", "") and "[" not in cell and "_" not in cell, (dimension, cell)
        for cell in list(frame["value"]) + list(frame["set by"]):
            assert not re.search(r"\de[+-]\d", cell), (dimension, cell)
