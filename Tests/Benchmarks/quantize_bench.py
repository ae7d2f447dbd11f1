#!/usr/bin/env python3
"""Static int8 quantization of each shared model: qdqc versus ONNX Runtime's quantize_static, in one run.

usage (from the repository root, after `bash .ci/setup`):

    swift build -c release --product qdqc
    .venv/bin/python Tests/Benchmarks/quantize_bench.py [--qdqc .build/release/qdqc]
        [--models DIR] [--only NAME,NAME] [--method minmax] [--calib-limit 64] [--eval-limit 32]
        [--targets ort,tensorrt] [--runs 20] [--markdown docs/benchmarks.md] [--json OUT]

For every model in DIR (default ../shared/models beside the repository), side by side:

- ORT all:      quantize_static (QDQ, per-channel, int8, the calibration method chosen) on every op
                it supports, after ONNX Runtime's quant_pre_process (and onnx's version converter to
                opset 13 for older models, which per-axis DequantizeLinear needs);
- ORT C/M/G:    the same with op_types_to_quantize=[Conv, MatMul, Gemm] (closer to TensorRT's placement);
- qdqc <target>: `qdqc MODEL -o OUT --calib-data CALIB --target T` for each target;

all calibrated on the first --calib-limit samples of calib/ (qdqc gets a folder holding exactly those).
Each quantizer runs in its own child process: wall time and peak resident memory (os.wait4) are its own.
Then, on eval/, for every quantized model: per-output SQNR (dB) and cosine against the float model,
the integer kernels in ONNX Runtime's optimized CPU graph (QLinear*, QGemm, ...; from
optimized_model_filepath) and the median CPU latency with 2 threads (runs interleaved across
the float and quantized models so machine load hits all alike). Prints a table; --markdown
rewrites only the "## Quantization" section of that file.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Python"))

import quant_metrics as qm  # noqa: E402

SECTION = "## Quantization"


def run_child(arguments):
    """Runs a child process; returns (stdout, stderr, exit code, peak RSS in MiB, wall seconds).

    Peak memory comes from GNU time's %M when /usr/bin/time exists: rusage of a child forked
    from this (by then large) Python process counts the parent's pages copied before exec.
    Output goes to files, not pipes, so a chatty child never blocks on a full pipe.
    """
    timed = os.path.exists("/usr/bin/time")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("w+", suffix=".rss") as rss:
        command = (["/usr/bin/time", "-f", "%M", "-o", rss.name] if timed else []) + list(arguments)
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        peak_kb = usage.ru_maxrss
        if timed:
            rss.seek(0)
            lines = [line for line in rss.read().split() if line.isdigit()]
            peak_kb = int(lines[-1]) if lines else peak_kb
        return out.read(), err.read(), os.waitstatus_to_exitcode(status), peak_kb / 1024.0, wall


def qdqc_flags(qdqc: str) -> str:
    """`qdqc convert --help` text (to know which quantization flags this build has)."""
    try:
        return subprocess.run([qdqc, "convert", "--help"], capture_output=True, text=True, timeout=60).stdout
    except OSError as error:
        raise SystemExit(f"quantize_bench: cannot run {qdqc}: {error}")


def subset_folder(source: str, limit: int, scratch: str) -> str:
    """A folder of symlinks to the first `limit` .npz files of `source`."""
    folder = os.path.join(scratch, "calib")
    os.makedirs(folder, exist_ok=True)
    names = sorted(n for n in os.listdir(source) if n.endswith(".npz"))[:limit]
    for name in names:
        os.symlink(os.path.join(source, name), os.path.join(folder, name))
    return folder


def fmt(value, digits=1):
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isinf(value):
            return "∞"
        if math.isnan(value):
            return "—"
        return f"{value:.{digits}f}"
    return str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qdqc", default=os.path.join(ROOT, ".build", "release", "qdqc"))
    parser.add_argument("--models", default=os.path.join(os.path.dirname(ROOT), "shared", "models"))
    parser.add_argument("--only", help="comma-separated model folder names")
    parser.add_argument("--method", choices=sorted(qm.ORT_METHODS), default="minmax")
    parser.add_argument("--calib-limit", type=int, default=64)
    parser.add_argument("--eval-limit", type=int, default=32)
    parser.add_argument("--targets", default="ort,tensorrt")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per model for latency")
    parser.add_argument("--no-ort", action="store_true", help="skip ONNX Runtime's quantize_static")
    parser.add_argument("--markdown", help="rewrite the Quantization section of this file")
    parser.add_argument("--json", help="write all measurements to this file")
    parser.add_argument("--keep", help="keep the quantized models in this folder")
    args = parser.parse_args()

    python = sys.executable
    metrics_script = os.path.join(ROOT, "Tests", "Python", "quant_metrics.py")
    models = sorted(n for n in os.listdir(args.models) if os.path.isfile(os.path.join(args.models, n, "model.onnx")))
    if args.only:
        wanted = args.only.split(",")
        models = [m for m in models if m in wanted]
    help_text = qdqc_flags(args.qdqc) if os.path.exists(args.qdqc) else ""
    qdqc_quantizes = "--calib-data" in help_text and "--target" in help_text
    if not qdqc_quantizes:
        print(f"quantize_bench: {args.qdqc} has no --calib-data/--target (or is missing): measuring ORT only",
              file=sys.stderr)
    method_flag = "--calib-method" if "--calib-method" in help_text else None

    results = []
    for name in models:
        folder = os.path.join(args.models, name)
        float_path = os.path.join(folder, "model.onnx")
        scratch = tempfile.mkdtemp(prefix=f"quantize_bench_{name}_", dir=args.keep)
        calib = subset_folder(os.path.join(folder, "calib"), args.calib_limit, scratch)
        variants = []  # (label, path, quantize record)

        if not args.no_ort:
            for label, op_types in (("ORT all", None), ("ORT C/M/G", "Conv,MatMul,Gemm")):
                out_path = os.path.join(scratch, f"ort_{'all' if op_types is None else 'cmg'}.onnx")
                command = [python, metrics_script, "ort-quantize", float_path, out_path, "--calib", calib,
                           "--limit", str(args.calib_limit), "--method", args.method]
                if op_types:
                    command += ["--op-types", op_types]
                out, err, code, rss, wall = run_child(command)
                record = {"seconds": wall, "peak_mb": rss, "ok": code == 0}
                if code != 0:
                    record["error"] = (err.strip().splitlines() or ["failed"])[-1][:200]
                else:
                    record["prepared"] = json.loads(out).get("prepared")
                variants.append((label, out_path, record))

        if qdqc_quantizes:
            for target in args.targets.split(","):
                out_path = os.path.join(scratch, f"qdqc_{target}.onnx")
                command = [args.qdqc, float_path, "-o", out_path, "--calib-data", calib, "--target", target]
                if method_flag:
                    command += [method_flag, args.method]
                out, err, code, rss, wall = run_child(command)
                record = {"seconds": wall, "peak_mb": rss, "ok": code == 0}
                if code != 0:
                    record["error"] = (err.strip().splitlines() or ["failed"])[-1][:200]
                variants.append((f"qdqc {target}", out_path, record))

        eval_samples = qm.load_samples(os.path.join(folder, "eval"), args.eval_limit)
        reference = qm.run_outputs(float_path, eval_samples)
        runnable = []
        for label, path, record in variants:
            if not record["ok"]:
                continue
            try:
                record["accuracy"] = qm.accuracy(reference, qm.run_outputs(path, eval_samples))
                record["fused"] = qm.fused_kernel_count(path)
                runnable.append((label, path, record))
            except Exception as error:  # ORT refusing a model is a result, not a crash
                record["ok"] = False
                record["error"] = f"ONNX Runtime: {str(error).splitlines()[0][:200]}"
        latencies = qm.latency_ms([float_path] + [p for _, p, _ in runnable], eval_samples[0], runs=args.runs)
        float_ms = latencies[0]
        for (label, path, record), ms in zip(runnable, latencies[1:]):
            record["latency_ms"] = ms
        results.append({
            "model": name,
            "float_latency_ms": float_ms,
            "variants": [{"label": label, **record} for label, _, record in variants],
        })
        print_model(results[-1])

    if args.json:
        with open(args.json, "w") as handle:
            json.dump(qm._finite(results), handle, indent=1, sort_keys=True)
    if args.markdown:
        write_markdown(args.markdown, results, args)
    return 0


def main_output(record):
    """(output name, its accuracy entry) of the first float output, the one the table shows first."""
    for output, entry in (record.get("accuracy") or {}).items():
        if "sqnr_db" in entry:
            return output, entry
    return None, None


def print_model(result):
    print(f"\n{result['model']} (float {fmt(result['float_latency_ms'])} ms)")
    print(f"  {'variant':<16}{'time s':>8}{'peak MB':>9}{'fused':>7}{'lat ms':>8}  outputs")
    for v in result["variants"]:
        if not v["ok"]:
            print(f"  {v['label']:<16}{fmt(v['seconds']):>8}{fmt(v['peak_mb'], 0):>9}  failed: {v.get('error')}")
            continue
        outputs = "; ".join(
            f"{o}: {fmt(e['sqnr_db'])} dB cos {fmt(e['cosine'], 3)}" if "sqnr_db" in e else f"{o}: agree {fmt(e['agreement'], 2)}"
            for o, e in v["accuracy"].items())
        print(f"  {v['label']:<16}{fmt(v['seconds']):>8}{fmt(v['peak_mb'], 0):>9}{v['fused']['total']:>7}"
              f"{fmt(v['latency_ms']):>8}  {outputs}")


def markdown_table(results) -> list[str]:
    lines = [
        "| model | quantizer | time s | peak MB | output SQNR dB (cosine) | fused int kernels | ORT CPU ms (float) |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for v in result["variants"]:
            if not v["ok"]:
                lines.append(f"| {result['model']} | {v['label']} | {fmt(v['seconds'])} | {fmt(v['peak_mb'], 0)} "
                             f"| failed: {v.get('error', '').replace('|', '/')} | — | — |")
                continue
            outputs = "<br>".join(
                f"{o}: {fmt(e['sqnr_db'])} ({fmt(e['cosine'], 3)})" if "sqnr_db" in e
                else f"{o}: agreement {fmt(e['agreement'], 2)}"
                for o, e in v["accuracy"].items())
            lines.append(
                f"| {result['model']} | {v['label']} | {fmt(v['seconds'])} | {fmt(v['peak_mb'], 0)} | {outputs} "
                f"| {v['fused']['total']} | {fmt(v['latency_ms'])} ({fmt(result['float_latency_ms'])}) |")
    return lines


def write_markdown(path, results, args):
    """Replaces the body of the Quantization section (or appends it), leaving every other section alone."""
    with open(path) as handle:
        text = handle.read()
    body = [
        SECTION,
        "",
        "What it measures: static int8 quantization of each shared model by qdqc "
        "(`qdqc MODEL -o OUT --calib-data CALIB --target ort|tensorrt`) and by ONNX Runtime's "
        "`quantize_static` (QDQ, per-channel, int8, after its `quant_pre_process`; "
        "\"ORT all\" quantizes every op it supports, \"ORT C/M/G\" only Conv/MatMul/Gemm via "
        "`op_types_to_quantize`), side by side in one run, all calibrated on the same "
        f"{args.calib_limit} calibration samples with {args.method}. Accuracy is measured on "
        f"{args.eval_limit} `eval/` samples against the float model in ONNX Runtime: SQNR "
        "10·log10(Σref²/Σ(ref−q)²) per output over all samples, and the mean per-sample cosine. "
        "\"Fused int kernels\" counts the integer kernels (QLinear*, QGemm, MatMulInteger, ...) in "
        "ONNX Runtime's optimized CPU graph (`optimized_model_filepath`); latency is the median of "
        f"{args.runs} interleaved runs on one sample with 2 threads. Time and peak memory are each "
        "quantizer's own process (GNU time; ORT's includes its pre-processing).",
        "",
        "Reproduce (from the repository root):",
        "",
        "```sh",
        "swift build -c release --product qdqc",
        ".venv/bin/python Tests/Benchmarks/quantize_bench.py --markdown docs/benchmarks.md",
        "```",
        "",
    ] + markdown_table(results) + [""]
    start = text.find("\n" + SECTION + "\n")
    if start < 0:
        new = text.rstrip("\n") + "\n\n" + "\n".join(body)
    else:
        start += 1
        following = re.search(r"^## ", text[start + len(SECTION):], flags=re.MULTILINE)
        end = start + len(SECTION) + following.start() if following else len(text)
        new = text[:start] + "\n".join(body) + ("\n" if following else "") + text[end:]
    with open(path, "w") as handle:
        handle.write(new)


if __name__ == "__main__":
    sys.exit(main())
