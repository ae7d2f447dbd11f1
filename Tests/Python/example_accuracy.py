"""Runs the bundled example model in ONNX Runtime over its labelled eval samples.

usage: example_accuracy.py MODEL EVAL_DIR

EVAL_DIR holds NNNN.npz samples (each key a model input) and labels.json
({"NNNN.npz": digit}). Prints "correct/count" on stdout, e.g. "62/64".
"""

import argparse
import json
import os

import numpy as np
import onnxruntime


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("eval_dir")
    args = parser.parse_args()
    with open(os.path.join(args.eval_dir, "labels.json"), encoding="utf-8") as labels_file:
        labels = json.load(labels_file)
    session = onnxruntime.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    correct = 0
    for name, label in sorted(labels.items()):
        with np.load(os.path.join(args.eval_dir, name)) as sample:
            feeds = {key: sample[key] for key in sample.files}
        logits = session.run(None, feeds)[0]
        correct += int(int(np.argmax(logits[0])) == label)
    print(f"{correct}/{len(labels)}")


if __name__ == "__main__":
    main()
