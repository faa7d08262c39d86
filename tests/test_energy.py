"""Energy and carbon (issue 17, part 3): tco.energy formulas, tco.footprint, grid_intensity.csv.

Hand calculations are written out; catalog figures used: H100-SXM TDP 700 W (accelerators.csv),
PUE 1.56, server power overhead 1.5, idle power 0.2 of rated, load factor 0.6 for training runs,
China electricity 0.651886 CNY/kWh (onprem.csv, State Grid Hubei, January 2026), CNY 6.7758 per USD (fx.csv, FRED EXCHUS June 2026), China grid 536.6
gCO2e/kWh (MEE 2022 national factor, grid_intensity.csv), US 390.1 g/kWh (EIA 2022).
"""

import copy
import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml

import tco
from conftest import scenario_path
from tco import ScenarioError, dimensional, energy, evaluate, footprint, load_scenario
from tco.catalog import CATALOG_DIR, load_catalog
from tco.uncertainty import ENERGY_ROWS, monte_carlo

FX = 6.7758


def base() -> dict:
    """One 335 M-parameter encoder on cloud g6.xlarge (L4, us-east-1), CNY."""
    return {
        "name": "energy", "currency": "CNY", "as_of": "2026-11-22",
        "traffic": {"requests_per_day": 1_000_000, "cache_hit_rate": 0.2, "hourly_profile": "ecommerce"},
        "models": [{"name": "rerank", "kind": "encoder", "parameters": 3.35e8, "precision": "bf16",
                    "items_per_request": 20, "input_tokens_per_item": 64,
                    "serving": {"deployment": "cloud", "instance": "g6.xlarge", "utilization_target": 0.7}}],
        "storage": {"registry_tier": "s3-standard"},
    }


def api_model() -> dict:
    return {"name": "rewrite", "kind": "generative", "parameters": 8e9, "precision": "bf16",
            "input_tokens_per_item": 60, "output_tokens": 30,
            "serving": {"deployment": "api", "api_model": "gpt-4o-mini"}}


# -- the formulas, by hand ------------------------------------------------------------------------
def test_eight_h100_by_hand():
    # 8 H100 SXM at 700 W, idle fraction f = 0.2, utilisation u = 0.5, host overhead 1.5:
    #   P = 1.5 x 0.7 kW x (0.2 + 0.8 x 0.5) = 1.05 x 0.6 = 0.63 kW per GPU with its server share
    power = energy.accelerator_power_kw(0.7, 0.2, 0.5, 1.5)
    assert power == pytest.approx(0.63, rel=1e-12)
    # 24 h: 8 x 24 = 192 GPU-hours; x 0.63 kW x PUE 1.56 = 188.6976 kWh/day
    kwh = energy.energy_kwh_per_day(8 * 24, power, 1.56)
    assert kwh == pytest.approx(188.6976, rel=1e-12)
    # China grid 536.6 g/kWh: 188.6976 x 536.6 / 1e6 = 0.101255 tCO2e/day, 36.958 t/year
    t = energy.emissions_tco2e_per_day(kwh, 536.6)
    assert t == pytest.approx(0.10125513, rel=1e-7)
    assert t * 365 == pytest.approx(36.958, abs=1e-3)
    # 4 million requests a day: 0.0471744 kWh and 25.314 gCO2e per 1,000 requests
    per_1k = energy.kwh_per_1k_requests(kwh, 4e6)
    assert per_1k == pytest.approx(0.0471744, rel=1e-12)
    assert energy.gco2e_per_1k_requests(per_1k, 536.6) == pytest.approx(25.31378, rel=1e-6)
    # idle and flat out: f x rated and rated (x host)
    assert energy.accelerator_power_kw(0.7, 0.2, 0.0, 1.5) == pytest.approx(0.21)
    assert energy.accelerator_power_kw(0.7, 0.2, 1.0, 1.5) == pytest.approx(1.05)


