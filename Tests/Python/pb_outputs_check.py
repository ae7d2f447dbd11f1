"""Compares `qdqc run`'s TensorProto outputs (OUT_DIR/output_K.pb) with onnx.reference's.

usage: pb_outputs_check.py MODEL SAMPLE.npz OUT_DIR
MODEL is a .onnx file or a model in ONNX's textual syntax (.onnxtxt).
Every graph output K must be in OUT_DIR/output_K.pb with the graph's output name, its element type and
shape, and the reference's values exactly (compared as float64, NaNs equal). Exits 1 on any problem.
"""
import os
import sys

import numpy as np
import onnx
import onnx.parser
from onnx import numpy_helper
from onnx.reference import ReferenceEvaluator


def main() -> int:
    model_path, sample, out_dir = sys.argv[1:4]
    if model_path.endswith(".onnxtxt"):
        model = onnx.parser.parse_model(open(model_path).read())
    else:
        model = onnx.load(model_path)
    expected = ReferenceEvaluator(model).run(None, dict(np.load(sample)))
    problems = []
    for index, (output, want) in enumerate(zip(model.graph.output, expected)):
        path = os.path.join(out_dir, f"output_{index}.pb")
        if not os.path.exists(path):
            problems.append(f"{path} is missing")
            continue
        proto = onnx.TensorProto()
        proto.ParseFromString(open(path, "rb").read())
        if proto.name != output.name:
            problems.append(f"output_{index}.pb is named {proto.name!r}, not {output.name!r}")
        if proto.data_type != output.type.tensor_type.elem_type:
            problems.append(f"output_{index}.pb has type {proto.data_type}, the graph says {output.type.tensor_type.elem_type}")
        have = numpy_helper.to_array(proto).astype(np.float64)
        want = np.asarray(want).astype(np.float64)
        if have.shape != want.shape or not np.array_equal(have, want, equal_nan=True):
            problems.append(f"{output.name}: {have.ravel()[:8]} against the reference's {want.ravel()[:8]}")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
