"""Quantizes a float model with ONNX Runtime's quantize_static, in its QDQ or QOperator format.

usage: make_ort_quantized.py MODEL CALIB_DIR OUT_MODEL [--format qdq|qoperator] [--limit N]
       [--activations int8|uint8] [--symmetric-activations]

CALIB_DIR holds one sample per .npz file (each key a model input), read in name order; --limit takes the
first N. Weights are int8 per channel (ORT's defaults otherwise: MinMax calibration). These are the
"foreign" Q/DQ models qdqc takes in (docs/foreign-qdq.md). Prints the op types of the result.
"""

import argparse

import onnx
from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

import quant_metrics as qm


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("calib_dir")
    parser.add_argument("out_model")
    parser.add_argument("--format", choices=["qdq", "qoperator"], default="qdq")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--activations", choices=["int8", "uint8"], default="int8")
    parser.add_argument("--symmetric-activations", action="store_true")
    args = parser.parse_args()
    quantize_static(
        args.model,
        args.out_model,
        qm.NpzReader(
            qm.load_samples(args.calib_dir, args.limit), [i.name for i in qm.session(args.model, 1).get_inputs()]
        ),
        quant_format=QuantFormat.QDQ if args.format == "qdq" else QuantFormat.QOperator,
        per_channel=True,
        activation_type=QuantType.QInt8 if args.activations == "int8" else QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        extra_options={"ActivationSymmetric": args.symmetric_activations},
    )
    model = onnx.load(args.out_model)
    print(" ".join(sorted({f"{n.domain + '.' if n.domain else ''}{n.op_type}" for n in model.graph.node})))


if __name__ == "__main__":
    main()
