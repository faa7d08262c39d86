"""The sweep command: axes, the vectorised grid against one evaluation per point, crossovers, files."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tco import evaluate, load_scenario
from tco.cli import main
from tco.errors import ScenarioError
from tco.files import spreadsheet_safe
from tco.sweep import AS_WRITTEN, crossovers, parse_axis, sweep
from tco.variants import with_deployment

from conftest import scenario_path


def test_numeric_axes_evenly_and_geometrically_spaced():
    assert parse_axis("traffic.cache_hit_rate=0:0.5:3").values == (0.0, 0.25, 0.5)
    assert parse_axis("traffic.requests_per_day=1e6:1e8:3:log").values == pytest.approx((1e6, 1e7, 1e8))
    axis = parse_axis("models[1].serving.instance=g6.xlarge, g6e.xlarge")
    assert (axis.numeric, axis.values) == (False, ("g6.xlarge", "g6e.xlarge"))


@pytest.mark.parametrize("text, words", [
    ("traffic.requests_per_day", "expected a field path"),
    ("traffic=1:2", "three parts"),
    ("traffic.requests_per_day=1:0:0", "count between 1"),
    ("traffic.requests_per_day=0:10:3:log", "above 0"),
    ("a..b=1,2", "is not a field path"),
    ("traffic.cache_hit_rate=0.1,,0.2", "between its commas"),
])
def test_bad_axis_is_one_clear_message(text, words):
    with pytest.raises(ScenarioError) as info:
        parse_axis(text)
    message = str(info.value)
    assert words in message and "path=low:high:count" in message


def test_grid_equals_one_evaluation_per_point():
    """The vectorised pass costs each point as evaluate() costs that scenario written out."""
    s = load_scenario(scenario_path("llm-query-rewrite"))
    table = sweep(s, [parse_axis("traffic.requests_per_day=2e6:2e8:3:log")], api=True)
    api_label = [o for o in table.option.unique() if o != AS_WRITTEN][0]
    for q in (2e6, 2e7, 2e8):
        d = s.model_dump(mode="json", exclude_unset=True)
        d["traffic"]["requests_per_day"] = q
        point = load_scenario(d)
        mine = table[(table.option == AS_WRITTEN) & np.isclose(table["traffic.requests_per_day"], q)]
        assert float(mine.per_day.iloc[0]) == pytest.approx(evaluate(point).per_day, rel=1e-9)
        api = with_deployment(point, 0, {"deployment": "api", "api_model": s.models[0].api_alternative})
        theirs = table[(table.option == api_label) & np.isclose(table["traffic.requests_per_day"], q)]
        assert float(theirs.per_day.iloc[0]) == pytest.approx(evaluate(api).per_day, rel=1e-9)
        assert float(mine.compute.iloc[0]) == pytest.approx(evaluate(point).by_dimension()["compute"], rel=1e-9)


def test_list_axis_is_a_validated_edit():
    s = load_scenario(scenario_path("search-rerank-l4"))
    table = sweep(s, [parse_axis("models[0].serving.redundancy=0,2")], api=False)
    by = dict(zip(table["models[0].serving.redundancy"], table.per_day))
    assert by[2.0] > by[0.0]  # two spare replicas cost more than none
    with pytest.raises(ScenarioError, match="redundancy"):
        sweep(s, [parse_axis("models[0].serving.redundancy=-1,0")])


def test_crossover_by_hand():
    """As written 10, 12, 14; API 5, 10, 15 per day at q = 1, 2, 3: the difference -5, -2, +1
    changes sign between q = 2 and 3, at 2 + 2 / (2 + 1) = 2.667, where as written costs
    12 + 0.667 x 2 = 13.33."""
    import pandas as pd

    t = pd.DataFrame({"q": [1.0, 2.0, 3.0] * 2, "option": [AS_WRITTEN] * 3 + ["hosted API: m"] * 3,
                      "per_day": [10.0, 12.0, 14.0, 5.0, 10.0, 15.0]})
    [cross] = crossovers(t, "q")
    assert cross["q"] == pytest.approx(2 + 2 / 3)
    assert cross["per_day"] == pytest.approx(12 + 2 / 3 * 2)
    assert (cross["cheaper below"], cross["cheaper above"]) == ("hosted API: m", AS_WRITTEN)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_spreadsheet_text_never_starts_a_formula(text):
    safe = spreadsheet_safe(text)
    assert safe[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert safe.endswith(text)


def test_cli_writes_table_and_chart(tmp_path, capsys):
    out = tmp_path / "sweep"
    code = main(["sweep", str(scenario_path("llm-query-rewrite")), "--vary",
                 "traffic.requests_per_day=1e5:1e9:41:log", "--out", str(out)])
    assert code == 0
    assert {p.name for p in out.iterdir()} == {"sweep.csv", "sweep.xlsx", "sweep-traffic-requests_per_day.png"}
    printed = capsys.readouterr().out
    assert "82 points costed" in printed and "break-even at traffic.requests_per_day" in printed
    import pandas as pd

    table = pd.read_csv(out / "sweep.csv")
    assert len(table) == 82 and table.feasible.all()


def test_cli_bad_input_keeps_what_was_written(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", str(scenario_path("llm-query-rewrite")), "--vary",
                 "traffic.requests_per_day=1e6:1e7:3", "--out", str(out)]) == 0
    before = (out / "sweep.csv").read_bytes()
    code = main(["sweep", str(scenario_path("llm-query-rewrite")), "--vary", "traffic.cache_hit_rate=0:2:3",
                 "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "traffic.cache_hit_rate=2" in err and "less than or equal to 1" in err and "Traceback" not in err
    assert (out / "sweep.csv").read_bytes() == before


def test_grid_size_is_bounded():
    s = load_scenario(scenario_path("paper-example"))
    with pytest.raises(ScenarioError, match="more than"):
        sweep(s, [parse_axis("traffic.requests_per_day=1:2:1000"), parse_axis("traffic.cache_hit_rate=0:0.5:1000")])
