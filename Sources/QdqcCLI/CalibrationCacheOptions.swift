import ArgumentParser
import Calibration
import Passes

/// Other tools' calibration caches: `--calib-cache` quantizes from one instead of calibrating, and
/// `--write-trt-cache` writes TensorRT's from the run's ranges.
struct CalibrationCacheOptions: ParsableArguments {
    @Option(
        name: .customLong("calib-cache"),
        help: ArgumentHelp(
            "Quantize with the activation ranges of another tool's calibration cache (ONNX Runtime's "
                + "calibration.json, .cache or .flatbuffers, or TensorRT's) instead of calibrating.",
            valueName: "file"))
    var cache: String?

    @Option(
        name: .customLong("write-trt-cache"),
        help: ArgumentHelp(
            "Also write the run's activation ranges as a TensorRT calibration cache (int8 scales, amax/127).",
            valueName: "file"))
    var tensorRTCache: String?

    /// Checks the flags against the calibration flags.
    func validate(calibration: CalibrationOptions) throws {
        if cache != nil, calibration.dataSource != nil {
            throw ValidationError("--calib-cache replaces calibration: drop --calib-data/--calib-random")
        }
        if tensorRTCache != nil, cache == nil, calibration.dataSource == nil {
            throw ValidationError("--write-trt-cache needs ranges: --calib-data, --calib-random or --calib-cache")
        }
        if tensorRTCache?.isEmpty == true { throw ValidationError("--write-trt-cache must not be empty") }
    }

    /// With `--calib-cache`, the pipeline's `calibrate` passes are dropped: the cache's ranges stand in for theirs.
    func apply(to pipeline: inout Pipeline) {
        guard cache != nil else { return }
        pipeline.elements.removeAll { $0.passArgument == CalibratePass.argument }
    }

    /// Reads `--calib-cache` into the session's table, as `calibrate` would have left it.
    func load(into session: PipelineSession) throws {
        guard let cache else { return }
        let ranges: [String: CalibrationRange]
        do {
            ranges = try CalibrationCache.read(path: cache).ranges
        } catch {
            throw CLIError(path: cache, error)
        }
        session.calibrationTable = CalibrationTable(
            modelSHA256: "", method: .minMax, options: ["cache": .string(cache)], sampleCount: 0,
            qdqcVersion: QdqcVersion.current,
            tensors: ranges.mapValues { TensorCalibration(range: $0, observed: $0, counts: ValueCounts()) })
    }

    /// Writes `--write-trt-cache` from the session's ranges (calibrated, or read with `--calib-cache`).
    func write(from session: PipelineSession) throws {
        guard let tensorRTCache else { return }
        guard let table = session.calibrationTable else {
            throw CLIError(path: tensorRTCache, message: "no calibration ranges in this run to write")
        }
        do {
            try CalibrationCache.writeTensorRT(ranges: table.tensors.mapValues(\.range), to: tensorRTCache)
        } catch {
            throw CLIError(path: tensorRTCache, error)
        }
    }
}
