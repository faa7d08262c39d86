"""What the speed work (issue 14) must keep: the same answers, and a light start.

No timings here (benchmarks/ prints those): the public names still import, ``python -m tco
--help`` loads none of the heavy libraries, and Erlang C without scipy equals the scipy form and
exact rational arithmetic.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT

from tco import capacity

HEAVY = ("numpy", "pandas", "pydantic", "scipy", "yaml")


def _modules_after(code: str) -> set[str]:
    """Top-level packages a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_help_loads_no_heavy_library():
    loaded = _modules_after("import contextlib, io\nfrom tco.cli import build_parser\n"
                            "with contextlib.redirect_stdout(io.StringIO()):\n"
                            "    try:\n        build_parser().parse_args(['--help'])\n"
                            "    except SystemExit:\n        pass")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("name", ["search-cascade", "llm-rerank-cloud", "moe-query-understanding-h20"])
def test_evaluate_command_loads_no_scipy(name):
    loaded = _modules_after("import contextlib, io\nfrom tco.cli import main\n"
                            "with contextlib.redirect_stdout(io.StringIO()):\n"
                            f"    main(['evaluate', 'data/scenarios/{name}.yaml'])")
    assert "scipy" not in loaded


def test_import_tco_is_light_and_the_public_names_still_import():
    assert not _modules_after("import tco") & set(HEAVY)
    import tco
    from tco import Catalog, CatalogError, CostReport, Scenario, ScenarioError, evaluate, load_catalog, load_scenario
    from tco import repo_path

    report = evaluate(load_scenario(repo_path("data/scenarios/paper-example.yaml")))
    assert isinstance(report, CostReport) and isinstance(load_catalog(), Catalog)
    assert issubclass(ScenarioError, ValueError) and issubclass(CatalogError, Exception) and Scenario
    assert callable(tco.catalog) and isinstance(tco.catalog(), Catalog)  # the function, not the submodule
    assert tco.sizing.size_model and tco.uncertainty.monte_carlo  # submodules as attributes, as before
    assert set(tco.__all__) <= set(dir(tco))
    with pytest.raises(AttributeError):
        tco.no_such_name  # noqa: B018


# --- Erlang C without scipy --------------------------------------------------------------------
def erlang_c_scipy(servers, load):
    """The scipy form Erlang C was computed with before (Poisson pmf over the regularised gamma)."""
    from scipy.special import gammaincc, gammaln

    c, a = np.asarray(servers, dtype=float), np.asarray(load, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_pmf = c * np.log(np.where(a > 0, a, 1.0)) - a - gammaln(c + 1.0)
        cdf = gammaincc(c + 1.0, a)
        b = np.where(cdf > 0, np.exp(log_pmf) / cdf, 1.0)
        result = c * b / (c - a * (1.0 - b))
    return np.where(a <= 0, 0.0, np.where(a >= c, 1.0, result))


def erlang_c_exact(servers: int, load: float) -> float:
    """Erlang C in exact rational arithmetic: B = (A^c/c!) / sum_k A^k/k!, C = cB / (c - A(1 - B))."""
    a = Fraction(load)
    if a <= 0:
        return 0.0
    if a >= servers:
        return 1.0
    term = total = Fraction(1)
    for k in range(1, servers + 1):
        term = term * a / k
        total += term
    b = term / total
    return float(servers * b / (servers - a * (1 - b)))


HAND = [(c, c * rho) for c in (1, 2, 3, 7, 20, 63, 64, 65, 100, 250) for rho in (1e-3, 0.1, 0.5, 0.9, 0.99, 0.9999)]


@pytest.mark.parametrize("servers, load", HAND)
def test_erlang_c_equals_exact_arithmetic(servers, load):
    expected = erlang_c_exact(servers, load)
    assert capacity.erlang_c(servers, load) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_erlang_c_equals_the_scipy_form_on_a_grid():
    c = np.repeat([1.0, 2.0, 5.0, 16.0, 64.0, 65.0, 128.0, 1000.0, 5000.0, 20000.0], 12)
    rho = np.tile([0.001, 0.05, 0.2, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0, 1.3], 10)
    ours, theirs = capacity.erlang_c(c, c * rho), erlang_c_scipy(c, c * rho)
    shown = theirs > 1e-290  # both underflow together below that
    np.testing.assert_allclose(ours[shown], theirs[shown], rtol=1e-9)
    assert np.all(ours[~shown] < 1e-280)


def test_erlang_c_fractional_servers_equal_the_scipy_form_on_a_grid():
    c = np.repeat([0.05, 0.5, 0.999, 1.5, 4.2, 9.99, 10.01, 33.3, 64.5, 777.7], 8)
    rho = np.tile([1e-9, 0.01, 0.3, 0.6, 0.9, 0.99, 0.9999, 1.0], 10)
    np.testing.assert_allclose(capacity.erlang_c(c, c * rho), erlang_c_scipy(c, c * rho), rtol=1e-9)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.one_of(st.integers(1, 64), st.integers(65, 5000)).map(float), st.floats(0.0, 1.2))
def test_erlang_c_equals_the_scipy_form(servers, utilisation):
    load = servers * utilisation
    expected = float(erlang_c_scipy(servers, load))
    assert capacity.erlang_c(servers, load) == pytest.approx(expected, rel=1e-9, abs=1e-290)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.floats(0.05, 300.0), st.floats(1e-6, 1.1))
def test_erlang_c_fractional_servers_equal_the_scipy_form(servers, utilisation):
    load = servers * utilisation
    expected = float(erlang_c_scipy(servers, load))
    assert capacity.erlang_c(servers, load) == pytest.approx(expected, rel=1e-9, abs=1e-290)


def test_erlang_c_thousands_of_servers_near_saturation():
    # the scipy form loses digits here (gammaln of 3e5 is 3.5e6); the B recurrence in floats does not
    c, a = 290_000, 290_000 * (1 - 1e-4)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    assert capacity.erlang_c(c, a) == pytest.approx(c * b / (c - a * (1 - b)), rel=1e-12)
    assert capacity.erlang_c(1e6, 5e5) == 0.0  # below the smallest double, no overflow on the way


def test_erlang_c_keeps_shapes_and_nans():
    out = capacity.erlang_c(np.array([[3.0], [100.0]]), np.array([2.0, 0.0, 150.0]))
    assert out.shape == (2, 3)
    assert out[0].tolist() == pytest.approx([4 / 9, 0.0, 1.0])
    assert np.isnan(capacity.erlang_c(np.nan, 1.0)) and np.isnan(capacity.erlang_c(3.0, np.nan))
