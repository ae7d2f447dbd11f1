"""Writes a small MLP whose weights live in ONNX external data files.

usage: make_external_model.py OUT_MODEL --layout one-file|per-tensor

one-file:   onnx.save(..., save_as_external_data=True, all_tensors_to_one_file=True,
            location="weights.bin"): every large tensor in one file, at its own offset.
per-tensor: all_tensors_to_one_file=False: one file per tensor, offsets omitted.
Tensors under 1024 bytes stay inline in both layouts (onnx's size_threshold).
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build_model():
    rng = np.random.default_rng(7)
    weights = {
        "fc1.weight": rng.standard_normal((64, 256)).astype(np.float32),
        "fc1.bias": rng.standard_normal(256).astype(np.float32),
        "fc2.weight": rng.standard_normal((256, 10)).astype(np.float16),
        "scale": np.array([0.5, 2.0, -1.0, 4.0], dtype=np.float32),
    }
    nodes = [
        helper.make_node("MatMul", ["x", "fc1.weight"], ["h0"], name="fc1"),
        helper.make_node("Add", ["h0", "fc1.bias"], ["h1"], name="fc1_bias"),
        helper.make_node("Relu", ["h1"], ["h2"], name="relu"),
        helper.make_node("Cast", ["h2"], ["h3"], name="to_half", to=TensorProto.FLOAT16),
        helper.make_node("MatMul", ["h3", "fc2.weight"], ["logits"], name="fc2"),
        helper.make_node("ReduceMax", ["scale"], ["peak"], name="peak", keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "external_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 64])],
        [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT16, ["N", 10]),
            helper.make_tensor_value_info("peak", TensorProto.FLOAT, []),
        ],
        [numpy_helper.from_array(value, name) for name, value in weights.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_model")
    parser.add_argument("--layout", choices=["one-file", "per-tensor"], required=True)
    args = parser.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.out_model)), exist_ok=True)
    one_file = args.layout == "one-file"
    onnx.save(
        build_model(),
        args.out_model,
        save_as_external_data=True,
        all_tensors_to_one_file=one_file,
        location="weights.bin" if one_file else None,
        size_threshold=1024,
    )
    skeleton = onnx.load(args.out_model, load_external_data=False)
    external = [t.name for t in skeleton.graph.initializer if t.data_location == TensorProto.EXTERNAL]
    if len(external) != 3:
        raise SystemExit(f"expected 3 external initializers, found {external}")


if __name__ == "__main__":
    main()