def test_formulas_are_vectorised():
    u = np.array([0.0, 0.5, 1.0])
    assert np.allclose(energy.accelerator_power_kw(0.7, 0.2, u), [0.14, 0.42, 0.7])
    assert energy.energy_kwh_per_day(np.arange(3.0), 1.0, 1.5).shape == (3,)


@pytest.mark.parametrize("name", ["accelerator_power_kw", "energy_kwh_per_day", "emissions_tco2e_per_day",
                                  "kwh_per_1k_requests", "gco2e_per_1k_requests"])
def test_units(name):
    result = dimensional.check(getattr(energy, name))
    assert result.ok, result
    assert getattr(energy, name) in dimensional.formula_functions()


# -- on premises: the electricity cost and the estimate share one power figure ------------------------
def test_onprem_kwh_times_price_is_the_electricity_cost():
    data = yaml.safe_load(scenario_path("llm-rerank-onprem").read_text())
    report = evaluate(load_scenario(copy.deepcopy(data)), compare=False)
    free = copy.deepcopy(data)
    free.setdefault("on_prem", {})["electricity_price_per_kwh"] = 0.0
    without = evaluate(load_scenario(free), compare=False)
    electricity = report.by_dimension()["compute"] - without.by_dimension()["compute"]
    e = report.energy
    assert not e["estimate"]
    price = 0.651886  # China electricity, CNY/kWh (onprem.csv: State Grid Hubei, two-part 1-10 kV, January 2026)
    assert e["kwh_per_day"] * price == pytest.approx(electricity, rel=1e-9)
    # fleet by fleet: serving at the fleet's utilisation, training at the load factor it is priced at
    serving, training = e["fleets"]
    m = report.models.iloc[0]
    assert serving["utilisation"] == pytest.approx(m.utilisation_mean)
    assert serving["power_kw_per_accelerator"] == pytest.approx(0.7 * 1.5 * (0.2 + 0.8 * m.utilisation_mean))
    assert serving["kwh_per_day"] == pytest.approx(576 * serving["power_kw_per_accelerator"] * 1.56)  # 3 servers x 8 x 24
    assert training["power_kw_per_accelerator"] == pytest.approx(0.7 * 1.5 * 0.6)
    # the price of a server-hour holds that same draw
    hour = m.price_per_instance_hour / 8
    capex = 189_637 / 8 * FX  # catalog h100-hgx-hyperscaler-2025: 23,704.625 USD per GPU = 160,617.80 CNY
    rest = capex / (5 * 8760) + 0.2 * capex / 8760 + 1500 / (365 / 12 * 24)
    assert hour - rest == pytest.approx(serving["power_kw_per_accelerator"] * 1.56 * price, rel=1e-9)


def test_onprem_figures_by_hand():
    e = evaluate(scenario_path("llm-rerank-onprem")).energy
    serving = e["fleets"][0]
    u = serving["utilisation"]                               # 0.3056
    kwh = 576 * 0.7 * 1.5 * (0.2 + 0.8 * u) * 1.56            # 419.4 kWh/day
    assert serving["kwh_per_day"] == pytest.approx(kwh, rel=1e-9)
    assert serving["tco2e_per_day"] == pytest.approx(kwh * 536.6 / 1e6, rel=1e-9)
    assert e["tco2e_per_year"] == pytest.approx(e["tco2e_per_day"] * 365)
    assert e["gco2e_per_1k_requests"] == pytest.approx(e["tco2e_per_day"] * 1e6 / 4e7 * 1000)
    assert e["kwh_per_1k_requests"] == pytest.approx(e["kwh_per_day"] / 4e7 * 1000)


def test_load_factor_given_replaces_the_utilisation_model():
    data = yaml.safe_load(scenario_path("llm-rerank-onprem").read_text())
    data.setdefault("on_prem", {})["load_factor"] = 0.9
    e = evaluate(load_scenario(data), compare=False).energy
    assert e["fleets"][0]["power_kw_per_accelerator"] == pytest.approx(0.7 * 1.5 * 0.9)


