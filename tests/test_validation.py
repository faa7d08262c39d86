"""Predicting published measurements (tco.validation, python -m tco check-measurements).

Hand calculations are written out; the published figures are cited in data/validation/*.csv
(the Llama 2 model card, meta-llama/llama MODEL_CARD.md; the MLCommons results repositories mlcommons/inference_results_v3.1 to v5.0).
"""

import datetime as dt
import json
import os
import math
import re
import subprocess
import sys

import pytest

from tco import validation
from tco.catalog import load_catalog
from tco.errors import MeasurementError

from conftest import ROOT

TRAINING = ROOT / "data/validation/llama2-training.csv"
MLPERF = ROOT / "data/validation/mlperf-inference-v4.0-h100.csv"
TRANSFER = ROOT / "data/validation/mlperf-inference-transfer.csv"
CATALOG = load_catalog()


@pytest.fixture(scope="module")
def mlperf():
    return validation.check(MLPERF).set_index("id")


@pytest.fixture(scope="module")
def training():
    return validation.check(TRAINING).set_index("id")


def test_llama2_7b_training_hours_by_hand(training):
    # 6 FLOPs per parameter and token x (6.74e9 - 1.31e8 input embedding) x 2.0e12 tokens
    # / (312e12 bf16 FLOP/s on an A100 x mfu_train 0.39 x 3600 s/h)
    flops = 6 * (6.74e9 - 1.31e8) * 2.0e12
    hours = flops / (312e12 * 0.39 * 3600)
    assert hours == pytest.approx(181_048.7, abs=0.1)
    assert training.loc["llama2-7b-pretraining", "predicted"] == pytest.approx(hours)
    assert training.loc["llama2-7b-pretraining", "published"] == 184_320
    # the mfu_train at which the prediction is exact: 70,609.3 hours at mfu 1 / 184,320 = 0.38307
    row = validation.measurement("llama2-7b-pretraining")
    assert validation.implied_factors(row, CATALOG)["mfu"] == pytest.approx(flops / (312e12 * 3600) / 184_320)


def test_bert_offline_and_server_by_hand(mlperf):
    # 2 x (334e6 - 31e6) non-embedding parameters x 180 tokens per sample = 1.0908e11 int8 operations;
    # H100-SXM 1979e12 int8 OP/s at the encoder mfu 0.50 -> 1.1024e-4 s per sample
    seconds = 2 * (334e6 - 31e6) * 180 / (1979e12 * 0.50)
    assert mlperf.loc["bert99-offline-1xh100", "predicted"] == pytest.approx(1 / seconds)  # 9,071.3
    assert 1 / seconds == pytest.approx(9071.3, abs=0.1)
    # Server: the workbook plans a replica at the utilisation target 0.7
    assert mlperf.loc["bert99-server-1xh100", "predicted"] == pytest.approx(0.7 / seconds)


def test_llama2_70b_offline_by_hand(mlperf):
    # FP8 weights 6.898e10 bytes; KV 163,840 B/token. A replica of 2 H100s decodes the row's 511
    # requests together, 255.5 per GPU; each GPU reads half the weights outside the input embedding
    # (2.62e8, only gathered) and the KV cache of its requests at their mean context, the 600-token
    # prompt plus half the 294.45-token output (paged cache).
    n = 6.898e10 - 2.62e8
    b = 511 / 2
    prefill = 2 * n * 600 / (1979e12 * 0.60)                                     # 69.2 ms per sample
    step = max(2 * n * b / (1979e12 * 0.60),                                      # 29.6 ms of compute
               (n / 2 + b * 163_840 * (600 + 294.45 / 2)) / (3350e9 * 0.60))    # 32.6 ms of memory
    decode = 294.45 * step / b
    tokens_per_s = 8 * 294.45 / (prefill + decode)
    assert tokens_per_s == pytest.approx(21_998.2, abs=0.1)
    assert mlperf.loc["llama2-70b-offline-8xh100", "predicted"] == pytest.approx(tokens_per_s)
    assert mlperf.loc["llama2-70b-offline-2xh100", "predicted"] == pytest.approx(tokens_per_s / 4)


