"""Checks a qdqc-quantized model against its float original with the real ecosystem.

usage: qdq_model_check.py QUANTIZED FLOAT SAMPLES_DIR [--limit N] [--level none|basic|extended|all]
                           [--optimized PATH]

Runs onnx.checker.check_model(full_check=True) on QUANTIZED, loads both models in ONNX Runtime (CPU), runs
them on the first N .npz samples of SAMPLES_DIR and prints one JSON object: the SQNR in dB of each output
(signal and noise power summed over all samples) with the QDQ model run as written (optimizations off, so
the numbers are those of the ONNX QuantizeLinear/DequantizeLinear semantics) and as ONNX Runtime runs it at
--level (its fused integer kernels), the top-1 agreement of the first output over its last axis, and, with
--optimized, the op types of ONNX Runtime's optimized graph of QUANTIZED with their counts; also the
default-domain opset of QUANTIZED and the element types its QuantizeLinear nodes produce, with their counts.
Exits 1 with a message on stderr when the checker or ONNX Runtime refuses the model.
"""

import argparse
import glob
import json
import math
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort


LEVELS = {
    "none": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


def session(path, level, optimized=None):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.graph_optimization_level = level
    options.log_severity_level = 3
    if optimized:
        options.optimized_model_filepath = optimized
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("quantized")
    parser.add_argument("float_model")
    parser.add_argument("samples")
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--optimized")
    parser.add_argument("--level", default="all", choices=sorted(LEVELS))
    args = parser.parse_args()

    model = onnx.load(args.quantized)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:  # noqa: BLE001 - report any checker failure as one line
        print(f"onnx.checker refused {args.quantized}: {error}".replace("\n", " "), file=sys.stderr)
        return 1
    initializers = {tensor.name: tensor.data_type for tensor in model.graph.initializer}
    quantize_types = {}
    for node in model.graph.node:
        if node.op_type == "QuantizeLinear":
            zero_point = node.input[2] if len(node.input) > 2 and node.input[2] else None
            name = onnx.TensorProto.DataType.Name(initializers.get(zero_point, onnx.TensorProto.UINT8)).lower()
            quantize_types[name] = quantize_types.get(name, 0) + 1
    opset = next((entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")), None)
    try:
        fused = session(args.quantized, LEVELS[args.level], args.optimized)
        plain = session(args.quantized, LEVELS["none"])
    except Exception as error:  # noqa: BLE001
        print(f"onnxruntime refused {args.quantized}: {error}".replace("\n", " "), file=sys.stderr)
        return 1
    reference = session(args.float_model, LEVELS["none"])

    files = sorted(glob.glob(os.path.join(args.samples, "*.npz")))[: args.limit]
    if not files:
        print(f"no .npz samples in {args.samples}", file=sys.stderr)
        return 1
    names = [o.name for o in reference.get_outputs()]
    signal = [0.0] * len(names)
    noise = [0.0] * len(names)
    fused_noise = [0.0] * len(names)
    agree = 0
    total = 0
    for path in files:
        with np.load(path) as sample:
            feed = {key: sample[key] for key in sample.files}
        expected = reference.run(None, feed)
        actual = plain.run(names, feed)
        optimized = fused.run(names, feed)
        for index, (e, a, f) in enumerate(zip(expected, actual, optimized)):
            e = np.asarray(e, dtype=np.float64)
            a = np.asarray(a, dtype=np.float64)
            f = np.asarray(f, dtype=np.float64)
            signal[index] += float(np.sum(e * e))
            noise[index] += float(np.sum((e - a) ** 2))
            fused_noise[index] += float(np.sum((e - f) ** 2))
        e0 = np.asarray(expected[0])
        a0 = np.asarray(actual[0])
        if e0.ndim >= 1 and e0.shape[-1] > 1:
            agree += int(np.sum(np.argmax(e0, axis=-1) == np.argmax(a0, axis=-1)))
            total += int(np.prod(e0.shape[:-1]))
    result = {
        "samples": len(files),
        "sqnr_db": {name: db(s, n) for name, s, n in zip(names, signal, noise)},
        "optimized_sqnr_db": {name: db(s, n) for name, s, n in zip(names, signal, fused_noise)},
        "top1_agreement": (agree / total) if total else None,
        "opset": opset,
        "quantize_types": quantize_types,
    }
    if args.optimized:
        counts = {}
        for node in onnx.load(args.optimized).graph.node:
            counts[node.op_type] = counts.get(node.op_type, 0) + 1
        result["optimized_op_counts"] = counts
    print(json.dumps(result, sort_keys=True))
    return 0


def db(signal, noise):
    if noise == 0:
        return 200.0
    return 10 * math.log10(signal / noise) if signal > 0 else -200.0


if __name__ == "__main__":
    sys.exit(main())
