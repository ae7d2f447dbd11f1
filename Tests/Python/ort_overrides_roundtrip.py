"""ONNX Runtime's TensorQuantOverrides against qdqc's reading of the same JSON (issue 20).

usage: ort_overrides_roundtrip.py make FOLDER
       ort_overrides_roundtrip.py compare FOLDER QDQC_MODEL

make writes into FOLDER a small float model (model.onnx: Conv -> Conv -> Add, opset 13),
four calibration samples (calib/*.npz), overrides.json (TensorQuantOverrides as JSON, the
dialect qdqc's --quant-config reads) and ort.onnx: quantize_static (QDQ, MinMax, QUInt8
activations, QInt8 weights, per tensor) with extra_options={"TensorQuantOverrides": ...},
the JSON turned into the Python objects ONNX Runtime expects (QuantType members, numpy
scalars), as its own static_quantize_runner does.

compare reads the scale and zero point initializers (<tensor>_scale, <tensor>_zero_point)
of every tensor named in overrides.json from ort.onnx and QDQC_MODEL, prints them as JSON
and exits 1 unless they are equal (value and element type).
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.quant_utils import ONNX_TYPE_TO_NP_TYPE

OVERRIDES = {
    "x": [{"rmin": -1.5, "rmax": 2.25}],
    "c1": [{"scale": 0.0625, "zero_point": 7}],
    "c2": [{"quant_type": "QInt8", "rmin": -4.0, "rmax": 3.0}],
    "out": [{"symmetric": True}],
}


def make_model():
    rng = np.random.default_rng(20)
    w1 = numpy_helper.from_array(rng.normal(0, 0.5, (4, 2, 3, 3)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(rng.normal(0, 0.1, (4,)).astype(np.float32), "b1")
    w2 = numpy_helper.from_array(rng.normal(0, 0.5, (4, 4, 3, 3)).astype(np.float32), "w2")
    b2 = numpy_helper.from_array(rng.normal(0, 0.1, (4,)).astype(np.float32), "b2")
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["c1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c2", "c1"], ["out"], name="add"),
    ]
    graph = helper.make_graph(
        nodes,
        "overrides",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 6, 6])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4, 6, 6])],
        [w1, b1, w2, b2],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


class Samples(CalibrationDataReader):
    def __init__(self, folder):
        self.paths = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".npz"))

    def get_next(self):
        if not self.paths:
            return None
        with np.load(self.paths.pop(0)) as data:
            return {key: data[key] for key in data.files}


def as_ort_objects(overrides):
    """The JSON's values as quantize_static needs them: QuantType members and numpy scalars."""
    result = {}
    for tensor, entries in overrides.items():
        converted = []
        for entry in entries:
            entry = dict(entry)
            quant_type = QuantType.from_string(entry["quant_type"]) if "quant_type" in entry else QuantType.QUInt8
            if "quant_type" in entry:
                entry["quant_type"] = quant_type
            for key in ("rmin", "rmax", "scale"):
                if key in entry:
                    entry[key] = np.array(entry[key], dtype=np.float32)
            if "zero_point" in entry:
                entry["zero_point"] = np.array(entry["zero_point"], dtype=ONNX_TYPE_TO_NP_TYPE[quant_type.tensor_type])
            converted.append(entry)
        result[tensor] = converted
    return result


def make(folder):
    model = make_model()
    onnx.save(model, os.path.join(folder, "model.onnx"))
    calib = os.path.join(folder, "calib")
    os.makedirs(calib, exist_ok=True)
    rng = np.random.default_rng(7)
    for index in range(4):
        np.savez(os.path.join(calib, f"s{index}.npz"), x=rng.normal(0, 1, (1, 2, 6, 6)).astype(np.float32))
    with open(os.path.join(folder, "overrides.json"), "w") as file:
        json.dump(OVERRIDES, file, indent=2)
    quantize_like_qdqc(folder, {"TensorQuantOverrides": as_ort_objects(OVERRIDES)})


def quantize_like_qdqc(folder, extra_options):
    """quantize_static of FOLDER/model.onnx on FOLDER/calib into FOLDER/ort.onnx, set up as qdqc's
    `--target ort --per-tensor`: QDQ, MinMax, QUInt8 activations, QInt8 weights, per tensor."""
    quantize_static(
        os.path.join(folder, "model.onnx"),
        os.path.join(folder, "ort.onnx"),
        Samples(os.path.join(folder, "calib")),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        per_channel=False,
        extra_options=extra_options,
    )


def parameters(path, tensor):
    initializers = {init.name: init for init in onnx.load(path).graph.initializer}
    scale = initializers.get(f"{tensor}_scale")
    zero = initializers.get(f"{tensor}_zero_point")
    if scale is None or zero is None:
        return None
    return {
        "scale": numpy_helper.to_array(scale).tolist(),
        "zero_point": numpy_helper.to_array(zero).tolist(),
        "zero_point_type": TensorProto.DataType.Name(zero.data_type),
    }


def compare(folder, qdqc_model):
    report = {}
    equal = True
    for tensor in OVERRIDES:
        theirs = parameters(os.path.join(folder, "ort.onnx"), tensor)
        ours = parameters(qdqc_model, tensor)
        report[tensor] = {"ort": theirs, "qdqc": ours}
        equal = equal and theirs is not None and theirs == ours
    print(json.dumps(report))
    return 0 if equal else 1


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
