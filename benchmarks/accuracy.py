"""Accuracy of the workbook's estimates against every published figure in data/validation/.

Prints, per workload class and hardware family, the rows, the median absolute log error (as a
factor), the range of predicted / published and the share inside x0.8-x1.25; then the same per
class; then every row. Where llm-analysis (https://github.com/cli99/llm-analysis, not a dependency)
happens to be installed, the LLM inference and training rows are also predicted through it, with
the same efficiency factors, and shown side by side.

With ``--ceiling`` it also prints how far recalibration alone could go: one efficiency factor per
group, fitted on every row of the group (held-out rows included, so an optimistic in-sample
bound), for ever finer groups: per class and family, then also per MLPerf round, per dense or
mixture-of-experts model, per offline or server mode. Where one factor per family cannot bring the
rows inside x0.8-x1.25, the rest is scatter that no efficiency factor removes (software releases
between rounds, per-model kernels), and the number of factors needed says how much the set would
have to be tuned on itself.

Run: .venv/bin/python benchmarks/accuracy.py [--rows] [--ceiling]
"""

from __future__ import annotations

import argparse
import io
import math
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import pandas as pd  # noqa: E402

from tco import validation  # noqa: E402
from tco.catalog import load_catalog  # noqa: E402
from tco.scenario import Model  # noqa: E402

#: llm-analysis names its precisions by weight / activation bits
LLMA_DTYPES = {"bf16": "w16a16e16", "fp16": "w16a16e16", "fp8": "w8a8e16", "int8": "w8a8e16", "fp4": "w4a4e16",
               "int4": "w4a16e16"}


