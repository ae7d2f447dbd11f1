"""Small random-weight decoder language models for the weight-only tests.

  python make_decoders.py OUT_DIR

writes OUT_DIR/{gpt,llama}.onnx, their with-past variants OUT_DIR/{gpt,llama}_kv.onnx, and
OUT_DIR/calib/{0000..0003}.npz (int64 `input_ids` [1, 24]).

- gpt: learned positions, pre-LN blocks with LayerNormalization, fused-free Q/K/V MatMuls with bias
  Adds reading one LayerNorm, causal softmax attention, exact GELU (Erf) MLP, and an LM head that is a
  Gemm(transB=1) reading the token embedding table (tied embeddings).
- llama: RMSNorm written out (Pow, ReduceMean, Add, Sqrt, Div, Mul), rotary embeddings computed in the
  graph from the sequence length, grouped-query attention (4 query heads, 2 key/value heads), a
  SiLU-gated MLP (down(SiLU(gate(x)) * up(x))), untied LM head; width 80, which no block size of 32 divides.
- *_kv: the same weights as a decoder with past: inputs `past_key_values.N.key|value` float32
  [batch, kv_heads, past, head_dim] (past may be 0), outputs `present.N.key|value` (the past concatenated
  with the new keys/values along axis 2, keys after rotary), positions (learned table of 64 rows in gpt,
  rotary angles in llama) and the causal mask from the past length.
Symbolic batch, sequence and past; opset 17.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

VOCAB = 101
T = 24


class Builder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def const(self, array, base="c"):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    def weight(self, shape, scale=None, base="w"):
        scale = scale if scale is not None else 1.0 / np.sqrt(shape[0])
        w = (self.rng.standard_normal(shape) * scale).astype(np.float32)
        return self.const(w, base)

    def op(self, op_type, inputs, name=None, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=name or out, **attrs))
        return out

    def model(self, name, output, cache=None):
        if cache:  # the with-past variants name their logits as exporters do
            self.nodes[-1].output[0] = "logits"
            output = "logits"
        inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])]
        outputs = [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch", "seq", VOCAB])]
        for past, present, nkv, dh in (cache.pairs if cache else []):
            inputs.append(helper.make_tensor_value_info(past, TensorProto.FLOAT, ["batch", nkv, "past", dh]))
            outputs.append(helper.make_tensor_value_info(present, TensorProto.FLOAT, ["batch", nkv, "total", dh]))
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        return model


def heads(b, x, n, d):
    """[B, T, n*d] -> [B, n, T, d]"""
    r = b.op("Reshape", [x, b.const(np.array([0, 0, n, d], dtype=np.int64))])
    return b.op("Transpose", [r], perm=[0, 2, 1, 3])


def attention(b, q, k, v, n, d, mask):
    s = b.op("MatMul", [q, b.op("Transpose", [k], perm=[0, 1, 3, 2])], name=b.name("MatMul_qk"))
    s = b.op("Mul", [s, b.const(np.array(1 / np.sqrt(d), dtype=np.float32))])
    s = b.op("Add", [s, mask])
    p = b.op("Softmax", [s], axis=-1)
    o = b.op("MatMul", [p, v], name=b.name("MatMul_pv"))
    o = b.op("Transpose", [o], perm=[0, 2, 1, 3])
    return b.op("Reshape", [o, b.const(np.array([0, 0, n * d], dtype=np.int64))])


class Cache:
    """The past/present tensors of a with-past variant; `step` concatenates past and new along axis 2."""

    def __init__(self):
        self.pairs = []

    def step(self, b, layer, kind, new, nkv, dh):
        past, present = f"past_key_values.{layer}.{kind}", f"present.{layer}.{kind}"
        self.pairs.append((past, present, nkv, dh))
        b.nodes.append(helper.make_node("Concat", [past, new], [present], name=f"l{layer}.concat_{kind}", axis=2))
        return present


def causal_mask(b, ids, cache=None):
    """[seq, past+seq] additive mask and the positions of the new tokens (past .. past+seq-1)."""
    shape = b.op("Shape", [ids])
    seq = b.op("Gather", [shape, b.const(np.array(1, dtype=np.int64))], axis=0)
    if cache is None:  # exactly the graph of the models without past
        pos = b.op("Range", [b.const(np.array(0, dtype=np.int64)), seq, b.const(np.array(1, dtype=np.int64))])
        row = b.op("Unsqueeze", [pos, b.const(np.array([1], dtype=np.int64))])
        col = b.op("Unsqueeze", [pos, b.const(np.array([0], dtype=np.int64))])
    else:
        start = b.op("Gather", [b.op("Shape", ["past_key_values.0.key"]), b.const(np.array(2, dtype=np.int64))], axis=0)
        end = b.op("Add", [start, seq])
        pos = b.op("Range", [start, end, b.const(np.array(1, dtype=np.int64))])
        keys = b.op("Range", [b.const(np.array(0, dtype=np.int64)), end, b.const(np.array(1, dtype=np.int64))])
        row = b.op("Unsqueeze", [pos, b.const(np.array([1], dtype=np.int64))])
        col = b.op("Unsqueeze", [keys, b.const(np.array([0], dtype=np.int64))])
    future = b.op("Greater", [col, row])
    mask = b.op("Where", [future, b.const(np.array(-1e4, dtype=np.float32)), b.const(np.array(0, dtype=np.float32))])
    return mask, pos


def gpt(past=False):
    b = Builder(1)
    cache = Cache() if past else None
    d, n, layers = 64, 4, 2
    table = b.weight([VOCAB, d], 0.5, "embed_tokens")
    mask, pos = causal_mask(b, "input_ids", cache)
    x = b.op("Gather", [table, "input_ids"], axis=0)
    x = b.op("Add", [x, b.op("Gather", [b.weight([64, d], 0.1, "embed_positions"), pos], axis=0)])
    for layer in range(layers):
        h = b.op("LayerNormalization", [x, b.const(np.ones(d, np.float32) * 1.5), b.const(np.zeros(d, np.float32))], axis=-1)
        q, k, v = (b.op("Add", [b.op("MatMul", [h, b.weight([d, d])], name=f"l{layer}.{p}_proj"),
                                b.const(np.full(d, 0.01, np.float32))]) for p in "qkv")
        q, k, v = heads(b, q, n, d // n), heads(b, k, n, d // n), heads(b, v, n, d // n)
        if cache:
            k, v = cache.step(b, layer, "key", k, n, d // n), cache.step(b, layer, "value", v, n, d // n)
        o = attention(b, q, k, v, n, d // n, mask)
        x = b.op("Add", [x, b.op("MatMul", [o, b.weight([d, d])], name=f"l{layer}.out_proj")])
        h = b.op("LayerNormalization", [x, b.const(np.ones(d, np.float32)), b.const(np.zeros(d, np.float32))], axis=-1)
        f = b.op("MatMul", [h, b.weight([d, 4 * d])], name=f"l{layer}.fc1")
        g = b.op("Mul", [b.op("Mul", [f, b.op("Add", [b.op("Erf", [b.op("Div", [f, b.const(np.array(np.sqrt(2), np.float32))])]),
                                                         b.const(np.array(1, np.float32))])]), b.const(np.array(0.5, np.float32))])
        x = b.op("Add", [x, b.op("MatMul", [g, b.weight([4 * d, d])], name=f"l{layer}.fc2")])
    h = b.op("LayerNormalization", [x, b.const(np.ones(d, np.float32)), b.const(np.zeros(d, np.float32))], axis=-1)
    flat = b.op("Reshape", [h, b.const(np.array([-1, d], dtype=np.int64))])
    logits = b.op("Gemm", [flat, table], name="lm_head", transB=1)
    shape = b.op("Concat", [b.op("Shape", ["input_ids"]), b.const(np.array([VOCAB], dtype=np.int64))], axis=0)
    return b.model("gpt_kv" if past else "gpt", b.op("Reshape", [logits, shape]), cache)


def rms_norm(b, x, d):
    p = b.op("Pow", [x, b.const(np.array(2, np.float32))])
    m = b.op("ReduceMean", [p], axes=[-1], keepdims=1)
    r = b.op("Sqrt", [b.op("Add", [m, b.const(np.array(1e-5, np.float32))])])
    return b.op("Mul", [b.op("Div", [x, r]), b.const((1 + 0.2 * b.rng.standard_normal(d)).astype(np.float32))])


def rotary(b, x, pos, dh):
    """x [B, n, T, dh]: x*cos + rotate_half(x)*sin, angles from the positions."""
    inv = (1.0 / (10000 ** (np.arange(0, dh, 2) / dh))).astype(np.float32)
    p = b.op("Cast", [b.op("Unsqueeze", [pos, b.const(np.array([1], dtype=np.int64))])], to=TensorProto.FLOAT)
    ang = b.op("Mul", [p, b.const(inv)])
    ang = b.op("Concat", [ang, ang], axis=-1)
    cos, sin = b.op("Cos", [ang]), b.op("Sin", [ang])
    half = dh // 2
    x1 = b.op("Slice", [x, b.const(np.array([0], np.int64)), b.const(np.array([half], np.int64)), b.const(np.array([-1], np.int64))])
    x2 = b.op("Slice", [x, b.const(np.array([half], np.int64)), b.const(np.array([dh], np.int64)), b.const(np.array([-1], np.int64))])
    rot = b.op("Concat", [b.op("Neg", [x2]), x1], axis=-1)
    return b.op("Add", [b.op("Mul", [x, cos]), b.op("Mul", [rot, sin])])


def repeat_kv(b, x, groups, nkv, dh):
    """[B, nkv, T, dh] -> [B, nkv*groups, T, dh]"""
    u = b.op("Unsqueeze", [x, b.const(np.array([2], dtype=np.int64))])
    shape = b.op("Shape", [u])
    target = b.op("Concat", [b.op("Slice", [shape, b.const(np.array([0], np.int64)), b.const(np.array([2], np.int64))]),
                             b.const(np.array([groups], np.int64)),
                             b.op("Slice", [shape, b.const(np.array([3], np.int64)), b.const(np.array([5], np.int64))])], axis=0)
    e = b.op("Expand", [u, target])
    return b.op("Reshape", [e, b.const(np.array([0, nkv * groups, -1, dh], dtype=np.int64))])


def llama(past=False):
    b = Builder(2)
    cache = Cache() if past else None
    d, n, nkv, layers, hidden = 80, 4, 2, 2, 112
    dh = d // n
    mask, pos = causal_mask(b, "input_ids", cache)
    x = b.op("Gather", [b.weight([VOCAB, d], 0.5, "embed_tokens"), "input_ids"], axis=0)
    for layer in range(layers):
        h = rms_norm(b, x, d)
        q = heads(b, b.op("MatMul", [h, b.weight([d, n * dh])], name=f"l{layer}.q_proj"), n, dh)
        k = heads(b, b.op("MatMul", [h, b.weight([d, nkv * dh])], name=f"l{layer}.k_proj"), nkv, dh)
        v = heads(b, b.op("MatMul", [h, b.weight([d, nkv * dh])], name=f"l{layer}.v_proj"), nkv, dh)
        q, k = rotary(b, q, pos, dh), rotary(b, k, pos, dh)
        if cache:
            k, v = cache.step(b, layer, "key", k, nkv, dh), cache.step(b, layer, "value", v, nkv, dh)
        k, v = repeat_kv(b, k, n // nkv, nkv, dh), repeat_kv(b, v, n // nkv, nkv, dh)
        o = attention(b, q, k, v, n, dh, mask)
        x = b.op("Add", [x, b.op("MatMul", [o, b.weight([d, d])], name=f"l{layer}.o_proj")])
        h = rms_norm(b, x, d)
        gate = b.op("MatMul", [h, b.weight([d, hidden])], name=f"l{layer}.gate_proj")
        up = b.op("MatMul", [h, b.weight([d, hidden])], name=f"l{layer}.up_proj")
        act = b.op("Mul", [gate, b.op("Sigmoid", [gate])])
        x = b.op("Add", [x, b.op("MatMul", [b.op("Mul", [act, up]), b.weight([hidden, d])], name=f"l{layer}.down_proj")])
    h = rms_norm(b, x, d)
    return b.model("llama_kv" if past else "llama", b.op("MatMul", [h, b.weight([d, VOCAB])], name="lm_head"), cache)


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "calib"), exist_ok=True)
    onnx.save(gpt(), os.path.join(out, "gpt.onnx"))
    onnx.save(llama(), os.path.join(out, "llama.onnx"))
    onnx.save(gpt(past=True), os.path.join(out, "gpt_kv.onnx"))
    onnx.save(llama(past=True), os.path.join(out, "llama_kv.onnx"))
    rng = np.random.default_rng(7)
    for i in range(4):
        np.savez(os.path.join(out, "calib", f"{i:04d}.npz"), input_ids=rng.integers(0, VOCAB, (1, T), dtype=np.int64))


if __name__ == "__main__":
    main()
