"""Per-tensor SQNR of a QDQ model against its float model, as ONNX Runtime's qdq_loss_debug computes it.

usage: qdq_loss_debug.py quantize FLOAT OUT_QDQ CALIB_DIR N_CALIB
           writes OUT_QDQ with onnxruntime.quantization.quantize_static (QDQ, per-tensor, MinMax)
       qdq_loss_debug.py errors FLOAT QDQ DATA_DIR N_SAMPLES OUT_JSON
           writes {"activations": {tensor: xmodel_err dB}}

The numbers are create_activation_matching / compute_activation_error's xmodel_err: the float
model's tensor against the QDQ model's dequantized stand-in for it, over all samples.
"""

import json
import os
import sys
import tempfile

import numpy as np
import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.qdq_loss_debug import (
    collect_activations,
    compute_activation_error,
    create_activation_matching,
    modify_model_output_intermediate_tensors,
)


class FolderReader(CalibrationDataReader):
    """The first `count` samples of a folder of .npz files, in name order."""

    def __init__(self, folder, count):
        names = sorted(n for n in os.listdir(folder) if n.endswith(".npz"))[:count]
        self.samples = [dict(np.load(os.path.join(folder, n))) for n in names]
        self.position = 0

    def get_next(self):
        if self.position >= len(self.samples):
            return None
        self.position += 1
        return self.samples[self.position - 1]

    def rewind(self):
        self.position = 0


def quantize(float_path, out_path, calib_dir, count):
    quantize_static(
        float_path,
        out_path,
        FolderReader(calib_dir, count),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        per_channel=False,
        calibrate_method=CalibrationMethod.MinMax,
    )


def errors(float_path, qdq_path, data_dir, count, out_json):
    with tempfile.TemporaryDirectory() as scratch:
        results = {}
        for tag, path in (("float", float_path), ("qdq", qdq_path)):
            augmented = os.path.join(scratch, tag + ".onnx")
            modify_model_output_intermediate_tensors(path, augmented)
            results[tag] = collect_activations(augmented, FolderReader(data_dir, count))
    matching = create_activation_matching(results["qdq"], results["float"])
    activation_errors = compute_activation_error(matching)
    activations = {
        name: float(err["xmodel_err"]) for name, err in activation_errors.items() if "xmodel_err" in err
    }
    with open(out_json, "w") as handle:
        json.dump({"activations": activations}, handle, indent=1, sort_keys=True)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "quantize":
        quantize(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif len(sys.argv) == 7 and sys.argv[1] == "errors":
        errors(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
