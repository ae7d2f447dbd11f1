import Foundation
import TestSupport

/// ONNX Runtime's own calibration math on synthetic data, run in the venv, for the cross-check tests.
///
/// The script draws four data sets of 8 batches of shape 1×16×32×32 (a gaussian with 0.02 %
/// outliers at ±6…20, a ReLU of a shifted gaussian, a uniform on [-3, 5), a laplacian), writes
/// every batch as raw little-endian float32, and reports what ONNX Runtime 1.32 computes:
/// the real `MinMaxCalibrater` (through `create_calibrator` on an Identity model) and
/// `HistogramCollector` called the way `HistogramCalibrater.collect_data` calls it (all
/// batches in one `collect`), plus numpy's exact percentiles of the same values.
struct OnnxRuntimeReference {
    /// One data set: its batches and ONNX Runtime's results.
    struct DataSet {
        /// The batches, flattened.
        var batches: [[Float]]
        /// Named results: [min, max] ranges (or a single value in `.0` and `.1` for numpy magnitudes).
        var ranges: [String: (Float, Float)]
    }

    /// One data set as the script prints it.
    private struct Entry: Decodable {
        /// The batch files, in order.
        var files: [String]
        /// Named results.
        var results: [String: [Double]]
    }

    /// Data sets by name.
    var dataSets: [String: DataSet]

    /// Runs the script in `folder` and loads what it wrote.
    init(folder: TemporaryDirectory) throws {
        let output = try Python.runCode(Self.script, [folder.url.path]).checkedOutput()
        // JSONDecoder reads each decimal as the nearest double (JSONSerialization on Linux may not).
        let root: [String: Entry]
        do {
            root = try JSONDecoder().decode([String: Entry].self, from: Data(output.utf8))
        } catch {
            throw ScriptFailure(description: "unexpected script output (\(error)): \(output.prefix(200))")
        }
        var dataSets: [String: DataSet] = [:]
        for (name, entry) in root {
            let batches = try entry.files.map { try Self.readFloats(folder.file($0).path) }
            var ranges: [String: (Float, Float)] = [:]
            for (key, pair) in entry.results where pair.count == 2 { ranges[key] = (Float(pair[0]), Float(pair[1])) }
            dataSets[name] = DataSet(batches: batches, ranges: ranges)
        }
        self.dataSets = dataSets
    }

    private static func readFloats(_ path: String) throws -> [Float] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScriptFailure(description: "missing \(path)")
        }
        return data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
    }

    /// The Python side.
    static let script = #"""
        import contextlib, io, json, os, sys, warnings
        import numpy as np
        import onnx
        from onnx import TensorProto, helper
        from onnxruntime.quantization.calibrate import (
            CalibrationDataReader, CalibrationMethod, HistogramCollector, create_calibrator)

        warnings.filterwarnings("ignore")
        out = sys.argv[1]
        shape = (1, 16, 32, 32)
        rng = np.random.default_rng(20240601)

        def gaussian_outliers():
            x = rng.standard_normal(shape).astype(np.float32)
            flat = x.reshape(-1)
            idx = rng.choice(flat.size, size=flat.size // 5000, replace=False)
            flat[idx] = (rng.uniform(6, 20, size=idx.size) * rng.choice([-1, 1], size=idx.size)).astype(np.float32)
            return x

        datasets = {
            "gaussian_outliers": [gaussian_outliers() for _ in range(8)],
            "relu": [np.maximum(rng.normal(0.3, 1.5, shape), 0).astype(np.float32) for _ in range(8)],
            "uniform": [rng.uniform(-3, 5, shape).astype(np.float32) for _ in range(8)],
            "laplace": [rng.laplace(0.5, 1.0, shape).astype(np.float32) for _ in range(8)],
        }

        model = helper.make_model(
            helper.make_graph(
                [helper.make_node("Identity", ["x"], ["y"])], "identity",
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)]),
            opset_imports=[helper.make_opsetid("", 17)])
        model_path = os.path.join(out, "identity.onnx")
        onnx.save(model, model_path)

        class Reader(CalibrationDataReader):
            def __init__(self, arrays):
                self.items = iter([{"x": a} for a in arrays])
            def get_next(self):
                return next(self.items, None)

        def pair(values):
            return [float(np.asarray(values[0]).reshape(-1)[0]), float(np.asarray(values[1]).reshape(-1)[0])]

        def minmax(arrays, **extra):
            calibrator = create_calibrator(
                model_path, None, os.path.join(out, "augmented.onnx"), CalibrationMethod.MinMax, extra_options=extra)
            calibrator.collect_data(Reader(arrays))
            return pair(calibrator.compute_data()["y"].range_value)

        def histogram(arrays, method, symmetric, num_bins, num_quantized_bins=128, percentile=99.999, streaming=False):
            collector = HistogramCollector(
                method=method, symmetric=symmetric, num_bins=num_bins, num_quantized_bins=num_quantized_bins,
                percentile=percentile, scenario="same")
            with contextlib.redirect_stdout(io.StringIO()):
                if streaming:
                    for a in arrays:
                        collector.collect({"t": [a]})
                else:
                    collector.collect({"t": list(arrays)})
                return pair(collector.compute_collection_result()["t"])

        report = {}
        for name, arrays in datasets.items():
            files = []
            for index, array in enumerate(arrays):
                file = f"{name}_{index}.bin"
                array.astype("<f4").tofile(os.path.join(out, file))
                files.append(file)
            flat = np.concatenate([a.reshape(-1) for a in arrays])
            magnitudes = np.abs(flat)
            results = {
                "minmax": minmax(arrays),
                "minmax-symmetric": minmax(arrays, symmetric=True),
                "minmax-mean": minmax(arrays, moving_average=True),
                "percentile-symmetric-99.999": histogram(arrays, "percentile", True, 2048, percentile=99.999),
                "percentile-symmetric-99.99": histogram(arrays, "percentile", True, 2048, percentile=99.99),
                "percentile-asymmetric-99.99": histogram(arrays, "percentile", False, 2048, percentile=99.99),
                "entropy-128": histogram(arrays, "entropy", False, 128),
                "entropy-1024": histogram(arrays, "entropy", False, 1024),
                "entropy-2048": histogram(arrays, "entropy", False, 2048),
                "entropy-4096": histogram(arrays, "entropy", False, 4096),
                "entropy-2048-per-batch": histogram(arrays, "entropy", False, 2048, streaming=True),
                "numpy-magnitude-99.999": [float(np.percentile(magnitudes, 99.999))] * 2,
                "numpy-magnitude-99.99": [float(np.percentile(magnitudes, 99.99))] * 2,
                "numpy-tails-99.99": [float(v) for v in np.percentile(flat, [0.005, 99.995])],
            }
            report[name] = {"files": files, "results": results}
        print(json.dumps(report))
        """#
}
