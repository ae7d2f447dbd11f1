"""Fine-tunes the bundled digits CNN with fake quantization and exports it with Q/DQ pairs.

usage: make_qat_digits.py FLOAT_MODEL CALIB_DIR OUT_MODEL

A quantization-aware training (QAT) export made by the project, so that tests know the learned scales:
qdqc must keep every one of them bit for bit. Deterministic: the minibatch order comes from a seeded
generator and everything runs in float64 numpy on fixed data.

What it does:
- reads the float model (docs/examples/digits_cnn.onnx) and folds its BatchNormalization into conv1;
- trains on the calibration samples (CALIB_DIR/*.npz) against the float model's own predictions
  (self-distillation: the samples carry no labels), with fake quantization where TensorRT puts its
  pairs on this network: int8 per-tensor on relu1, relu2 and flat (the inputs of conv2, the pool and
  fc), int8 per-channel weights of conv2 and fc (scale max|w|/127 per output channel); conv1 stays
  float, as TensorRT leaves a convolution that small;
- activation scales are learned (LSQ: straight-through estimator, clipped at the int8 range, with
  the scale gradient of Esser et al.), weights are fine-tuned through a straight-through estimator;
- exports opset 17: activation QuantizeLinear/DequantizeLinear with the learned float32 scales and int8
  zero point 0, weights as float initializers behind QuantizeLinear/DequantizeLinear (axis 0), as
  PyTorch's QAT exports do.
"""

import argparse
import glob
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 0
EPOCHS = 25
BATCH = 8
WEIGHT_LR = 1e-4
SCALE_LR = 1e-3
BN_EPSILON = 1e-5
QMIN, QMAX = -128, 127
ACTIVATIONS = ["relu1", "relu2", "flat"]


def im2col(x):
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    patches = [padded[:, :, i : i + h, j : j + w] for i in range(3) for j in range(3)]
    return np.stack(patches, axis=2).reshape(n, c * 9, h * w)


def conv(x, weight, bias):
    n, _, h, w = x.shape
    cols = im2col(x)
    out = np.einsum("ok,nkp->nop", weight.reshape(weight.shape[0], -1), cols) + bias[None, :, None]
    return out.reshape(n, weight.shape[0], h, w), cols


def conv_weight_grad(dout, cols, weight_shape):
    n, o, h, w = dout.shape
    return np.einsum("nop,nkp->ok", dout.reshape(n, o, h * w), cols).reshape(weight_shape)


def conv_input_grad(dout, weight, x_shape):
    n, o, h, w = dout.shape
    dcols = np.einsum("ok,nop->nkp", weight.reshape(o, -1), dout.reshape(n, o, h * w))
    _, c, _, _ = x_shape
    dcols = dcols.reshape(n, c, 9, h, w)
    padded = np.zeros((n, c, h + 2, w + 2))
    for k in range(9):
        i, j = divmod(k, 3)
        padded[:, :, i : i + h, j : j + w] += dcols[:, :, k]
    return padded[:, :, 1:-1, 1:-1]


def fake_quantize(x, scale):
    """int8 QuantizeLinear then DequantizeLinear (zero point 0); returns the values and what backward needs."""
    ratio = x / scale
    codes = np.clip(np.round(ratio), QMIN, QMAX)
    return codes * scale, (ratio, codes)


def fake_quantize_backward(dout, scale, cache):
    """Clipped straight-through estimator for x; LSQ's gradient for the scale."""
    ratio, codes = cache
    inside = (ratio >= QMIN) & (ratio <= QMAX)
    dscale_elements = np.where(inside, codes - ratio, codes)
    gradient_scale = 1.0 / np.sqrt(ratio.size * QMAX)
    return dout * inside, float((dout * dscale_elements).sum() * gradient_scale)


def weight_scales(weight):
    amax = np.abs(weight.reshape(weight.shape[0], -1)).max(axis=1)
    return np.maximum(amax, 1e-8) / 127.0


def fake_quantize_weight(weight):
    scales = weight_scales(weight).reshape((-1,) + (1,) * (weight.ndim - 1))
    return np.clip(np.round(weight / scales), QMIN, QMAX) * scales


