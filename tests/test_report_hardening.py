"""Issue 16, hardening: scenario text never becomes Markdown or a spreadsheet formula, ``report``
fails with one sentence on a bad ``--out``, stops cleanly on Ctrl-C, and a killed run leaves
nothing visible and nothing the next run keeps.

The chapters are rendered for real (papermill through :func:`tco.batch.run_reports`), as in
tests/test_reports.py. The kernel and the subprocesses import ``tco`` from this checkout.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tco import batch
from tco.files import csv_text, leftovers, markdown_safe, remove_leftovers, spreadsheet_safe

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib"
SCENARIOS = ROOT / "data" / "scenarios"
CHAPTERS = list(batch.CHAPTER_FILES)

TITLE_LINK = "[click](javascript:alert(1))"
TITLE_FORMULA = '=HYPERLINK("http://x","y")'
HOSTILE_TEXTS = {
    "title": TITLE_LINK + " ![img](javascript:alert(2)) **bold** <javascript:alert(3)>",
    "model": "[m](javascript:alert(4))",
    "source": "# heading | [s](javascript:alert(5))",
    "role": "@SUM(1)",
}

# Every environment a kernel or subprocess starts from: tco from this checkout, not from the main one.
os.environ["PYTHONPATH"] = os.pathsep.join([str(LIB), *filter(None, [os.environ.get("PYTHONPATH")])])


def _hostile(data: dict, title: str) -> dict:
    data["name"] = "hostile-md"
    data["title"] = title
    data["description"] = "- a list\n\n> a quote [d](javascript:alert(6))"
    data["models"][0]["name"] = HOSTILE_TEXTS["model"]
    data["models"][0]["throughput_source"] = "[t](javascript:alert(7)) www.evil.example a@b.example"
    data["data"]["sources"][0]["name"] = HOSTILE_TEXTS["source"]
    data["staff"]["roles"] = [{"role": HOSTILE_TEXTS["role"], "fte": 0.5, "annual_cost": 100000},
                              {"role": "-1+2 `code` $x$ _em_ ~~s~~", "fte": 0.5, "annual_cost": 100000}]
    data["assumptions"] = ["1. an ordered list", "| a | table |", "<img src=x onerror=alert(8)>"]
    return data


@pytest.fixture(scope="module")
def hostile_set(tmp_path_factory):
    """One hostile scenario (a Markdown link as its title) through all six chapters, and a second
    one (a formula as its title) through the summary only, into one report set."""
    tmp = tmp_path_factory.mktemp("hostile")
    base = yaml.safe_load((SCENARIOS / "paper-example.yaml").read_text(encoding="utf-8"))
    (tmp / "md.yaml").write_text(yaml.safe_dump(_hostile(base, HOSTILE_TEXTS["title"]), allow_unicode=True),
                                 encoding="utf-8")
    formula = _hostile(yaml.safe_load((SCENARIOS / "paper-example.yaml").read_text(encoding="utf-8")), TITLE_FORMULA)
    formula["name"] = "hostile-formula"
    (tmp / "formula.yaml").write_text(yaml.safe_dump(formula, allow_unicode=True), encoding="utf-8")
    out = tmp / "out"
    status = batch.run_reports([str(tmp / "md.yaml")], out, jobs=1, chapters=CHAPTERS, progress=False)
    status2 = batch.run_reports([str(tmp / "formula.yaml")], out, jobs=1, chapters=["06-summary"], progress=False)
    return status, status2, out


def test_hostile_scenarios_are_reported(hostile_set):
    status, status2, out = hostile_set
    assert (status, status2) == (0, 0), (out / "hostile-md" / "error.txt").read_text() if status else ""
    assert sorted(p.name for p in (out / "hostile-md").glob("*.html")) == sorted(
        [f"{c}.html" for c in CHAPTERS] + ["warnings.html"])


def test_no_scenario_text_becomes_a_link_or_markup_in_any_page(hostile_set):
    _, _, out = hostile_set
    pages = [out / "index.html", *sorted(out.glob("hostile-*/*.html"))]
    assert len(pages) == 1 + (len(CHAPTERS) + 1) + 2  # the index, hostile-md's chapters and warnings, hostile-xlsx's two
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", text, re.I), page
        # the only links of a page are the report's own (chapters, index, anchors, notebooks)
        for href in re.findall(r'<a\s[^>]*href="([^"]*)"', text):
            assert re.fullmatch(r"(\.\./)?(index\.html|[\w-]+\.html|#[^\s\"]+|[\w-]+/[\w-]+\.html|summary\.(csv|xlsx)"
                                r"|https://[^\s\"]+)", href), (page, href)
        assert "<img src=x" not in text and "onerror=alert" not in text.replace("onerror=alert(8)&gt;", ""), page
        assert "<h1>heading" not in text and "<em>em</em>" not in text and "<del>s</del>" not in text, page
    summary = (out / "hostile-md" / "06-summary.html").read_text(encoding="utf-8")
    # the title is shown, literally, in the chapter's header (rendered Markdown) and banner
    assert "[click](javascript:alert(1))" in summary.replace("&#x27;", "'")
    data = (out / "hostile-md" / "01-data-cost.html").read_text(encoding="utf-8")
    assert "# heading | [s](javascript:alert(5))" in data


@pytest.mark.parametrize("text", [
    TITLE_LINK, "![i](x.png)", "<b>x</b> & y", "# h", "- x", "+ x", "12. x", "> q", "a | b", "`c`", "$x$",
    "*e* _e_ ~~s~~", "https://x.example/a www.x.example a@b.example", "<javascript:alert(1)>", "x\n===\n- y",
    "\\[x](y)", "[x]\n(y)", "    code"])
def test_markdown_safe_renders_literally(text):
    """nbconvert's Markdown (as the HTML pages are made) shows each text as written, as a paragraph
    and as a list item, with no tag but the paragraph's."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    import html as _html

    literal = " ".join(text.splitlines()).strip()
    for source, tags in ((markdown_safe(text), {"p"}), ("- " + markdown_safe(text), {"ul", "li"})):
        rendered = markdown2html_mistune(source).strip()
        assert set(re.findall(r"</?([a-z0-9]+)", rendered)) == tags, (text, rendered)
        assert _html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip() == literal, (text, rendered)


