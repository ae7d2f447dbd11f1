"""Checks that two models in ONNX text syntax compute the same outputs in ONNX Runtime.

usage: compare_text_models.py BEFORE.onnxtxt AFTER.onnxtxt SAMPLES_DIR [--rtol R] [--atol A]

Both files are parsed with onnx.parser and run on every `.npz` sample in SAMPLES_DIR; every output
must agree elementwise: |after - before| <= atol + rtol * |before|. Exits 1 with one line per
problem on stderr otherwise.
"""

import argparse
import glob
import os
import sys

import numpy as np
import onnx.parser
import onnxruntime as ort


def session(path):
    with open(path, encoding="utf-8") as handle:
        model = onnx.parser.parse_model(handle.read())
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("samples")
    parser.add_argument("--rtol", type=float, default=1e-5)
    parser.add_argument("--atol", type=float, default=1e-6)
    args = parser.parse_args()
    files = sorted(glob.glob(os.path.join(args.samples, "*.npz")))
    if not files:
        print(f"no .npz samples in {args.samples}", file=sys.stderr)
        return 1
    before, after = session(args.before), session(args.after)
    names = [output.name for output in before.get_outputs()]
    problems = []
    for path in files:
        feeds = dict(np.load(path))
        for name, want, have in zip(names, before.run(None, feeds), after.run(None, feeds)):
            if want.shape != have.shape or not np.allclose(have, want, rtol=args.rtol, atol=args.atol):
                worst = float(np.max(np.abs(have - want))) if want.shape == have.shape else float("nan")
                problems.append(f"{os.path.basename(path)}: output {name!r} differs (max |diff| {worst:.3g})")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
