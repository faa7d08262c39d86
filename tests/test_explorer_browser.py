"""The explorer in a real browser: JupyterLab and Voilà served on a free local port, driven by
Playwright in headless Chromium (Debian's binary). Move a control, check the total shown."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SCENARIOS
from tco import evaluate
from tco.scenario import parse_scenario

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium'; "
                                                        ".ci/run installs it); the browser test cannot run here")
BIN = Path(sys.executable).parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
TOKEN = "tco-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 90) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except Exception:
            time.sleep(0.5)
    raise TimeoutError(url)


def expected_total(profile: str) -> str:
    data = yaml.safe_load((SCENARIOS / "search-cascade.yaml").read_text(encoding="utf-8"))
    data["traffic"]["hourly_profile"] = profile
    return f"{evaluate(parse_scenario(data), compare=False).per_day:,.2f} CNY"


def server(args: list[str], tmp_path: Path):
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"),
               MPLBACKEND="Agg")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@contextmanager
def browser_page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            browser.close()


def change_profile_and_check(page):
    total = page.locator(".tco-total-day")
    total.wait_for(timeout=180_000)
    assert total.inner_text() == expected_total("ecommerce")
    page.locator(".tco-profile select").select_option("flat")
    want = expected_total("flat")
    page.wait_for_function(f"() => document.querySelector('.tco-total-day').innerText === {want!r}", timeout=60_000)
    assert total.inner_text() == want != expected_total("ecommerce")


def test_jupyterlab_runs_the_explorer_and_a_control_changes_the_total(tmp_path):
    port = free_port()
    proc = server([str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
                   f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={ROOT}", "--LabApp.expose_app_in_browser=True",
                   "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                  tmp_path)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/status?token={TOKEN}")
        with browser_page() as page:
            page.goto(f"http://127.0.0.1:{port}/lab/tree/notebooks/20-explorer.ipynb?token={TOKEN}")
            page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')",
                                   timeout=180_000)
            page.wait_for_function("() => { const k = document.querySelector('.jp-Notebook-ExecutionIndicator');"
                                   " return !k || k.getAttribute('data-status') === 'idle'; }", timeout=180_000)
            page.locator(".jp-Notebook .jp-Cell").first.click()  # Run > Run All Cells, as a person would
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            change_profile_and_check(page)
            page.screenshot(path=str(tmp_path / "jupyterlab.png"))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_voila_serves_the_explorer_without_code(tmp_path):
    port = free_port()
    proc = server([str(BIN / "voila"), "notebooks/20-explorer.ipynb", "--no-browser", f"--port={port}",
                   "--Voila.ip=127.0.0.1"], tmp_path)
    try:
        wait_http(f"http://127.0.0.1:{port}/")
        with browser_page() as page:
            page.goto(f"http://127.0.0.1:{port}/")
            change_profile_and_check(page)
            assert "from tco.explorer import" not in page.content()  # no code on the page
    finally:
        proc.terminate()
        proc.wait(timeout=30)
