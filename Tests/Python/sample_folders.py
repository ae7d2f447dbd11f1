"""Writes a generated model and its calibration and evaluation samples, the layout qdqc's tests read.

`save(out, model, draw)` checks `model` with onnx.checker, writes OUT/model.onnx, then OUT/calib/NNNN.npz (16
samples) and OUT/eval/NNNN.npz (8 samples), each sample `{"x": draw()}`.
"""

import os

import numpy as np
import onnx


def save(out, model, draw, counts=(("calib", 16), ("eval", 8))):
    onnx.checker.check_model(model, full_check=True)
    os.makedirs(out, exist_ok=True)
    onnx.save(model, os.path.join(out, "model.onnx"))
    for folder, count in counts:
        os.makedirs(os.path.join(out, folder), exist_ok=True)
        for index in range(count):
            np.savez(os.path.join(out, folder, f"{index:04d}.npz"), x=draw())
