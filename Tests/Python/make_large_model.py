"""Writes a model whose weights pass protobuf's 2 GiB limit, as external data.

usage: make_large_model.py OUT_MODEL [--tensors 9] [--side 8192]

A chain of Adds, y = ((x + w0) + w1) + ... , with TENSORS float initializers of
SIDE x SIDE each (9 x 256 MiB = 2.25 GiB by default) stored in one side file,
model.onnx.data, written chunk by chunk with numpy so this script never holds
the whole model in memory or in one protobuf message. Every tensor has its own
values (w_i[k] = (i + 1) * k), so a reader that mixes up offsets is caught.
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper


def external_tensor(name, side, location, offset, length):
    tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=[side, side])
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", str(offset)), ("length", str(length))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_model")
    parser.add_argument("--tensors", type=int, default=9)
    parser.add_argument("--side", type=int, default=8192)
    args = parser.parse_args()
    location = os.path.basename(args.out_model) + ".data"
    data_path = os.path.join(os.path.dirname(os.path.abspath(args.out_model)), location)

    initializers, offset = [], 0
    base = np.arange(args.side * args.side, dtype=np.float32)
    with open(data_path, "wb") as data_file:
        for index in range(args.tensors):
            values = base * np.float32(index + 1)
            values.tofile(data_file)
            initializers.append(external_tensor(f"w{index}", args.side, location, offset, values.nbytes))
            offset += values.nbytes

    nodes, previous = [], "x"
    for index in range(args.tensors):
        output = "y" if index == args.tensors - 1 else f"h{index}"
        nodes.append(helper.make_node("Add", [previous, f"w{index}"], [output], name=f"add{index}"))
        previous = output
    square = [args.side, args.side]
    graph = helper.make_graph(
        nodes,
        "over_2gib",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, square)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, square)],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, args.out_model)
    print(f"{offset} bytes of weights in {location}")


if __name__ == "__main__":
    main()
