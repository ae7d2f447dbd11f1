"""Compares qdqc's `run` outputs with ONNX Runtime's on the same samples.

usage: compare_run_outputs.py [--min-sqnr DB] MODEL OUT_DIR SAMPLE.npz...
For each sample S, OUT_DIR/<stem of S>.npz holds qdqc's outputs. Every output must
agree with ONNX Runtime's within rtol 1e-3 / atol 1e-4 (|a - b| <= atol + rtol * |b|).
With --min-sqnr, float outputs must instead agree to DB decibels (SQNR of qdqc's output
against ONNX Runtime's): for models that quantize at run time, where a one-ulp difference in a
computed scale (LayerNormalization's last bit differs between implementations) moves a value
across a rounding boundary now and then, and one code's step then reaches the output.
Prints one line per problem and exits 1 if there is any.
"""
import os
import sys

import numpy as np
import onnxruntime as ort


def main() -> int:
    arguments = sys.argv[1:]
    min_sqnr = None
    if arguments[:1] == ["--min-sqnr"]:
        min_sqnr, arguments = float(arguments[1]), arguments[2:]
    model, out_dir, samples = arguments[0], arguments[1], arguments[2:]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    # ORT fuses an int4 DequantizeLinear -> MatMul pair into MatMulNBits and by default runs it at
    # accuracy level 4, which quantizes the activations to int8 inside the kernel: not what the graph says.
    # Level 0 keeps float activations, the ONNX semantics qdqc's interpreter implements.
    options.add_session_config_entry("session.qdq_matmulnbits_accuracy_level", "0")
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    problems = []
    for sample in samples:
        feeds = dict(np.load(sample))
        expected = session.run(None, feeds)
        stem = os.path.splitext(os.path.basename(sample))[0]
        got = np.load(os.path.join(out_dir, stem + ".npz"))
        for name, want in zip(names, expected):
            if name not in got:
                problems.append(f"{stem}: output {name!r} missing from qdqc's result")
                continue
            have = got[name]
            if have.shape != want.shape or have.dtype != want.dtype:
                problems.append(f"{stem}: {name!r} is {have.dtype}{list(have.shape)}, ORT gives {want.dtype}{list(want.shape)}")
                continue
            if want.dtype.kind == "f" and min_sqnr is not None:
                noise = float(np.sum((have.astype(np.float64) - want) ** 2))
                signal = float(np.sum(want.astype(np.float64) ** 2))
                sqnr = 10 * np.log10(signal / noise) if noise > 0 else float("inf")
                if not sqnr >= min_sqnr:
                    problems.append(f"{stem}: {name!r}: SQNR {sqnr:.1f} dB against ONNX Runtime, below {min_sqnr}")
            elif want.dtype.kind == "f":
                bad = ~(np.abs(have - want) <= 1e-4 + 1e-3 * np.abs(want))
                if bad.any():
                    worst = float(np.max(np.abs(have - want)))
                    problems.append(f"{stem}: {name!r}: {int(bad.sum())} of {want.size} elements differ, max |diff| {worst:.3g}")
            elif not np.array_equal(have, want):
                problems.append(f"{stem}: {name!r}: integer outputs differ")
    for problem in problems:
        print(problem)
    print(f"{len(samples)} samples, {len(names)} outputs each, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