def test_dlrm_is_compute_bound_with_int8_embeddings(mlperf):
    # dense part 16,044,929 parameters x 2 x 270 pairs = 8.664e9 operations at 1979e12 x mfu 0.31
    compute = 2 * 16_044_929 * 270 / (1979e12 * 0.31)
    # 270 pairs x 214 lookups x 128 int8 values = 7.4 MB gathered at 3350 GB/s x mbu 0.50
    memory = 270 * 214 * 128 * 1 / (3350e9 * 0.50)
    assert memory < compute
    row = mlperf.loc["dlrmv2-offline-1xh100"]
    assert row["predicted"] == pytest.approx(1 / compute) and row["regime"] == "compute"
    # the lowest mbu consistent with the measured 70,346.2 samples/s: 7.4 MB x 70,346.2 / 3,350 GB/s
    implied = validation.implied_factors(validation.measurement("dlrmv2-offline-1xh100"), CATALOG)
    assert implied["mbu_min"] == pytest.approx(270 * 214 * 128 * 70_346.2 / 3350e9)  # 0.1553
    assert implied["mfu"] == pytest.approx(2 * 16_044_929 * 270 * 70_346.2 / 1979e12)  # 0.3080


@pytest.fixture(scope="module")
def everything():
    return validation.check_all(CATALOG)


def test_every_public_row_predicts(everything):
    assert len(everything) == 73
    cannot = everything[everything["ratio"].isna()]
    assert cannot.empty, cannot[["id", "reason"]]


def test_capacity_rows_lie_inside_the_band_their_family_states(everything):
    rows = everything[everything["mode"] != "server"]
    outside = rows[~rows["in_band"]]
    assert outside.empty, outside[["id", "ratio", "band_low", "band_high"]]


@pytest.mark.parametrize("kind", ["training", "encoder", "generative", "recsys"])
def test_calibration_rows_meet_the_target_band(everything, kind):
    """Training hours and throughput of the calibration rows within 0.8-1.25 (offline)."""
    rows = everything[(everything["set"] == "calibration") & (everything["kind"] == kind)
                      & (everything["mode"] != "server")]
    assert len(rows) >= 1 and rows["ratio"].between(0.8, 1.25).all(), rows[["id", "ratio"]]


def test_moe_decoding_reads_the_experts_the_batch_touches(everything):
    """Mixtral-8x7B (46.7 B parameters, 12.9 B active) was never used to calibrate: priced on its
    total parameters it would be 3.6x too slow, on its active ones without the expert reads too fast."""
    rows = everything.set_index("id")
    assert rows.loc["mixtral-8x7b-offline-8xh100-v4.1", "ratio"] == pytest.approx(1.0, abs=0.05)
    assert rows.loc["mixtral-8x7b-offline-8xh100-v4.1", "set"] == "held out"


def test_beam_search_shares_the_prompt_and_decodes_every_beam(everything):
    """GPT-J with 4 beams (MLPerf v4.1): memory-bound on the beams' KV reads, never calibrated."""
    rows = everything[everything["id"].str.startswith("gptj") & (everything["mode"] == "offline")]
    assert len(rows) == 3 and rows["ratio"].between(0.8, 1.1).all(), rows[["id", "ratio"]]


def test_server_rows_come_from_the_planning_ceiling_or_the_latency_model(everything):
    server = everything[everything["mode"] == "server"].set_index("id")
    # encoders and recommenders: rho 0.7 of the offline capacity, the band's lower end with it
    bert = server.loc["bert99-server-1xh100"]
    assert bert["band_low"] == pytest.approx(0.7 * 0.8) and bert["ratio"] == pytest.approx(0.9077, abs=1e-4)
    # LLMs: the largest arrival rate whose TTFT and TPOT (p99) meet the benchmark's bounds: never more
    # than the offline capacity, and a tighter TPOT (40 ms interactive against 200 ms) serves less
    pairs = [("llama2-70b-server-8xh200-v5.0", "llama2-70b-offline-8xh200-v5.0"),
             ("mixtral-8x7b-server-8xh100-v4.1", "mixtral-8x7b-offline-8xh100-v4.1")]
    offline = everything.set_index("id")
    for s, o in pairs:
        assert server.loc[s, "predicted"] <= offline.loc[o, "predicted"]
    assert (server.loc["llama2-70b-interactive-server-8xh200-v5.0", "predicted"]
            < 0.6 * server.loc["llama2-70b-server-8xh200-v5.0", "predicted"])


def test_catalog_defaults_are_the_ones_the_calibration_derives():
    derived = validation.derived_defaults(validation.calibration(catalog=CATALOG))
    for row in derived.itertuples():
        eff, calibrated = CATALOG.efficiency_for(row.kind, row.family)
        assert calibrated and float(eff["mfu"]) == row.mfu, (row.kind, row.family)
    assert set(zip(derived["kind"], derived["family"])) == {
        ("training", "Ampere"), ("training", "Hopper"), ("encoder", "Hopper"), ("generative", "Hopper"),
        ("recsys", "Hopper"), ("generative", "CDNA3"), ("generative", "Blackwell")}


