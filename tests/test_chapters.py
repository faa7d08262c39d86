"""The chapter notebooks run for every bundled scenario and show the engine's figures.

Each chapter is executed with papermill into a temporary folder (never over the source notebook),
asked to record the figures it shows in a results JSON, and those figures are compared with
``tco.evaluate`` on the same scenario file.
"""

import json
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
        if dimension == "summary":
            assert got["by_dimension"] == pytest.approx(dims.to_dict(), rel=1e-12)
            assert got["warnings"] == report.warnings
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
