"""Checks that a model's integer Q/DQ pairs became FP8 E4M3 pairs over the same recorded ranges.

usage: foreign_float8_check.py REFERENCE CANDIDATE

For every tensor the REFERENCE model quantizes with an integer pair (matched by name as in
foreign_qdq_check.py), the CANDIDATE must quantize it as float8e4m3fn with scale
float32(amax) / 448 per channel, where amax = max(|s·(qmin − z)|, |s·(qmax − z)|) (float64, then
float32) is the larger end of the range the integer pair covers, and no zero point or zero point 0.
The candidate must pass onnx.checker (full check) and load in ONNX Runtime.

Prints one JSON object: {"converted": N, "missing": [...], "wrong": [...], "ort": "loaded"}; exit
status 1 when anything is wrong.
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from foreign_qdq_check import quantized_tensors  # noqa: E402

FLOAT8E4M3FN = onnx.TensorProto.FLOAT8E4M3FN


def float8_pairs(model):
    """{tensor: (scales, zero point element type or None)} of every float8e4m3fn Q/DQ of the candidate."""
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    result = {}
    for node in graph.node:
        if node.op_type not in ("QuantizeLinear", "DequantizeLinear"):
            continue
        zero = initializers.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        scale = initializers.get(node.input[1])
        if scale is None:
            continue
        kind = zero.data_type if zero is not None else None
        source = node.input[0]
        if node.op_type == "QuantizeLinear":
            name = source
        elif source in initializers:
            kind = kind or initializers[source].data_type
            name = source[: -len("_quantized")] if source.endswith("_quantized") else node.output[0]
        else:
            continue
        zero_values = None
        if zero is not None and zero.data_type == FLOAT8E4M3FN:
            zero_values = np.frombuffer(zero.raw_data, np.uint8) if zero.raw_data else np.array(zero.int32_data)
        result.setdefault(name, (onnx.numpy_helper.to_array(scale).astype(np.float32).ravel(), kind, zero_values))
    return result


def main():
    reference_path, candidate_path = sys.argv[1], sys.argv[2]
    reference = quantized_tensors(onnx.load(reference_path))
    model = onnx.load(candidate_path)
    candidate = float8_pairs(model)
    converted, missing, wrong = 0, [], []
    for tensor, (scale_bytes, zero_bytes, kind, _codes) in sorted(reference.items()):
        if not kind.startswith(("int", "uint")) or kind == "int32":
            continue
        if tensor not in candidate:
            missing.append(tensor)
            continue
        scales = np.frombuffer(scale_bytes, np.float32).astype(np.float64)
        info = np.iinfo(np.dtype(kind))
        zeros = np.frombuffer(zero_bytes, np.dtype(kind)).astype(np.float64) if zero_bytes else np.zeros_like(scales)
        amax = np.maximum(np.abs(scales * (info.min - zeros)), np.abs(scales * (info.max - zeros))).astype(np.float32)
        expected = (amax / np.float32(448)).astype(np.float32)
        got, got_kind, got_zero = candidate[tensor]
        ok = got_kind == FLOAT8E4M3FN and got.shape == expected.shape and np.array_equal(
            got.view(np.uint32), expected.view(np.uint32))
        if got_zero is not None:
            ok = ok and not got_zero.any()
        if ok:
            converted += 1
        else:
            wrong.append({"tensor": tensor, "expected": expected.tolist()[:4], "got": got.tolist()[:4],
                          "type": got_kind})
    onnx.checker.check_model(model, full_check=True)
    onnxruntime.InferenceSession(candidate_path, providers=["CPUExecutionProvider"])
    print(json.dumps({"converted": converted, "missing": missing, "wrong": wrong, "ort": "loaded"}))
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
