#!/usr/bin/env python3
"""Memory of `qdqc.quantize` with a Python generator as calibration, as the number of samples grows.

usage (after `bash .ci/build-wheel dist && pip install dist/qdqc-*.whl` in a venv with numpy and onnx,
or from the repository with QDQC_BINARY=.build/release/qdqc and PYTHONPATH=Sources/python):

    python Tests/Benchmarks/python_api_bench.py [--counts 16,64,256] [--side 320]

For each count N, a fresh Python child builds a small float CNN (Conv → Relu → Conv on a
[1, 3, SIDE, SIDE] input; 1.2 MB per sample at SIDE 320), calls
`qdqc.quantize(model, calibration=<generator of N random samples>)` and reports its own peak
resident memory and the qdqc process's (ru_maxrss of the child and of its children). Flat means
both stay the same as N grows: the generator's samples are written one at a time and qdqc
calibrates them as a stream. Prints a Markdown table for docs/benchmarks.md.
"""

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = r'''
import json, resource, sys, time
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import qdqc

count, side = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
w1 = numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), "w1")
w2 = numpy_helper.from_array(rng.standard_normal((4, 8, 3, 3)).astype(np.float32), "w2")
graph = helper.make_graph(
    [helper.make_node("Conv", ["x", "w1"], ["c1"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c1"], ["r"]),
     helper.make_node("Conv", ["r", "w2"], ["y"], pads=[1, 1, 1, 1])],
    "cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, side, side])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, side, side])], [w1, w2])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])

def samples():
    for _ in range(count):
        yield {"x": rng.standard_normal((1, 3, side, side)).astype(np.float32)}

start = time.perf_counter()
quantized, report = qdqc.quantize(model, calibration=samples(), progress=False, eval_samples=1)
seconds = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"count": count, "seconds": seconds, "python_mb": own, "qdqc_mb": children}))
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="16,64,256")
    parser.add_argument("--side", type=int, default=320)
    args = parser.parse_args()
    rows = []
    for count in [int(c) for c in args.counts.split(",")]:
        run = subprocess.run([sys.executable, "-c", CHILD, str(count), str(args.side)], capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            return 1
        rows.append(json.loads(run.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    sample_mb = 3 * args.side * args.side * 4 / 1e6
    print(f"\nRun {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, load {os.getloadavg()[0]:.1f}; "
          f"one sample is {sample_mb:.1f} MB ([1, 3, {args.side}, {args.side}] float32).\n")
    print("| samples | all samples would take MB | Python peak MB | qdqc peak MB | seconds |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['count']} | {row['count'] * sample_mb:.0f} | {row['python_mb']:.0f} | {row['qdqc_mb']:.0f} | "
              f"{row['seconds']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