def test_markdown_safe_is_the_one_implementation():
    from tco import chapters

    assert chapters._md is markdown_safe and chapters.escape_markdown is markdown_safe


# ------------------------------------------------------------------------------------------
# Spreadsheets
# ------------------------------------------------------------------------------------------
def test_formula_like_text_is_text_in_summary_csv_and_xlsx(hostile_set):
    from openpyxl import load_workbook

    _, _, out = hostile_set
    rows = list(csv.DictReader(io.StringIO((out / "summary.csv").read_bytes().decode("utf-8"), newline="")))
    titles = {r["scenario"]: r["title"] for r in rows}
    assert titles["hostile-formula"] == "'" + TITLE_FORMULA
    for row in rows:
        for value in row.values():
            assert not value[:1] in ("=", "+", "@", "\t", "\r") and not re.match(r"-[^\d.]", value), row
    wb = load_workbook(out / "summary.xlsx")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in ("=", "+", "-", "@", "\t", "\r"), (ws.title, cell.value)
                    seen.add(cell.value)
                elif isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    assert cell.data_type == "n"
    assert "'" + TITLE_FORMULA in seen
    assert "role: @SUM(1)" in seen  # the role, in the line items


def test_workbook_cells_from_text_are_never_formulas(tmp_path):
    from openpyxl import load_workbook

    from tco.workbook import add_sheet, new_workbook, to_bytes

    import pandas as pd

    wb = new_workbook()
    add_sheet(wb, "S", pd.DataFrame({"role": ["@SUM(1)", TITLE_FORMULA, "-x", "+1", "\tt", "ok"],
                                     "cost_per_day": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0]}))
    (tmp_path / "s.xlsx").write_bytes(to_bytes(wb))
    ws = load_workbook(tmp_path / "s.xlsx")["S"]
    roles = [ws.cell(row=i, column=1) for i in range(2, 8)]
    assert [c.value for c in roles] == ["'@SUM(1)", "'" + TITLE_FORMULA, "'-x", "'+1", "'\tt", "ok"]
    assert {c.data_type for c in roles} == {"s"}
    assert ws.cell(row=2, column=2).value == -5.0 and ws.cell(row=2, column=2).data_type == "n"


def test_csv_text_keeps_numbers_and_quotes_formulas():
    import pandas as pd

    frame = pd.DataFrame({"=x": ["=1+1", "+1", "-a", "@b", "\tc", "\rd", "ok", "-5"], "n": [-1, 2, 3, 4, 5, 6, 7, 8],
                          "f": [-1.5] * 8})
    rows = list(csv.reader(io.StringIO(csv_text(frame), newline="")))
    assert rows[0] == ["'=x", "n", "f"]
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+1", "'-a", "'@b", "'\tc", "'\rd", "ok", "'-5"]
    assert [r[1] for r in rows[1:3]] == ["-1", "2"] and rows[1][2] == "-1.5"
    assert spreadsheet_safe(-3) == -3


