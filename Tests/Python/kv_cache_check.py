"""Checks of decoders with a quantized KV cache (the quantize-kv-cache pass), in ONNX Runtime.

  python kv_cache_check.py greedy MODEL STEPS [--unoptimized] [--suppress-tokens-from ID] PROMPT.npz...
                                                                 greedy loop in ONNX Runtime; prints JSON
                                                                 {"PROMPT.npz": [generated ids], ...}
  python kv_cache_check.py interface QUANTIZED FORMAT GRANULARITY   onnx.checker, the metadata, and that
                                                                 each past/present pair shares one scale
                                                                 and zero point; prints JSON
  python kv_cache_check.py perplexity MODEL PREFILL SAMPLE.npz...   next-token perplexity of each sample's
                                                                 input_ids through the cache: a prefill of
                                                                 PREFILL tokens, then one token per step
                                                                 (teacher forced); prints JSON

The loop keeps the presents as ONNX Runtime values and feeds them back as pasts, so an int8 or FP8 cache
is stored in its own type between steps (numpy has no FP8 type; the empty first past is made from bytes).
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, numpy_helper

FORMATS = {"int8": TensorProto.INT8, "float8e4m3fn": TensorProto.FLOAT8E4M3FN}


def pairs_of(model):
    meta = {p.key: p.value for p in model.metadata_props}
    if "qdqc.kv_cache.pairs" in meta:
        return [tuple(item.split(":")) for item in meta["qdqc.kv_cache.pairs"].split(",")]
    outputs = [o.name for o in model.graph.output]
    pairs = []
    for i in model.graph.input:
        if i.name.startswith("past_key_values"):
            present = i.name.replace("past_key_values", "present")
            assert present in outputs, f"no present for {i.name}"
            pairs.append((i.name, present))
    return pairs


class Loop:
    def __init__(self, path, optimized=True, float_activations=False):
        self.model = onnx.load(path, load_external_data=False)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if float_activations:  # MatMulNBits keeps float activations (its default, level 4, makes them int8)
            options.add_session_config_entry("session.qdq_matmulnbits_accuracy_level", "0")
        if not optimized:  # the graph as written: no fusion (MatMulNBits accumulates in another order)
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        self.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self.pairs = pairs_of(self.model)
        self.inputs = {i.name: i for i in self.model.graph.input}
        self.outputs = [o.name for o in self.session.get_outputs()]

    def empty(self, batch):
        cache = {}
        for past, _ in self.pairs:
            t = self.inputs[past].type.tensor_type
            dims = [d.dim_value for d in t.shape.dim]
            shape = [batch, dims[1], 0, dims[3]]
            if t.elem_type == TensorProto.FLOAT:
                cache[past] = ort.OrtValue.ortvalue_from_numpy(np.zeros(shape, np.float32))
            else:
                cache[past] = ort.OrtValue.ortvalue_from_numpy_with_onnx_type(
                    np.zeros(shape, np.int8 if t.elem_type == TensorProto.INT8 else np.uint8), t.elem_type)
        return cache

    def step(self, cache, ids):
        feed = dict(cache)
        feed["input_ids"] = ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(ids, dtype=np.int64))
        values = self.session.run_with_ort_values(self.outputs, feed)
        named = dict(zip(self.outputs, values))
        for past, present in self.pairs:
            cache[past] = named[present]
        return named["logits"].numpy()


def greedy(path, steps, prompts, suppress_from=None, optimized=True):
    loop = Loop(path, optimized)
    result = {}
    for prompt in prompts:
        ids = np.load(prompt)["input_ids"]
        cache = loop.empty(ids.shape[0])
        logits = loop.step(cache, ids)
        tokens = []
        for index in range(steps):
            nxt = logits[:, -1, :suppress_from].argmax(-1)
            tokens.append(int(nxt[0]))
            if index + 1 < steps:
                logits = loop.step(cache, nxt[:, None])
        result[prompt] = tokens
    print(json.dumps(result))


def perplexity(path, prefill, samples, first_target=1):
    loop = Loop(path)
    nll, count = 0.0, 0
    for sample in samples:
        ids = np.load(sample)["input_ids"]
        cache = loop.empty(ids.shape[0])
        chunks = [loop.step(cache, ids[:, :prefill])]
        for t in range(prefill, ids.shape[1] - 1):
            chunks.append(loop.step(cache, ids[:, t:t + 1]))
        logits = np.concatenate(chunks, axis=1).astype(np.float64)
        logits -= logits.max(-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        targets = ids[:, first_target:]
        picked = np.take_along_axis(logp[:, first_target - 1:ids.shape[1] - 1], targets[..., None], -1)
        nll -= picked.sum()
        count += targets.size
    print(json.dumps({"perplexity": float(np.exp(nll / count)), "tokens": count}))


def interface(path, fmt, granularity):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["qdqc.kv_cache.format"] == fmt, meta
    assert meta["qdqc.kv_cache.granularity"] == granularity, meta
    json.loads(meta["qdqc.kv_cache.scales"])
    inits = {t.name: t for t in model.graph.initializer}
    readers = {}
    for node in model.graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)
    producers = {o: n for n in model.graph.node for o in n.output}
    inputs = {i.name: i for i in model.graph.input}
    outputs = {o.name: o for o in model.graph.output}
    scales = {}
    for past, present in pairs_of(model):
        assert inputs[past].type.tensor_type.elem_type == FORMATS[fmt], past
        assert outputs[present].type.tensor_type.elem_type == FORMATS[fmt], present
        dq = readers[past]
        assert len(dq) == 1 and dq[0].op_type == "DequantizeLinear", f"{past} is read by {[n.op_type for n in dq]}"
        q = producers[present]
        assert q.op_type == "QuantizeLinear", f"{present} comes from {q.op_type}"
        assert list(q.input[1:]) == list(dq[0].input[1:]), f"{past}/{present}: {dq[0].input[1:]} vs {q.input[1:]}"
        axis = {a.name: a.i for a in q.attribute}.get("axis")
        assert axis == {a.name: a.i for a in dq[0].attribute}.get("axis")
        scale = numpy_helper.to_array(inits[q.input[1]])
        zero = inits[q.input[2]]
        assert zero.data_type == FORMATS[fmt] and not any(numpy_helper.to_array(zero).astype(np.float32).ravel())
        assert (scale > 0).all()
        scales[present] = {"axis": axis, "count": int(scale.size)}
    print(json.dumps(scales))


def main():
    command = sys.argv[1]
    if command == "greedy":
        suppress, optimized = None, True
        arguments = sys.argv[4:]
        while arguments[:1] in (["--suppress-tokens-from"], ["--unoptimized"]):
            if arguments[0] == "--unoptimized":
                optimized, arguments = False, arguments[1:]
            else:
                suppress, arguments = int(arguments[1]), arguments[2:]
        greedy(sys.argv[2], int(sys.argv[3]), arguments, suppress, optimized)
    elif command == "interface":
        interface(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == "perplexity":
        perplexity(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
