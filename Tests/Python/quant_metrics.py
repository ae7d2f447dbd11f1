#!/usr/bin/env python3
"""Accuracy and speed measures of a quantized ONNX model against its float original, in ONNX Runtime.

The functions are shared by the quantization benchmark (Tests/Benchmarks/quantize_bench.py) and
the Swift integration tests (through TestSupport's `Python.runScript("quant_metrics.py", ...)`):

- `sqnr_db` / `cosine`: per-output signal-to-quantization-noise ratio and cosine similarity over
  all evaluation samples;
- `fused_kernel_count`: how many integer kernels (QLinearConv, QLinearMatMul, QGemm, ...) ONNX
  Runtime's CPU graph optimizer produced, read back from `optimized_model_filepath`;
- `latency_ms`: median CPU latency with 2 threads;
- `ort_quantize`: ONNX Runtime's own `quantize_static` (QDQ, per-channel), the yardstick.

Command line (prints one JSON object on stdout):

    quant_metrics.py accuracy --float F.onnx --quant Q.onnx --data EVAL_DIR [--limit N]
    quant_metrics.py fused Q.onnx
    quant_metrics.py latency Q.onnx --data EVAL_DIR [--runs N]
    quant_metrics.py ort-quantize F.onnx OUT.onnx --calib CALIB_DIR [--limit N] [--method minmax]
                     [--op-types Conv,MatMul,Gemm] [--symmetric-activations]
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import statistics
import sys
import tempfile
import time

import numpy as np

# Op types ONNX Runtime's CPU optimizer produces when it fuses Q/DQ pairs into integer kernels.
FUSED_KERNEL_TYPES = {
    "QGemm",
    "MatMulInteger",
    "ConvInteger",
    "MatMulIntegerToFloat",
    "DynamicQuantizeMatMul",
    "DynamicQuantizeLinear",
    "DynamicQuantizeLSTM",
    "QAttention",
    "QEmbedLayerNormalization",
    "QOrderedMatMul",
    "QOrderedAttention",
    "QOrderedLayerNormalization",
    "NhwcQLinearConv",
}


def is_fused_kernel(op_type: str) -> bool:
    """Whether `op_type` is an integer kernel of ONNX Runtime (QLinear*, QGemm, MatMulInteger, ...)."""
    return op_type.startswith("QLinear") or op_type in FUSED_KERNEL_TYPES


def load_samples(folder: str, limit: int | None = None) -> list[dict[str, np.ndarray]]:
    """The samples of a folder of .npz files (one sample per file, keyed by input name), in name order."""
    paths = sorted(glob.glob(os.path.join(folder, "*.npz")))
    if not paths:
        raise SystemExit(f"quant_metrics: no .npz samples in {folder}")
    if limit is not None:
        paths = paths[:limit]
    samples = []
    for path in paths:
        with np.load(path) as data:
            samples.append({name: data[name] for name in data.files})
    return samples


def session(model_path: str, threads: int = 2, optimized_path: str | None = None, level=None, disabled=()):
    """An ONNX Runtime CPU session with `threads` intra-op threads, without the graph optimizers `disabled`."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if level is not None:
        options.graph_optimization_level = level
    if optimized_path is not None:
        options.optimized_model_filepath = optimized_path
    return ort.InferenceSession(
        model_path, options, providers=["CPUExecutionProvider"], disabled_optimizers=list(disabled))


def feeds_for(sess, sample: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The entries of `sample` the session's model takes as inputs."""
    names = [i.name for i in sess.get_inputs()]
    missing = [n for n in names if n not in sample]
    if missing:
        raise SystemExit(f"quant_metrics: sample lacks model inputs {missing}")
    return {n: sample[n] for n in names}


def run_outputs(model_path: str, samples, threads: int = 2, disabled=()) -> dict[str, list[np.ndarray]]:
    """Every output of the model for every sample, by output name (without the graph optimizers `disabled`)."""
    sess = session(model_path, threads, disabled=disabled)
    names = [o.name for o in sess.get_outputs()]
    results: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for sample in samples:
        for name, value in zip(names, sess.run(names, feeds_for(sess, sample))):
            results[name].append(np.asarray(value))
    return results


def sqnr_db(reference, actual) -> float:
    """10·log10(Σref² / Σ(ref−actual)²) over all elements of all samples; inf when identical."""
    ref = np.concatenate([np.asarray(r, dtype=np.float64).ravel() for r in reference])
    act = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in actual])
    noise = float(np.sum((ref - act) ** 2))
    signal = float(np.sum(ref**2))
    if noise == 0.0:
        return math.inf
    if signal == 0.0:
        return -math.inf
    return 10.0 * math.log10(signal / noise)


