#!/usr/bin/env python3
"""ONNX Runtime's quantize_static output moved to TensorRT's placement by qdqc (issue 18), per shared model.

usage (from the repository root, after `bash .ci/setup`):

    swift build -c release --product qdqc
    .venv/bin/python Tests/Benchmarks/foreign_qdq_bench.py [--qdqc .build/release/qdqc (or $QDQC_BINARY)]
        [--models DIR] [--only NAME,NAME] [--calib-limit 64] [--eval-limit 32] [--markdown docs/benchmarks.md]
        [--json OUT]

For every model: ONNX Runtime's `quantize_static` (QDQ, per-channel int8 weights, int8 activations with
zero point 0 so that TensorRT can take its pairs, MinMax on the first N calib/ samples, after
`quant_pre_process`) writes the "foreign" model; `qdqc FOREIGN -o OUT --target tensorrt --calib-data calib/`
moves it to TensorRT's placement, keeping ORT's scales where a pair survives and calibrating only what
ORT had not quantized. Measured: output SQNR of both against the float model in ONNX Runtime over eval/
(10·log10(Σref²/Σ(ref−q)²) over all samples), and Tests/Python/foreign_qdq_check.py's count of ORT's
quantized tensors whose parameters the qdqc model keeps bit for bit ("kept"), changes ("changed") or
leaves float ("left float"). --markdown rewrites the section "## Foreign Q/DQ: ORT's QDQ to TensorRT's
placement (issue 18)".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Python"))
sys.path.insert(0, HERE)

import quant_metrics as qm  # noqa: E402
import quantize_bench as qb  # noqa: E402

HEADING = "## Foreign Q/DQ: ORT's QDQ to TensorRT's placement (issue 18)"


def kept_counts(reference, candidate):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "Tests", "Python", "foreign_qdq_check.py"), reference, candidate],
        capture_output=True, text=True)
    return json.loads(result.stdout)


def measure(args):
    models = sorted(name for name in os.listdir(args.models)
                    if os.path.exists(os.path.join(args.models, name, "model.onnx")))
    if args.only:
        models = [name for name in models if name in args.only.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="foreign-qdq-bench-") as scratch:
        for name in models:
            folder = os.path.join(args.models, name)
            model = os.path.join(folder, "model.onnx")
            calib = os.path.join(folder, "calib")
            samples = qm.load_samples(os.path.join(folder, "eval"), args.eval_limit)
            # As quantize_bench.py: a probability output's SQNR hangs on a few samples near the decision
            # boundary, so the logits (the Softmax/Sigmoid input, under its float name) are measured too.
            logits = qb.logit_tensors(model)
            reference = qm.run_outputs(qb.with_outputs(model, logits, scratch, f"{name}-float"), samples)
            row = {"model": name}
            foreign = os.path.join(scratch, f"{name}.ort.onnx")
            try:
                qm.ort_quantize(model, foreign, qm.load_samples(calib, args.calib_limit),
                                symmetric_activations=not args.asymmetric_activations)
            except Exception as error:  # noqa: BLE001 - a model ORT cannot quantize is a row, not a crash
                row["error"] = f"quantize_static: {str(error).splitlines()[0][:100]}"
                rows.append(row)
                print(f"{name}: {row['error']}", file=sys.stderr)
                continue
            converted = os.path.join(scratch, f"{name}.trt.onnx")
            command = [args.qdqc, foreign, "-o", converted, "--quiet", "--target", "tensorrt", "--calib-data", calib,
                       "--calib-samples", str(args.calib_limit)]
            start = time.monotonic()
            result = subprocess.run(command, capture_output=True, text=True)
            row["seconds"] = time.monotonic() - start
            if result.returncode != 0:
                row["error"] = "qdqc: " + (result.stderr.strip().splitlines() or ["?"])[-1][:160]
                rows.append(row)
                print(f"{name}: {row['error']}", file=sys.stderr)
                continue
            ort_outputs = qm.run_outputs(qb.with_outputs(foreign, logits, scratch, f"{name}-ort"), samples)
            trt_outputs = qm.run_outputs(qb.with_outputs(converted, logits, scratch, f"{name}-trt"), samples)
            # An output one side lost (renamed or dropped) is a row saying so, never silently left out.
            row["sqnr"] = {}
            for output in reference:
                label = f"logits {output}" if output in logits else output
                missing = [side for side, outputs in (("ORT's model", ort_outputs), ("qdqc's model", trt_outputs))
                           if output not in outputs]
                if missing:
                    row["sqnr"][label] = "missing from " + " and ".join(missing)
                    print(f"{name}: output {output} is {row['sqnr'][label]}", file=sys.stderr)
                else:
                    row["sqnr"][label] = (qm.sqnr_db(reference[output], ort_outputs[output]),
                                          qm.sqnr_db(reference[output], trt_outputs[output]))
            row["kept"] = kept_counts(foreign, converted)
            rows.append(row)
            print(f"{name}: {row['sqnr']} {row['kept']['kept']} kept, {len(row['kept']['changed'])} changed, "
                  f"{len(row['kept']['missing'])} left float, {row['seconds']:.1f}s", file=sys.stderr)
    return rows


def markdown_table(rows) -> list[str]:
    lines = ["| model | output | ORT quantize_static dB | qdqc --target tensorrt dB | difference dB | "
             "ORT tensors kept / changed / left float | qdqc s |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['model']} | — | — | — | — | {row['error']} | — |")
            continue
        kept = row["kept"]
        counts = f"{kept['kept']} / {len(kept['changed'])} / {len(kept['missing'])}"
        for output, measured in row["sqnr"].items():
            if isinstance(measured, str):
                lines.append(f"| {row['model']} | {output} | — | — | — | {measured} | {row['seconds']:.1f} |")
                continue
            ort, trt = measured
            lines.append(f"| {row['model']} | {output} | {qb.fmt(ort)} | {qb.fmt(trt)} | {trt - ort:+.2f} | {counts} | "
                         f"{row['seconds']:.1f} |")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qdqc", default=os.environ.get("QDQC_BINARY", os.path.join(ROOT, ".build/release/qdqc")))
    parser.add_argument("--models", default=os.path.join(os.path.dirname(ROOT), "shared", "models"))
    parser.add_argument("--only", default="")
    parser.add_argument("--calib-limit", type=int, default=64)
    parser.add_argument("--eval-limit", type=int, default=32)
    parser.add_argument("--asymmetric-activations", action="store_true",
                        help="quantize_static's default asymmetric int8 activations (it then folds Relu/Clip into "
                             "the pairs); the default is symmetric, as TensorRT takes them")
    parser.add_argument("--markdown")
    parser.add_argument("--json", help="also write the rows as JSON to this file")
    args = parser.parse_args(argv)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    rows = measure(args)
    table = markdown_table(rows)
    print("\n".join(table))
    print(f"load at start: {load}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"load": load, "rows": rows}, handle, indent=1)
    if args.markdown:
        with open(args.markdown) as handle:
            text = handle.read()
        body = [
            HEADING,
            "",
            "What it measures: ONNX Runtime's `quantize_static` output (QDQ, ORT's all-ops placement, per-channel "
            "int8 weights, int8 activations with zero point 0, MinMax on the first "
            f"{args.calib_limit} calib/ samples) converted by `qdqc --target tensorrt`, which keeps ORT's "
            "parameters where TensorRT places a pair and calibrates only the rest. Output SQNR against the float "
            f"model in ONNX Runtime over {args.eval_limit} eval/ samples; \"kept\" counts ORT's quantized tensors "
            "whose scale, zero point and codes the qdqc model has bit for bit (Tests/Python/foreign_qdq_check.py), "
            "\"left float\" those TensorRT's placement leaves float. The bar (issue 18): qdqc within 0.5 dB of "
            "ORT's model or better, with nothing changed.",
            "",
            "Reproduce: `.venv/bin/python Tests/Benchmarks/foreign_qdq_bench.py --markdown docs/benchmarks.md`",
            "",
            f"Machine load when the run started (`uptime`; the machine is shared): {load}",
            "",
        ] + table + [""]
        qb.replace_section(args.markdown, text, HEADING, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