def forward(params, scales, x, quantize=True):
    caches = {}
    c1, _ = conv(x, params["conv1.weight"], params["conv1.bias"])
    r1 = np.maximum(c1, 0)
    q1, caches["relu1"] = fake_quantize(r1, scales["relu1"]) if quantize else (r1, None)
    w2 = fake_quantize_weight(params["conv2.weight"]) if quantize else params["conv2.weight"]
    c2, cols2 = conv(q1, w2, params["conv2.bias"])
    r2 = np.maximum(c2, 0)
    q2, caches["relu2"] = fake_quantize(r2, scales["relu2"]) if quantize else (r2, None)
    n, c, h, w = q2.shape
    blocks = q2.reshape(n, c, h // 2, 2, w // 2, 2)
    pooled = blocks.max(axis=(3, 5))
    mask = blocks == pooled[:, :, :, None, :, None]
    flat = pooled.reshape(n, -1)
    q3, caches["flat"] = fake_quantize(flat, scales["flat"]) if quantize else (flat, None)
    wfc = fake_quantize_weight(params["fc.weight"]) if quantize else params["fc.weight"]
    logits = q3 @ wfc.T + params["fc.bias"]
    return logits, (c2, cols2, w2, mask, q1, q3, wfc, pooled.shape, caches)


def train_step(params, scales, x, targets):
    logits, (c2, cols2, w2, mask, q1, q3, wfc, pooled_shape, caches) = forward(params, scales, x)
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    n = len(x)
    dlogits = probs
    dlogits[np.arange(n), targets] -= 1.0
    dlogits /= n
    grads, scale_grads = {}, {}
    grads["fc.weight"] = dlogits.T @ q3  # straight through the weight's fake quantization
    grads["fc.bias"] = dlogits.sum(axis=0)
    dq3 = dlogits @ wfc
    dflat, scale_grads["flat"] = fake_quantize_backward(dq3, scales["flat"], caches["flat"])
    dpooled = dflat.reshape(pooled_shape)
    dq2 = (mask * dpooled[:, :, :, None, :, None]).reshape(c2.shape)
    dr2, scale_grads["relu2"] = fake_quantize_backward(dq2, scales["relu2"], caches["relu2"])
    dc2 = dr2 * (c2 > 0)
    grads["conv2.weight"] = conv_weight_grad(dc2, cols2, w2.shape)
    grads["conv2.bias"] = dc2.sum(axis=(0, 2, 3))
    dq1 = conv_input_grad(dc2, w2, q1.shape)
    _, scale_grads["relu1"] = fake_quantize_backward(dq1, scales["relu1"], caches["relu1"])
    return grads, scale_grads


def load_float_params(path):
    model = onnx.load(path)
    tensors = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    bn = tensors["bn1.scale"] / np.sqrt(tensors["bn1.var"] + BN_EPSILON)
    return {
        "conv1.weight": tensors["conv1.weight"] * bn[:, None, None, None],
        "conv1.bias": tensors["bn1.bias"] - tensors["bn1.mean"] * bn,
        "conv2.weight": tensors["conv2.weight"],
        "conv2.bias": tensors["conv2.bias"],
        "fc.weight": tensors["fc.weight"],
        "fc.bias": tensors["fc.bias"],
    }


def train(params, images):
    _, (_, _, _, _, q1, q3, _, _, _) = forward(params, None, images, quantize=False)
    targets = forward(params, None, images, quantize=False)[0].argmax(axis=1)
    # Start from the calibrated maxima (TensorRT's amax / 127), then learn.
    r2 = np.maximum(conv(q1, params["conv2.weight"], params["conv2.bias"])[0], 0)
    scales = {"relu1": q1.max() / 127.0, "relu2": r2.max() / 127.0, "flat": q3.max() / 127.0}
    rng = np.random.default_rng(SEED)
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    scale_moments = {k: [0.0, 0.0] for k in scales}
    beta1, beta2, step = 0.9, 0.999, 0
    for _ in range(EPOCHS):
        order = rng.permutation(len(images))
        for start in range(0, len(order), BATCH):
            index = order[start : start + BATCH]
            grads, scale_grads = train_step(params, scales, images[index], targets[index])
            step += 1
            for name, grad in grads.items():
                m, v = moments[name]
                m[...] = beta1 * m + (1 - beta1) * grad
                v[...] = beta2 * v + (1 - beta2) * grad * grad
                params[name] -= WEIGHT_LR * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
            for name, grad in scale_grads.items():
                m, v = scale_moments[name]
                m = beta1 * m + (1 - beta1) * grad
                v = beta2 * v + (1 - beta2) * grad * grad
                scale_moments[name] = [m, v]
                update = SCALE_LR * scales[name] * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
                scales[name] = max(scales[name] - update, 1e-6)
    return params, scales


def export(params, scales, path):
    def const(name, array, dtype=np.float32):
        return numpy_helper.from_array(np.ascontiguousarray(np.asarray(array, dtype=dtype)), name)

    initializers = [const(name, value) for name, value in params.items()]
    nodes = []

    def activation_pair(tensor):
        initializers.append(const(f"{tensor}.scale", np.float32(scales[tensor])))
        initializers.append(const(f"{tensor}.zero_point", np.int8(0), np.int8))
        args = [f"{tensor}.scale", f"{tensor}.zero_point"]
        nodes.append(helper.make_node("QuantizeLinear", [tensor] + args, [f"{tensor}.q"], name=f"{tensor}.quantize"))
        nodes.append(
            helper.make_node("DequantizeLinear", [f"{tensor}.q"] + args, [f"{tensor}.fq"], name=f"{tensor}.dequantize")
        )
        return f"{tensor}.fq"

    def weight_pair(name):
        initializers.append(const(f"{name}.scale", weight_scales(params[name].astype(np.float32))))
        initializers.append(const(f"{name}.zero_point", np.zeros(params[name].shape[0]), np.int8))
        args = [f"{name}.scale", f"{name}.zero_point"]
        nodes.append(helper.make_node("QuantizeLinear", [name] + args, [f"{name}.q"], name=f"{name}.quantize", axis=0))
        nodes.append(
            helper.make_node("DequantizeLinear", [f"{name}.q"] + args, [f"{name}.fq"], name=f"{name}.dequantize", axis=0)
        )
        return f"{name}.fq"

    conv_attrs = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1]}
    nodes.append(helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["conv1"], name="conv1", **conv_attrs))
    nodes.append(helper.make_node("Relu", ["conv1"], ["relu1"], name="relu1"))
    relu1 = activation_pair("relu1")
    w2 = weight_pair("conv2.weight")
    nodes.append(helper.make_node("Conv", [relu1, w2, "conv2.bias"], ["conv2"], name="conv2", **conv_attrs))
    nodes.append(helper.make_node("Relu", ["conv2"], ["relu2"], name="relu2"))
    relu2 = activation_pair("relu2")
    nodes.append(helper.make_node("MaxPool", [relu2], ["pool2"], name="pool2", kernel_shape=[2, 2], strides=[2, 2]))
    nodes.append(helper.make_node("Flatten", ["pool2"], ["flat"], name="flatten", axis=1))
    flat = activation_pair("flat")
    wfc = weight_pair("fc.weight")
    nodes.append(helper.make_node("Gemm", [flat, wfc, "fc.bias"], ["logits"], name="fc", transB=1))
    graph = helper.make_graph(
        nodes,
        "digits_cnn_qat",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        initializers,
        doc_string="digits_cnn fine-tuned with fake quantization (Tests/Python/make_qat_digits.py).",
    )
    model = helper.make_model(
        graph, producer_name="qdqc Tests/Python/make_qat_digits.py", opset_imports=[helper.make_opsetid("", 17)]
    )
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("float_model")
    parser.add_argument("calib_dir")
    parser.add_argument("out_model")
    args = parser.parse_args()
    images = []
    for path in sorted(glob.glob(os.path.join(args.calib_dir, "*.npz"))):
        with np.load(path) as sample:
            images.append(sample["input"].astype(np.float64))
    images = np.concatenate(images)
    params, scales = train(load_float_params(args.float_model), images)
    export(params, scales, args.out_model)
    print(" ".join(f"{name}={np.float32(scales[name]).item():.9g}" for name in ACTIVATIONS))


if __name__ == "__main__":
    main()