def cosine(reference, actual) -> float:
    """Mean over samples of the cosine similarity of the flattened output (1 for two zero outputs)."""
    values = []
    for r, a in zip(reference, actual):
        r = np.asarray(r, dtype=np.float64).ravel()
        a = np.asarray(a, dtype=np.float64).ravel()
        nr, na = float(np.linalg.norm(r)), float(np.linalg.norm(a))
        if nr == 0.0 and na == 0.0:
            values.append(1.0)
        elif nr == 0.0 or na == 0.0:
            values.append(0.0)
        else:
            values.append(float(np.dot(r, a) / (nr * na)))
    return float(np.mean(values)) if values else float("nan")


def agreement(reference, actual) -> float:
    """Fraction of samples whose output is exactly equal (labels, indices, strings)."""
    same = [np.array_equal(np.asarray(r), np.asarray(a)) for r, a in zip(reference, actual)]
    return float(np.mean(same)) if same else float("nan")


def top1_agreement(reference, actual) -> float:
    """Fraction of samples whose arg-max over the flattened output is the same."""
    same = [int(np.argmax(np.asarray(r))) == int(np.argmax(np.asarray(a))) for r, a in zip(reference, actual)]
    return float(np.mean(same)) if same else float("nan")


def accuracy(float_outputs, quant_outputs) -> dict[str, dict[str, float]]:
    """Per output: SQNR (dB), cosine and top-1 agreement for float outputs, exact agreement otherwise."""
    result = {}
    for name, reference in float_outputs.items():
        if name not in quant_outputs:
            raise SystemExit(f"quant_metrics: quantized model lacks output '{name}'")
        actual = quant_outputs[name]
        if np.issubdtype(np.asarray(reference[0]).dtype, np.floating):
            result[name] = {
                "sqnr_db": sqnr_db(reference, actual),
                "cosine": cosine(reference, actual),
                "top1": top1_agreement(reference, actual),
            }
        else:
            result[name] = {"agreement": agreement(reference, actual)}
    return result


def fused_kernel_count(model_path: str) -> dict:
    """Integer kernels in ONNX Runtime's optimized CPU graph: total and by op type."""
    import onnx

    with tempfile.TemporaryDirectory(prefix="quant_metrics_") as scratch:
        optimized = os.path.join(scratch, "optimized.onnx")
        session(model_path, threads=1, optimized_path=optimized)
        model = onnx.load(optimized, load_external_data=False)
    by_type: dict[str, int] = {}
    quantize_linear = 0

    def walk(graph):
        nonlocal quantize_linear
        for node in graph.node:
            if is_fused_kernel(node.op_type):
                by_type[node.op_type] = by_type.get(node.op_type, 0) + 1
            if node.op_type == "QuantizeLinear":
                quantize_linear += 1
            for attribute in node.attribute:
                if attribute.type == onnx.AttributeProto.GRAPH:
                    walk(attribute.g)
                for g in attribute.graphs:
                    walk(g)

    walk(model.graph)
    return {"total": sum(by_type.values()), "by_type": dict(sorted(by_type.items())), "quantize_linear": quantize_linear}


def latency_ms(model_paths: list[str], sample, threads: int = 2, runs: int = 20, warmup: int = 3) -> list[float]:
    """Median latency (ms) of each model on one sample, with runs interleaved so load drift hits all alike."""
    sessions = [session(p, threads) for p in model_paths]
    feeds = [feeds_for(s, sample) for s in sessions]
    for s, f in zip(sessions, feeds):
        for _ in range(warmup):
            s.run(None, f)
    times: list[list[float]] = [[] for _ in sessions]
    for _ in range(runs):
        for index, (s, f) in enumerate(zip(sessions, feeds)):
            start = time.perf_counter()
            s.run(None, f)
            times[index].append((time.perf_counter() - start) * 1000.0)
    return [statistics.median(t) for t in times]


class NpzReader:
    """ONNX Runtime's CalibrationDataReader over a list of samples."""

    def __init__(self, samples, input_names):
        self._samples = [{n: s[n] for n in input_names} for s in samples]
        self._index = 0

    def get_next(self):
        if self._index >= len(self._samples):
            return None
        self._index += 1
        return self._samples[self._index - 1]

    def rewind(self):
        self._index = 0


ORT_METHODS = {"minmax": "MinMax", "entropy": "Entropy", "percentile": "Percentile", "distribution": "Distribution"}


