#!/usr/bin/env python3
"""W8A8 with and without SmoothQuant: qdqc --target tensorrt versus ONNX Runtime's quantize_static, in one run.

usage (from the repository root, after `bash .ci/setup`):

    swift build -c release --product qdqc
    .venv/bin/python Tests/Benchmarks/smoothquant_bench.py [--qdqc .build/release/qdqc]
        [--models DIR] [--only all_minilm_l6_v2] [--calib-limit 64] [--eval-limit 32]
        [--alphas 0.5,auto] [--markdown docs/benchmarks.md] [--json OUT]

The same harness as quantize_bench.py (its child-process timing, calibration subset and
quant_metrics' SQNR/cosine), with these variants per model, all calibrated (minmax) on the same
first --calib-limit samples of calib/:

- ORT all / ORT C/M/G: quantize_static (QDQ, per-channel int8), every op or only Conv/MatMul/Gemm;
- qdqc tensorrt: `qdqc MODEL -o OUT --calib-data CALIB --target tensorrt` (W8A8, no smoothing);
- qdqc tensorrt sq=A: the same with `--smooth-quant=A` for each A of --alphas (with --pass-statistics,
  whose smooth-quant counters -- Muls inserted, producers copied, alpha chosen -- go into a second table).

Accuracy on the first --eval-limit samples of eval/ against the float model in ONNX Runtime.
Prints a table; --markdown rewrites only the "## SmoothQuant" section of that file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Python"))
sys.path.insert(0, HERE)

import quant_metrics as qm  # noqa: E402
from quantize_bench import fmt, replace_section, run_child, subset_folder  # noqa: E402

SECTION = "## SmoothQuant"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qdqc", default=os.path.join(ROOT, ".build", "release", "qdqc"))
    parser.add_argument("--models", default=os.path.join(os.path.dirname(ROOT), "shared", "models"))
    parser.add_argument("--only", default="all_minilm_l6_v2", help="comma-separated model folder names")
    parser.add_argument("--calib-limit", type=int, default=64)
    parser.add_argument("--eval-limit", type=int, default=32)
    parser.add_argument("--alphas", default="0.5,auto")
    parser.add_argument("--no-ort", action="store_true")
    parser.add_argument("--markdown")
    parser.add_argument("--json")
    parser.add_argument("--keep", help="keep the quantized models in this folder")
    args = parser.parse_args()

    python = sys.executable
    metrics_script = os.path.join(ROOT, "Tests", "Python", "quant_metrics.py")
    results = []
    for name in args.only.split(","):
        folder = os.path.join(args.models, name)
        float_path = os.path.join(folder, "model.onnx")
        scratch = tempfile.mkdtemp(prefix=f"smoothquant_bench_{name}_", dir=args.keep)
        calib = subset_folder(os.path.join(folder, "calib"), args.calib_limit, scratch)
        variants = []
        if not args.no_ort:
            for label, op_types in (("ORT all", None), ("ORT C/M/G", "Conv,MatMul,Gemm")):
                out_path = os.path.join(scratch, f"ort_{'all' if op_types is None else 'cmg'}.onnx")
                command = [python, metrics_script, "ort-quantize", float_path, out_path, "--calib", calib,
                           "--limit", str(args.calib_limit), "--method", "minmax"]
                if op_types:
                    command += ["--op-types", op_types]
                variants.append((label, out_path, command))
        for alpha in [None] + args.alphas.split(","):
            suffix = "" if alpha is None else f"_sq_{alpha}"
            out_path = os.path.join(scratch, f"qdqc_tensorrt{suffix}.onnx")
            command = [args.qdqc, float_path, "-o", out_path, "--calib-data", calib, "--target", "tensorrt",
                       "--quiet"]
            if alpha is not None:
                command += [f"--smooth-quant={alpha}", "--pass-statistics"]
            variants.append(("qdqc tensorrt" + ("" if alpha is None else f" sq={alpha}"), out_path, command))

        records = []
        for label, out_path, command in variants:
            _, err, code, rss, wall = run_child(command)
            record = {"label": label, "seconds": wall, "peak_mb": rss, "ok": code == 0}
            smoothing = smooth_quant_statistics(err)
            if smoothing:
                record["smoothing"] = smoothing
            if code != 0:
                record["error"] = (err.strip().splitlines() or ["failed"])[-1][:200]
            records.append((record, out_path))
        eval_samples = qm.load_samples(os.path.join(folder, "eval"), args.eval_limit)
        reference = qm.run_outputs(float_path, eval_samples)
        for record, out_path in records:
            if not record["ok"]:
                continue
            try:
                record["accuracy"] = qm.accuracy(reference, qm.run_outputs(out_path, eval_samples))
            except Exception as error:  # ORT refusing a model is a result, not a crash
                record["ok"] = False
                record["error"] = f"ONNX Runtime: {str(error).splitlines()[0][:200]}"
        results.append({"model": name, "variants": [record for record, _ in records]})
        print_model(results[-1])
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(qm._finite(results), handle, indent=1, sort_keys=True)
    if args.markdown:
        write_markdown(args.markdown, results, args)
    return 0


def smooth_quant_statistics(stderr):
    """The counters of the smooth-quant block of --pass-statistics (alpha-percent:* folded into a histogram)."""
    counters, alphas, inside = {}, {}, False
    for line in stderr.splitlines():
        if not line.startswith("  "):
            inside = line.startswith("smooth-quant")
            continue
        if not inside or ": " not in line:
            continue
        key, _, value = line.strip().rpartition(": ")
        if not value.lstrip("-").isdigit():
            continue
        if key.startswith("alpha-percent:"):
            alpha = f"{int(value) / 100:.2f}"
            alphas[alpha] = alphas.get(alpha, 0) + 1
        else:
            counters[key] = int(value)
    if alphas:
        counters["alphas"] = dict(sorted(alphas.items()))
    return counters


def smoothing_text(smoothing):
    """One cell: where the factors went and, for auto, how often each alpha was chosen."""
    parts = [f"{smoothing.get('smoothed-activations', 0)} activations / {smoothing.get('smoothed-layers', 0)} layers",
             f"Muls inserted: {smoothing.get('inserted-muls', 0)}",
             f"restoring Muls: {smoothing.get('restoring-muls', 0)}",
             f"producers copied: {smoothing.get('copied-producers', 0)}",
             f"through Reshape/Transpose/MatMul: {smoothing.get('folded-through-layout', 0)}"]
    if smoothing.get("cast-to-where"):
        parts.append(f"one-hot Cast → Where: {smoothing['cast-to-where']}")
    if "alphas" in smoothing:
        parts.append("alpha chosen: " + ", ".join(f"{a}×{n}" for a, n in smoothing["alphas"].items()))
    if smoothing.get("unsmoothed-by-search"):
        parts.append(f"left unsmoothed by the search: {smoothing['unsmoothed-by-search']}")
    return "; ".join(parts)


def outputs_text(record, separator):
    return separator.join(
        f"{o}: {fmt(e['sqnr_db'])} dB (cos {fmt(e['cosine'], 3)})" if "sqnr_db" in e
        else f"{o}: agreement {fmt(e['agreement'], 2)}"
        for o, e in record["accuracy"].items())


def print_model(result):
    print(f"\n{result['model']}")
    for v in result["variants"]:
        if not v["ok"]:
            print(f"  {v['label']:<24}{fmt(v['seconds']):>8}  failed: {v.get('error')}")
            continue
        print(f"  {v['label']:<24}{fmt(v['seconds']):>8}{fmt(v['peak_mb'], 0):>8}  {outputs_text(v, '; ')}")
        if "smoothing" in v:
            print(f"  {'':<40}{smoothing_text(v['smoothing'])}")


def write_markdown(path, results, args):
    """Replaces the body of the SmoothQuant section (or appends it), leaving every other section alone."""
    with open(path) as handle:
        text = handle.read()
    lines = [
        SECTION,
        "",
        "What it measures: W8A8 (int8 activations per tensor, int8 weights per channel) of the transformers "
        "by qdqc for TensorRT (`--target tensorrt`), without and with SmoothQuant "
        "(`--smooth-quant=ALPHA`, folded into LayerNormalization and other producers), next to "
        "ONNX Runtime's `quantize_static` at both placements (\"ORT all\": every op; \"ORT C/M/G\": "
        "Conv/MatMul/Gemm only), side by side in one run, all calibrated with minmax on the same "
        f"{args.calib_limit} calibration samples. Accuracy on {args.eval_limit} `eval/` samples against "
        "the float model in ONNX Runtime: SQNR 10·log10(Σref²/Σ(ref−q)²) per output over all samples, "
        "and the mean per-sample cosine. Time and peak memory are each quantizer's own process.",
        "",
        "Reproduce (from the repository root):",
        "",
        "```sh",
        "swift build -c release --product qdqc",
        ".venv/bin/python Tests/Benchmarks/smoothquant_bench.py --qdqc .build/release/qdqc \\",
        "    --only all_minilm_l6_v2,magika_v3_3 --markdown docs/benchmarks.md",
        "```",
        "",
        "| model | quantizer | time s | peak MB | output SQNR dB (cosine) |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        for v in result["variants"]:
            if not v["ok"]:
                lines.append(f"| {result['model']} | {v['label']} | {fmt(v['seconds'])} | {fmt(v['peak_mb'], 0)} "
                             f"| failed: {v.get('error', '').replace('|', '/')} |")
                continue
            lines.append(f"| {result['model']} | {v['label']} | {fmt(v['seconds'])} | {fmt(v['peak_mb'], 0)} "
                         f"| {outputs_text(v, '<br>')} |")
    lines += ["", "What smooth-quant did in each run (from `--pass-statistics`):", "",
              "| model | quantizer | smoothing |", "|---|---|---|"]
    for result in results:
        for v in result["variants"]:
            if "smoothing" in v:
                lines.append(f"| {result['model']} | {v['label']} | {smoothing_text(v['smoothing'])} |")
    lines.append("")
    replace_section(path, text, SECTION, lines)


if __name__ == "__main__":
    sys.exit(main())