def test_catalog_bands_are_the_ones_the_validation_derives(everything):
    for row in validation.derived_bands(everything).itertuples():
        eff, _ = CATALOG.efficiency_for(row.kind, row.family)
        assert (float(eff["band_low"]), float(eff["band_high"])) == (row.band_low, row.band_high), (row.kind, row.family)


def test_a_family_without_calibration_says_so_and_gets_the_wider_band():
    eff, calibrated = CATALOG.efficiency_for("encoder", "Ada")
    assert not calibrated and eff["family"] == "any" and (eff["band_low"], eff["band_high"]) == (0.6, 1.6)
    ada = validation.check(TRANSFER, CATALOG).set_index("id").loc["bert99-offline-2xl40s-v4.0"]
    assert ada["family"] == "Ada" and not ada["calibrated"]


def test_held_out_rows_were_not_used_to_calibrate(everything):
    held = everything[everything["set"] == "held out"]
    assert {"H200-SXM", "L40S", "L4", "MI325X", "B200", "GB200"} <= set(held["accelerator"])
    calibration_ids = set(validation.calibration(catalog=CATALOG)["id"])
    assert calibration_ids.isdisjoint(held["id"])
    # held-out accelerators other than H100 transfer with the H100 factors (compute-bound classes)
    for kind in ("encoder", "recsys"):
        rows = held[(held["kind"] == kind) & (held["accelerator"] != "H100-SXM")]
        assert len(rows) >= 2 and rows["ratio"].between(0.8, 1.25).all(), kind


def test_sensitivity_to_an_assumed_input():
    # compute-bound BERT: the prediction is inversely proportional to the tokens per sample
    table = validation.vary("bert99-offline-1xh100", "input_tokens_per_item", [90, 180])
    assert table["predicted"].iloc[0] == pytest.approx(2 * table["predicted"].iloc[1])
    with pytest.raises(KeyError, match="no measurement 'nope'"):
        validation.measurement("nope")


def test_every_row_has_a_source_and_a_date():
    for path in (*validation.CALIBRATION_FILES, *validation.HOLDOUT_FILES):
        for row in validation.read_measurements(ROOT / path):
            assert len(row["source"]) > 20
            assert dt.date.fromisoformat(row["as_of"]) <= dt.date(2026, 11, 22)
            assert row.get("assumption"), f"{row['id']}: say what was assumed (or 'none')"


def _write(tmp_path, text):
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "id,mode,metric,published,accelerator,accelerators,kind,parameters,source,as_of"


def test_bad_files_name_the_line_and_column(tmp_path):
    with pytest.raises(MeasurementError, match="missing metric"):
        validation.check(_write(tmp_path, "id,mode\nx,offline\n"))
    with pytest.raises(MeasurementError, match=r"unknown colour; allowed: id, mode"):
        validation.check(_write(tmp_path, HEADER + ",colour\nx,offline,samples_per_s,1,L4,1,encoder,1e8,s,2024-01-01,red\n"))
    with pytest.raises(MeasurementError) as err:
        validation.check(_write(tmp_path, HEADER + "\nx,online,samples_per_s,-3,L4,1,encoder,1e8,s,2024-01-01\n"))
    text = str(err.value)
    assert "line 2.mode: 'online' is not one of training, offline, server" in text
    assert "line 2.published: '-3' is not a positive number" in text
    with pytest.raises(MeasurementError, match="no such file"):
        validation.check(tmp_path / "missing.csv")


def test_rows_that_cannot_be_predicted_say_why(tmp_path):
    path = _write(tmp_path, HEADER + ",output_tokens,precision\n"
                  "a,offline,samples_per_s,10,TPU-v9,1,encoder,1e8,s,2024-01-01,,\n"
                  "b,offline,tokens_per_s,10,L4,1,encoder,1e8,s,2024-01-01,,\n"
                  "c,offline,tokens_per_s,10,L4,1,generative,7e10,s,2024-01-01,100,bf16\n"
                  "d,offline,samples_per_s,10,L4,1,encoder,-5,s,2024-01-01,,\n"
                  "e,training,accelerator_hours,10,L4,1,encoder,1e8,s,2024-01-01,,\n")
    table = validation.check(path).set_index("id")
    assert table.loc["a", "reason"] == "accelerator 'TPU-v9' is not in the catalog"
    assert table.loc["b", "reason"] == "tokens_per_s needs output_tokens (generated tokens per sample)"
    # 7e10 parameters x 2 bytes = 140 GB of weights: no replica of the one L4 measured (24 GB) holds them
    assert table.loc["c", "reason"] == "needs 140 GB of weights: no replica of at most 1 x L4 holds them"
    assert table.loc["d", "reason"].startswith("parameters: Input should be greater than 0")
    assert table.loc["e", "reason"] == "training_tokens is empty"
    assert table["predicted"].map(math.isnan).all()
    assert "cannot predict: accelerator 'TPU-v9'" in validation.to_text(table.reset_index())


