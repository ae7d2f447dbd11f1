"""Checks that a rewritten float model computes what the original computes, in ONNX Runtime.

usage: compare_float_models.py ORIGINAL REWRITTEN SAMPLES_DIR [--limit N] [--rtol R] [--atol A]

Runs both models on the first N samples (`.npz`, one sample each, keyed by input name) of
SAMPLES_DIR and requires every output to agree elementwise: |a - b| <= atol * max|b| + rtol * |b|,
where b is the original's output and max|b| is taken over that output (so atol is relative to the
output's scale, and values near zero are not held to a purely relative bound).

Prints one JSON object on stdout: the op-type counts of both models and, per output, the largest
relative difference seen. Exits 1 with one line per problem on stderr when an output differs.
"""

import argparse
import collections
import glob
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort


def op_counts(path):
    model = onnx.load(path, load_external_data=False)
    counts = collections.Counter()

    def walk(graph):
        for node in graph.node:
            counts[node.op_type] += 1
            for attribute in node.attribute:
                if attribute.type == onnx.AttributeProto.GRAPH:
                    walk(attribute.g)
                for subgraph in attribute.graphs:
                    walk(subgraph)

    walk(model.graph)
    return dict(sorted(counts.items()))


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    # The check is about the graphs as written, not about ORT's own rewrites of them.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("original")
    parser.add_argument("rewritten")
    parser.add_argument("samples")
    parser.add_argument("--limit", type=int, default=4)
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--atol", type=float, default=1e-5)
    args = parser.parse_args()

    files = sorted(glob.glob(os.path.join(args.samples, "*.npz")))[: args.limit]
    if not files:
        print(f"no .npz samples in {args.samples}", file=sys.stderr)
        return 1
    original, rewritten = session(args.original), session(args.rewritten)
    names = [output.name for output in original.get_outputs()]
    rewritten_names = [output.name for output in rewritten.get_outputs()]
    problems = []
    if rewritten_names != names:
        problems.append(f"outputs differ: {names} became {rewritten_names}")
    worst = {name: 0.0 for name in names}
    for path in files if not problems else []:
        feeds = dict(np.load(path))
        want = original.run(None, feeds)
        have = rewritten.run(None, feeds)
        for name, expected, actual in zip(names, want, have):
            stem = os.path.basename(path)
            if expected.shape != actual.shape or expected.dtype != actual.dtype:
                problems.append(f"{stem}: {name!r} is {actual.dtype}{list(actual.shape)}, "
                                f"expected {expected.dtype}{list(expected.shape)}")
                continue
            if expected.dtype.kind != "f":
                if not np.array_equal(expected, actual):
                    problems.append(f"{stem}: {name!r} differs")
                continue
            expected64, actual64 = expected.astype(np.float64), actual.astype(np.float64)
            scale = float(np.max(np.abs(expected64))) if expected64.size else 0.0
            difference = np.abs(actual64 - expected64)
            allowed = args.atol * scale + args.rtol * np.abs(expected64)
            relative = difference / np.maximum(allowed / args.rtol, np.finfo(np.float64).tiny)
            worst[name] = max(worst[name], float(np.max(relative)) if relative.size else 0.0)
            bad = ~(difference <= allowed)
            if bad.any():
                problems.append(f"{stem}: {name!r}: {int(bad.sum())} of {expected.size} elements differ, "
                                f"max |diff| {float(np.max(difference)):.3g} (output scale {scale:.3g})")
    print(json.dumps({
        "original_ops": op_counts(args.original),
        "rewritten_ops": op_counts(args.rewritten),
        "max_relative_difference": worst,
        "samples": len(files),
    }))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
