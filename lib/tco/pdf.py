"""Report pages as PDF, printed by headless Chromium (``python -m tco report --pdf``).

Each scenario's summary page becomes ``<out>/<name>/summary.pdf`` and the index ``<out>/index.pdf``:
what a manager forwards without opening a browser. Chromium's own print-to-PDF is used (no Python
dependency); the pages need no network (:mod:`tco.offline_html`), so the PDF shows what the browser
shows. Chromium is the ``TCO_CHROMIUM`` environment variable, else the first of ``chromium``,
``chromium-browser`` and ``google-chrome`` on ``PATH``. Each PDF is printed into a temporary folder,
checked, and written atomically: a failed print leaves no PDF, not a broken one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .files import write_atomic

ENV = "TCO_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
#: Seconds one page may take to print (a cold start of Chromium on a busy machine takes a few).
TIMEOUT = 120
#: Exit status of ``report --pdf`` when no Chromium is found (the HTML reports are written anyway).
EXIT_NO_CHROMIUM = 2


class ChromiumMissing(RuntimeError):
    """No Chromium to print with; ``str()`` is one paragraph saying what to install or set."""


def find_chromium() -> str:
    """The Chromium executable: ``$TCO_CHROMIUM``, else the first of :data:`CANDIDATES` on ``PATH``."""
    given = os.environ.get(ENV, "").strip()
    if given:
        found = shutil.which(given)
        if found is None:
            raise ChromiumMissing(
                f"--pdf: {ENV} is set to {given!r}, which is not an executable program. Set {ENV} to the path "
                f"of a Chromium or Google Chrome executable (e.g. /usr/bin/chromium), or unset it to search "
                f"PATH for {', '.join(CANDIDATES)}.")
        return found
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumMissing(
        f"--pdf: no Chromium found to print the PDFs with (looked for {', '.join(CANDIDATES)} on PATH, and "
        f"{ENV} is not set). Install it (Debian/Ubuntu: apt-get install chromium) or set {ENV} to the path of "
        f"a Chromium or Google Chrome executable. The HTML reports were written; only the PDFs are missing.")


def page_count(data: bytes) -> int:
    """Pages in a PDF as Chromium writes it (its page objects are not compressed).

    >>> page_count(b"%PDF-1.4 << /Type /Pages /Count 2 >> << /Type /Page >> << /Type/Page/Parent 3 0 R >>")
    2
    """
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def without_local_links(page: str) -> str:
    """The page with its links to local files and anchors unlinked (their text stays): Chromium would
    write them into the PDF as absolute ``file://`` addresses of the machine that printed it, dead
    wherever the PDF is forwarded. Web links stay.

    >>> without_local_links('<a href="a/06-summary.html">A</a> <a class="x" href="#top">¶</a> <a href="https://w.org">w</a>')
    '<a>A</a> <a class="x">¶</a> <a href="https://w.org">w</a>'
    """
    return re.sub(r'(<a\b[^>]*?)\s+href="(?!https?:|mailto:)[^"]*"', r"\1", page)


def print_pdf(chromium: str, page: Path, target: Path) -> None:
    """Print the HTML ``page`` to the PDF ``target`` (Chromium's default paper, no header or footer);
    raise ``RuntimeError`` with Chromium's message when no valid PDF comes out.

    A copy without local links is printed (:func:`without_local_links`); the report pages are
    self-contained, so the copy looks the same from a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="tco-pdf-") as tmp:
        copy, out = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        copy.write_text(without_local_links(Path(page).read_text(encoding="utf-8")), encoding="utf-8")
        args = [chromium, "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
                f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={out}", copy.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"Chromium took more than {TIMEOUT} s to print {page.name}") from None
        data = out.read_bytes() if out.exists() else b""
        if not data.startswith(b"%PDF") or page_count(data) < 1:
            detail = (done.stderr or "").strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
            raise RuntimeError(f"Chromium printed no PDF of {page.name}: {detail[0]}")
        write_atomic(target, data)


def write_pdfs(out: Path, names: list[str]) -> int:
    """``summary.pdf`` for each scenario folder of ``names`` that has a summary page, and
    ``index.pdf``; messages on stderr. Exit status: 0, 1 if a page failed to print, or
    :data:`EXIT_NO_CHROMIUM`."""
    try:
        chromium = find_chromium()
    except ChromiumMissing as exc:
        print(exc, file=sys.stderr)
        return EXIT_NO_CHROMIUM
    out = Path(out)
    jobs = [(out / name / "06-summary.html", out / name / "summary.pdf") for name in names]
    jobs = [job for job in jobs if job[0].exists()] + [(out / "index.html", out / "index.pdf")]
    failed = 0
    for page, target in jobs:
        try:
            print_pdf(chromium, page, target)
        except (RuntimeError, OSError) as exc:
            failed += 1
            print(f"--pdf: {target.relative_to(out)} not written: {exc}", file=sys.stderr)
    print(f"{len(jobs) - failed} PDF(s) written to {out}/, {failed} failed", file=sys.stderr)
    return 1 if failed else 0
