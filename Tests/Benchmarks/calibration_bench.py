#!/usr/bin/env python3
"""Calibration: qdqc's streaming `calibrate` pass versus ONNX Runtime's calibrators, memory and speed.

usage (from the repository root, after `bash .ci/setup`):

    swift build -c release --product qdqc
    .venv/bin/python Tests/Benchmarks/calibration_bench.py [--qdqc .build/release/qdqc]
        [--models DIR] [--memory-model ppocr_v4_det] [--reps 1] [--only NAME,NAME]
        [--skip-memory] [--skip-speed] [--ort-memory-limit-gib 8] [--methods minmax,...] [--memory-reps 3]

Memory (one model, default ppocr_v4_det): for every method, the peak RSS of
    qdqc MODEL -o OUT --passes 'calibrate{method=M}' --calib-data calib --calib-samples N --calib-table T
with N = 16 and N = 64 (the median of --memory-reps runs: qdqc's peak is reached
while the first sample runs and varies by a few MiB from run to run with the
order its threads allocate in, which one run would mistake for a trend), and of
a Python child (one run) that runs ONNX Runtime's own
calibrator for the same method and samples (create_calibrator + collect_data +
compute_data, as quantize_static does; mse has no ONNX Runtime counterpart).
The ORT child runs under an address-space limit (RLIMIT_AS, default 8 GiB) so
that its histogram methods, which keep every intermediate tensor of every
sample, cannot take the shared machine down; a child that fails at the limit
is reported as "> limit".

Speed (every shared model, its whole calib/ set): the whole qdqc process above
(no --calib-samples) against a Python child running ONNX Runtime's
quantize_static (QDQ, per-channel, calibration plus quantization) on the same
samples and method, timed inside the child from the call to its return (the
imports are not counted, which favours ORT). Both sides alternate; each side's
table file is deleted before each run so nothing is reused. ORT runs with its
own default options (Entropy: 128 bins, which makes its search trivial;
qdqc's default is 2048 bins), which again favours ORT.

Prints Markdown tables for docs/benchmarks.md.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ORT_CALIBRATE = """
import sys, os, glob, tempfile
import numpy as np
from onnxruntime.quantization.calibrate import CalibrationDataReader, CalibrationMethod, create_calibrator
model, folder, limit, method = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
files = sorted(glob.glob(os.path.join(folder, '*.npz')))[:limit]
class Reader(CalibrationDataReader):
    def __init__(self): self.it = iter(files)
    def get_next(self):
        path = next(self.it, None)
        return None if path is None else dict(np.load(path))
methods = {'minmax': CalibrationMethod.MinMax, 'percentile': CalibrationMethod.Percentile,
           'entropy': CalibrationMethod.Entropy}
with tempfile.TemporaryDirectory() as scratch:
    calibrator = create_calibrator(model, [], augmented_model_path=os.path.join(scratch, 'a.onnx'),
                                   calibrate_method=methods[method])
    calibrator.collect_data(Reader())
    calibrator.compute_data()
print('ok')
"""

ORT_QUANTIZE = """
import sys, os, glob, time
import numpy as np
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, quantize_static
model, folder, out, method = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
files = sorted(glob.glob(os.path.join(folder, '*.npz')))
class Reader(CalibrationDataReader):
    def __init__(self): self.it = iter(files)
    def get_next(self):
        path = next(self.it, None)
        return None if path is None else dict(np.load(path))
methods = {'minmax': CalibrationMethod.MinMax, 'percentile': CalibrationMethod.Percentile,
           'entropy': CalibrationMethod.Entropy}
