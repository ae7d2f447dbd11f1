"""Checks a model with onnx.checker and compares qdqc's `run` outputs with onnx.reference's.

usage: reference_run_check.py MODEL OUT_DIR SAMPLE.npz...
For each sample S, OUT_DIR/<stem of S>.npz holds qdqc's outputs. The model must pass
onnx.checker.check_model(full_check=True), and every output must agree with ReferenceEvaluator's
within rtol 1e-4 / atol 1e-5. This is the check for formats no runtime in the venv executes
(float4e2m1, float8e8m0 scales, int2). Prints one line per problem and exits 1 if there is any.
"""
import os
import sys

import numpy as np
import onnx
from onnx.reference import ReferenceEvaluator


def main() -> int:
    model_path, out_dir, samples = sys.argv[1], sys.argv[2], sys.argv[3:]
    model = onnx.load(model_path)
    problems = []
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:  # the checker's exception types vary across releases
        problems.append(f"checker: {error}".replace("\n", " "))
    evaluator = ReferenceEvaluator(model)
    names = [output.name for output in model.graph.output]
    for sample in samples:
        feeds = dict(np.load(sample))
        expected = evaluator.run(None, feeds)
        stem = os.path.splitext(os.path.basename(sample))[0]
        got = np.load(os.path.join(out_dir, stem + ".npz"))
        for name, want in zip(names, expected):
            if name not in got:
                problems.append(f"{stem}: output {name!r} missing from qdqc's result")
                continue
            have = got[name]
            if have.shape != want.shape:
                problems.append(f"{stem}: {name!r} has shape {list(have.shape)}, the reference {list(want.shape)}")
                continue
            bad = ~(np.abs(have.astype(np.float64) - want) <= 1e-5 + 1e-4 * np.abs(want))
            if bad.any():
                worst = float(np.max(np.abs(have.astype(np.float64) - want)))
                problems.append(f"{stem}: {name!r} differs at {int(bad.sum())} elements (max {worst:.3g})")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