# -- cloud: an estimate, on the instance's grid ------------------------------------------------
def test_cloud_is_an_estimate_on_the_instance_grid():
    report = evaluate(load_scenario(base()), compare=False)
    e = report.energy
    (fleet,) = e["fleets"]
    assert e["estimate"] and fleet["estimate"] and fleet["grid_region"] == "us"  # g6.xlarge in us-east-1
    m = report.models.iloc[0]
    # L4: 72 W TDP x overhead 1.5 x (0.2 + 0.8 u), PUE 1.56
    power = 0.072 * 1.5 * (0.2 + 0.8 * m.utilisation_mean)
    assert fleet["kwh_per_day"] == pytest.approx(m.accelerator_hours_per_day * power * 1.56, rel=1e-9)
    assert fleet["tco2e_per_day"] == pytest.approx(fleet["kwh_per_day"] * 390.1 / 1e6, rel=1e-9)
    assert "Energy and carbon (estimate)" in report.to_text()
    as_json = json.loads(report.to_json())["energy"]
    assert as_json["estimate"] is True and "estimate" in as_json["fleets"][0]["basis"]


def test_the_scenario_chooses_the_grid():
    data = base()
    data["energy"] = {"cloud_grid_region": "cn-yunnan"}
    yunnan = evaluate(load_scenario(data), compare=False).energy
    data["energy"] = {"cloud_grid_region": "renewable"}
    green = evaluate(load_scenario(data), compare=False).energy
    assert yunnan["fleets"][0]["gco2e_per_kwh"] == 107.3
    assert green["tco2e_per_day"] == 0.0 and green["kwh_per_day"] == yunnan["kwh_per_day"]
    # the same kWh at 107.3 g CO2e per kWh: tonnes = kWh x 107.3 / 1e6
    assert yunnan["tco2e_per_day"] == pytest.approx(yunnan["kwh_per_day"] * 107.3 / 1e6, rel=1e-12)
    assert yunnan["kwh_per_day"] > 1.0    # a day of at least one L4 (72 W x 24 h = 1.7 kWh before PUE)


def test_unknown_grid_region_is_refused_with_the_known_ones():
    data = base()
    data["energy"] = {"grid_region": "mars"}
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    text = str(info.value)
    assert "energy.grid_region" in text and "unknown grid region 'mars'" in text
    for region in ("cn", "cn-east", "us", "eu", "renewable"):
        assert re.search(rf"\b{region}\b", text.split("known:")[1])


def test_hosted_api_and_cpu_fleets_are_noted_not_zero():
    data = base()
    data["models"] = [api_model()]
    data["compute"] = {"cpu": [{"name": "feature-serving", "instance": "c7i.xlarge", "count": 2}]}
    report = evaluate(load_scenario(data), compare=False)
    e = report.energy
    assert np.isnan(e["kwh_per_day"]) and not e["fleets"]
    assert any("rewrite" in n and "hosted API" in n for n in e["notes"])
    assert any("CPU fleets (feature-serving)" in n for n in e["notes"])
    assert json.loads(report.to_json())["energy"]["kwh_per_day"] is None
    assert "not estimated" in report.to_text()
    # beside a self-hosted model the API model is still named
    data["models"] = [base()["models"][0], api_model()]
    data["fusion"] = {"strategy": "ensemble"}
    mixed = evaluate(load_scenario(data), compare=False).energy
    # the hosted API adds no kWh: the ensemble's energy is the self-hosted model's alone (same traffic each)
    alone = evaluate(load_scenario(base()), compare=False).energy
    assert mixed["kwh_per_day"] == pytest.approx(alone["kwh_per_day"], rel=1e-12)
    assert any("rewrite" in n for n in mixed["notes"])


