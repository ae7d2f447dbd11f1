#!/usr/bin/env python3
"""Trains the bundled example model and writes it with its sample folders.

The model is a small CNN for scikit-learn's bundled 8x8 digits data, trained
with numpy alone (no deep-learning framework) and exported with onnx.helper at
opset 17. It is qdqc's own example: small enough to ship (well under 1 MB with
its samples) and trained for real, so an accuracy measured on a quantized copy
means something.

    python3 -m venv /tmp/digits-venv
    /tmp/digits-venv/bin/pip install numpy scikit-learn onnx
    /tmp/digits-venv/bin/python docs/examples/make_digits_cnn.py

scikit-learn is needed only here, for its bundled data set; it is not a
dependency of qdqc or of its tests. Everything is seeded, and the .npz files
are written with fixed zip timestamps, so a rerun with the same numpy/BLAS
reproduces the files.

Outputs (next to this script unless --out-dir is given):
    digits_cnn.onnx              input "input" float32 [N,1,8,8] (pixels / 16),
                                 output "logits" float32 [N,10]
    digits_cnn.calib/NNNN.npz    training images, one per file, key "input",
                                 shape [1,1,8,8]
    digits_cnn.eval/NNNN.npz     held-out images, one per file, key "input"
    digits_cnn.eval/labels.json  {"NNNN.npz": digit, ...}: the labels live
                                 beside the samples, never inside them, so
                                 every key of an .npz is a model input
"""

import argparse
import io
import json
import os
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits

SEED = 0
TEST_COUNT = 360
CALIB_COUNT = 32
EVAL_COUNT = 64
EPOCHS = 40
BATCH = 64
LEARNING_RATE = 3e-3
BN_EPSILON = 1e-5
BN_MOMENTUM = 0.9  # ONNX convention: running = running * momentum + batch * (1 - momentum)
CONV1_CHANNELS = 8
CONV2_CHANNELS = 16
CLASSES = 10


# ----------------------------------------------------------------------------
# Layers (forward returns a cache for backward)
# ----------------------------------------------------------------------------


