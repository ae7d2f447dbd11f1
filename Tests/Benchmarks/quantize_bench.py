#!/usr/bin/env python3
"""Static int8 quantization of each shared model: qdqc versus ONNX Runtime's quantize_static, in one run.

usage (from the repository root, after `bash .ci/setup`):

    swift build -c release --product qdqc
    .venv/bin/python Tests/Benchmarks/quantize_bench.py [--qdqc .build/release/qdqc (or $QDQC_BINARY)]
        [--models DIR] [--only NAME,NAME] [--method minmax] [--calib-limit 64] [--eval-limit 32]
        [--targets ort,tensorrt] [--runs 20] [--no-symmetric] [--markdown docs/benchmarks.md] [--json OUT]

For every model in DIR (default ../shared/models beside the repository), side by side:

- ORT all:      quantize_static (QDQ, per-channel, int8, the calibration method chosen) on every op
                it supports, after ONNX Runtime's quant_pre_process (and onnx's version converter to
                opset 13 for older models, which per-axis DequantizeLinear needs);
- ORT C/M/G:    the same with op_types_to_quantize=[Conv, MatMul, Gemm] (closer to TensorRT's placement);
- ORT all sym, ORT C/M/G sym: both again with extra_options ActivationSymmetric=True (int8 activations
                with zero point 0, TensorRT's format; --no-symmetric skips them);
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
    default_qdqc = os.environ.get("QDQC_BINARY") or os.path.join(ROOT, ".build", "release", "qdqc")
    parser.add_argument("--qdqc", default=default_qdqc,
                        help="the qdqc binary (default: $QDQC_BINARY, else .build/release/qdqc)")
    parser.add_argument("--models", default=os.path.join(os.path.dirname(ROOT), "shared", "models"))
    parser.add_argument("--only", help="comma-separated model folder names")
    parser.add_argument("--method", choices=sorted(qm.ORT_METHODS), default="minmax")
    parser.add_argument("--calib-limit", type=int, default=64)
    parser.add_argument("--eval-limit", type=int, default=32)
    parser.add_argument("--targets", default="ort,tensorrt")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per model for latency")
    parser.add_argument("--no-ort", action="store_true", help="skip ONNX Runtime's quantize_static")
    parser.add_argument("--no-symmetric", action="store_true",
                        help="skip the ActivationSymmetric=True runs of quantize_static")
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
            ort_variants = [("ORT all", None, False), ("ORT C/M/G", "Conv,MatMul,Gemm", False)]
            if not args.no_symmetric:
                ort_variants += [("ORT all sym", None, True), ("ORT C/M/G sym", "Conv,MatMul,Gemm", True)]
            for label, op_types, symmetric in ort_variants:
                stem = f"ort_{'all' if op_types is None else 'cmg'}{'_sym' if symmetric else ''}"
                out_path = os.path.join(scratch, f"{stem}.onnx")
                command = [python, metrics_script, "ort-quantize", float_path, out_path, "--calib", calib,
                           "--limit", str(args.calib_limit), "--method", args.method]
                if op_types:
                    command += ["--op-types", op_types]
                if symmetric:
                    command += ["--symmetric-activations"]
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
        logit_names = logit_tensors(float_path)
        logit_reference = {}
        if logit_names:
            extended = qm.run_outputs(with_outputs(float_path, logit_names, scratch, "float"), eval_samples)
            logit_reference = {name: extended[name] for name in logit_names if name in extended}
        runnable = []
        for label, path, record in variants:
            if not record["ok"]:
                continue
            try:
                record["accuracy"] = qm.accuracy(reference, qm.run_outputs(path, eval_samples))
                record["logits"] = logit_accuracy(logit_reference, path, scratch, eval_samples)
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


def logit_tensors(float_path: str) -> list[str]:
    """Inputs of the Softmax/Sigmoid/LogSoftmax nodes that produce graph outputs (the logits).

    A probability output's SQNR is decided by the few samples near the decision boundary, where the
    activation is steep; the logits' SQNR weighs every sample alike, so the table shows both.
    """
    import onnx

    graph = onnx.load(float_path, load_external_data=False).graph
    producer = {name: node for node in graph.node for name in node.output}
    outputs = {o.name for o in graph.output}
    logits = []
    for output in graph.output:
        node = producer.get(output.name)
        # Follow ops that only move or relabel values (Paddle exports end in Identity or Reshape).
        while node is not None and node.op_type in PASS_THROUGH and node.input:
            node = producer.get(node.input[0])
        if node is not None and node.op_type in ("Softmax", "Sigmoid", "LogSoftmax"):
            name = node.input[0]
            if name not in outputs and name not in logits:
                logits.append(name)
    return logits


PASS_THROUGH = {"Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Cast"}


def with_outputs(path: str, names: list[str], scratch: str, tag: str) -> str:
    """A copy of the model (in scratch) that also outputs the named tensors it computes."""
    import onnx

    model = onnx.load(path)
    produced = {o for n in model.graph.node for o in n.output}
    have = {o.name for o in model.graph.output}
    for name in names:
        if name in produced and name not in have:
            model.graph.output.append(onnx.ValueInfoProto(name=name))
    out = os.path.join(scratch, f"logits_{tag}.onnx")
    onnx.save(model, out)
    return out


def logit_accuracy(logit_reference, path: str, scratch: str, eval_samples) -> dict:
    """SQNR/cosine of the logits the quantized model still computes under their float names."""
    if not logit_reference:
        return {}
    tag = os.path.splitext(os.path.basename(path))[0]
    outputs = qm.run_outputs(with_outputs(path, list(logit_reference), scratch, tag), eval_samples)
    present = {name: values for name, values in logit_reference.items() if name in outputs}
    return qm.accuracy(present, outputs)


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
        logits = "".join(f"; logits {o}: {fmt(e['sqnr_db'])} dB" for o, e in v.get("logits", {}).items())
        print(f"  {v['label']:<16}{fmt(v['seconds']):>8}{fmt(v['peak_mb'], 0):>9}{v['fused']['total']:>7}"
              f"{fmt(v['latency_ms']):>8}  {outputs}{logits}")


def markdown_table(results) -> list[str]:
    lines = [
        "| model | quantizer | time s | peak MB | output SQNR dB (cosine) | logits SQNR dB | fused int kernels "
        "| ORT CPU ms (float) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for v in result["variants"]:
            if not v["ok"]:
                lines.append(f"| {result['model']} | {v['label']} | {fmt(v['seconds'])} | {fmt(v['peak_mb'], 0)} "
                             f"| failed: {v.get('error', '').replace('|', '/')} | — | — | — |")
                continue
            outputs = "<br>".join(
                f"{o}: {fmt(e['sqnr_db'])} ({fmt(e['cosine'], 3)})" if "sqnr_db" in e
                else f"{o}: agreement {fmt(e['agreement'], 2)}"
                for o, e in v["accuracy"].items())
            logits = "<br>".join(f"{o}: {fmt(e['sqnr_db'])}" for o, e in v.get("logits", {}).items()) or "—"
            lines.append(
                f"| {result['model']} | {v['label']} | {fmt(v['seconds'])} | {fmt(v['peak_mb'], 0)} | {outputs} "
                f"| {logits} | {v['fused']['total']} | {fmt(v['latency_ms'])} ({fmt(result['float_latency_ms'])}) |")
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
        "`op_types_to_quantize`; the \"sym\" rows add `extra_options={\"ActivationSymmetric\": True}`, "
        "int8 activations with zero point 0 as TensorRT takes them, where the default is asymmetric int8), "
        "side by side in one run, all calibrated on the same "
        f"{args.calib_limit} calibration samples with {args.method}. Accuracy is measured on "
        f"{args.eval_limit} `eval/` samples against the float model in ONNX Runtime: SQNR "
        "10·log10(Σref²/Σ(ref−q)²) per output over all samples, and the mean per-sample cosine; "
        "for an output computed by Softmax/Sigmoid also the SQNR of its input, the logits (a probability "
        "output's SQNR is decided by the few samples near the decision boundary, the logits' by all). "
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
    replace_section(path, text, SECTION, body)


def replace_section(path, text, heading, lines):
    """Writes `text` to `path` with the section under `heading` (up to the next `## `, or `### `: subsections
    other scripts write, such as accuracy_bench.py's, are kept) replaced by `lines`."""
    start = text.find("\n" + heading + "\n")
    if start < 0:
        new = text.rstrip("\n") + "\n\n" + "\n".join(lines)
    else:
        start += 1
        following = re.search(r"^###? ", text[start + len(heading):], flags=re.MULTILINE)
        end = start + len(heading) + following.start() if following else len(text)
        new = text[:start] + "\n".join(lines) + ("\n" if following else "") + text[end:]
    with open(path, "w") as handle:
        handle.write(new)


if __name__ == "__main__":
    sys.exit(main())