# -- Monte Carlo ----------------------------------------------------------------------------------
def test_ranges_give_percentiles_of_energy():
    scenario = load_scenario(scenario_path("search-cascade"))
    mc = monte_carlo(scenario, samples=400, seed=1)
    table = mc.percentiles()
    point = evaluate(scenario).energy
    for key, row in ENERGY_ROWS.items():
        p = table.loc[row]
        assert p["P5"] < p["P50"] < p["P95"]
        assert p["point estimate"] == pytest.approx(point[key])
    assert "energy kWh per day" in mc.to_text()
    assert "tCO2e per day" in mc.to_dict()["percentiles"]


def test_no_ranges_no_spread():
    mc = monte_carlo(load_scenario(scenario_path("llm-rerank-onprem")), samples=50)
    p = mc.percentiles().loc["energy kWh per day"]
    assert p["P5"] == p["P95"] == pytest.approx(p["point estimate"])


# -- where it shows -------------------------------------------------------------------------------
def test_summary_sentence_and_index_columns():
    from tco import chapters as ch
    from tco.report_index import SUMMARY_COLUMNS, energy_note

    chapter = ch.open_chapter(scenario_path("llm-rerank-onprem"))
    sentence = ch.answer(chapter)
    assert "**Energy and carbon**" in sentence and "tCO2e per year" in sentence
    assert "same power figures as the electricity cost" in sentence
    for column in ("kwh_per_day", "tco2e_per_year", "gco2e_per_1k_requests"):
        assert column in SUMMARY_COLUMNS
    assert "(estimate)" in energy_note({"kwh_per_day": 1.0, "tco2e_per_year": 1.0, "gco2e_per_1k_requests": 1.0,
                                        "energy_estimate": True})


def test_cloud_grid_defaults():
    cat = load_catalog()
    assert footprint.cloud_grid(cat, "a3-highgpu-8g") == "us"      # us-central1
    assert footprint.cloud_grid(cat, "NC24ads_A100_v4") == "us"    # eastus
    assert footprint.cloud_grid(cat, "ecs.gn8v-8x.48xlarge") == "cn"


# -- the catalog ----------------------------------------------------------------------------------
def test_grid_catalog_rows_are_followable_and_plausible():
    frame = pd.read_csv(CATALOG_DIR / "grid_intensity.csv", dtype={"source": str})
    assert {"cn", "us", "eu", "renewable"} <= set(frame.region)
    assert frame.region.str.startswith("cn-").sum() >= 4           # regional and provincial grids
    for row in frame.itertuples():
        assert re.search(r"https?://\S+", row.source) or row.source.strip().lower().startswith("assumption")
        assert 0 <= row.gco2e_per_kwh < 1000
    cat = load_catalog()
    assert cat.grid_factor("cn").value == 536.6
    assert cat.grid_factor("renewable").value == 0.0
    assert not cat.grid_factor("cn").is_price  # a factor, not a price that goes stale


def test_sources_of_the_estimate_are_listed():
    e = evaluate(scenario_path("llm-rerank-onprem")).energy
    keys = {(s["table"], s["key"]) for s in e["sources"]}
    assert ("grid_intensity", "cn") in keys and ("onprem", "idle_power_fraction (global)") in keys


def test_idle_power_fraction_from_the_scenario_sets_cost_and_estimate():
    data = yaml.safe_load(scenario_path("llm-rerank-onprem").read_text())
    data["energy"] = {"idle_power_fraction": 0.5}
    report = evaluate(load_scenario(data), compare=False)
    serving = report.energy["fleets"][0]
    u = report.models.iloc[0].utilisation_mean
    assert serving["power_kw_per_accelerator"] == pytest.approx(0.7 * 1.5 * (0.5 + 0.5 * u))
    assert tco.evaluate(scenario_path("llm-rerank-onprem"), compare=False).per_day < report.per_day
