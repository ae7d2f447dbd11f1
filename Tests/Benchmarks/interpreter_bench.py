#!/usr/bin/env python3
"""Running each shared model's calib/ samples: qdqc's interpreter versus ONNX Runtime (2 threads).

usage (from the repository root, after `bash .ci/setup`):

    swift build -c release --product qdqc
    .venv/bin/python Tests/Benchmarks/interpreter_bench.py [--qdqc .build/release/qdqc]
        [--models DIR] [--samples N] [--reps 3] [--only NAME,NAME]
        [--extra NAME=MODEL.onnx:SAMPLE_DIR ...] [--ort-discards-outputs]

For every model in DIR (default ../shared/models beside the repository), side by
side in one run and in alternating order:

- qdqc: the whole process `qdqc run MODEL --data calib --all -o OUT --quiet`
        (start-up, model load, reading every .npz, running, writing outputs), with its
        default of one sample per core at once, and again with `--jobs 1` (one sample at
        a time, each over both cores: the per-sample latency that ORT's side measures);
- ORT:  a fresh Python child that creates an InferenceSession with
        intra_op_num_threads=2 (the machine has 2 cores) and runs the same samples,
        reading each .npz with numpy and writing each sample's outputs to
        OUT/<sample>.npz with numpy.savez (stored, as qdqc writes them), so both sides do
        the same work; timed inside the child from session creation to the last file
        written (the `import onnxruntime` is not counted, which favours ORT).
        --ort-discards-outputs drops the writing, as this benchmark did before 2026-12-06
        22:30 (the whisper decoder's qdqc side writes 26 MB of logits per sample).

--extra adds a model outside DIR with its own sample folder, e.g. the whisper decoder:
`--extra whisper_decoder=/tmp/llm/whisper_base_decoder_lm/model_prefill.onnx:/tmp/llm/whisper_base_decoder_lm/eval`.
Paths may be relative to the current directory.

Each side gets one untimed warm-up run, then --reps timed runs; medians are
reported with the ratios qdqc / ORT (default and --jobs 1), each side's CPU time (user + system: the
whole qdqc process; ORT's from session creation on, spin-waiting of its thread
pool included) and each side's peak resident memory (rusage of the child).
On a machine shared with other work the CPU ratio is the steadier number.
Prints a Markdown table for docs/benchmarks.md.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ORT_CHILD = """
import sys, time, glob, os, resource
import numpy as np
import onnxruntime as ort
model, folder, limit, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
files = sorted(glob.glob(os.path.join(folder, '*.npz')))[:limit]
before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
options = ort.SessionOptions()
options.intra_op_num_threads = 2
options.inter_op_num_threads = 1
session = ort.InferenceSession(model, options, providers=['CPUExecutionProvider'])
names = [o.name for o in session.get_outputs()]
for path in files:
    results = session.run(None, dict(np.load(path)))
    if out:
        np.savez(os.path.join(out, os.path.basename(path)), **dict(zip(names, results)))
