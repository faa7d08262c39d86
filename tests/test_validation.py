"""Predicting published measurements (tco.validation, python -m tco check-measurements).

Hand calculations are written out; the published figures are cited in data/validation/*.csv
(Llama 2 model card; MLPerf Inference v4.0 closed, NVIDIA DGX H100; facts.md section 6).
"""

import datetime as dt
import json
import math
import re
import subprocess
import sys

import pytest

from tco import validation
from tco.errors import MeasurementError

from conftest import ROOT

TRAINING = ROOT / "data/validation/llama2-training.csv"
MLPERF = ROOT / "data/validation/mlperf-inference-v4.0-h100.csv"


@pytest.fixture(scope="module")
def mlperf():
    return validation.check(MLPERF).set_index("id")


@pytest.fixture(scope="module")
def training():
    return validation.check(TRAINING).set_index("id")


def test_llama2_7b_training_hours_by_hand(training):
    # 6 FLOPs per parameter and token x (6.74e9 - 1.31e8 input embedding) x 2.0e12 tokens
    # / (312e12 bf16 FLOP/s on an A100 x mfu_train 0.40 x 3600 s/h)
    flops = 6 * (6.74e9 - 1.31e8) * 2.0e12
    hours = flops / (312e12 * 0.40 * 3600)
    assert hours == pytest.approx(176_522.4, abs=0.1)
    assert training.loc["llama2-7b-pretraining", "predicted"] == pytest.approx(hours)
    assert training.loc["llama2-7b-pretraining", "published"] == 184_320


def test_bert_offline_and_server_by_hand(mlperf):
    # 2 x (334e6 - 31e6) non-embedding parameters x 180 tokens per sample = 1.0908e11 int8 operations;
    # H100-SXM 1979e12 int8 OP/s at the encoder mfu 0.50 -> 1.1024e-4 s per sample
    seconds = 2 * (334e6 - 31e6) * 180 / (1979e12 * 0.50)
    assert mlperf.loc["bert99-offline-1xh100", "predicted"] == pytest.approx(1 / seconds)  # 9,071.3
    assert 1 / seconds == pytest.approx(9071.3, abs=0.1)
    # Server: the workbook plans a replica at the utilisation target 0.7
    assert mlperf.loc["bert99-server-1xh100", "predicted"] == pytest.approx(0.7 / seconds)


def test_dlrm_is_compute_bound_with_int8_embeddings(mlperf):
    # dense part 16,044,929 parameters x 2 x 270 pairs = 8.664e9 operations at 1979e12 x mfu 0.30
    compute = 2 * 16_044_929 * 270 / (1979e12 * 0.30)
    # 270 pairs x 214 lookups x 128 int8 values = 7.4 MB gathered at 3350 GB/s x mbu 0.50
    memory = 270 * 214 * 128 * 1 / (3350e9 * 0.50)
    assert memory < compute
    row = mlperf.loc["dlrmv2-offline-1xh100"]
    assert row["predicted"] == pytest.approx(1 / compute) and row["regime"] == "compute"


@pytest.mark.parametrize("row", ["llama2-7b-pretraining", "llama2-13b-pretraining", "llama2-70b-pretraining"])
def test_training_hours_within_the_target_band(training, row):
    assert 0.8 <= training.loc[row, "ratio"] <= 1.25


@pytest.mark.parametrize("row", ["bert99-offline-1xh100", "dlrmv2-offline-1xh100"])
def test_offline_throughput_within_the_target_band(mlperf, row):
    assert 0.8 <= mlperf.loc[row, "ratio"] <= 1.25


def test_every_row_has_a_source_and_a_date():
    for path in (TRAINING, MLPERF):
        for row in validation.read_measurements(path):
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
    # 7e10 parameters x 2 bytes = 140 GB of weights (+ the KV cache of 16 sequences): 8 L4s of 24 GB x 0.9
    assert re.match(r"needs 14\d GB, a replica of 8 x L4, more than the 1 accelerators measured", table.loc["c", "reason"])
    assert table.loc["d", "reason"].startswith("parameters: Input should be greater than 0")
    assert table.loc["e", "reason"] == "training_tokens is empty"
    assert table["predicted"].map(math.isnan).all()
    assert "cannot predict: accelerator 'TPU-v9'" in validation.to_text(table.reset_index())


def test_cli_prints_text_and_json_and_rejects_bad_files(tmp_path):
    run = [sys.executable, "-m", "tco", "check-measurements"]
    out = subprocess.run(run + [str(TRAINING)], capture_output=True, text=True, check=True).stdout
    assert "llama2-7b-pretraining" in out and "176,522.4" in out and "184,320.0" in out
    rows = json.loads(subprocess.run(run + ["--json", str(MLPERF)], capture_output=True, text=True, check=True).stdout)
    assert {r["id"] for r in rows} >= {"bert99-offline-1xh100", "dlrmv2-offline-1xh100"}
    assert all(set(r) >= {"predicted", "published", "ratio", "reason"} for r in rows)
    bad = subprocess.run(run + [str(_write(tmp_path, "id\nx\n"))], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("Measurement file") and "Traceback" not in bad.stderr
