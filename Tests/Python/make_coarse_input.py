"""Writes a model whose MatMul input mostly falls between a few int8 steps, with calibration and evaluation samples.

usage: make_coarse_input.py OUT_DIR

For `--weight-method gptaq`: the input x float[256, 64] is |N(0, 1)| with one outlier of 40 per sample, so its
int8 step (40/127 with a symmetric per-tensor scale) is a third of the bulk's spread: the bulk rounds to a few
steps, more of it down than up (the density falls inside each step), so the quantized input is biased and
shrunk, not only noisy. The model: y = MatMul(x, W) + b with W float[64, 32] ~ N(0, 1/8) and b ~ N(0, 1). A
weight rounded for the quantized input, with its bias corrected, takes most of that error back; GPTQ, which
rounds for the float input, cannot. Writes OUT_DIR/model.onnx (opset 17), OUT_DIR/calib/NNNN.npz (16 samples)
and OUT_DIR/eval/NNNN.npz (8 samples). Deterministic: a seeded generator.
"""

import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import sample_folders

ROWS = 256
INPUTS = 64
OUTPUTS = 32


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(0)
    weight = rng.normal(0, 1 / np.sqrt(8), size=(INPUTS, OUTPUTS)).astype(np.float32)
    bias = rng.normal(0, 1, size=(OUTPUTS,)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w"], ["z"], name="project"),
            helper.make_node("Add", ["z", "b"], ["y"], name="bias"),
        ],
        "coarse_input",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [ROWS, INPUTS])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [ROWS, OUTPUTS])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)

    def draw():
        x = np.abs(rng.normal(0, 0.1, size=(ROWS, INPUTS))).astype(np.float32)
        x[rng.integers(ROWS), rng.integers(INPUTS)] = 40
        return x

    sample_folders.save(out, model, draw)


if __name__ == "__main__":
    main()
