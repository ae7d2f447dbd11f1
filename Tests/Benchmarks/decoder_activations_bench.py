#!/usr/bin/env python3
"""W8A8 on a decoder LM: qdqc's dynamic and static activation scales versus ONNX Runtime's quantize_dynamic
and quantize_static, in one run.

usage (from the repository root, after `bash .ci/setup` and `swift build -c release --product qdqc`):

    .venv/bin/python Tests/Benchmarks/decoder_activations_bench.py [--qdqc .build/release/qdqc]
        [--model-dir /tmp/llm/whisper_base_decoder_lm] [--configs NAME,...] [--calib-samples 64]
        [--eval-limit 32] [--runs 5] [--out FILE]

The model is the Whisper-base text decoder LM that ../shared/llm/whisper_base_decoder/make_model.py builds.
Each quantizer runs in its own child process (wall time, peak RSS by GNU time); then ONNX Runtime (CPU, 2
threads, ORT_ENABLE_ALL) measures every output: perplexity over the eval sequences (as weight_only_bench.py
defines it: the 124 text tokens of each, float 118.1 on all 32), size, the op counts of ORT's optimized graph
(which pairs it fused) and the median latency of one 128-token forward.

Configurations (--configs picks some):
- ort-dynamic:  quantize_dynamic, every MatMul, uint8 activations per tensor (DynamicQuantizeLinear), int8
                weights per tensor (its defaults);
- ort-static:   quantize_static, QDQ, MinMax over --calib-samples, uint8 activations, int8 weights per channel;
- qdqc-token:   --activation-scales dynamic-per-token (int8, per-channel int8 weights) --target ort;
- qdqc-tensor:  --activation-scales dynamic-per-tensor --activations uint8 --target ort;
- qdqc-fp8-token: --activation-scales dynamic-per-token --activations float8e4m3fn;
- qdqc-static-ort / qdqc-static-trt: the calibrated default pipeline, --target ort / tensorrt;
- qdqc-static-sq: the same for ort with --smooth-quant;
- qdqc-static-trt-sq: --target tensorrt --smooth-quant --calib-method mse (alpha 0.5);
- qdqc-static-trt-sq65: the same with --smooth-quant=0.65;
- qdqc-static-trt-sqauto: the same with --smooth-quant=auto (alpha searched per layer);
- qdqc-fp8-static: --target tensorrt --activations float8e4m3fn --weights float8e4m3fn (calibrated per-tensor
                   activation scales, per-channel FP8 weights).
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import weight_only_bench as shared  # noqa: E402  (perplexity, sessions, latency, sizes)

CONFIGS = ["ort-dynamic", "ort-static", "qdqc-token", "qdqc-tensor", "qdqc-fp8-token", "qdqc-static-ort",
           "qdqc-static-trt", "qdqc-static-sq", "qdqc-static-trt-sq", "qdqc-static-trt-sq65", "qdqc-static-trt-sqauto", "qdqc-fp8-static",
           "qdqc-static-trt-oc", "qdqc-fp8-static-oc", "qdqc-fp8-static-oc3", "qdqc-a8-static-oc"]
# The kernels ONNX Runtime runs a (quantized) MatMul with, in its optimized graph.
MATMUL_KERNELS = ["MatMul", "FusedMatMul", "MatMulIntegerToFloat", "DynamicQuantizeMatMul", "QLinearMatMul",
                  "MatMulInteger", "MatMulNBits", "QuantizeLinear", "DequantizeLinear"]
QDQC_FLAGS = {
    "qdqc-token": ["--activation-scales", "dynamic-per-token", "--target", "ort"],
    "qdqc-tensor": ["--activation-scales", "dynamic-per-tensor", "--activations", "uint8", "--target", "ort"],
    "qdqc-fp8-token": ["--activation-scales", "dynamic-per-token", "--activations", "float8e4m3fn"],
    "qdqc-static-ort": ["--target", "ort", "--calib-data", "{calib}"],
    "qdqc-static-trt": ["--target", "tensorrt", "--calib-data", "{calib}"],
    "qdqc-static-sq": ["--target", "ort", "--calib-data", "{calib}", "--smooth-quant"],
    "qdqc-static-trt-sq": ["--target", "tensorrt", "--calib-data", "{calib}", "--smooth-quant", "--calib-method", "mse"],
    "qdqc-static-trt-sq65": ["--target", "tensorrt", "--calib-data", "{calib}", "--smooth-quant=0.65",
                             "--calib-method", "mse"],
    "qdqc-static-trt-sqauto": ["--target", "tensorrt", "--calib-data", "{calib}", "--smooth-quant=auto",
                               "--calib-method", "mse"],
    "qdqc-fp8-static": ["--target", "tensorrt", "--calib-data", "{calib}", "--activations", "float8e4m3fn",
                        "--weights", "float8e4m3fn"],
    "qdqc-static-trt-oc": ["--target", "tensorrt", "--calib-data", "{calib}", "--outlier-channels", "4"],
    "qdqc-fp8-static-oc": ["--target", "tensorrt", "--calib-data", "{calib}", "--activations", "float8e4m3fn",
                           "--weights", "float8e4m3fn", "--outlier-channels", "4"],
    "qdqc-fp8-static-oc3": ["--target", "tensorrt", "--calib-data", "{calib}", "--activations", "float8e4m3fn",
                            "--weights", "float8e4m3fn", "--outlier-channels", "3"],
    "qdqc-a8-static-oc": ["--target", "tensorrt", "--calib-data", "{calib}", "--weights", "none",
                          "--outlier-channels", "4"],
}


def ort_main(argv) -> int:
    """Child process: ONNX Runtime's quantize_dynamic or quantize_static."""
    parser = argparse.ArgumentParser(prog="decoder_activations_bench.py ort-quantize")
    parser.add_argument("kind", choices=["dynamic", "static"])
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--calib")
    parser.add_argument("--calib-samples", type=int, default=64)
    args = parser.parse_args(argv)
    import numpy as np
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic,
                                          quantize_static)

    if args.kind == "dynamic":
        quantize_dynamic(args.model, args.out, op_types_to_quantize=["MatMul"], weight_type=QuantType.QInt8)
        return 0
    files = sorted(glob.glob(os.path.join(args.calib, "*.npz")))[: args.calib_samples]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter(files)

        def get_next(self):
            path = next(self.items, None)
            return None if path is None else dict(np.load(path))

    quantize_static(args.model, args.out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    return 0


def command(config, args, model, calib, out) -> list[str]:
    if config.startswith("ort-"):
        kind = config[4:]
        command = [sys.executable, os.path.abspath(__file__), "ort-quantize", kind, model, out]
        return command + (["--calib", calib, "--calib-samples", str(args.calib_samples)] if kind == "static" else [])
    flags = [flag.format(calib=calib) for flag in QDQC_FLAGS[config]]
    if "--calib-data" in flags:
        flags += ["--calib-samples", str(args.calib_samples)]
    return [args.qdqc, model, "-o", out, "--quiet"] + flags


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["ort-quantize"]:
        return ort_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qdqc", default=os.environ.get("QDQC_BINARY", ".build/release/qdqc"))
    parser.add_argument("--model-dir", default="/tmp/llm/whisper_base_decoder_lm")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--calib-samples", type=int, default=64)
    parser.add_argument("--eval-limit", type=int, default=32)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    import numpy as np

    model = os.path.join(args.model_dir, "model_prefill.onnx")
    calib = os.path.join(args.model_dir, "calib")
    samples = [dict(np.load(path)) for path in sorted(glob.glob(os.path.join(args.model_dir, "eval", "*.npz")))]
    samples = samples[: args.eval_limit]
    scratch = tempfile.mkdtemp(prefix="decoder_activations_bench_")
    rows = []
    float_record = shared.evaluate(model, samples, scratch)
    rows.append(("float", float_record, None))
    paths = {"float": model}
    for config in [name for name in args.configs.split(",") if name]:
        out = os.path.join(scratch, config + ".onnx")
        rss = os.path.join(scratch, config + ".rss")
        before, start = shared.load1(), time.perf_counter()
        run = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss] + command(config, args, model, calib, out),
                             capture_output=True, text=True)
        seconds, after = time.perf_counter() - start, shared.load1()
        if run.returncode != 0:
            rows.append((config, {"error": (run.stderr.strip().splitlines() or ["?"])[-1]}, None))
            continue
        quantizer = {"seconds": seconds, "peak_mb": int(open(rss).read().split()[-1]) / 1024,
                     "load": f"{before:.1f}→{after:.1f}"}
        rows.append((config, shared.evaluate(out, samples, scratch), quantizer))
        paths[config] = out
    latency = dict(zip(paths, shared.latencies_ms(list(paths.values()), samples[0], args.runs)))
    base = float_record["perplexity"]
    lines = [f"Run {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load now "
             f"{shared.load1():.1f}; {len(samples)} eval sequences, {args.calib_samples} calibration sequences.", "",
             "| configuration | perplexity | Δ vs float | time s | peak MB | size MiB | ORT ms | fused in ORT | load |",
             "|---|---|---|---|---|---|---|---|---|"]
    for config, record, quantizer in rows:
        if "error" in record:
            lines.append(f"| {config} | failed: {record['error'][:120]} | | | | | | | |")
            continue
        ppl = record["perplexity"]
        counts = record.get("op_counts", {})
        fused = ", ".join(f"{name} {counts[name]}" for name in MATMUL_KERNELS if counts.get(name))
        lines.append(
            f"| {config} | {ppl:.1f} | {100 * (ppl / base - 1):+.1f} % | "
            f"{quantizer['seconds']:.1f} | {quantizer['peak_mb']:.0f} | " if quantizer else f"| {config} | {ppl:.1f} | — | — | — | ")
        lines[-1] += (f"{record['size_mib']:.1f} | {latency.get(config, float('nan')):.1f} | {fused} | "
                      f"{quantizer['load'] if quantizer else ''} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text)
    json.dump({name: record for name, record, _ in rows}, open(os.path.join(scratch, "records.json"), "w"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
