"""tools/make_notebooks.py: every notebook in notebooks/ is generated, and opens by saying so.

The cells are built without running them (no kernel), so this is quick; the stored outputs are
re-checked by nbval over notebooks/.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_notebooks  # noqa: E402

NAMES = list(make_notebooks.builders())


def test_every_notebook_in_notebooks_is_generated():
    assert sorted(NAMES) == sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("name", NAMES)
def test_first_cell_says_generated_from_where_and_how_to_rebuild(name):
    nb = make_notebooks.build(name)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.metadata["tags"] == [make_notebooks.GENERATED_TAG]
    text = first.source
    assert f"`notebooks/{name}.ipynb` is written by `tools/make_notebooks.py`" in text
    assert f"`.venv/bin/python tools/make_notebooks.py {name}`" in text
    source = {"00-methodology": "tools/methodology_notebook.py", "40-validation": "tools/validation_notebook.py"}
    if name in source:
        assert f"from the cells in `{source[name]}`" in text and (ROOT / source[name]).exists()
    else:
        assert "from the cells in" not in text
    # deterministic: no dates, times or paths of this machine
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}", text)
    assert str(ROOT) not in text and "/home/" not in text and "/work/" not in text
    # the notebook's own title follows, and the ids stay stable
    assert nb.cells[1].cell_type == "markdown" and nb.cells[1].source.startswith("# ")
    assert [c.id for c in nb.cells] == [f"cell-{i:02d}" for i in range(len(nb.cells))]


@pytest.mark.parametrize("name", ["03-compute-cost", "00-methodology"])
def test_building_twice_writes_the_same_file(name):
    assert nbformat.writes(make_notebooks.build(name)) == nbformat.writes(make_notebooks.build(name))


def test_unknown_notebook_name_is_an_error(capsys):
    with pytest.raises(SystemExit):
        make_notebooks.main(["--no-run", "03-compute-costs"])
    assert "unknown notebook(s) 03-compute-costs" in capsys.readouterr().err


def test_html_reports_leave_the_notice_out():
    from tco import batch

    assert batch.GENERATED_TAG == make_notebooks.GENERATED_TAG
    body, _ = batch._Worker().html_exporter().from_notebook_node(make_notebooks.build("01-data-cost"))
    assert "Data cost / 数据成本" in body and "Generated notebook" not in body


CHAPTER_NAMES = ["01-data-cost", "02-storage-cost", "03-compute-cost", "04-staff-cost", "05-fusion-cost", "06-summary",
                 "07-business-case"]


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_command_lines_only_in_the_closing_how_to_rerun_section(name):
    cells = make_notebooks.build(name).cells[1:]  # the generated notice names the rebuild command on purpose
    rerun = next(i for i, c in enumerate(cells) if c.source.startswith("### How to re-run"))
    for i, cell in enumerate(cells):
        if i != rerun and cell.cell_type == "markdown":
            assert "papermill" not in cell.source and "python -m tco" not in cell.source, (i, cell.source[:80])
    assert "papermill notebooks/" in cells[rerun].source and "python -m tco report" in cells[rerun].source
    if name == "06-summary":  # the analysts' appendix holds it, after everything a manager reads
        appendix = next(i for i, c in enumerate(cells) if c.source.startswith(make_notebooks.APPENDIX))
        assert appendix < rerun
        assert cells[appendix - 1].cell_type == "code" and "chapter_links" in cells[appendix - 1].source


@pytest.mark.parametrize("name", CHAPTER_NAMES)
def test_chapter_frames_are_shown_through_the_table_helper(name):
    shown = ("items_table", "drivers", "levers", "sizing_table", "deployment_options", "break_even_table",
             "strategy_comparison", "totals_table", "dimension_overview", "percentiles_table", "ranges_table",
             "business_table", "business_inputs_table")
    for cell in make_notebooks.build(name).cells:
        if cell.cell_type != "code":
            continue
        for function in shown:
            for line in cell.source.splitlines():
                if f"ch.{function}(" in line and "=" not in line.split(f"ch.{function}(")[0]:
                    assert "ch.table(" in line, line  # never a bare DataFrame with its row numbers


@pytest.mark.parametrize("name", NAMES)
def test_every_figure_is_stored_as_an_image(name):
    """Each cell that shows a figure stores it as a PNG (not only the '<Figure ...>' text that a
    non-interactive matplotlib backend leaves), so the chapters and reports carry their charts."""
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "ch.show(" in cell.source:
            kinds = [k for o in cell.outputs for k in o.get("data", {})]
            assert "image/png" in kinds, (name, cell.source[:80])
