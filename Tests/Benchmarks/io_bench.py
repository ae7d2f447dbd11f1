#!/usr/bin/env python3
"""Reading and writing a 420 MB model: qdqc versus onnx.load + onnx.save.

usage (from the repository root, after `bash .ci/setup`):

    swift build -c release --product qdqc
    .venv/bin/python Tests/Benchmarks/io_bench.py [--qdqc .build/release/qdqc] [--reps 5]

The script generates the model once (25 MatMul layers with 2048x2048 float32
weights, 420 MB, all inline) in a scratch folder under /tmp, then times, side by
side in one run and in alternating order:

- qdqc:   the whole process `qdqc MODEL -o OUT --passes ''` (start-up included);
- Python: `onnx.load(MODEL)` + `onnx.save(model, OUT)` in a fresh child
          interpreter, timed inside the child around those two calls only
          (the `import onnx` is not counted, which favours Python).

Each side gets one untimed warm-up run, so the model file is in the page cache
for both, then --reps timed runs. Peak resident memory comes from os.wait4's
rusage of each child. It prints the medians, the ratio and a Markdown table for
docs/benchmarks.md, and removes its scratch folder unless --keep is given.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

LAYERS = 25
SIDE = 2048

PYTHON_CHILD = """
import sys, time, onnx
start = time.perf_counter()
model = onnx.load(sys.argv[1])
loaded = time.perf_counter()
onnx.save(model, sys.argv[2])
saved = time.perf_counter()
print(loaded - start, saved - loaded, saved - start)
"""


def generate_model(path):
    # Imported here: only the generating child needs them, and the timing parent must stay small
    # (a child's peak RSS counts the parent's pages it was forked with, until it execs).
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    nodes, initializers, previous = [], [], "x"
    for layer in range(LAYERS):
        weight = rng.standard_normal((SIDE, SIDE), dtype=np.float32)
        initializers.append(numpy_helper.from_array(weight, f"w{layer}"))
        output = "y" if layer == LAYERS - 1 else f"h{layer}"
        nodes.append(helper.make_node("MatMul", [previous, f"w{layer}"], [output], name=f"matmul{layer}"))
        previous = output
    graph = helper.make_graph(
        nodes,
        "io_bench",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", SIDE])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", SIDE])],
        initializers,
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), path)


def run_child(command):
    """Runs command; returns (wall seconds, peak RSS in MiB, stdout)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait4 reports this child's own rusage (getrusage(RUSAGE_CHILDREN) would merge all children).
    stdout = process.stdout.read()
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}): {stderr.decode(errors='replace').strip()}")
    return wall, usage.ru_maxrss / 1024.0, stdout.decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--qdqc", default=os.path.join(repo, ".build", "release", "qdqc"))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder with the model")
    parser.add_argument("--generate", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate_model(args.generate)
        return
    if not os.access(args.qdqc, os.X_OK):
        sys.exit(f"{args.qdqc} is not an executable: run `swift build -c release --product qdqc` first")

    scratch = tempfile.mkdtemp(prefix="qdqc-io-bench-")
    try:
        model = os.path.join(scratch, "model.onnx")
        run_child([sys.executable, os.path.abspath(__file__), "--generate", model])
        size_mb = os.path.getsize(model) / 1e6
        print(f"model: {model}, {size_mb:.0f} MB, {LAYERS} MatMul layers of {SIDE}x{SIDE} float32")
        qdqc_out = os.path.join(scratch, "qdqc_out.onnx")
        python_out = os.path.join(scratch, "python_out.onnx")
        qdqc_cmd = [args.qdqc, model, "-o", qdqc_out, "--passes", ""]
        python_cmd = [sys.executable, "-c", PYTHON_CHILD, model, python_out]

        qdqc_runs, python_runs = [], []
        for rep in range(args.reps + 1):
            for out in (qdqc_out, python_out):
                if os.path.exists(out):
                    os.remove(out)
            q_wall, q_rss, _ = run_child(qdqc_cmd)
            p_wall, p_rss, p_stdout = run_child(python_cmd)
            p_load, p_save, p_total = (float(value) for value in p_stdout.split())
            if rep == 0:
                continue  # warm-up
            qdqc_runs.append((q_wall, q_rss))
            python_runs.append((p_load, p_save, p_total, p_wall, p_rss))
            print(f"rep {rep}: qdqc {q_wall:.3f} s ({q_rss:.0f} MiB) | onnx load {p_load:.3f} s + save {p_save:.3f} s "
                  f"= {p_total:.3f} s ({p_rss:.0f} MiB)")
        if abs(os.path.getsize(qdqc_out) - os.path.getsize(model)) > 0.01 * os.path.getsize(model):
            sys.exit(f"qdqc's output is {os.path.getsize(qdqc_out)} bytes, the input {os.path.getsize(model)}")

        median = statistics.median
        q_time = median(run[0] for run in qdqc_runs)
        q_rss = max(run[1] for run in qdqc_runs)
        p_load = median(run[0] for run in python_runs)
        p_save = median(run[1] for run in python_runs)
        p_time = median(run[2] for run in python_runs)
        p_wall = median(run[3] for run in python_runs)
        p_rss = max(run[4] for run in python_runs)
        ratio = q_time / p_time
        print()
        print(f"| what ({args.reps} runs, median) | time s | peak RSS MiB |")
        print("|---|---|---|")
        print(f"| `qdqc M -o out --passes ''` (whole process) | {q_time:.3f} | {q_rss:.0f} |")
        print(f"| `onnx.load` | {p_load:.3f} | |")
        print(f"| `onnx.save` | {p_save:.3f} | |")
        print(f"| `onnx.load` + `onnx.save` | {p_time:.3f} | {p_rss:.0f} |")
        print(f"| Python child process, whole (with `import onnx`) | {p_wall:.3f} | |")
        print()
        print(f"ratio qdqc / (onnx.load + onnx.save) = {ratio:.3f} (target <= 0.333): "
              f"{'met' if ratio <= 1 / 3 else 'NOT met'}")
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