elapsed = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
print(elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
"""


def run_child(arguments):
    """Runs a child process; returns (its stdout, peak RSS in MiB, wall seconds, CPU seconds)."""
    # Output goes to files, not pipes: a child that writes more than a pipe holds would block
    # forever while we wait for it.
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        start = time.perf_counter()
        process = subprocess.Popen(arguments, stdout=out_file, stderr=err_file, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        out_file.seek(0)
        err_file.seek(0)
        out = out_file.read()
        err = err_file.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed:\n{err}")
    return out, usage.ru_maxrss / 1024.0, wall, usage.ru_utime + usage.ru_stime


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser()
    parser.add_argument("--qdqc", default=os.path.join(root, ".build/release/qdqc"))
    parser.add_argument("--models", default=os.path.join(os.path.dirname(root), "shared/models"))
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", default="")
    parser.add_argument("--extra", action="append", default=[], metavar="NAME=MODEL:SAMPLES")
    parser.add_argument("--ort-discards-outputs", action="store_true")
    parser.add_argument("--no-jobs-one", action="store_true", help="skip the qdqc --jobs 1 runs")
    args = parser.parse_args()
    if not os.path.isdir(args.models):
        args.models = "/work/shared/models"
    # The samples are linked from a scratch folder, where a relative link target would dangle.
    args.models = os.path.abspath(args.models)
    names = sorted(n for n in os.listdir(args.models) if os.path.isfile(os.path.join(args.models, n, "model.onnx")))
    models = {n: (os.path.join(args.models, n, "model.onnx"), os.path.join(args.models, n, "calib")) for n in names}
    for extra in args.extra:
        name, _, paths = extra.partition("=")
        model_path, _, samples = paths.rpartition(":")
        if not name or not model_path or not samples:
            parser.error(f"--extra {extra!r}: expected NAME=MODEL.onnx:SAMPLE_DIR")
        names.append(name)
        models[name] = (os.path.abspath(model_path), os.path.abspath(samples))
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    scratch = tempfile.mkdtemp(prefix="qdqc-interp-bench-")
    rows = []
    try:
        for name in names:
            model, calib = models[name]
            subset = os.path.join(scratch, name + "-calib")
            os.makedirs(subset)
            for sample in sorted(f for f in os.listdir(calib) if f.endswith(".npz"))[: args.samples]:
                os.symlink(os.path.join(calib, sample), os.path.join(subset, sample))
            count = len(os.listdir(subset))
            if count == 0:
                raise SystemExit(f"{name}: no .npz samples in {calib}")

            def qdqc_once(jobs=None):
                out = os.path.join(scratch, name + "-out")
                shutil.rmtree(out, ignore_errors=True)
                extra = [] if jobs is None else ["--jobs", str(jobs)]
                _, rss, wall, cpu = run_child(
                    [args.qdqc, "run", model, "--data", subset, "--all", "-o", out, "--quiet"] + extra)
                return wall, rss, cpu

            def ort_once():
                folder = ""
                if not args.ort_discards_outputs:
                    folder = os.path.join(scratch, name + "-ort-out")
                    shutil.rmtree(folder, ignore_errors=True)
                    os.makedirs(folder)
                out, rss, _, _ = run_child([sys.executable, "-c", ORT_CHILD, model, subset, str(count), folder])
                wall, cpu = (float(x) for x in out.strip().splitlines()[-1].split())
                return wall, rss, cpu

            qdqc_once()
            ort_once()
            q_times, o_times, q_cpus, o_cpus, q_rss, o_rss = [], [], [], [], 0.0, 0.0
            s_times, s_cpus, s_rss = [], [], 0.0
            for _ in range(args.reps):
                t, r, c = qdqc_once()
                q_times.append(t)
                q_cpus.append(c)
                q_rss = max(q_rss, r)
                if not args.no_jobs_one:
                    t, r, c = qdqc_once(jobs=1)
                    s_times.append(t)
                    s_cpus.append(c)
                    s_rss = max(s_rss, r)
                t, r, c = ort_once()
                o_times.append(t)
                o_cpus.append(c)
                o_rss = max(o_rss, r)
            q, o = statistics.median(q_times), statistics.median(o_times)
            qc, oc = statistics.median(q_cpus), statistics.median(o_cpus)
            s = statistics.median(s_times) if s_times else float("nan")
            sc = statistics.median(s_cpus) if s_cpus else float("nan")
            rows.append((name, count, q, s, o, q / o, s / o, qc, sc, oc, qc / oc, q_rss, s_rss, o_rss))
            print(
                f"{name}: {count} samples, qdqc {q:.2f} s (CPU {qc:.2f} s, {q_rss:.0f} MiB), "
                f"qdqc --jobs 1 {s:.2f} s (CPU {sc:.2f} s, {s_rss:.0f} MiB), "
                f"ORT {o:.2f} s (CPU {oc:.2f} s, {o_rss:.0f} MiB), ratio {q / o:.2f} (CPU {qc / oc:.2f}), "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print()
    print("| model | samples | qdqc s | qdqc --jobs 1 s | ORT s | qdqc / ORT | --jobs 1 / ORT | qdqc CPU s "
          "| --jobs 1 CPU s | ORT CPU s | CPU ratio | qdqc peak MiB | --jobs 1 peak MiB | ORT peak MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, count, q, s, o, ratio, single_ratio, qc, sc, oc, cpu_ratio, qr, sr, orr in rows:
        print(
            f"| {name} | {count} | {q:.2f} | {s:.2f} | {o:.2f} | {ratio:.2f} | {single_ratio:.2f} | {qc:.2f} "
            f"| {sc:.2f} | {oc:.2f} | {cpu_ratio:.2f} | {qr:.0f} | {sr:.0f} | {orr:.0f} |"
        )


if __name__ == "__main__":
    main()
