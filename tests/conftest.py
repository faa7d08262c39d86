"""Shared fixtures: paths in the repository and a quiet matplotlib backend."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]

_approx = pytest.approx


def _relative_approx(expected, rel=None, abs=None, nan_ok=False):
    """``pytest.approx`` where a relative tolerance given alone is the whole tolerance.

    pytest keeps its default absolute tolerance (1e-12) beside a ``rel`` given alone, so
    ``4.66e-90 == approx(4.67e-90, rel=1e-12)`` passes: a check of a small number (a probability,
    an Erlang C, a share) to a relative tolerance would not check it. Here ``rel`` without ``abs``
    means ``abs=0``; a test that means an absolute tolerance says so with ``abs``.
    """
    if rel is not None and abs is None:
        abs = 0.0
    return _approx(expected, rel=rel, abs=abs, nan_ok=nan_ok)


pytest.approx = _relative_approx
SCENARIOS = ROOT / "data" / "scenarios"


@pytest.fixture
def root() -> Path:
    return ROOT


def scenario_path(name: str) -> Path:
    return SCENARIOS / f"{name}.yaml"


def bundled_scenarios() -> dict[str, dict]:
    """Each bundled scenario (data/scenarios/*.yaml) as the mapping read from its file, by file stem;
    inputs written as ranges stay ranges. A fresh copy on every call."""
    import yaml

    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(SCENARIOS.glob("*.yaml"))}


def pytest_sessionstart(session):
    """CI (``.ci/run`` sets TCO_REQUIRE_CHROMIUM=1) must not go green with the browser checks
    skipped: without Chromium the run stops at once with one line saying so. A developer's run
    without the variable skips those tests with their reason instead."""
    import os
    import shutil

    if os.environ.get("TCO_REQUIRE_CHROMIUM") == "1" and not (shutil.which("chromium")
                                                               or shutil.which("chromium-browser")):
        raise pytest.UsageError("TCO_REQUIRE_CHROMIUM=1 but Chromium is not installed: the browser checks of the "
                                "reports and the explorer would be skipped (install the Debian package 'chromium')")