def test_text_table_keeps_whole_ids_and_fits_the_width():
    """Ids were cut at 34 characters (issue 15, item 15); now they are whole when there is room and
    wrap, not cut, when there is not."""
    from tco.text import display_width

    table = validation.check(ROOT / "data/validation/mlperf-inference-v4.1-v5.0.csv")
    longest = max(table["id"], key=len)
    assert len(longest) > 34
    wide = validation.to_text(table, width=250)
    assert all(row_id in wide for row_id in table["id"])
    narrow = validation.to_text(table, width=100)
    assert max(display_width(line) for line in narrow.splitlines()) <= 100


def test_cli_prints_text_and_json_and_rejects_bad_files(tmp_path):
    run = [sys.executable, "-m", "tco", "check-measurements"]
    wide = dict(os.environ, COLUMNS="200")  # the table is as wide as the terminal says
    out = subprocess.run(run + [str(TRAINING)], capture_output=True, text=True, check=True, env=wide).stdout
    assert "llama2-7b-pretraining" in out and "181,048.7" in out and "184,320.0" in out
    rows = json.loads(subprocess.run(run + ["--json", str(MLPERF)], capture_output=True, text=True, check=True).stdout)
    assert {r["id"] for r in rows} >= {"bert99-offline-1xh100", "dlrmv2-offline-1xh100"}
    assert all(set(r) >= {"predicted", "published", "ratio", "reason"} for r in rows)
    bad = subprocess.run(run + [str(_write(tmp_path, "id\nx\n"))], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("Measurement file") and "Traceback" not in bad.stderr


def test_every_estimate_is_shown_with_its_band_or_as_measured():
    """Compute chapter, explorer and text report label each throughput: the band of its class, or measured."""
    from tco import chapters, evaluate, explorer

    report = evaluate(ROOT / "data/scenarios/search-rerank-l4.yaml")  # an L4 (Ada): no Ada calibration row
    basis = chapters.sizing_table(report).set_index("model")["basis"].iloc[0]
    assert basis == ("estimated (roofline), typically within x0.6-x1.6 of measured; no encoder measurement on Ada "
                     "hardware calibrates it: the cross-family factor is used and the band is wider")
    assert explorer.sizing_html(report).count("typically within x0.6-x1.6 of measured") == 1
    assert "typically within x0.6-x1.6 of measured" in report.to_text()
    assert any(w.startswith("No published measurement on Ada hardware (L4") and "encoder throughput (" in w
               for w in report.warnings)
    h100 = evaluate(ROOT / "data/scenarios/llm-rerank-onprem.yaml")  # Hopper: calibrated
    assert chapters.sizing_table(h100)["basis"].iloc[0] == ("estimated (roofline), typically within x0.6-x1.25 "
                                                             "of measured")
    assert not any("calibrates" in w for w in h100.warnings)
    paper = chapters.sizing_table(evaluate(ROOT / "data/scenarios/paper-example.yaml"))
    assert paper["basis"].str.startswith("measured (article section 4.3").all()


def test_a_gather_bound_ranking_estimate_is_flagged_as_unvalidated():
    """No published figure covers recommendation models bound by embedding gathers (notebook 40)."""
    import yaml

    from tco import evaluate

    spec = yaml.safe_load((ROOT / "data/scenarios/recsys-ranking-h100.yaml").read_text(encoding="utf-8"))
    spec["models"][0].update(parameters=2e6, input_tokens_per_item=1, embedding_precision="fp32",
                             embedding_cache_hit_rate=0.0)
    report = evaluate(spec)
    m = report.models.iloc[0]
    # 300 items x 120 lookups x 64 fp32 values = 9.2 MB per request at 3,350 GB/s x 0.5 = 5.5 us,
    # against 2 x 2e6 x 300 = 1.2e9 FLOPs at 989e12 x 0.31 = 3.9 us: the gathers bind
    assert m.throughput_rps_per_accelerator == pytest.approx(3350e9 * 0.5 / (300 * 120 * 64 * 4))
    assert "no published measurement validates this regime" in m.throughput_basis
    assert any("bound by embedding gathers" in w for w in report.warnings)
    spec["models"][0]["embedding_cache_hit_rate"] = 0.8  # a fifth of the bytes: compute binds again
    m = evaluate(spec).models.iloc[0]
    assert m.throughput_rps_per_accelerator == pytest.approx(989e12 * 0.31 / (2 * 2e6 * 300))
    assert m.throughput_basis == "estimated (roofline), typically within x0.8-x1.25 of measured"
