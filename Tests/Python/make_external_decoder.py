"""Writes a decoder-shaped float32 model whose weights are all in one side file, weight by weight.

usage: make_external_decoder.py OUT_FOLDER [--weights-mb 200] [--hidden 512] [--ffn 2048] [--vocab 8000]
       [--tokens 16] [--samples 2]

OUT_FOLDER/model.onnx references OUT_FOLDER/model.onnx.data (every tensor at a 4096-byte aligned offset);
OUT_FOLDER/calib/ gets SAMPLES .npz files of input_ids [1, TOKENS]. The graph: an embedding table (Gather),
LAYERS blocks of LayerNormalization, q/k/v projections, one-head attention (MatMul, Softmax, MatMul), the
output projection, a SiLU MLP (hidden -> ffn -> hidden) with residual Adds, a final LayerNormalization and
an LM head (hidden -> vocab); LAYERS is chosen so the weights come to about --weights-mb. The script holds
one weight at a time (numpy writes each to the side file; the ModelProto holds only references), so it can
write models larger than memory. Prints one line: "layers N weight_bytes B largest_tensor_bytes L".
Used by Tests/Benchmarks/out_of_core_bench.py and the out-of-core tests.
"""

import argparse
import os

import numpy as np


def external(name, dims, location, offset, length):
    from onnx import TensorProto

    tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=list(dims))
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", str(offset)), ("length", str(length))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def make_model(folder, hidden, ffn, vocab, weights_bytes, seed=0):
    """Writes folder/model.onnx and model.onnx.data weight by weight; returns (path, layers, bytes)."""
    from onnx import TensorProto, helper

    per_layer = 4 * (4 * hidden * hidden + 2 * hidden * ffn) + 4 * 2 * hidden
    fixed = 4 * 2 * vocab * hidden + 4 * 2 * hidden
    layers = max(1, (weights_bytes - fixed) // per_layer)
    rng = np.random.default_rng(seed)
    location = "model.onnx.data"
    initializers, offset = [], 0
    data = open(os.path.join(folder, location), "wb")

    def weight(name, dims, scale=None, fill=None):
        nonlocal offset
        # Page-aligned offsets, as onnx.save_model(..., convert_attribute=...) with alignment writes them.
        pad = (-offset) % 4096
        if pad:
            data.write(b"\0" * pad)
            offset += pad
        count = int(np.prod(dims))
        if fill is not None:
            values = np.full(count, fill, dtype=np.float32)
        else:
            values = rng.standard_normal(count, dtype=np.float32) * np.float32(scale or 1.0 / np.sqrt(dims[0]))
        values.tofile(data)
        initializers.append(external(name, dims, location, offset, values.nbytes))
        offset += values.nbytes
        return name

    nodes = []

    def node(op, inputs, output, **attributes):
        nodes.append(helper.make_node(op, inputs, [output], name=output + "_" + op, **attributes))
        return output

    def layer_norm(x, name):
        gain, bias = weight(name + ".g", [hidden], fill=1.0), weight(name + ".b", [hidden], fill=0.0)
        return node("LayerNormalization", [x, gain, bias], name, axis=-1)

    x = node("Gather", [weight("embed", [vocab, hidden], scale=0.02), "input_ids"], "embedded")
    for layer in range(layers):
        p = f"layer{layer}"
        h = layer_norm(x, f"{p}.ln1")
        q = node("MatMul", [h, weight(f"{p}.wq", [hidden, hidden])], f"{p}.q")
        k = node("MatMul", [h, weight(f"{p}.wk", [hidden, hidden])], f"{p}.k")
        v = node("MatMul", [h, weight(f"{p}.wv", [hidden, hidden])], f"{p}.v")
        kt = node("Transpose", [k], f"{p}.kt", perm=[0, 2, 1])
        scores = node("MatMul", [q, kt], f"{p}.scores")
        scaled = node("Mul", [scores, "attention_scale"], f"{p}.scaled")
        probabilities = node("Softmax", [scaled], f"{p}.probabilities", axis=-1)
        attended = node("MatMul", [probabilities, v], f"{p}.attended")
        o = node("MatMul", [attended, weight(f"{p}.wo", [hidden, hidden])], f"{p}.o")
        x = node("Add", [x, o], f"{p}.residual1")
        h = layer_norm(x, f"{p}.ln2")
        up = node("MatMul", [h, weight(f"{p}.w1", [hidden, ffn])], f"{p}.up")
        gate = node("Sigmoid", [up], f"{p}.gate")
        act = node("Mul", [up, gate], f"{p}.silu")
        down = node("MatMul", [act, weight(f"{p}.w2", [ffn, hidden])], f"{p}.down")
        x = node("Add", [x, down], f"{p}.residual2")
    h = layer_norm(x, "final.ln")
    node("MatMul", [h, weight("lm_head", [hidden, vocab])], "logits")
    data.close()
    scale = helper.make_tensor("attention_scale", TensorProto.FLOAT, [], [1.0 / np.sqrt(hidden)])
    graph = helper.make_graph(
        nodes,
        "ooc_decoder",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "tokens"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, "tokens", vocab])],
        initializer=initializers + [scale],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    path = os.path.join(folder, "model.onnx")
    with open(path, "wb") as file:
        file.write(model.SerializeToString())
    return path, layers, offset


def make_samples(folder, vocab, tokens, samples, seed=1):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    for index in range(samples):
        ids = rng.integers(0, vocab, size=(1, tokens), dtype=np.int64)
        np.savez(os.path.join(folder, f"sample_{index:03d}.npz"), input_ids=ids)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_folder")
    parser.add_argument("--weights-mb", type=float, default=200)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--ffn", type=int, default=2048)
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--tokens", type=int, default=16)
    parser.add_argument("--samples", type=int, default=2)
    args = parser.parse_args()
    os.makedirs(args.out_folder, exist_ok=True)
    _, layers, weight_bytes = make_model(
        args.out_folder, args.hidden, args.ffn, args.vocab, int(args.weights_mb * 2**20))
    make_samples(os.path.join(args.out_folder, "calib"), args.vocab, args.tokens, args.samples)
    largest = 4 * args.hidden * max(args.vocab, args.ffn)
    print(f"layers {layers} weight_bytes {weight_bytes} largest_tensor_bytes {largest}")


if __name__ == "__main__":
    main()
