"""Plots draw the numbers they are given: bar lengths, positions, labels and markers read back from the
figure and compared with the inputs (and, for the cost charts, with values derived by hand), not with
pixel counts or file sizes.

The cost charts use the CPU-fleet golden scenario (tests/test_golden_cpu_fleet.py): its two CPU lines
are derived there by hand (3 x 0.1785 x 6.7758 x 24 and 2 x 0.2016 x 6.7758 x 24 CNY/day).
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from test_golden_cpu_fleet import FEATURES_PER_DAY, ORCH_PER_DAY, scenario  # noqa: E402
from tco import evaluate, plots  # noqa: E402
from tco.dimensions import DIMENSIONS  # noqa: E402


@pytest.fixture(scope="module")
def report():
    return evaluate(scenario())


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def bars(ax):
    """(x, y, width, height) of every bar (Rectangle patch) drawn on ``ax``, in drawing order."""
    return [(p.get_x(), p.get_y(), p.get_width(), p.get_height()) for p in ax.patches]


def test_items_bar_draws_the_hand_derived_cpu_lines(report):
    fig = plots.items_bar(report, "compute")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    widths = dict(zip(labels, [b[2] for b in bars(ax)]))
    # the bars are the CPU lines of the golden, largest first: 87.083 then 65.568 CNY/day (12.852 and 9.6768 USD x 6.7758)
    assert widths["CPU: orchestration"] == pytest.approx(ORCH_PER_DAY, rel=1e-9)
    assert widths["CPU: orchestration"] == pytest.approx(87.083, abs=1e-3)
    assert widths["CPU: feature serving"] == pytest.approx(FEATURES_PER_DAY, rel=1e-9)
    shown = [b[2] for b in bars(ax)]
    assert shown == sorted(shown, reverse=True)
    # one bar per priced compute line, each with its own label
    compute = report.items[(report.items.dimension == "compute") & report.items.priced]
    assert len(shown) == len(compute)
    assert ax.get_xlabel() == "CNY per day"


def test_waterfall_steps_add_up_to_the_total(report):
    fig = plots.waterfall(report)
    ax = fig.axes[0]
    drawn = bars(ax)
    dims = report.by_dimension()
    assert len(drawn) == len(DIMENSIONS) + 1
    bottom = 0.0
    for (x, y, w, h), d in zip(drawn, DIMENSIONS):
        assert y == pytest.approx(bottom, rel=1e-12, abs=1e-12)   # each step starts where the last ended
        assert h == pytest.approx(dims[d], rel=1e-12, abs=1e-12)
        bottom += h
    # the last bar is the total of the report (an identity: the five dimensions add up to it)
    assert drawn[-1][1] == 0.0
    assert drawn[-1][3] == pytest.approx(report.totals["per_day"], rel=1e-9)
    # the compute step holds at least the two hand-derived CPU lines (163.860 CNY/day)
    assert drawn[list(DIMENSIONS).index("compute")][3] >= ORCH_PER_DAY + FEATURES_PER_DAY - 1e-9
    assert [t.get_text() for t in ax.get_xticklabels()] == [plots.ENGLISH[d] for d in DIMENSIONS] + ["Total"]


def test_stacked_by_model_rows_add_up_to_each_model(report):
    fig = plots.stacked_by_model(report)
    ax = fig.axes[0]
    by_model = report.by_model()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    totals = {}
    for p in ax.patches:
        row = labels[int(round(p.get_y() + p.get_height() / 2))]
        totals[row] = totals.get(row, 0.0) + p.get_width()
    assert set(totals) == set(by_model.index.astype(str))
    for name, value in by_model.items():
        assert totals[str(name)] == pytest.approx(value, rel=1e-9)
    # the CPU fleets are shared lines: the "(shared)" row holds at least their 163.860 CNY/day
    assert totals["(shared)"] >= ORCH_PER_DAY + FEATURES_PER_DAY - 1e-9


def test_validation_ratios_marks_servers_and_held_out_rows():
    checked = pd.DataFrame({
        "id": ["a-offline", "b-server", "c-held", "d-missing"],
        "ratio": [0.9, 1.3, 0.6, np.nan],
        "band_low": [0.8, 0.8, 0.5, 0.5],
        "band_high": [1.25, 1.25, 2.0, 2.0],
        "kind": ["encoder", "encoder", "generative", "generative"],
        "mode": ["offline", "server", "server", "offline"],
        "set": ["calibration", "calibration", "held out", "held out"],
    })
    fig = plots.validation_ratios(checked)
    ax = fig.axes[0]
    # the row without a ratio is left out; the others keep their order from the top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a-offline", "b-server", "c-held"]
    points = [ln for ln in ax.lines if ln.get_marker() in ("o", "D")]
    assert [float(ln.get_xdata()[0]) for ln in points] == [0.9, 1.3, 0.6]
    assert [float(ln.get_ydata()[0]) for ln in points] == [0.0, 1.0, 2.0]
    # server rows are diamonds (the bug read the pandas method Series.mode and drew every row as a circle)
    assert [ln.get_marker() for ln in points] == ["o", "D", "D"]
    # held-out rows are hollow
    assert [ln.get_markerfacecolor() for ln in points][2] in ("white", (1.0, 1.0, 1.0, 1.0))
    assert points[0].get_markerfacecolor() != "white"
    bands = [ln for ln in ax.lines if ln.get_linewidth() == 7]
    assert [list(map(float, ln.get_xdata())) for ln in bands] == [[0.8, 1.25], [0.8, 1.25], [0.5, 2.0]]


def test_tornado_bars_run_from_the_point_to_each_end():
    point = 1000.0
    table = pd.DataFrame({
        "input": ["price", "traffic"], "range": ["", ""], "low": [1.0, 2.0], "high": [3.0, 4.0],
        "total at low": [800.0, 950.0], "total at high": [1300.0, np.nan], "swing": [500.0, 50.0]})
    fig = plots.tornado(table, point, "CNY")
    ax = fig.axes[0]
    drawn = bars(ax)
    # rows are drawn bottom-up (widest swing on top): traffic (y 0) first, then price (y 1)
    # traffic: low end 950 - 1000 = -50; its high end is not served (no bar, an annotation)
    # price: 800 - 1000 = -200 and 1300 - 1000 = +300, each bar starting at the point
    assert [(x, round(w, 9)) for x, _, w, _ in drawn] == [(1000.0, -50.0), (1000.0, -200.0), (1000.0, 300.0)]
    assert [round(y + h / 2, 9) for _, y, _, h in drawn] == [0.0, 1.0, 1.0]
    assert [t.get_text() for t in ax.texts] == ["not served"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[1].startswith("price") and labels[0].startswith("traffic")


def test_sobol_bars_are_the_indices():
    table = pd.DataFrame({"input": ["price", "traffic"], "S1": [0.6, -0.02], "ST": [0.7, 0.25],
                          "S1 conf": [0.05, 0.05], "ST conf": [0.05, 0.05]})
    fig = plots.sobol_bars(table)
    ax = fig.axes[0]
    widths = [w for _, _, w, _ in bars(ax)]
    # drawn bottom-up: ST of traffic, ST of price, then S1 of traffic (negative, clipped to 0), S1 of price
    assert widths == pytest.approx([0.25, 0.7, 0.0, 0.6])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["traffic", "price"]
    assert ax.get_xlim() == (0.0, 1.0)


def test_hourly_fleet_steps_are_the_table():
    hourly = pd.DataFrame({"hour": range(24), "requests/s": np.arange(24) * 2.0,
                           "m (provisioned)": [5.0] * 24, "m (autoscaled)": [1.0 + h // 6 for h in range(24)]})
    fig = plots.hourly_fleet(hourly)
    top, bottom = fig.axes
    assert list(top.lines[0].get_ydata()) == list(np.arange(24) * 2.0)
    provisioned, autoscaled = bottom.lines
    assert list(provisioned.get_ydata()) == [5.0] * 24 and provisioned.get_linestyle() == "--"
    assert list(autoscaled.get_ydata()) == [1.0 + h // 6 for h in range(24)] and autoscaled.get_linestyle() == "-"
