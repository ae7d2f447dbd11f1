"""Checks that a converted model kept the quantization parameters of the model it came from.

usage: foreign_qdq_check.py REFERENCE CANDIDATE [--require-all]

For every tensor the REFERENCE model quantizes (an activation's QuantizeLinear, a weight's
QuantizeLinear on a float initializer, or a DequantizeLinear of a quantized initializer), the
CANDIDATE must quantize it with the same scale bits, zero points and type, and a weight with the
same codes. Tensors are matched by name: an activation by the QuantizeLinear's input, a weight by
its float name (a quantized initializer `<w>_quantized` stands for `w`). Tensors the candidate
leaves float are "missing": an error only with --require-all. int32 biases are not compared.

Prints one JSON object: {"kept": N, "missing": [...], "changed": [...]}; exit status 1 when
anything changed (or is missing under --require-all).
"""

import argparse
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def quantized_tensors(model):
    """{tensor: (scale bytes, zero point bytes, type, codes or None)} for every Q/DQ'd tensor."""
    graph = model.graph
    constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute:
            constants[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    result = {}
    for node in graph.node:
        if node.op_type not in ("QuantizeLinear", "DequantizeLinear") or node.domain not in ("", "ai.onnx"):
            continue
        scale = constants.get(node.input[1])
        zero = constants.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        if scale is None:
            continue
        zero_type = str(zero.dtype) if zero is not None else "uint8"
        zero_bytes = zero.tobytes() if zero is not None else b""
        entry = (np.asarray(scale, np.float32).tobytes(), zero_bytes, zero_type)
        source = node.input[0]
        if node.op_type == "QuantizeLinear":
            codes = None
            if source in constants:
                axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
                values = constants[source].astype(np.float32)
                shape = [1] * values.ndim
                if np.asarray(scale).size > 1:
                    shape[axis] = -1
                s = np.asarray(scale, np.float32).reshape(shape)
                z = np.asarray(zero if zero is not None else 0).astype(np.int64).reshape(shape if np.asarray(scale).size > 1 else [])
                info = np.iinfo(zero.dtype if zero is not None else np.uint8)
                codes = np.clip(np.rint(values / s) + z, info.min, info.max).astype(np.int64).tobytes()
            result[source] = entry + (codes,)
        elif source in constants and constants[source].dtype != np.int32:
            name = source[: -len("_quantized")] if source.endswith("_quantized") else node.output[0]
            result[name] = entry + (constants[source].astype(np.int64).tobytes(),)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("candidate")
    parser.add_argument("--require-all", action="store_true")
    args = parser.parse_args()
    reference = quantized_tensors(onnx.load(args.reference))
    candidate = quantized_tensors(onnx.load(args.candidate))
    kept, missing, changed = 0, [], []
    for tensor, (scale, zero, kind, codes) in sorted(reference.items()):
        if tensor not in candidate:
            missing.append(tensor)
            continue
        other = candidate[tensor]
        same = other[0] == scale and other[1] == zero and other[2] == kind
        if codes is not None and other[3] is not None:
            same = same and other[3] == codes
        if same:
            kept += 1
        else:
            changed.append(tensor)
    print(json.dumps({"kept": kept, "missing": missing, "changed": changed}))
    sys.exit(1 if changed or (args.require_all and missing) else 0)


if __name__ == "__main__":
    main()
