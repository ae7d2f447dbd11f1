"""Checks a weight-only model that --mixed-precision raised with onnx and ONNX Runtime.

usage: weight_raise_check.py QUANTIZED FLOAT DATA_DIR TOKENS PROMPT_TOKENS [--engine onnxruntime|reference]

Runs onnx.checker.check_model(full_check=True) on QUANTIZED, then both models (FLOAT may be ONNX text) in ONNX Runtime (CPU, graph
optimizations off and MatMulNBits accuracy level 0, so the graph's DequantizeLinear semantics run), or in
onnx.reference with `--engine reference` (for the FP4 and MX forms ONNX Runtime has no kernels for), on every
DATA_DIR/*/TOKENS.npy, and prints one JSON object: the default-domain opset, the element types of the
constants DequantizeLinear nodes read with their counts, and both models' next-token perplexity
(exp of the mean negative log-likelihood of TOKENS[:, PROMPT_TOKENS:] under the first output's logits).
Exits 1 with a message on stderr when the checker or ONNX Runtime refuses the model.
"""

import glob
import json
import math
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort


def load(path):
    """A model file, or an ONNX text file (.onnxtxt) parsed by onnx.parser."""
    if path.endswith(".onnxtxt"):
        with open(path, encoding="utf-8") as text:
            return onnx.parser.parse_model(text.read())
    return onnx.load(path)


def session(path, engine):
    if engine == "reference":
        from onnx.reference import ReferenceEvaluator

        evaluator = ReferenceEvaluator(load(path))
        return lambda feeds: evaluator.run(None, feeds)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.add_session_config_entry("session.qdq_matmulnbits_accuracy_level", "0")
    options.log_severity_level = 3
    runtime = ort.InferenceSession(load(path).SerializeToString(), options, providers=["CPUExecutionProvider"])
    return lambda feeds: runtime.run(None, feeds)


def perplexity(path, files, tokens, prompt, engine):
    run = session(path, engine)
    total, count = 0.0, 0
    for file in files:
        ids = np.load(file)
        logits = run({tokens: ids})[0].astype(np.float64)
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        for row in range(ids.shape[0]):
            for position in range(prompt, ids.shape[1]):
                total -= log_probs[row, position - 1, ids[row, position]]
                count += 1
    return math.exp(total / count)


def main():
    quantized, float_model, data, tokens, prompt = sys.argv[1:6]
    engine = sys.argv[7] if len(sys.argv) > 7 and sys.argv[6] == "--engine" else "onnxruntime"
    model = onnx.load(quantized)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:  # the checker's own exception types vary by version
        print(f"onnx.checker refused {quantized}: {error}", file=sys.stderr)
        sys.exit(1)
    constants = {tensor.name: tensor.data_type for tensor in model.graph.initializer}
    types = {}
    for node in model.graph.node:
        if node.op_type == "DequantizeLinear" and node.input[0] in constants:
            name = onnx.TensorProto.DataType.Name(constants[node.input[0]]).lower()
            types[name] = types.get(name, 0) + 1
    files = sorted(glob.glob(os.path.join(data, "*", tokens + ".npy")))
    try:
        result = {
            "opset": next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
            "dequantize_types": types,
            "perplexity_quantized": perplexity(quantized, files, tokens, int(prompt), engine),
            "perplexity_float": perplexity(float_model, files, tokens, int(prompt), engine),
        }
    except Exception as error:
        print(f"{engine} refused {quantized}: {error}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