def im2col_3x3(x):
    """[N,C,H,W] -> [N, C*9, H*W] for a 3x3 kernel, stride 1, padding 1."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    patches = [padded[:, :, i : i + h, j : j + w] for i in range(3) for j in range(3)]
    return np.stack(patches, axis=2).reshape(n, c * 9, h * w)


def col2im_3x3(cols, shape):
    """Adjoint of im2col_3x3: sums patch gradients back into [N,C,H,W]."""
    n, c, h, w = shape
    cols = cols.reshape(n, c, 9, h, w)
    padded = np.zeros((n, c, h + 2, w + 2), dtype=cols.dtype)
    for k in range(9):
        i, j = divmod(k, 3)
        padded[:, :, i : i + h, j : j + w] += cols[:, :, k]
    return padded[:, :, 1:-1, 1:-1]


def conv_forward(x, weight, bias):
    n, _, h, w = x.shape
    cols = im2col_3x3(x)
    out = np.einsum("ok,nkp->nop", weight.reshape(weight.shape[0], -1), cols, optimize=True)
    if bias is not None:
        out += bias[None, :, None]
    return out.reshape(n, weight.shape[0], h, w), (x.shape, cols)


def conv_backward(dout, weight, cache):
    x_shape, cols = cache
    n, o, h, w = dout.shape
    dout = dout.reshape(n, o, h * w)
    dweight = np.einsum("nop,nkp->ok", dout, cols, optimize=True).reshape(weight.shape)
    dbias = dout.sum(axis=(0, 2))
    dcols = np.einsum("ok,nop->nkp", weight.reshape(o, -1), dout, optimize=True)
    return col2im_3x3(dcols, x_shape), dweight, dbias


def batchnorm_train_forward(x, gamma, beta):
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))
    inv_std = 1.0 / np.sqrt(var + BN_EPSILON)
    xhat = (x - mean[None, :, None, None]) * inv_std[None, :, None, None]
    out = gamma[None, :, None, None] * xhat + beta[None, :, None, None]
    return out, (xhat, inv_std, mean, var)


def batchnorm_backward(dout, gamma, cache):
    xhat, inv_std, _, _ = cache
    m = dout.shape[0] * dout.shape[2] * dout.shape[3]
    dgamma = (dout * xhat).sum(axis=(0, 2, 3))
    dbeta = dout.sum(axis=(0, 2, 3))
    dxhat = dout * gamma[None, :, None, None]
    dx = (
        inv_std[None, :, None, None]
        / m
        * (
            m * dxhat
            - dxhat.sum(axis=(0, 2, 3))[None, :, None, None]
            - xhat * (dxhat * xhat).sum(axis=(0, 2, 3))[None, :, None, None]
        )
    )
    return dx, dgamma, dbeta


def batchnorm_inference(x, gamma, beta, mean, var):
    scale = gamma / np.sqrt(var + BN_EPSILON)
    return x * scale[None, :, None, None] + (beta - mean * scale)[None, :, None, None]


def maxpool2_forward(x):
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = blocks.max(axis=(3, 5))
    mask = blocks == out[:, :, :, None, :, None]
    return out, mask


def maxpool2_backward(dout, mask):
    n, c, h2, _, w2, _ = mask.shape
    spread = mask * dout[:, :, :, None, :, None]
    return spread.reshape(n, c, h2 * 2, w2 * 2)


def softmax_cross_entropy(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    n = logits.shape[0]
    loss = -np.log(probs[np.arange(n), labels] + 1e-12).mean()
    dlogits = probs
    dlogits[np.arange(n), labels] -= 1.0
    return loss, dlogits / n


# ----------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------


def init_params(rng):
    def he(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    flat = CONV2_CHANNELS * 4 * 4
    return {
        "conv1.weight": he((CONV1_CHANNELS, 1, 3, 3), 9),
        "bn1.scale": np.ones(CONV1_CHANNELS, np.float32),
        "bn1.bias": np.zeros(CONV1_CHANNELS, np.float32),
        "conv2.weight": he((CONV2_CHANNELS, CONV1_CHANNELS, 3, 3), CONV1_CHANNELS * 9),
        "conv2.bias": np.zeros(CONV2_CHANNELS, np.float32),
        "fc.weight": he((CLASSES, flat), flat),
        "fc.bias": np.zeros(CLASSES, np.float32),
    }


def train_step(params, x, labels):
    """One forward/backward pass in training mode; returns loss, grads, BN batch stats."""
    c1, c1_cache = conv_forward(x, params["conv1.weight"], None)
    b1, b1_cache = batchnorm_train_forward(c1, params["bn1.scale"], params["bn1.bias"])
    r1 = np.maximum(b1, 0)
    c2, c2_cache = conv_forward(r1, params["conv2.weight"], params["conv2.bias"])
    r2 = np.maximum(c2, 0)
    p2, p2_mask = maxpool2_forward(r2)
    flat = p2.reshape(p2.shape[0], -1)
    logits = flat @ params["fc.weight"].T + params["fc.bias"]
    loss, dlogits = softmax_cross_entropy(logits, labels)

    grads = {}
    grads["fc.weight"] = dlogits.T @ flat
    grads["fc.bias"] = dlogits.sum(axis=0)
    dp2 = (dlogits @ params["fc.weight"]).reshape(p2.shape)
    dr2 = maxpool2_backward(dp2, p2_mask)
    dc2 = dr2 * (c2 > 0)
    dr1, grads["conv2.weight"], grads["conv2.bias"] = conv_backward(dc2, params["conv2.weight"], c2_cache)
    db1 = dr1 * (b1 > 0)
    dc1, grads["bn1.scale"], grads["bn1.bias"] = batchnorm_backward(db1, params["bn1.scale"], b1_cache)
    _, grads["conv1.weight"], _ = conv_backward(dc1, params["conv1.weight"], c1_cache)
    _, _, batch_mean, batch_var = b1_cache
    return loss, grads, batch_mean, batch_var


def predict_logits(params, running, x):
    """Inference-mode forward pass, the same computation as the exported graph."""
    c1, _ = conv_forward(x, params["conv1.weight"], None)
    r1 = np.maximum(batchnorm_inference(c1, params["bn1.scale"], params["bn1.bias"], *running), 0)
    c2, _ = conv_forward(r1, params["conv2.weight"], params["conv2.bias"])
    p2, _ = maxpool2_forward(np.maximum(c2, 0))
    return p2.reshape(p2.shape[0], -1) @ params["fc.weight"].T + params["fc.bias"]


def train(x_train, y_train, rng):
    params = init_params(rng)
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    running_mean = np.zeros(CONV1_CHANNELS, np.float32)
    running_var = np.ones(CONV1_CHANNELS, np.float32)
    beta1, beta2, step = 0.9, 0.999, 0
    for epoch in range(EPOCHS):
        order = rng.permutation(len(x_train))
        lr = LEARNING_RATE * 0.5 * (1 + np.cos(np.pi * epoch / EPOCHS))  # cosine decay
        total = 0.0
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            loss, grads, batch_mean, batch_var = train_step(params, x_train[idx], y_train[idx])
            total += loss * len(idx)
            step += 1
            for name, grad in grads.items():
                m, v = moments[name]
                m[...] = beta1 * m + (1 - beta1) * grad
                v[...] = beta2 * v + (1 - beta2) * grad * grad
                m_hat = m / (1 - beta1**step)
                v_hat = v / (1 - beta2**step)
                params[name] -= (lr * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
            count = len(idx) * 8 * 8  # BN statistics run over batch and spatial positions
            unbiased = batch_var * count / max(count - 1, 1)
            running_mean = (BN_MOMENTUM * running_mean + (1 - BN_MOMENTUM) * batch_mean).astype(np.float32)
            running_var = (BN_MOMENTUM * running_var + (1 - BN_MOMENTUM) * unbiased).astype(np.float32)
        if epoch % 10 == 9 or epoch == EPOCHS - 1:
            print(f"epoch {epoch + 1:2d}  loss {total / len(order):.4f}")
    return params, (running_mean, running_var)


# ----------------------------------------------------------------------------
# Export
# ----------------------------------------------------------------------------


def export_onnx(params, running):
    mean, var = running
    initializers = [numpy_helper.from_array(np.ascontiguousarray(v, np.float32), name) for name, v in params.items()]
    initializers += [
        numpy_helper.from_array(mean.astype(np.float32), "bn1.mean"),
        numpy_helper.from_array(var.astype(np.float32), "bn1.var"),
    ]
    conv_attrs = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1]}
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight"], ["conv1"], name="conv1", **conv_attrs),
        helper.make_node(
            "BatchNormalization",
            ["conv1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"],
            ["bn1"],
            name="bn1",
            epsilon=BN_EPSILON,
            momentum=BN_MOMENTUM,
        ),
        helper.make_node("Relu", ["bn1"], ["relu1"], name="relu1"),
        helper.make_node("Conv", ["relu1", "conv2.weight", "conv2.bias"], ["conv2"], name="conv2", **conv_attrs),
        helper.make_node("Relu", ["conv2"], ["relu2"], name="relu2"),
        helper.make_node("MaxPool", ["relu2"], ["pool2"], name="pool2", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["pool2"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "digits_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", CLASSES])],
        initializers,
        doc_string="8x8 digit classifier (scikit-learn digits), input = pixels / 16, NCHW.",
    )
    model = helper.make_model(
        graph,
        producer_name="qdqc docs/examples/make_digits_cnn.py",
        producer_version="1",
        opset_imports=[helper.make_opsetid("", 17)],
        ir_version=8,
    )
    model.model_version = 1
    onnx.checker.check_model(model, full_check=True)
    return model


def save_npz(path, arrays):
    """np.savez_compressed with fixed zip timestamps, so reruns give identical bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def write_samples(folder, images):
    os.makedirs(folder, exist_ok=True)
    for stale in os.listdir(folder):
        if stale.endswith(".npz"):
            os.remove(os.path.join(folder, stale))
    names = []
    for index, image in enumerate(images):
        name = f"{index:04d}.npz"
        save_npz(os.path.join(folder, name), {"input": image[None].astype(np.float32)})
        names.append(name)
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]  # [1797,1,8,8]
    labels = digits.target.astype(np.int64)
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(images))
    test_idx, train_idx = order[:TEST_COUNT], order[TEST_COUNT:]

    params, running = train(images[train_idx], labels[train_idx], rng)
    test_pred = predict_logits(params, running, images[test_idx]).argmax(axis=1)
    test_acc = float((test_pred == labels[test_idx]).mean())
    eval_idx = test_idx[:EVAL_COUNT]
    eval_correct = int((test_pred[:EVAL_COUNT] == labels[eval_idx]).sum())
    print(f"held-out test accuracy: {test_acc:.4f} ({int(round(test_acc * TEST_COUNT))}/{TEST_COUNT})")
    print(f"eval subset accuracy: {eval_correct}/{EVAL_COUNT}")

    model = export_onnx(params, running)
    out = args.out_dir
    os.makedirs(out, exist_ok=True)
    onnx.save(model, os.path.join(out, "digits_cnn.onnx"))
    write_samples(os.path.join(out, "digits_cnn.calib"), images[train_idx[:CALIB_COUNT]])
    names = write_samples(os.path.join(out, "digits_cnn.eval"), images[eval_idx])
    with open(os.path.join(out, "digits_cnn.eval", "labels.json"), "w") as f:
        json.dump({name: int(label) for name, label in zip(names, labels[eval_idx])}, f, indent=1, sort_keys=True)
        f.write("\n")

    try:
        import onnxruntime as ort
    except ImportError:
        return
    session = ort.InferenceSession(os.path.join(out, "digits_cnn.onnx"), providers=["CPUExecutionProvider"])
    ort_pred = session.run(None, {"input": images[test_idx]})[0].argmax(axis=1)
    print(f"onnxruntime held-out test accuracy: {(ort_pred == labels[test_idx]).mean():.4f}")


if __name__ == "__main__":
    main()