def test_sweep_files_are_formula_safe(tmp_path):
    from openpyxl import load_workbook

    from tco import sweep
    from tco.scenario import load_scenario

    data = yaml.safe_load((SCENARIOS / "paper-example.yaml").read_text(encoding="utf-8"))
    data["title"] = TITLE_FORMULA
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    scenario = load_scenario(tmp_path / "s.yaml")
    table = sweep.sweep(scenario, [sweep.parse_axis("traffic.requests_per_day=1e5,2e5")])
    table["label"] = ["=cmd|' /C calc'!A0", "@SUM(1)"][: len(table)] * (len(table) // 2 or 1)
    sweep.write(table, scenario, tmp_path / "out")
    text = (tmp_path / "out" / "sweep.csv").read_text(encoding="utf-8")
    assert not re.search(r"(^|,)[=+@]", text, re.M)
    for ws in load_workbook(tmp_path / "out" / "sweep.xlsx").worksheets:
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


# ------------------------------------------------------------------------------------------
# Command line: a bad --out, Ctrl-C
# ------------------------------------------------------------------------------------------
def _tco(*args, **kwargs):
    env = dict(os.environ, PYTHONPATH=str(LIB), MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "tco", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120, **kwargs)


def _one_clean_line(result, path):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert str(path) in lines[0]
    return lines[0]


def test_out_naming_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("mine", encoding="utf-8")
    line = _one_clean_line(_tco("report", str(SCENARIOS / "paper-example.yaml"), "--out", str(target),
                                "--chapters", "06-summary", "--no-progress"), target)
    assert "not a folder" in line
    assert target.read_text(encoding="utf-8") == "mine" and sorted(os.listdir(tmp_path)) == ["taken"]


def test_out_with_a_missing_parent(tmp_path):
    target = tmp_path / "no" / "such" / "reports"
    line = _one_clean_line(_tco("report", str(SCENARIOS / "paper-example.yaml"), "--out", str(target),
                                "--no-progress"), target)
    assert "does not exist" in line and os.listdir(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores folder permissions")
def test_out_not_writable(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        for target in (locked, locked / "reports"):
            line = _one_clean_line(_tco("report", str(SCENARIOS / "paper-example.yaml"), "--out", str(target),
                                        "--no-progress"), target)
            assert "not writable" in line
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o700)


def test_out_not_writable_is_detected(tmp_path, monkeypatch):
    """The same check as root would make it if permissions applied (os.access says no)."""
    monkeypatch.setattr(batch.os, "access", lambda *a, **k: False)
    for target in (tmp_path, tmp_path / "reports"):
        with pytest.raises(batch.OutFolderError, match="not writable"):
            batch.check_out(target)


def _kernels_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (the kernels jupyter_client started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _start_report(out: Path, *scenarios: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(LIB), MPLBACKEND="Agg")
    return subprocess.Popen(
        [sys.executable, "-m", "tco", "report", *[str(SCENARIOS / f"{s}.yaml") for s in scenarios], "--out", str(out),
         "--chapters", "06-summary", "--no-progress", "--jobs", str(len(scenarios))],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # a shell's background job ignores it


def _wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _staging(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.name.startswith(".tco-staging-")] if out.exists() else []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the kernels")
def test_ctrl_c_stops_cleanly(tmp_path):
    out = tmp_path / "out"
    proc = _start_report(out, "paper-example", "search-rerank-l4")
    try:
        # wait until the chapters run: staging folders exist and the kernels have started
        assert _wait_for(lambda: len(_staging(out)) == 2 and _kernels_of(proc.pid), 90), proc.stderr
        kernels = _kernels_of(proc.pid)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [
        "interrupted; the reports already finished are kept, nothing half-written is visible"]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    assert not (out / "paper-example").exists() and not (out / "search-rerank-l4").exists()
    assert _wait_for(lambda: not any(Path(f"/proc/{k}").exists() for k in kernels), 10), "orphan kernels"


# ------------------------------------------------------------------------------------------
# Killed runs
# ------------------------------------------------------------------------------------------
def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)}


def test_sigkill_leaves_the_previous_report_intact_and_the_next_run_cleans_up(tmp_path):
    """SIGKILL at several moments of a run into a folder holding a complete report: the visible files
    stay byte for byte, no partly written file is visible, and the next run removes what is hidden."""
    out = tmp_path / "out"
    first = _start_report(out, "paper-example")
    assert first.wait(timeout=120) == 0, first.stderr.read()
    before = _snapshot(out)
    assert "paper-example/06-summary.html" in before and "summary.xlsx" in before

    moments = [
        ("just started", lambda: True),
        ("staging folder made", lambda: bool(_staging(out))),
        ("chapter running", lambda: any((s / "chapters").exists() or (s / "results.json").exists()
                                        for s in _staging(out))),
    ]
    for label, moment in moments:
        proc = _start_report(out, "paper-example")
        try:
            assert _wait_for(lambda: moment() or proc.poll() is not None, 90), label
            if label == "just started":
                time.sleep(0.5)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            proc.kill()
            proc.communicate()
        assert proc.returncode == -signal.SIGKILL, (label, proc.returncode)
        assert _snapshot(out) == before, label
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert hidden and all(p.startswith(".tco-") for p in hidden), hidden  # the killed runs' staging folders
    assert {p.name for p in leftovers(out, time.time() + 1)} == set(hidden)

    done = _start_report(out, "paper-example")
    assert done.wait(timeout=120) == 0, done.stderr.read()
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    after = _snapshot(out)
    assert set(after) == set(before)


def test_leftovers_are_only_our_own_and_older_than_the_run(tmp_path):
    out = tmp_path
    old = time.time() - 60
    names = {
        ".tco-staging-a-p999999999-abc123": True,  # a killed run's (no such process)
        ".tco-old-a-p999999999-140001": True,
        ".tco-tmp-summary.csv-p999999999-x_y1": True,
        ".a.k3j4h5g6": True,  # the form earlier versions wrote
        ".a.old-999999999-1": True,
        ".summary.xlsx.abcd1234": True,
        f".tco-staging-live-p{os.getpid()}-abc": True,  # this process: not "another run still writing"
        f".tco-staging-other-p{os.getppid()}-abc": False,  # a running process: left alone
        ".git": False, ".mine.notes": False, ".tco-staging-x": False, "report": False, ".hidden.file1234x": False,
    }
    for name in names:
        path = out / name
        path.mkdir() if "summary" not in name else path.write_text("x")
        os.utime(path, (old, old))
    recent = out / ".tco-staging-b-p999999999-new1"
    recent.mkdir()  # made after the run started: another run's, not a leftover
    started = time.time() - 1
    removed = {p.name for p in remove_leftovers(out, started)}
    assert removed == {n for n, gone in names.items() if gone}
    assert recent.exists() and all((out / n).exists() for n, gone in names.items() if not gone)


class _StallingKernels:
    """Stands in for ``_Worker._start_kernel``: the first ``stalls`` starts fail as a loaded machine's do."""

    def __init__(self, stalls):
        self.stalls, self.calls, self.closed = stalls, 0, 0

    def start(self, worker):
        self.calls += 1
        worker.km = object()  # a kernel half started: close() must shut it down
        if self.calls <= self.stalls:
            raise RuntimeError("Kernel didn't respond in 120 seconds")
        return worker.km

    def close(self, worker):
        self.closed += 1
        worker.km = None


def _worker_with(monkeypatch, kernels):
    monkeypatch.setattr(batch._Worker, "_start_kernel", lambda worker: kernels.start(worker))
    monkeypatch.setattr(batch._Worker, "close", lambda worker: kernels.close(worker))
    return batch._Worker(), batch.Timings()


def test_a_kernel_that_stalls_is_replaced_not_charged_to_the_chapter(monkeypatch):
    """CI of 2026-12-06: one kernel of two started at once did not answer in 120 s and the chapter
    was reported failed. A stalled start is shut down and a new kernel started."""
    kernels = _StallingKernels(stalls=batch.KERNEL_START_TRIES - 1)
    worker, timings = _worker_with(monkeypatch, kernels)
    km = worker.kernel(timings)
    assert km is worker.km and km is not None
    assert (kernels.calls, kernels.closed) == (batch.KERNEL_START_TRIES, batch.KERNEL_START_TRIES - 1)


def test_a_kernel_that_never_starts_says_so_and_names_jobs(monkeypatch):
    kernels = _StallingKernels(stalls=batch.KERNEL_START_TRIES)
    worker, timings = _worker_with(monkeypatch, kernels)
    with pytest.raises(RuntimeError) as err:
        worker.kernel(timings)
    assert str(err.value) == (f"the Jupyter kernel did not start in {batch.KERNEL_START_TRIES} tries "
                              "(last: Kernel didn't respond in 120 seconds); the machine may be overloaded: "
                              "run again with fewer --jobs")
    assert kernels.calls == kernels.closed == batch.KERNEL_START_TRIES and worker.km is None


def test_a_kernel_stopped_by_ctrl_c_is_not_started_again(monkeypatch):
    """Ctrl-C shuts down the kernel a worker is starting; its failed start must not be retried, or the
    run would wait for a new kernel before it stops (test_ctrl_c_stops_cleanly)."""
    kernels = _StallingKernels(stalls=batch.KERNEL_START_TRIES)
    worker, timings = _worker_with(monkeypatch, kernels)
    batch._cancel.set()
    try:
        with pytest.raises(batch.Interrupted):
            worker.kernel(timings)
    finally:
        batch._cancel.clear()
    assert kernels.calls == kernels.closed == 1
