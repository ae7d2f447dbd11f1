"""ONNX Runtime's calibration caches against qdqc's reading of them (issue 20).

usage: ort_calibration_cache.py make FOLDER [--symmetric]
       ort_calibration_cache.py compare FOLDER QDQC_MODEL [REFERENCE]

make writes into FOLDER the small model and samples of ort_overrides_roundtrip.py
(model.onnx, calib/*.npz), then runs ONNX Runtime's MinMax calibrator on them
(create_calibrator, collect_data, compute_data) and writes its caches:
write_calibration_table's calibration.json, calibration.cache and
calibration.flatbuffers, and save_tensors_data's tensors.json; and ort.onnx:
quantize_static (QDQ, MinMax, QUInt8 activations, QInt8 weights, per tensor) on the same
samples. --symmetric calibrates symmetric ranges (CalibTensorRangeSymmetric), the only
ranges calibration.cache and calibration.flatbuffers hold exactly (one number per tensor).

compare checks that every activation's scale and zero point in REFERENCE (default
FOLDER/ort.onnx; the initializers a QuantizeLinear reads) is in QDQC_MODEL under the same name with the same value and type;
prints them as JSON; exits 1 otherwise.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper
from onnxruntime.quantization.calibrate import CalibrationMethod, create_calibrator, save_tensors_data
from onnxruntime.quantization.quant_utils import write_calibration_table

from ort_overrides_roundtrip import Samples, make_model, quantize_like_qdqc


def make(folder, symmetric):
    model_path = os.path.join(folder, "model.onnx")
    onnx.save(make_model(), model_path)
    calib = os.path.join(folder, "calib")
    os.makedirs(calib, exist_ok=True)
    rng = np.random.default_rng(11)
    for index in range(4):
        np.savez(os.path.join(calib, f"s{index}.npz"), x=rng.normal(0, 1, (1, 2, 6, 6)).astype(np.float32))
    calibrator = create_calibrator(
        model_path,
        calibrate_method=CalibrationMethod.MinMax,
        augmented_model_path=os.path.join(folder, "augmented.onnx"),
        extra_options={"symmetric": symmetric},
    )
    calibrator.collect_data(Samples(calib))
    tensors = calibrator.compute_data()
    cache = os.path.join(folder, "cache")
    os.makedirs(cache, exist_ok=True)
    write_calibration_table(tensors.data, dir=cache)
    save_tensors_data(tensors, os.path.join(cache, "tensors.json"))
    quantize_like_qdqc(folder, {"CalibTensorRangeSymmetric": symmetric})


def activation_parameters(path):
    model = onnx.load(path)
    initializers = {init.name: init for init in model.graph.initializer}
    result = {}
    for node in model.graph.node:
        if node.op_type != "QuantizeLinear" or node.input[1] not in initializers:
            continue
        scale = initializers[node.input[1]]
        zero = initializers[node.input[2]]
        result[scale.name] = {
            "scale": numpy_helper.to_array(scale).tolist(),
            "zero_point": numpy_helper.to_array(zero).tolist(),
            "zero_point_type": TensorProto.DataType.Name(zero.data_type),
        }
    return result


def compare(reference, qdqc_model):
    theirs = activation_parameters(reference)
    ours = activation_parameters(qdqc_model)
    report = {name: {"ort": value, "qdqc": ours.get(name)} for name, value in theirs.items()}
    print(json.dumps(report))
    return 0 if theirs and all(ours.get(name) == value for name, value in theirs.items()) else 1


def main():
    if len(sys.argv) in (3, 4) and sys.argv[1] == "make":
        make(sys.argv[2], symmetric=sys.argv[3:] == ["--symmetric"])
        return 0
    if len(sys.argv) in (4, 5) and sys.argv[1] == "compare":
        reference = sys.argv[4] if len(sys.argv) == 5 else os.path.join(sys.argv[2], "ort.onnx")
        return compare(reference, sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
