"""Report pages that need no network: formulas pre-rendered to MathML, no script from a CDN.

nbconvert's lab template loads require.js and MathJax from cdnjs, so a report opened offline (or
forwarded to someone behind a firewall) shows every formula as raw ``$$ F_{prefill} = 2 N k t $$``.
:class:`OfflineHTMLExporter` converts the LaTeX at export time with ``latex2mathml`` (pure Python)
into MathML, which browsers render natively, and drops the template's remote scripts (require.js,
MathJax, mermaid.js, the widget manager: the chapters use none of them).

Which ``$`` starts a formula is decided by nbconvert's own Markdown parser, as in Jupyter: ``$$...$$``,
``\\[...\\]`` and ``\\begin{env}...\\end{env}`` are display formulas, ``$...$`` and ``\\(...\\)``
inline ones; a ``\\$`` is a dollar sign (``tco.chapters`` escapes the ``$`` of scenario text so).
A formula latex2mathml cannot convert is shown as its LaTeX in ``<code class="tco-math-fallback">``
(:func:`fallback_count` counts them on a page), never dropped.
"""

from __future__ import annotations

import functools
import html
import re
from xml.etree.ElementTree import tostring

import jinja2
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from jinja2 import pass_context as contextfilter

#: Class of the ``<code>`` that shows a formula latex2mathml could not convert.
FALLBACK_CLASS = "tco-math-fallback"

#: MathML children each layout element needs; latex2mathml builds e.g. a one-child ``mfrac`` from
#: ``\frac{a}`` instead of failing.
_ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "msubsup": 3, "mroot": 2, "munder": 2, "mover": 2, "munderover": 3}

