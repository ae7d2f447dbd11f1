#!/usr/bin/env python3
"""Checks that an opset upgrade kept a model's meaning: full ONNX check of the result, equal ORT outputs.

    opset_upgrade_check.py BEFORE.onnx AFTER.onnx [--data EVAL_DIR] [--limit N] [--expect-opset N]
                           [--rtol 1e-5] [--atol 1e-6]

Inputs come from EVAL_DIR (.npz samples keyed by input name) or, without it, are random and
seeded: floats in [-3, 3), integers in [0, 2), booleans; symbolic dimensions become 2. Prints one
JSON object (the largest differences per output) and exits 1 when the check fails or an output
differs beyond rtol/atol, naming what failed on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort

from quant_metrics import load_samples, session


def random_feeds(sess, rng) -> dict[str, np.ndarray]:
    feeds = {}
    for arg in sess.get_inputs():
        shape = [d if isinstance(d, int) and d >= 0 else 2 for d in arg.shape]
        kind = arg.type
        if "float" in kind or "double" in kind:
            dtype = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16}[kind]
            feeds[arg.name] = rng.uniform(-3, 3, size=shape).astype(dtype)
        elif "bool" in kind:
            feeds[arg.name] = rng.integers(0, 2, size=shape).astype(bool)
        elif "int" in kind:
            dtype = np.dtype(kind[len("tensor(") : -1])
            feeds[arg.name] = rng.integers(0, 2, size=shape).astype(dtype)
        else:
            raise SystemExit(f"opset_upgrade_check: cannot make a random input of type {kind} for '{arg.name}'")
    return feeds


def default_opset(model) -> int | None:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--data")
    parser.add_argument("--limit", type=int, default=4)
    parser.add_argument("--expect-opset", type=int)
    parser.add_argument("--rtol", type=float, default=1e-5)
    parser.add_argument("--atol", type=float, default=1e-6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    after_model = onnx.load(args.after)
    try:
        onnx.checker.check_model(after_model, full_check=True)
    except Exception as error:  # the checker raises several exception types
        print(f"opset_upgrade_check: {args.after} fails onnx.checker full_check: {error}", file=sys.stderr)
        return 1
    opset = default_opset(after_model)
    if args.expect_opset is not None and opset != args.expect_opset:
        print(f"opset_upgrade_check: {args.after} has opset {opset}, expected {args.expect_opset}", file=sys.stderr)
        return 1

    before = session(args.before, threads=1, level=ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    after = session(args.after, threads=1, level=ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    if args.data:
        samples = load_samples(args.data, args.limit)
    else:
        rng = np.random.default_rng(args.seed)
        samples = [random_feeds(before, rng) for _ in range(args.limit)]

    names = [o.name for o in before.get_outputs()]
    if [o.name for o in after.get_outputs()] != names:
        print(f"opset_upgrade_check: the outputs changed: {names} became "
              f"{[o.name for o in after.get_outputs()]}", file=sys.stderr)
        return 1
    worst: dict[str, float] = {name: 0.0 for name in names}
    failed = []
    for index, sample in enumerate(samples):
        expected = before.run(names, {i.name: sample[i.name] for i in before.get_inputs()})
        actual = after.run(names, {i.name: sample[i.name] for i in after.get_inputs()})
        for name, e, a in zip(names, expected, actual):
            e, a = np.asarray(e), np.asarray(a)
            if e.shape != a.shape or e.dtype != a.dtype:
                failed.append(f"sample {index} output '{name}': {e.dtype}{list(e.shape)} became {a.dtype}{list(a.shape)}")
                continue
            if np.issubdtype(e.dtype, np.floating):
                if e.size:
                    worst[name] = max(worst[name], float(np.max(np.abs(e.astype(np.float64) - a))))
                if not np.allclose(e, a, rtol=args.rtol, atol=args.atol, equal_nan=True):
                    failed.append(f"sample {index} output '{name}': max |diff| {worst[name]:.3g}")
            elif not np.array_equal(e, a):
                failed.append(f"sample {index} output '{name}': values differ")
    print(json.dumps({"opset": opset, "samples": len(samples), "max_abs_diff": worst}, sort_keys=True))
    for line in failed:
        print(f"opset_upgrade_check: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
