import ArgumentParser
import Calibration
import Passes

/// The calibration flags: where samples come from, where the table goes, and the method's settings.
struct CalibrationOptions: ParsableArguments {
    @Option(
        name: .customLong("calib-data"),
        help: ArgumentHelp(
            "Calibration samples: a folder of .npz files (one per sample), a stacked .npz, a folder of per-sample "
                + ".npy folders, or ONNX test_data_set_N folders.",
            valueName: "path"))
    var data: String?

    @Option(
        name: .customLong("calib-samples"),
        help: ArgumentHelp("Use only the first N samples (with --calib-random: make N, default 8).", valueName: "n"))
    var samples: Int?

    @Flag(
        name: .customLong("calib-random"),
        help: "Calibrate on seeded random inputs; only to test a pipeline: the scales are meaningless for accuracy.")
    var random = false

    @Option(
        name: .customLong("calib-seed"),
        help: ArgumentHelp("The seed of --calib-random (default 0).", valueName: "seed"))
    var seed: UInt64?

    @Option(
        name: .customLong("calib-table"),
        help: ArgumentHelp(
            "Reuse this calibration table when it matches the model, method, options and sample count; "
                + "otherwise calibrate and write it. Without --calib-data: use it as is (e.g. from calib-merge); "
                + "it must match the model, method and options.",
            valueName: "file"))
    var table: String?

    @Option(
        name: .customLong("calib-method"),
        help: ArgumentHelp(
            "The calibration method: minmax, percentile, entropy, mse or auto (default minmax).", valueName: "method"))
    var method: String?

    @Option(
        name: .customLong("calib-percentile"),
        help: ArgumentHelp("The percentile kept by --calib-method percentile (default 99.999).", valueName: "p"))
    var percentile: Double?

    @Option(
        name: .customLong("calib-option"),
        help: ArgumentHelp(
            "A method option as NAME=VALUE (e.g. bins=2048, symmetric=false); repeatable. See docs/calibration.md.",
            valueName: "name=value"))
    var methodOptions: [String] = []

    @Option(
        help: ArgumentHelp(
            "Calibration samples run at once (default: one per core); the table is the same for any N.",
            valueName: "n"))
    var jobs: Int?

    /// The workers `--jobs` asks for.
    var sampleWorkers: SampleWorkers { jobs.map(SampleWorkers.init(count:)) ?? .perCore }

    /// How many random samples `--calib-random` makes without `--calib-samples`.
    static let defaultRandomSampleCount = 8

    mutating func validate() throws {
        if random, data != nil { throw ValidationError("--calib-data and --calib-random exclude each other") }
        if seed != nil, !random { throw ValidationError("--calib-seed needs --calib-random") }
        if let samples, samples < 1 { throw ValidationError("--calib-samples must be at least 1") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let percentile, !(percentile > 0 && percentile <= 100) {
            throw ValidationError("--calib-percentile must be in (0, 100]")
        }
        for option in methodOptions where option.split(separator: "=", maxSplits: 1).count != 2 {
            throw ValidationError("--calib-option '\(option)': expected NAME=VALUE")
        }
    }

    /// The samples the flags name, for `PassContext.calibrationData`; nil when none were given.
    var dataSource: CalibrationDataSource? {
        if let data {
            return CalibrationDataSource(origin: .files(path: data), sampleLimit: samples, tablePath: table)
        }
        guard random else { return nil }
        return CalibrationDataSource(
            origin: .random(seed: seed ?? 0, sampleCount: samples ?? Self.defaultRandomSampleCount),
            sampleLimit: samples, tablePath: table)
    }

    /// Sets the method flags as options of the pipeline's `calibrate` passes (options written in the pipeline win).
    func apply(to pipeline: inout Pipeline) throws {
        var settings: [(String, String)] = []
        // Without samples the table cannot be remade: the pass uses it as is (a table from `qdqc calib-merge`).
        if let table, data == nil, !random { settings.append(("table", table)) }
        if let method { settings.append(("method", method)) }
        if let percentile { settings.append(("percentile", String(percentile))) }
        for option in methodOptions {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { settings.append((parts[0], parts[1])) }
        }
        guard !settings.isEmpty else { return }
        guard pipeline.contains(pass: CalibratePass.argument) else {
            throw ValidationError(
                "--calib-method, --calib-percentile, --calib-option and --calib-table without --calib-data "
                    + "need a calibrate pass in the pipeline")
        }
        for (key, value) in settings { pipeline.setOption(key, to: value, forPass: CalibratePass.argument) }
    }
}