#: The lab template without its remote scripts, with MathML display formulas centred and text/latex
#: outputs converted like Markdown formulas.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<style type="text/css">
math[display="block"] { display: block math; margin: 0.75em auto; text-align: center; }
math { font-family: "Latin Modern Math", "STIX Two Math", "DejaVu Math TeX Gyre", math; }
code.tco-math-fallback { white-space: pre-wrap; }
div.tco-math-display { margin: 0.75em 0; text-align: center; }
</style>
{%- endblock html_head_js_mathjax -%}
{% block data_latex scoped %}
<div class="jp-RenderedLatex jp-OutputArea-output {{ extra_class }}" data-mime-type="text/latex">
{{ output.data['text/latex'] | latex_output_html }}
</div>
{%- endblock data_latex %}
"""
_TEMPLATE_NAME = "tco-offline.html.j2"


@functools.lru_cache(maxsize=1024)  # the chapters of every scenario show the same few dozen equations
def to_mathml(latex: str, display: bool) -> str | None:
    r"""The MathML of ``latex``, or ``None`` when latex2mathml cannot convert it (a syntax error, an
    unknown command, a fraction or script missing a part).

    Text in the formula stays escaped (latex2mathml's own serialiser would unescape ``<``).

    >>> to_mathml("a < b", display=False)
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mi>a</mi><mo>&#x0003C;</mo><mi>b</mi></mrow></math>'
    >>> to_mathml(r"\text{<b>}", display=True)
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><mrow><mtext>&lt;b&gt;</mtext></mrow></math>'
    >>> to_mathml(r"\frac{a}", display=False), to_mathml(r"\foo x", display=False), to_mathml("x^{", display=False)
    (None, None, None)
    """
    from latex2mathml.converter import convert_to_element

    try:
        element = convert_to_element(latex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises its own errors, and IndexError/StopIteration on some input
        return None
    for node in element.iter():
        if "\\" in (node.text or "") or len(node) < _ARITY.get(node.tag, 0):
            return None  # an unknown command passed through as text, or a part missing
    # latex2mathml stores symbols as character references ("&#x0003D;"): keep those, escape the rest
    return re.sub(r"&amp;(#x[0-9A-Fa-f]+;)", r"&\1", tostring(element, encoding="unicode"))


def math_html(latex: str, display: bool) -> str:
    r"""The HTML of one formula: its MathML, or its LaTeX in ``<code class="tco-math-fallback">``.

    >>> math_html("x_1", display=False)
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><msub><mi>x</mi><mn>1</mn></msub></mrow></math>'
    >>> print(math_html(r"\foo <b>", display=False))
    <code class="tco-math-fallback" title="formula not converted">\foo &lt;b&gt;</code>
    """
    mathml = to_mathml(latex, display)
    if mathml is not None:
        return mathml
    code = f'<code class="{FALLBACK_CLASS}" title="formula not converted">{html.escape(latex.strip())}</code>'
    return f'<div class="tco-math-display">{code}</div>' if display else code


def fallback_count(page: str) -> int:
    """How many formulas of an exported page are shown as LaTeX because they could not be converted."""
    return page.count(f'class="{FALLBACK_CLASS}"')


#: Formulas in a text/latex output (IPython's ``Math``, ``Latex``): display forms first.
_LATEX_OUTPUT = re.compile(r"\$\$(?P<d1>.+?)\$\$|\\\[(?P<d2>.+?)\\\]|(?P<env>\\begin\{(?P<name>[a-z]+\*?)\}.*?"
                           r"\\end\{(?P=name)\})|(?<!\\)\$(?P<i1>.+?)(?<!\\)\$|\\\((?P<i2>.+?)\\\)", re.DOTALL)


def latex_output_html(text: str) -> str:
    r"""The HTML of a ``text/latex`` output: its formulas converted, the text between them escaped.
    An output that is a single formula (``display(Math(...))``) is shown as a display formula.

    >>> latex_output_html(r"$\displaystyle x$")[:65]
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'
    >>> latex_output_html(r"cost <i>$c$</i>")
    'cost &lt;i&gt;<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mi>c</mi></mrow></math>&lt;/i&gt;'
    """
    text = text.strip()
    out, end = [], 0
    for m in _LATEX_OUTPUT.finditer(text):
        alone = m.start() == 0 and m.end() == len(text)
        body = m.group("d1") or m.group("d2") or m.group("env") or m.group("i1") or m.group("i2")
        display = alone or not (m.group("i1") or m.group("i2"))
        out += [html.escape(text[end:m.start()]), math_html(body, display)]
        end = m.end()
    return "".join(out) + html.escape(text[end:])


class _MathRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, with formulas as MathML instead of text left for MathJax."""

    def block_math(self, body: str) -> str:
        return math_html(body, display=True)

    def inline_math(self, body: str) -> str:
        return math_html(body, display=False)

    def latex_environment(self, name: str, body: str) -> str:
        return math_html(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)


class OfflineHTMLExporter(HTMLExporter):
    """The lab HTML exporter, self-contained: MathML formulas, no remote script (module docstring)."""

    def __init__(self, **kw):
        kw.setdefault("extra_loaders", [jinja2.DictLoader({_TEMPLATE_NAME: _TEMPLATE})])
        kw.setdefault("template_file", _TEMPLATE_NAME)
        super().__init__(**kw)

    @contextfilter
    def markdown2html(self, context, source):
        """Markdown to HTML as :meth:`HTMLExporter.markdown2html` does, with :class:`_MathRenderer`."""
        cell = context.get("cell", {})
        renderer = _MathRenderer(
            escape=False, attachments=cell.get("attachments", {}), embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)

    def from_notebook_node(self, nb, resources=None, **kw):
        """As :class:`HTMLExporter`; a formula left as LaTeX is logged (and counted in
        ``resources["math_fallbacks"]``)."""
        body, resources = super().from_notebook_node(nb, resources, **kw)
        resources["math_fallbacks"] = fallback_count(body)
        if resources["math_fallbacks"]:
            self.log.warning("%d formula(s) could not be converted to MathML and are shown as LaTeX",
                             resources["math_fallbacks"])
        return body, resources

    def default_filters(self):
        yield from super().default_filters()
        yield ("latex_output_html", latex_output_html)