def _llm_analysis(checked: pd.DataFrame, catalog) -> pd.Series | None:
    """Predicted / published through llm-analysis for the generative and training rows it can take."""
    try:
        from llm_analysis.analysis import LLMAnalysis
        from llm_analysis.config import DtypeConfig, GPUConfig, ModelConfig, ParallelismConfig, get_dtype_config_by_name
    except ImportError:
        return None
    ratios = {}
    for row in checked.itertuples():
        measurement = validation.measurement(row.id, validation.CALIBRATION_FILES + validation.HOLDOUT_FILES)
        if row.kind not in ("generative", "training") or not measurement.get("model"):
            continue
        try:
            model = Model.model_validate({"name": row.id, **{k: measurement[k] for k in validation.MODEL_FIELDS
                                                            if measurement.get(k)}}, context={"catalog": catalog})
            arch = catalog.row("models", measurement["model"])
            acc = catalog.row("accelerators", row.accelerator)
            eff, _ = (catalog.efficiency_for(row.kind, acc["family"]))
            config = ModelConfig(name=measurement["model"], num_layers=int(arch["layers"]), n_head=int(arch["attention_heads"]),
                                 hidden_dim=int(arch["hidden_size"]), vocab_size=int(arch["vocab_size"]),
                                 max_seq_len=int(arch["max_context"]), num_key_value_heads=int(arch["kv_heads"]),
                                 ffn_embed_dim=int(arch["expert_intermediate_size"] if arch["experts"] > 0
                                                   else arch["intermediate_size"]),
                                 moe_num_experts=int(arch["experts"]) if arch["experts"] > 0 else 1,
                                 moe_top_k=int(arch["active_experts"]) if arch["experts"] > 0 else 1)
            gpu = GPUConfig(name=row.accelerator, mem_per_GPU_in_GB=float(acc["memory_gb"]),
                            hbm_bandwidth_in_GB_per_sec=float(acc["bandwidth_gb_s"]),
                            intra_node_bandwidth_in_GB_per_sec=float(acc["scaleup_bandwidth_gb_s"]) / 2,
                            intra_node_min_message_latency=8e-06, peak_fp16_TFLOPS=float(acc["bf16_tflops"]),
                            peak_i8_TFLOPS=float(acc["fp8_tflops"] if acc["fp8_tflops"] > 0 else acc["int8_tops"]),
                            peak_i4_TFLOPS=float(acc["fp4_tflops"] if acc["fp4_tflops"] > 0 else acc["int4_tops"]),
                            inter_node_bandwidth_in_GB_per_sec=50.0)
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
                if row.kind == "training":
                    analysis = LLMAnalysis(config, gpu, get_dtype_config_by_name("w16a16e16"),
                                           ParallelismConfig(tp_size=8, dp_size=1), flops_efficiency=float(eff["mfu"]),
                                           hbm_memory_efficiency=float(eff["mbu"]))
                    out = analysis.training(batch_size_per_gpu=1, seq_len=int(float(measurement["sequence_length"] or 4096)),
                                            total_num_tokens=int(float(measurement["training_tokens"])),
                                            mlp_gated_linear_units=True)
                    predicted = out["total_training_latency"] * 8 / 3600.0  # 8 GPUs for that long, GPU-hours
                else:
                    g = int(float(measurement.get("tensor_parallel") or 1))
                    dtype = get_dtype_config_by_name(LLMA_DTYPES.get(model.math_precision, "w16a16e16"))
                    analysis = LLMAnalysis(config, gpu, dtype, ParallelismConfig(tp_size=g),
                                           flops_efficiency=float(eff["mfu"]), hbm_memory_efficiency=float(eff["mbu"]))
                    batch = 64
                    out = analysis.inference(batch_size_per_gpu=batch, seq_len=int(float(measurement["input_tokens_per_item"])),
                                             num_tokens_to_generate=int(float(measurement["output_tokens"])),
                                             kv_cache_dtype_bytes=1)
                    per_request = out["total_latency"] / (batch * g)  # GPU-seconds per request
                    per_sample = model.output_tokens if row.metric == "tokens_per_s" else 1.0
                    predicted = row.accelerators / per_request * per_sample / g * g
        except Exception as exc:  # an architecture or accelerator llm-analysis cannot take
            ratios[row.id] = float("nan")
            print(f"llm-analysis cannot predict {row.id}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        ratios[row.id] = predicted / row.published
    return pd.Series(ratios, name="llm-analysis ratio")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", action="store_true", help="also print every row")
    parser.add_argument("--ceiling", action="store_true",
                        help="also print the in-sample ceiling of refitting one factor per group")
    args = parser.parse_args()
    catalog = load_catalog()
    checked = validation.check_all(catalog)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 500)
    print(f"{len(checked)} published figures ({int((checked['set'] == 'calibration').sum())} calibration, "
          f"{int((checked['set'] == 'held out').sum())} held out); cannot predict: "
          f"{int(checked['ratio'].isna().sum())}\n")
    print("Per workload class and hardware family (median_error: typical factor off, either way):")
    print(validation.accuracy(checked).to_string(index=False))
    print("\nPer workload class:")
    print(validation.accuracy(checked, by=("kind",)).to_string(index=False))
    print("\nHeld-out rows only, per class:")
    print(validation.accuracy(checked[checked["set"] == "held out"], by=("kind",)).to_string(index=False))
    if args.ceiling:
        print("\nIn-sample ceiling of recalibration (one factor per group, fitted on all its rows, share inside"
              " x0.8-x1.25; 'factors' counts the groups):")
        print(validation.ceiling_table(checked, catalog).to_string())
    other = _llm_analysis(checked, catalog)
    if other is None:
        print("\nllm-analysis is not installed: no side-by-side comparison (pip install llm-analysis to add it).")
    if args.rows or other is not None:
        table = checked[["id", "set", "kind", "family", "mode", "predicted", "published", "ratio"]].copy()
        if other is not None:
            table = table.join(other, on="id")
            both = table.dropna(subset=["llm-analysis ratio"])
            inside = lambda s: f"{s.between(0.8, 1.25).sum()} of {len(s)}"  # noqa: E731
            print(f"\nRows both tools predict: workbook {inside(both['ratio'])}, llm-analysis "
                  f"{inside(both['llm-analysis ratio'])} inside x0.8-x1.25")
        table["ratio"] = table["ratio"].round(3)
        print("\nEvery row:")
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.4g}" if math.isfinite(v) else "-"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
