"""The report pages in a real browser with the network off, and printed to PDF.

Headless Chromium (Debian's binary, driven by Playwright) opens the index and a chapter through
file:// at 1366 px with every non-file request aborted and recorded: no console error, no failed
request, every formula laid out as MathML (display formulas centred), no raw ``$$`` left, every
local link pointing at a file that exists. Then ``--pdf``: a PDF per summary and the index, and
without Chromium one paragraph saying what to install, the HTML still written, exit status 2.
"""

import shutil
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import SCENARIOS
from tco import batch, cli, evaluate, pdf

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
NAME = "paper-example"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium'; "
                                                             ".ci/run installs it); the browser check cannot run here")


@pytest.fixture(scope="module")
def report_set(tmp_path_factory):
    """One scenario, every chapter (the chapters link each other), written once for the module."""
    out = tmp_path_factory.mktemp("browser") / "out"
    assert batch.run_reports([str(SCENARIOS / f"{NAME}.yaml")], out, jobs=1, progress=False) == 0
    return out


def open_offline(browser, page_path: Path):
    """``page_path`` loaded with only file:// allowed: (page, console errors, blocked or failed requests)."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors, requests = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: requests.append(f"failed: {req.url}"))

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            requests.append(f"network: {route.request.url}")
            route.abort()

    page.route("**/*", only_files)
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, errors, requests


MATH_BOXES = """() => [...document.querySelectorAll('math')].map(m => {
  const box = m.getBoundingClientRect(), row = m.firstElementChild.getBoundingClientRect();
  return {display: m.getAttribute('display'), width: box.width, height: box.height,
          left: row.left - box.left, right: box.right - row.right, css: getComputedStyle(m).display};
})"""

LINKS = "() => [...document.querySelectorAll('a[href]')].map(a => a.href)"


def broken_links(page, page_path: Path) -> list[str]:
    """Links to files that do not exist, and same-page anchors with no target."""
    broken = []
    for href in page.evaluate(LINKS):
        url = urlsplit(href)
        if url.scheme != "file":
            continue  # a web link (none on these pages today); not followed offline
        target = Path(unquote(url.path))
        if not target.is_file():
            broken.append(href)
        elif url.fragment and target == page_path.resolve():  # as browsers look: the fragment, then decoded
            if not page.evaluate("ids => ids.some(id => document.getElementById(id) !== null)",
                                 [url.fragment, unquote(url.fragment)]):
                broken.append(href)
    return broken


@needs_chromium
@pytest.mark.parametrize("which", ["index.html", f"{NAME}/03-compute-cost.html"])
def test_pages_work_offline_with_formulas_rendered_and_links_resolving(report_set, which):
    from playwright.sync_api import sync_playwright

    page_path = report_set / which
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page, errors, requests = open_offline(browser, page_path)
            assert errors == []
            assert requests == []
            boxes = page.evaluate(MATH_BOXES)
            text = page.inner_text("body")
            links = page.evaluate(LINKS)
            broken = broken_links(page, page_path)
        finally:
            browser.close()
    assert "$$" not in text and "\\frac" not in text
    assert broken == []
    if which == "index.html":
        assert f"{NAME}/03-compute-cost.html" in " ".join(links) and boxes == []
        return
    # the compute chapter shows the equations of this scenario's compute items, each laid out as
    # MathML (a browser without MathML would give the unknown elements an inline box of text)
    html = page_path.read_text(encoding="utf-8")
    assert len(boxes) == html.count("<math ") >= 20
    assert {b["display"] for b in boxes} == {"block"}
    for b in boxes:
        assert b["width"] > 0 and b["height"] > 0, b
        assert b["css"] == "block math", b
        assert abs(b["left"] - b["right"]) <= 2, b  # centred: as much room left as right
    assert any(b["height"] > 30 for b in boxes)  # fractions stack (two rows), not one line of text
    assert "06-summary.html" in " ".join(links) and "../index.html" not in " ".join(links)  # resolved


@needs_chromium
def test_pdf_of_each_summary_and_of_the_index(report_set, capsys):
    assert pdf.write_pdfs(report_set, [NAME]) == 0
    for path in [report_set / NAME / "summary.pdf", report_set / "index.pdf"]:
        data = path.read_bytes()
        assert data.startswith(b"%PDF-") and pdf.page_count(data) >= 1, path
        assert b"file:" not in data and str(report_set).encode() not in data and b"tco-pdf-" not in data
        assert path.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in report_set.iterdir() if p.name.startswith(".")) == []  # no temporary file
    assert "2 PDF(s) written" in capsys.readouterr().err


def test_without_chromium_the_html_is_written_and_one_paragraph_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(pdf.ENV, raising=False)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # the venv's programs: python, no browser
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.pdf").write_bytes(b"%PDF-1.4 an earlier run's index")
    status = cli.main(["report", str(SCENARIOS / f"{NAME}.yaml"), "--out", str(out), "--chapters", "06-summary",
                       "--no-progress", "--pdf"])
    assert status == pdf.EXIT_NO_CHROMIUM == 2
    total = evaluate(SCENARIOS / f"{NAME}.yaml")
    assert f"{total.per_day:,.2f} {total.currency}" in (out / NAME / "06-summary.html").read_text(encoding="utf-8")
    assert (out / "index.html").exists()
    assert not list(out.rglob("*.pdf"))  # none printed, and the earlier index.pdf, out of date, removed
    err = capsys.readouterr().err
    message = [line for line in err.splitlines() if line.startswith("--pdf")]
    assert len(message) == 1  # one paragraph, no traceback
    assert "apt-get install chromium" in message[0] and "TCO_CHROMIUM" in message[0] and "Traceback" not in err


def test_a_tco_chromium_that_is_not_a_program_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(pdf.ENV, str(tmp_path / "no-such-browser"))
    assert pdf.write_pdfs(tmp_path, []) == 2
    err = capsys.readouterr().err
    assert f"TCO_CHROMIUM is set to '{tmp_path / 'no-such-browser'}', which is not an executable program" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_browser_that_prints_nothing_leaves_no_pdf_and_says_which(tmp_path, monkeypatch, capsys):
    """``true`` as the browser: it exits 0 and writes nothing; no empty or partial PDF is left."""
    monkeypatch.setenv(pdf.ENV, "true")
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>i</title><p>index</p>", encoding="utf-8")
    assert pdf.write_pdfs(tmp_path, ["missing-folder"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]
    err = capsys.readouterr().err
    assert "--pdf: index.pdf not written: Chromium printed no PDF of index.html: exit status 0" in err
    assert "0 PDF(s) written" in err and "1 failed" in err
