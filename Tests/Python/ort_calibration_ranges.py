"""Runs ONNX Runtime's own calibrator on a model and its .npz samples and prints the ranges.

usage: ort_calibration_ranges.py MODEL CALIB_FOLDER SAMPLES METHOD [--num-bins N]
                                 [--percentile P] [--symmetric true|false] [--exact-percentile]
                                 [--out FILE]

METHOD is minmax, percentile or entropy (onnxruntime.quantization.calibrate's
MinMax, Percentile and Entropy calibraters, created with create_calibrator as
quantize_static creates them; the first SAMPLES files of CALIB_FOLDER in name
order, one collect_data call). Writes JSON {"tensors": {name: [min, max]},
"seconds": ..., "peak_rss_mb": ...} to --out or stdout. Options left out take
ONNX Runtime's own defaults.

--exact-percentile (percentile only, small models: keeps every value) also
writes "exact": {name: [min, max]}: numpy's np.percentile of |x| over the same
values (symmetric) or of both tails, clipped to the observed range as ONNX
Runtime clips its thresholds: the true percentile both calibrators estimate.
"""

import argparse
import contextlib
import json
import os
import resource
import sys
import tempfile
import time

import numpy as np
from onnxruntime.quantization.calibrate import CalibrationDataReader, CalibrationMethod, create_calibrator


class FolderReader(CalibrationDataReader):
    def __init__(self, folder, count):
        self.files = sorted(f for f in os.listdir(folder) if f.endswith(".npz"))[:count]
        self.folder = folder
        self.index = 0

    def get_next(self):
        if self.index >= len(self.files):
            return None
        path = os.path.join(self.folder, self.files[self.index])
        self.index += 1
        with np.load(path) as data:
            return {key: data[key] for key in data.files}


def exact_percentiles(calibrator, args):
    """numpy's percentile of every calibrated tensor over all samples (run before ORT's own pass)."""
    percentile = 99.999 if args.percentile is None else args.percentile
    symmetric = True if args.symmetric is None else args.symmetric == "true"
    if getattr(calibrator, "infer_session", None) is None:
        calibrator.create_inference_session()
    session = calibrator.infer_session
    names = [output.name for output in session.get_outputs()]
    values = {name: [] for name in names if name in calibrator.tensors_to_calibrate}
    reader = FolderReader(args.folder, args.samples)
    while (inputs := reader.get_next()) is not None:
        for name, array in zip(names, session.run(None, inputs)):
            if name in values:
                values[name].append(np.asarray(array, dtype=np.float32).reshape(-1))
    exact = {}
    for name, parts in values.items():
        data = np.concatenate(parts)
        data = data[np.isfinite(data)]
        if data.size == 0:
            continue
        low, high = float(data.min()), float(data.max())
        if symmetric:
            threshold = float(np.percentile(np.abs(data), percentile))
            lower, upper = -threshold, threshold
        else:
            lower = float(np.percentile(data, (100 - percentile) / 2))
            upper = float(np.percentile(data, 100 - (100 - percentile) / 2))
        exact[name] = [min(max(lower, low), high), min(max(upper, low), high)]
    return exact


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("folder")
    parser.add_argument("samples", type=int)
    parser.add_argument("method", choices=["minmax", "percentile", "entropy"])
    parser.add_argument("--num-bins", type=int)
    parser.add_argument("--percentile", type=float)
    parser.add_argument("--symmetric", choices=["true", "false"])
    parser.add_argument("--exact-percentile", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()

    extra = {}
    if args.num_bins is not None:
        extra["num_bins"] = args.num_bins
    if args.percentile is not None:
        extra["percentile"] = args.percentile
    if args.symmetric is not None:
        extra["symmetric"] = args.symmetric == "true"
    method = {
        "minmax": CalibrationMethod.MinMax,
        "percentile": CalibrationMethod.Percentile,
        "entropy": CalibrationMethod.Entropy,
    }[args.method]
    start = time.perf_counter()
    # ONNX Runtime prints progress to stdout; only the JSON goes there.
    with tempfile.TemporaryDirectory() as scratch, contextlib.redirect_stdout(sys.stderr):
        calibrator = create_calibrator(
            args.model,
            [],
            augmented_model_path=os.path.join(scratch, "augmented.onnx"),
            calibrate_method=method,
            extra_options=extra,
        )
        exact = exact_percentiles(calibrator, args) if args.exact_percentile else None
        calibrator.collect_data(FolderReader(args.folder, args.samples))
        computed = calibrator.compute_data()
    seconds = time.perf_counter() - start
    tensors = {}
    for name, data in computed.data.items():
        low, high = data.range_value
        tensors[name] = [float(np.asarray(low).reshape(-1)[0]), float(np.asarray(high).reshape(-1)[0])]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    result = {"tensors": tensors, "seconds": seconds, "peak_rss_mb": peak}
    if exact is not None:
        result["exact"] = exact
    text = json.dumps(result)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
