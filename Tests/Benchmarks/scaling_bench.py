#!/usr/bin/env python3
"""Hostile model shapes (issue 16): time to read, verify and write grows linearly with size.

usage (from the repository root, after `bash .ci/setup`):

    swift build -c release --product qdqc
    .venv/bin/python Tests/Benchmarks/scaling_bench.py [--qdqc .build/release/qdqc] [--sizes 25000,50000,100000]

For each size N it generates, in a scratch folder under /tmp:

- chain:    N Relu nodes in a chain (a model with N nodes);
- readers:  one value read by N Relu nodes whose outputs one Concat joins (a value with N readers);
- repeat:   one Concat reading the same value N times;
- inputs:   N graph inputs;
- inits:    N unused initializers, removed by `eliminate-dead-code`;

and times the whole process `qdqc MODEL -o OUT --passes PIPELINE` (`''`, or
`eliminate-dead-code` for inits) once. Time linear in N doubles with N; a quadratic
loop quadruples. Prints a Markdown table for docs/benchmarks.md.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import onnx
from onnx import TensorProto, helper


def model(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    result = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    result.ir_version = 8
    return result


def build(kind, n):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    if kind == "chain":
        nodes = [helper.make_node("Relu", ["x" if i == 0 else f"r{i - 1}"], [f"r{i}"]) for i in range(n)]
        return model(nodes, [x], [helper.make_tensor_value_info(f"r{n - 1}", TensorProto.FLOAT, [1])])
    if kind == "readers":
        nodes = [helper.make_node("Relu", ["x"], [f"r{i}"]) for i in range(n)]
        nodes.append(helper.make_node("Concat", [f"r{i}" for i in range(n)], ["y"], axis=0))
        return model(nodes, [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n])])
    if kind == "repeat":
        nodes = [helper.make_node("Concat", ["x"] * n, ["y"], axis=0)]
        return model(nodes, [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n])])
    if kind == "inputs":
        inputs = [helper.make_tensor_value_info(f"i{i}", TensorProto.FLOAT, [1]) for i in range(n)]
        nodes = [helper.make_node("Relu", ["i0"], ["y"])]
        return model(nodes, inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    if kind == "inits":
        inits = [helper.make_tensor(f"w{i}", TensorProto.FLOAT, [1], [1.0]) for i in range(n)]
        nodes = [helper.make_node("Relu", ["x"], ["y"])]
        return model(nodes, [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])], inits)
    raise ValueError(kind)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qdqc", default=".build/release/qdqc")
    parser.add_argument("--sizes", default="25000,50000,100000")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    binary = os.path.abspath(args.qdqc)
    scratch = tempfile.mkdtemp(prefix="qdqc-scaling-")
    kinds = ["chain", "readers", "repeat", "inputs", "inits"]
    rows = {}
    try:
        for kind in kinds:
            for n in sizes:
                path = os.path.join(scratch, f"{kind}-{n}.onnx")
                onnx.save(build(kind, n), path)
                passes = "eliminate-dead-code" if kind == "inits" else ""
                start = time.perf_counter()
                done = subprocess.run(
                    [binary, path, "-o", os.path.join(scratch, "out.onnx"), "--passes", passes, "--quiet"],
                    capture_output=True, text=True)
                seconds = time.perf_counter() - start
                if done.returncode != 0:
                    sys.exit(f"{kind} {n}: {done.stderr.strip()}")
                rows.setdefault(kind, []).append(seconds)
                print(f"{kind:8} {n:>7}: {seconds:.2f} s", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print("| model | " + " | ".join(f"N = {n:,}" for n in sizes) + " |")
    print("| --- |" + " --- |" * len(sizes))
    for kind in kinds:
        print(f"| {kind} | " + " | ".join(f"{s:.2f} s" for s in rows[kind]) + " |")


if __name__ == "__main__":
    main()
