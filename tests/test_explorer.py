"""The explorer without a browser: set widget values, click buttons, compare with tco.evaluate."""

import copy
from pathlib import Path
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT, SCENARIOS
from tco import evaluate, load_scenario
from tco.explorer import Explorer
from tco.scenario import parse_scenario

CASCADE = SCENARIOS / "search-cascade.yaml"


def raw(name="search-cascade"):
    """The scenario as the explorer shows it: inputs written as ranges at their point values."""
    from tco.ranges import extract

    return extract(yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8")))[0]


def expected(data) -> dict:
    report = evaluate(parse_scenario(data), compare=False)
    return {**report.totals, **{f"{d}_per_day": v for d, v in report.by_dimension().items()}}


def assert_shows(ex, data):
    want = expected(data)
    got = ex.figures()
    assert got == pytest.approx(want, rel=1e-12)
    assert f"{want['per_day']:,.2f} CNY" in ex.totals.value


@pytest.fixture
def ex():
    return Explorer(CASCADE)


def test_loads_the_scenario_as_evaluate_does(ex):
    assert_shows(ex, raw())
    assert "no change" in ex.totals.value


def test_traffic_controls(ex):
    data = raw()
    ex.requests.value = 8e7
    data["traffic"]["requests_per_day"] = 8e7
    assert_shows(ex, data)
    assert "+" in ex.totals.value and "%" in ex.totals.value  # the change against the loaded scenario
    ex.cache.value = 0.5
    data["traffic"]["cache_hit_rate"] = 0.5
    assert_shows(ex, data)
    ex.profile.value = "flat"
    data["traffic"]["hourly_profile"] = "flat"
    assert_shows(ex, data)
    assert ex.peak.disabled  # a flat profile has no peak to stretch


def test_peak_to_average(ex):
    ex.peak.value = 1.5
    data = raw()
    data["traffic"]["peak_to_average"] = 1.5
    assert_shows(ex, data)


def test_model_controls(ex):
    data = raw()
    llm = ex.model_controls[2]
    llm["serving"].value = ("api", "qwen-plus")
    data["models"][2]["serving"] = {"deployment": "api", "api_model": "qwen-plus"}
    data["models"][2].pop("api_alternative")
    data["models"][2].pop("latency_slo_ms")
    assert_shows(ex, data)
    small = ex.model_controls[0]
    small["utilization"].value = 0.85
    data["models"][0]["serving"]["utilization_target"] = 0.85
    assert_shows(ex, data)
    small["billing"].value = "provisioned"
    data["models"][0]["serving"]["billing"] = "provisioned"
    assert_shows(ex, data)
    small["slo"].value = 0
    data["models"][0].pop("latency_slo_ms")
    assert_shows(ex, data)
    small["precision"].value = "fp16"
    data["models"][0]["precision"] = "fp16"
    assert_shows(ex, data)


def test_a_size_change_scales_the_model(ex):
    data = raw()
    big = ex.model_controls[1]
    base = data["models"][1]["parameters"]
    big["parameters"].value = base * 2
    data["models"][1]["parameters"] = base * 2
    data["models"][1]["embedding_parameters"] *= 2
    assert ex.figures()["compute_per_day"] > expected(raw())["compute_per_day"]
    assert_shows(ex, data)


def test_on_premises_and_an_unpriced_plan(ex):
    llm = ex.model_controls[2]
    llm["serving"].value = ("on_prem", "H100-SXM")
    assert ex.report is not None
    assert ex.report.models.set_index("model").loc["llm-reranker-8b", "deployment"] == "on_prem"
    llm["serving"].value = ("cloud", "g6e.xlarge")
    llm["pricing"].value = "capacity_block"  # the catalog has no capacity block for g6e.xlarge
    assert "could not be priced" in ex.warnings.value  # unpriced, never a silent zero


def test_fusion_and_team(ex):
    data = raw()
    ex.escalation[0].value = 0.5
    data["fusion"]["escalation"] = [0.5, 0.1]
    assert_shows(ex, data)
    ex.strategy.value = "ensemble"
    data["fusion"]["strategy"] = "ensemble"
    data["fusion"].pop("escalation")
    assert_shows(ex, data)
    assert all(e.disabled for e in ex.escalation)
    fte = sum(r["fte"] for r in data["staff"]["roles"])
    ex.team.value = fte * 2
    for r in data["staff"]["roles"]:
        r["fte"] *= 2
    assert_shows(ex, data)
    ex.day_rate.value = 2000
    data["staff"]["day_rate"] = 2000
    assert_shows(ex, data)


def test_errors_show_in_the_panel(ex):
    ex.model_controls[0]["slo"].value = 1.0  # 1 ms: no fleet meets it
    assert ex.report is None and ex.figures() == {}
    assert "latency_slo_ms" in ex.message.value and "SLO" in ex.message.value
    assert "Traceback" not in ex.message.value
    ex.model_controls[0]["slo"].value = 80.0
    assert ex.report is not None and ex.message.value == ""


def test_reset(ex):
    ex.requests.value = 1e6
    ex.strategy.value = "stacking"
    ex.reset_button.click()
    assert_shows(ex, raw())
    assert ex.requests.value == pytest.approx(raw()["traffic"]["requests_per_day"])


def test_save_reproduces_the_figures_and_never_overwrites_silently(ex, tmp_path):
    ex.requests.value = 6e7
    ex.strategy.value = "ensemble"
    shown = ex.figures()
    target = tmp_path / "my scenario.yaml"
    ex.save_name.value = str(target)
    ex.save_button.click()
    assert target.exists() and "Saved" in ex.message.value
    saved = load_scenario(target)
    assert saved.name == "my-scenario"
    report = evaluate(saved, compare=False)
    assert report.totals == pytest.approx({k: shown[k] for k in report.totals}, rel=1e-12)
    check = subprocess.run([sys.executable, "-m", "tco", "validate", str(target)], cwd=ROOT, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stderr
    before = target.read_text(encoding="utf-8")
    ex.requests.value = 1e6
    ex.save_button.click()
    assert "exists" in ex.message.value and target.read_text(encoding="utf-8") == before
    ex.overwrite.value = True
    ex.save_button.click()
    assert target.read_text(encoding="utf-8") != before
    assert evaluate(load_scenario(target), compare=False).per_day == pytest.approx(ex.figures()["per_day"], rel=1e-12)


def test_load_another_scenario(ex):
    ex.picker.value = str(SCENARIOS / "paper-example.yaml")
    ex.load_button.click()
    assert_shows(ex, raw("paper-example"))
    ex.path_text.value = "no/such/file.yaml"
    ex.load_button.click()
    assert "not found" in ex.message.value
    assert_shows(ex, raw("paper-example"))  # the loaded scenario stays


def test_serving_options_are_the_accelerators_the_workbook_can_estimate():
    """An accelerator without a published dense peak or memory bandwidth (L20, A10G, Ascend 910B) cannot be
    sized from a roofline: the explorer does not offer it."""
    from tco.explorer import serving_options

    kinds = {value for _, value in serving_options()}
    assert ("on_prem", "H20") in kinds and ("on_prem", "B200") in kinds
    assert ("on_prem", "L20") not in kinds and ("on_prem", "A10G") not in kinds
    assert ("cloud", "ecs.gn8is-8x.32xlarge") not in kinds       # 8 x L20
    assert ("cloud", "p6-b200.48xlarge") in kinds and ("api", "deepseek-v3") in kinds


def test_the_list_shows_the_loaded_scenario_and_saving_defaults_outside_the_bundled_ones(ex):
    """The dropdown names what is on screen, and 'Save as' does not point into data/scenarios/, which
    `tco report` and the dropdown read (an explored copy would join the bundled scenarios)."""
    from tco.explorer import Explorer, SAVE_FOLDER

    other = Explorer(str(SCENARIOS / "paper-example.yaml"))
    other.load(str(SCENARIOS / "paper-example.yaml"))
    assert other.picker.value == str(SCENARIOS / "paper-example.yaml")
    target = Path(other.save_name.value)
    assert target.parent.name == SAVE_FOLDER and target.name == "paper-example-explored.yaml"
    assert SCENARIOS.resolve() not in target.resolve().parents


# -- the band of the total and the cost against traffic (issue 15, item 19) -----------------------
def money_text(value: float) -> str:
    return f"{value:,.2f} CNY"


def test_the_band_is_the_monte_carlo_percentiles_of_the_ranges(ex):
    """search-cascade writes 9 inputs as ranges: the band is P5 / P50 / P95 of monte_carlo over them,
    with the explorer's sample count and seed, and shows those figures."""
    from tco.explorer import BAND_SAMPLES, BAND_SEED
    from tco.uncertainty import monte_carlo

    want = monte_carlo(load_scenario(CASCADE), BAND_SAMPLES, BAND_SEED).percentiles().loc["total per day"]
    got = ex.band.percentiles().loc["total per day"]
    assert (got["P5"], got["P50"], got["P95"]) == (want["P5"], want["P50"], want["P95"])
    assert want["P5"] < want["P50"] < want["P95"]  # nine ranged inputs: a real spread
    for p in ("P5", "P50", "P95"):
        assert money_text(want[p]) in ex.band_view.value
    assert "4,000 samples of the 9 input(s)" in ex.band_view.value


def test_a_moved_input_leaves_the_band_and_is_held_at_its_value(ex):
    """Moving requests/day (a range in the file) to 8e7 fixes it there, as 'Save' would: the band is
    monte_carlo over the 8 other ranges, around the new total."""
    from tco.explorer import BAND_SAMPLES, BAND_SEED
    from tco.ranges import restore
    from tco.uncertainty import monte_carlo

    ex.requests.value = 8e7
    data = raw()
    data["traffic"]["requests_per_day"] = 8e7
    scenario = parse_scenario(restore(data, load_scenario(CASCADE).ranges))
    assert "traffic.requests_per_day" not in scenario.ranges and len(scenario.ranges) == 8
    want = monte_carlo(scenario, BAND_SAMPLES, BAND_SEED).percentiles().loc["total per day"]
    assert list(ex.band.inputs) == list(scenario.ranges)
    assert ex.band.percentiles().loc["total per day", "P95"] == want["P95"]
    assert ex.band.point_per_day == pytest.approx(ex.figures()["per_day"], rel=1e-12)
    # the ranges view (issue 15, item 19) lists all 9 of the file's ranges and says which one is held
    view = ex.band_view.value
    assert "The 9 input(s) written as ranges" in view
    assert view.count("<tr>") == 1 + 9 and view.count("held at the value on screen") == 1
    assert "Traffic: requests per day" in view and "traffic.requests_per_day" not in view


def test_a_scenario_without_ranges_says_so_in_one_sentence():
    ex = Explorer(SCENARIOS / "paper-example.yaml")
    assert ex.band is None
    text = ex.band_view.value
    assert text.startswith('<p class="tco-band">No band: this scenario writes no input as a range')
    assert text.count(". ") == 0 and text.endswith(".</p>")  # one sentence, no figures
    assert "P5" not in text and "CNY" not in text


def test_the_traffic_curve_is_evaluate_at_each_traffic_level(ex):
    """The curve runs from 40M / 1000 = 40,000 to 40M x 1000 = 4e10 requests per day; at both ends the
    scenario on screen (cache hit rate moved to 0.5) and its hosted-API option cost what evaluate()
    says for the same scenario at that traffic."""
    from tco.explorer import TRAFFIC

    ex.cache.value = 0.5
    table = ex.curve
    assert table[TRAFFIC].min() == pytest.approx(4e4, rel=1e-12)
    assert table[TRAFFIC].max() == pytest.approx(4e10, rel=1e-12)
    for traffic in (4e4, 4e10):
        data = raw()
        data["traffic"]["cache_hit_rate"] = 0.5
        data["traffic"]["requests_per_day"] = traffic
        api = copy.deepcopy(data)
        api["models"][2]["serving"] = {"deployment": "api", "api_model": "qwen-plus"}
        api["models"][2].pop("api_alternative")
        api["models"][2].pop("latency_slo_ms")
        row = table[(table[TRAFFIC] - traffic).abs() < traffic * 1e-9]
        mine = row[row.option == "as written"].per_day.item()
        hosted = row[row.option == "hosted API: llm-reranker-8b -> qwen-plus"].per_day.item()
        assert mine == pytest.approx(evaluate(parse_scenario(data), compare=False).per_day, rel=1e-9)
        assert hosted == pytest.approx(evaluate(parse_scenario(api), compare=False).per_day, rel=1e-9)
    assert table[table.option == "as written"].per_day.is_monotonic_increasing  # more traffic never costs less


def test_the_crossover_is_the_sweeps_break_even(ex):
    """The point marked is tco.sweep's break-even over the same grid; a tenth either side of it the
    hosted API and self-hosting swap places, as the sentence says."""
    from tco import sweep
    from tco.explorer import TRAFFIC

    table = sweep.sweep(load_scenario(CASCADE), [sweep.parse_axis(f"{TRAFFIC}=4e4:4e10:61:log")])
    want = sweep.crossovers(table, TRAFFIC)
    assert len(want) == 1 and ex.crossings == [pytest.approx(want[0])]
    at = want[0][TRAFFIC]
    for factor, api_cheaper in ((0.9, True), (1.1, False)):
        data = raw()
        data["traffic"]["requests_per_day"] = at * factor
        api = copy.deepcopy(data)
        api["models"][2]["serving"] = {"deployment": "api", "api_model": "qwen-plus"}
        api["models"][2].pop("api_alternative")
        api["models"][2].pop("latency_slo_ms")
        mine, hosted = (evaluate(parse_scenario(d), compare=False).per_day for d in (data, api))
        assert (hosted < mine) is api_cheaper
    assert f"Break-even: {at / 1e6:.3g}M requests/day (hosted API: llm-reranker-8b -&gt; qwen-plus cheaper below" \
        in ex.curve_view.value
    assert ex.curve_view.value.count('class="tco-crossing"') == 1


def test_without_an_api_alternative_the_curve_has_one_line_and_says_why():
    ex = Explorer(SCENARIOS / "paper-example.yaml")
    assert list(ex.curve.option.unique()) == ["as written"] and ex.crossings == []
    assert "No self-hosted model names an api_alternative" in ex.curve_view.value
    assert 'class="tco-curve-0"' in ex.curve_view.value and 'class="tco-curve-1"' not in ex.curve_view.value


def test_business_controls_move_the_net_value_as_evaluate_does():
    """llm-rerank-cloud: uplift to 1% and order value to 200 CNY give the net value evaluate() gives
    for the same edit of the file; the uplift range of the file is kept while the slider is not moved."""
    ex = Explorer(SCENARIOS / "llm-rerank-cloud.yaml")
    assert not ex.uplift.disabled and "Break-even uplift" in ex.business_view.value
    from tco.ranges import restore

    assert isinstance(restore(ex.scenario_data(), ex.ranges)["business"]["uplift"], dict)  # unmoved: still a range
    ex.uplift.value = 0.01
    ex.order_value.value = 200.0
    data = raw("llm-rerank-cloud")
    data["business"]["uplift"] = 0.01
    data["business"]["average_order_value"] = 200.0
    want = evaluate(parse_scenario(data)).business["net_value_per_day"]
    assert ex.report.business["net_value_per_day"] == pytest.approx(want, rel=1e-12)
    assert f"net value {want:,.2f} CNY/day" in ex.business_view.value
    assert Explorer(SCENARIOS / "paper-example.yaml").uplift.disabled  # no business section: nothing to move


def test_energy_on_screen_is_the_reports():
    """The explorer's energy line is the report's own headline (tco.footprint), and follows a
    change of traffic."""
    from tco.footprint import energy_lines

    ex = Explorer(SCENARIOS / "llm-rerank-onprem.yaml")
    assert energy_lines(ex.report.energy)[0] in ex.business_view.value
    before = ex.report.energy["kwh_per_day"]
    ex.requests.value = ex.requests.value * 2
    assert ex.report.energy["kwh_per_day"] > before
    assert energy_lines(ex.report.energy)[0] in ex.business_view.value
