"""Report pages need no network: every formula is MathML made at export time, no script comes from a CDN.

Before: nbconvert's lab template loaded require.js and MathJax from cdnjs, and offline every formula
showed as raw ``$$ F_{prefill} = 2 N k t $$``. (The browser check is tests/test_report_browser.py.)
"""

import re

import nbformat
import pytest

from conftest import ROOT
from tco import batch
from tco.chapters import _md
from tco.dimensions import DIMENSIONS
from tco.formulas import formulas_for
from tco.offline_html import OfflineHTMLExporter, fallback_count, latex_output_html, to_mathml

MATHML = 'xmlns="http://www.w3.org/1998/Math/MathML"'


def export(*cells) -> str:
    body, _ = OfflineHTMLExporter(exclude_input=True).from_notebook_node(nbformat.v4.new_notebook(cells=list(cells)))
    return body


def markdown_output(text: str):
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": text})]
    return cell


def visible_text(page: str) -> str:
    """The page's text outside tags, styles and scripts (roughly what a reader sees)."""
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def test_every_formula_a_chapter_can_show_converts_without_fallback():
    """The equations of every kind of line item of every dimension (the chapters show those of the
    scenario's items), not only those of the default scenario."""
    formulas = [eq for d in DIMENSIONS for *_, eq in formulas_for(d)]
    assert len(formulas) == 53  # 5 dimensions' kinds (+3: the tiered hosted-API bill); a new formula is checked here too
    failed = [eq for eq in formulas if to_mathml(eq, display=True) is None]
    assert failed == []


@pytest.mark.parametrize("chapter", batch.CHAPTER_FILES)
def test_bundled_chapters_export_self_contained_with_zero_fallbacks(chapter):
    """The chapters as stored (executed on the default scenario): no remote script, every ``$$``
    formula of the notebook is one display ``<math>``, none is left as text or falls back."""
    nb = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4)
    sources = [c.source for c in nb.cells if c.cell_type == "markdown"] + [
        o.data["text/markdown"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
        if "text/markdown" in o.get("data", {})]
    expected = sum(len(re.findall(r"\$\$.+?\$\$", s, re.S)) for s in sources)
    body, _ = OfflineHTMLExporter(exclude_input=True).from_notebook_node(nb)
    assert re.findall(r"<script[^>]*\bsrc=", body) == []
    assert "cdnjs" not in body and "MathJax" not in body and "require.js" not in body
    assert fallback_count(body) == 0
    assert len(re.findall(r'<math [^>]*display="block"', body)) == expected
    assert "$$" not in visible_text(body)
    if chapter == "03-compute-cost":
        assert expected >= 20  # the compute chapter's equations (25 on the default scenario)


def test_display_formulas_are_blocks_and_inline_ones_stay_in_their_sentence():
    body = export(nbformat.v4.new_markdown_cell("The load $\\lambda_h$ per hour:\n\n$$ \\mu = \\frac{1}{t} $$"))
    paragraph = re.search(r"<p>The load (.*?)</p>", body, re.S).group(1)
    assert 'display="inline"' in paragraph and "<msub><mi>λ</mi><mi>h</mi></msub>" in paragraph
    block = re.search(r'<math[^>]*display="block"[^>]*>.*?</math>', body, re.S).group(0)
    assert "<mfrac><mrow><mn>1</mn></mrow><mrow><mi>t</mi></mrow></mfrac>" in block
    assert fallback_count(body) == 0


def test_a_dollar_in_scenario_text_is_money_not_a_formula():
    """Titles and model names reach the chapters' Markdown through ``chapters._md``."""
    body = export(markdown_output(f"**Scenario:** {_md('Rerank at US$5 to US$9 a day')}"))
    assert MATHML not in body
    assert "Rerank at US$5 to US$9 a day" in body


def test_text_in_a_formula_is_escaped_and_a_formula_that_cannot_convert_falls_back_visibly(caplog):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "$$ \\text{<img src=x onerror=alert(1)>} $$\n\nand $\\nosuchcommand{x} < y$ here")])
    body, resources = OfflineHTMLExporter().from_notebook_node(nb)
    assert "<img src=x" not in body and "&lt;img" in body
    assert fallback_count(body) == resources["math_fallbacks"] == 1
    assert "1 formula(s) could not be converted to MathML" in caplog.text
    assert re.search(r'<code class="tco-math-fallback"[^>]*>\\nosuchcommand\{x\} &lt; y</code>', body)


def test_latex_outputs_are_converted_too():
    """``display(Math(...))`` and ``display(Latex(...))`` outputs (text/latex), not only Markdown."""
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/latex": "$\\displaystyle \\frac{a}{b}$",
                                                                  "text/plain": "<IPython.core.display.Math>"}),
                    nbformat.v4.new_output("display_data", data={"text/latex": "cost $c_h$ per <hour>"})]
    body = export(cell)
    assert re.search(r'display="block"[^>]*><mrow><mstyle[^>]*><mfrac>', body)
    assert re.search(r'cost <math[^>]*display="inline"[^>]*><mrow><msub><mi>c</mi><mi>h</mi></msub>'
                     r"</mrow></math> per &lt;hour&gt;", body)
    assert "$" not in visible_text(body)
    assert latex_output_html("no formula & text") == "no formula &amp; text"
