"""Runs a QOperator model and its QDQ rewrite in ONNX Runtime and measures how far their outputs differ.

usage: qoperator_equivalence.py QOPERATOR_MODEL QDQ_MODEL SAMPLE_DIR

Prints one JSON object per output, keyed by name: the largest absolute difference over every sample, the
output's quantization step (the scale of the QuantizeLinear/DequantizeLinear that produces it in the
QDQ model, when there is one) and that difference in steps.
"""

import argparse
import glob
import json
import os

import numpy as np
import onnx
import onnxruntime
from onnx import numpy_helper


def output_steps(model):
    constants = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    steps = {}
    for node in model.graph.node:
        if node.op_type == "DequantizeLinear" and node.input[1] in constants:
            steps[node.output[0]] = float(np.max(constants[node.input[1]]))
    return {output.name: steps.get(output.name) for output in model.graph.output}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("qoperator")
    parser.add_argument("qdq")
    parser.add_argument("samples")
    args = parser.parse_args()
    options = onnxruntime.SessionOptions()
    sessions = [
        onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        for path in (args.qoperator, args.qdq)
    ]
    names = [output.name for output in sessions[0].get_outputs()]
    largest = {name: 0.0 for name in names}
    for path in sorted(glob.glob(os.path.join(args.samples, "*.npz"))):
        with np.load(path) as sample:
            feeds = {key: sample[key] for key in sample.files}
        first, second = (session.run(names, feeds) for session in sessions)
        for name, a, b in zip(names, first, second):
            largest[name] = max(largest[name], float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))))
    steps = output_steps(onnx.load(args.qdq))
    print(
        json.dumps(
            {
                name: {
                    "max_abs_diff": largest[name],
                    "step": steps.get(name),
                    "steps": largest[name] / steps[name] if steps.get(name) else None,
                }
                for name in names
            }
        )
    )


if __name__ == "__main__":
    main()