def prepared_for_ort(model_path: str, scratch: str, preprocess: bool, per_channel: bool) -> tuple[str, str]:
    """The model as ONNX Runtime's documented flow quantizes it, and what was done to it.

    `quant_pre_process` (ONNX Runtime's own optimizer: Constant nodes become initializers,
    BatchNormalization folds into Conv) is the step its warnings ask for; without it the Paddle
    exports keep float weights. Per-axis DequantizeLinear needs opset 13, so older models go
    through onnx's version converter first.
    """
    import onnx
    from onnx import version_converter

    steps = []
    source = model_path
    if preprocess:
        from onnxruntime.quantization.shape_inference import quant_pre_process

        path = os.path.join(scratch, "preprocessed.onnx")
        # sympy (symbolic shape inference) is not in the venv; onnx's shape inference still runs.
        quant_pre_process(source, path, skip_symbolic_shape=True)
        source = path
        steps.append("quant_pre_process")
    model = onnx.load(source)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
    if per_channel and opset < 13:
        converted = version_converter.convert_version(model, 13)
        path = os.path.join(scratch, "opset13.onnx")
        onnx.save(converted, path)
        source = path
        steps.append(f"version_converter {opset}->13")
    return source, ", ".join(steps) or "as is"


def ort_quantize(
    float_path: str,
    output_path: str,
    calib_samples,
    method: str = "minmax",
    op_types: list[str] | None = None,
    per_channel: bool = True,
    preprocess: bool = True,
    symmetric_activations: bool = False,
) -> dict:
    """ONNX Runtime's `quantize_static` (QDQ, int8 activations and weights); returns what it did.

    `symmetric_activations` passes `extra_options={"ActivationSymmetric": True}`: int8 activations with zero
    point 0, as TensorRT takes them (the default is asymmetric int8).
    """
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    def attempt(with_preprocess: bool) -> dict:
        with tempfile.TemporaryDirectory(prefix="ort_quantize_") as scratch:
            start = time.perf_counter()
            source, how = prepared_for_ort(float_path, scratch, with_preprocess, per_channel)
            input_names = [i.name for i in session(source, 1).get_inputs()]
            quantize_static(
                source,
                output_path,
                NpzReader(calib_samples, input_names),
                quant_format=QuantFormat.QDQ,
                per_channel=per_channel,
                activation_type=QuantType.QInt8,
                weight_type=QuantType.QInt8,
                calibrate_method=getattr(CalibrationMethod, ORT_METHODS[method]),
                op_types_to_quantize=op_types,
                extra_options={"ActivationSymmetric": symmetric_activations},
            )
            return {"seconds": time.perf_counter() - start, "prepared": how}

    if not preprocess:
        return attempt(False)
    try:
        return attempt(True)
    except Exception as error:  # quant_pre_process output that quantize_static then rejects (magika)
        result = attempt(False)
        result["prepared"] += f" (quantize_static failed after quant_pre_process: {str(error)[:80]})"
        return result


def _finite(value):
    """JSON cannot carry inf/nan: they become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    acc = commands.add_parser("accuracy", help="per-output SQNR/cosine of a quantized model vs the float one")
    acc.add_argument("--float", dest="float_model", required=True)
    acc.add_argument("--quant", required=True)
    acc.add_argument("--data", required=True)
    acc.add_argument("--limit", type=int)

    fused = commands.add_parser("fused", help="integer kernels in ONNX Runtime's optimized CPU graph")
    fused.add_argument("model")

    lat = commands.add_parser("latency", help="median ORT CPU latency (2 threads) of one or more models")
    lat.add_argument("models", nargs="+")
    lat.add_argument("--data", required=True)
    lat.add_argument("--runs", type=int, default=20)

    quant = commands.add_parser("ort-quantize", help="ONNX Runtime quantize_static (QDQ, per-channel)")
    quant.add_argument("model")
    quant.add_argument("output")
    quant.add_argument("--calib", required=True)
    quant.add_argument("--limit", type=int, default=64)
    quant.add_argument("--method", choices=sorted(ORT_METHODS), default="minmax")
    quant.add_argument("--op-types", help="comma-separated op types to quantize (default: all)")
    quant.add_argument("--no-preprocess", action="store_true", help="skip quant_pre_process")
    quant.add_argument("--symmetric-activations", action="store_true",
                       help="extra_options ActivationSymmetric=True (int8 activations with zero point 0)")

    args = parser.parse_args(argv)
    if args.command == "accuracy":
        samples = load_samples(args.data, args.limit)
        result = accuracy(run_outputs(args.float_model, samples), run_outputs(args.quant, samples))
        out = {"samples": len(samples), "outputs": result}
    elif args.command == "fused":
        out = fused_kernel_count(args.model)
    elif args.command == "latency":
        sample = load_samples(args.data, 1)[0]
        out = {"latency_ms": dict(zip(args.models, latency_ms(args.models, sample, runs=args.runs)))}
    else:
        op_types = args.op_types.split(",") if args.op_types else None
        out = ort_quantize(
            args.model,
            args.output,
            load_samples(args.calib, args.limit),
            args.method,
            op_types,
            preprocess=not args.no_preprocess,
            symmetric_activations=args.symmetric_activations,
        )
    print(json.dumps(_finite(out), indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
