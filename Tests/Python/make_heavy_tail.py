"""Writes a model whose MatMul input is heavy-tailed, with calibration and evaluation samples.

usage: make_heavy_tail.py OUT_DIR

For `--mixed-fp8`: an int8 grid spaces its steps evenly over a log-normal input's range, so most values
(those near the median) round to a few steps, while FP8 E4M3 keeps about 6 % relative error at every
magnitude. The model: x float[16, 64] ~ N(0, 2) → e = Exp(x) → z = MatMul(e, W) → y = Log(z + 0.1), with W a
64×64 matrix of 0.9 on the diagonal and 0.1/63 elsewhere (positive, so z > 0); the log makes every
magnitude of z count alike in the output. With ONNX Runtime's placement (uint8 pairs on z and z + 0.1) the
smallest values round to 0 and the quantized Log gives -inf: the broken-output case of the accuracy gate. Writes OUT_DIR/model.onnx (opset 17), OUT_DIR/calib/NNNN.npz (16
samples) and OUT_DIR/eval/NNNN.npz (8 samples). Deterministic: a seeded generator.
"""

import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import sample_folders

WIDTH = 64
ROWS = 16


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(0)
    weight = np.full((WIDTH, WIDTH), 0.1 / (WIDTH - 1), dtype=np.float32)
    np.fill_diagonal(weight, 0.9)
    graph = helper.make_graph(
        [
            helper.make_node("Exp", ["x"], ["e"], name="exp"),
            helper.make_node("MatMul", ["e", "w"], ["z"], name="mix"),
            helper.make_node("Add", ["z", "offset"], ["shifted"], name="shift"),
            helper.make_node("Log", ["shifted"], ["y"], name="log"),
        ],
        "heavy_tail",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [ROWS, WIDTH])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [ROWS, WIDTH])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(np.array(0.1, dtype=np.float32), "offset")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    sample_folders.save(out, model, lambda: rng.normal(0, 2, size=(ROWS, WIDTH)).astype(np.float32))


if __name__ == "__main__":
    main()