start = time.perf_counter()
quantize_static(model, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                calibrate_method=methods[method])
print(time.perf_counter() - start)
"""

METHODS = ["minmax", "percentile", "entropy", "mse"]


def run_measured(arguments, memory_limit=None):
    """Runs a child with os.wait4 for its own peak RSS; returns (ok, stdout, stderr tail, MiB, seconds)."""

    def limit():
        if memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    out_file = tempfile.TemporaryFile(mode="w+")
    err_file = tempfile.TemporaryFile(mode="w+")
    start = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=out_file, stderr=err_file, text=True, preexec_fn=limit)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    out_file.seek(0)
    err_file.seek(0)
    out, err = out_file.read(), err_file.read()
    ok = os.waitstatus_to_exitcode(status) == 0
    return ok, out, err.strip().splitlines()[-1:] if err.strip() else [], usage.ru_maxrss / 1024.0, wall


def qdqc_command(qdqc, model, folder, method, table, output, samples=None):
    command = [qdqc, model, "-o", output, "--passes", f"calibrate{{method={method}}}", "--calib-data", folder,
               "--calib-table", table, "--quiet"]
    if samples is not None:
        command += ["--calib-samples", str(samples)]
    return command


def memory_benchmark(args, python, scratch):
    model_dir = os.path.join(args.models, args.memory_model)
    model = os.path.join(model_dir, "model.onnx")
    calib = os.path.join(model_dir, "calib")
    limit = int(args.ort_memory_limit_gib * (1 << 30))
    print(f"\n### Memory: {args.memory_model}, peak RSS MiB (qdqc: median of {args.memory_reps} runs; "
          f"ORT: one run, limited to {args.ort_memory_limit_gib:g} GiB)\n")
    print("| method | qdqc 16 | qdqc 64 | 64 vs 16 | ORT 16 | ORT 64 | qdqc / ORT (16) | qdqc / ORT (64) |")
    print("|---|---|---|---|---|---|---|---|")
    for method in METHODS:
        ours = {}
        theirs = {}
        for samples in (16, 64):
            table = os.path.join(scratch, "table.json")
            if os.path.exists(table):
                os.remove(table)
            peaks = []
            for _ in range(args.memory_reps):
                if os.path.exists(table):
                    os.remove(table)
                ok, _, err, rss, wall = run_measured(
                    qdqc_command(args.qdqc, model, calib, method, table, os.path.join(scratch, "o.onnx"), samples))
                print(f"  qdqc {method} {samples}: {'ok' if ok else 'FAILED ' + str(err)} {rss:.0f} MiB {wall:.1f} s",
                      file=sys.stderr)
                if not ok:
                    peaks = []
                    break
                peaks.append(rss)
            ours[samples] = statistics.median(peaks) if peaks else None
            if method == "mse":
                continue
            ok, _, err, rss, wall = run_measured(
                [python, "-c", ORT_CALIBRATE, model, calib, str(samples), method], memory_limit=limit)
            theirs[samples] = rss if ok else f"> {args.ort_memory_limit_gib:g} GiB ({(err or ['failed'])[0][:60]})"
            print(f"  ORT {method} {samples}: {'ok' if ok else 'FAILED ' + str(err)} {rss:.0f} MiB {wall:.1f} s",
                  file=sys.stderr)

        def cell(value):
            return "failed" if value is None else (f"{value:.0f}" if isinstance(value, float) else value)

        def ratio(samples):
            ort = theirs.get(samples)
            if ours.get(samples) is None or ort is None:
                return "n/a"
            if isinstance(ort, str):
                return f"< {ours[samples] / limit * (1 << 20):.3f}"
            return f"{ours[samples] / ort:.3f}"

        change = "n/a" if None in (ours.get(16), ours.get(64)) else f"{(ours[64] / ours[16] - 1) * 100:+.1f} %"
        print(f"| {method} | {cell(ours.get(16))} | {cell(ours.get(64))} | {change} | "
              f"{cell(theirs.get(16, 'n/a'))} | {cell(theirs.get(64, 'n/a'))} | {ratio(16)} | {ratio(64)} |")
        sys.stdout.flush()


def speed_benchmark(args, python, scratch, names):
    limit = int(args.ort_memory_limit_gib * (1 << 30))
    print(f"\n### Speed: whole calib/ set, seconds (median of {args.reps})\n")
    print("| model | method | samples | qdqc calibrate | ORT quantize_static | qdqc / ORT | qdqc MiB | ORT MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        model = os.path.join(args.models, name, "model.onnx")
        calib = os.path.join(args.models, name, "calib")
        count = len([f for f in os.listdir(calib) if f.endswith(".npz")])
        for method in METHODS:
            ours, theirs, our_rss, their_rss, ort_error = [], [], 0.0, 0.0, None
            for _ in range(args.reps):
                table = os.path.join(scratch, "table.json")
                if os.path.exists(table):
                    os.remove(table)
                ok, _, err, rss, wall = run_measured(
                    qdqc_command(args.qdqc, model, calib, method, table, os.path.join(scratch, "o.onnx")))
                if not ok:
                    raise RuntimeError(f"qdqc {name} {method} failed: {err}")
                ours.append(wall)
                our_rss = max(our_rss, rss)
                if method == "mse" or ort_error:
                    continue
                ok, out, err, rss, _ = run_measured(
                    [python, "-c", ORT_QUANTIZE, model, calib, os.path.join(scratch, "ort.onnx"), method],
                    memory_limit=limit)
                their_rss = max(their_rss, rss)
                if ok:
                    theirs.append(float(out.strip().splitlines()[-1]))
                else:
                    ort_error = (err or ["failed"])[0][:70]
            our_time = statistics.median(ours)
            if method == "mse":
                ort_cell, ratio = "no counterpart", "n/a"
            elif ort_error:
                ort_cell, ratio = f"failed ({ort_error})", "n/a"
            else:
                ort_time = statistics.median(theirs)
                ort_cell, ratio = f"{ort_time:.2f}", f"{our_time / ort_time:.2f}"
            print(f"| {name} | {method} | {count} | {our_time:.2f} | {ort_cell} | {ratio} | {our_rss:.0f} | "
                  f"{their_rss:.0f} |")
            sys.stdout.flush()


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser()
    parser.add_argument("--qdqc", default=os.path.join(root, ".build/release/qdqc"))
    parser.add_argument("--models", default=os.path.join(os.path.dirname(root), "shared/models"))
    parser.add_argument("--memory-model", default="ppocr_v4_det")
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--memory-reps", type=int, default=3)
    parser.add_argument("--only", default="")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--ort-memory-limit-gib", type=float, default=8)
    parser.add_argument("--methods", default=",".join(METHODS))
    args = parser.parse_args()
    METHODS[:] = [m for m in METHODS if m in args.methods.split(",")]
    if not os.path.isdir(args.models):
        args.models = "/work/shared/models"
    python = sys.executable
    names = sorted(n for n in os.listdir(args.models) if os.path.isfile(os.path.join(args.models, n, "model.onnx")))
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    scratch = tempfile.mkdtemp(prefix="qdqc-calib-bench-")
    try:
        if not args.skip_memory:
            memory_benchmark(args, python, scratch)
        if not args.skip_speed:
            speed_benchmark(args, python, scratch, names)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
