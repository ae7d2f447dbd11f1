import Calibration
import Foundation
import OnnxIO
import OnnxIR

/// Runs the model over the calibration samples and records the range of every float activation.
///
/// Watches every graph input and every node output of the main graph that is not a constant
/// (insert-qdq later picks the ones it quantizes), runs `CalibrationRunner`, and puts the
/// `CalibrationTable` into `context.session.calibrationTable`. With a table path (the `table` option,
/// else `--calib-table`), a table made for the same model bytes, method, options and sample count is
/// reused without running the model; otherwise the new table is written there atomically, where
/// `insert-qdq{table=...}` can read it. Never changes the model.
public struct CalibratePass: Pass {
    /// `calibrate`.
    public static let argument = "calibrate"
    /// One line for `list-passes`.
    public static let summary =
        "Runs the model on the calibration samples and records every float activation's range for insert-qdq."
    /// The version written into calibration tables (informative only; kept equal to `qdqc --version` by a test).
    public static let tableWriterVersion = "0.1.0"

    /// `method`, `table` and every option some method accepts; `ObserverConfiguration` checks that the method takes it.
    public static let options: [PassOption] = {
        let methodOption = PassOption(
            name: "method", valueSyntax: CalibrationMethod.allCases.map(\.rawValue).joined(separator: "|"),
            defaultValue: CalibrationMethod.minMax.rawValue, summary: "How ranges are computed (docs/calibration.md).")
        let tableOption = PassOption(
            name: "table", valueSyntax: "<file.json>", defaultValue: "",
            summary: "Reuse this calibration table when it matches the run, else write it "
                + "(schemas/calibration-table.schema.json); insert-qdq{table=...} reads it.")
        let methodOptions = Set(CalibrationMethod.allCases.flatMap { ObserverConfiguration.optionNames(for: $0) })
        return [methodOption, tableOption]
            + methodOptions.sorted().map { name in
                let methods = CalibrationMethod.allCases.filter {
                    ObserverConfiguration.optionNames(for: $0).contains(name)
                }
                return PassOption(
                    name: name, valueSyntax: "<value>", defaultValue: "the method's default",
                    summary: "Option of method " + methods.map(\.rawValue).joined(separator: ", ")
                        + " (docs/calibration.md).")
            }
    }()

    /// The method and its settings.
    public let configuration: ObserverConfiguration
    /// The table to reuse or write; nil falls back to the calibration data's `tablePath`.
    public let tablePath: String?

    /// Creates the pass; an option the chosen method does not take is an error.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        let method = try reader.choice("method", in: CalibrationMethod.allCases.map(\.rawValue))
        var methodOptions = options
        methodOptions["method"] = nil
        methodOptions["table"] = nil
        let table = try reader.string("table")
        tablePath = table.isEmpty ? nil : table
        configuration = try ObserverConfiguration(method: method, options: methodOptions)
    }

    /// Calibrates (or reuses a matching table) and stores the table in the session.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        guard let source = context.calibrationData else {
            throw CalibrationRunError.noCalibrationData(pass: Self.argument)
        }
        let watched = Self.activations(of: model.graph)
        let samples = try CalibrationSamples(model: model, source: source)
        let key = try runKey(model: model, source: source, sampleCount: samples.count)
        let tablePath = self.tablePath ?? source.tablePath
        if let path = tablePath, let table = try reusableTable(at: path, key: key, context: context) {
            context.session.calibrationTable = table
            context.remark(
                "calibrate: reusing calibration table \(path) (\(key.method.rawValue), \(samples.count) samples, "
                    + "\(table.tensors.count) tensors); the model was not run")
            return PassResult(changed: false, statistics: ["reused-table": 1, "tensors": table.tensors.count])
        }
        let observers = try ObserverSet(configuration: configuration)
        for tensor in watched { try observers.watch(tensor) }
        if samples.isRandom {
            context.remark(
                "\(Self.argument): calibrating on \(samples.count) random samples (--calib-random); "
                    + "the scales are meaningless for accuracy")
        }
        let runner = CalibrationRunner(samples: samples, task: Self.argument, progress: context.progress)
        try runner.observe(model: model, observers: observers)
        // Tensors that never reached an observer (not floating point at run time) get no entry,
        // so no later pass quantizes them with a meaningless [0, 0] range.
        let results = try observers.results().filter { $0.value.counts.batches > 0 }
        let withoutFinite = results.filter { !$0.value.hasFiniteValues }.keys.sorted()
        if let first = withoutFinite.first {
            context.remark(
                "calibrate: \(withoutFinite.count) tensor(s) had no finite value (e.g. '\(first)'); "
                    + "their range is [0, 0], which quantizes with scale 1")
        }
        let table = CalibrationTable(key: key, qdqcVersion: Self.tableWriterVersion, tensors: results)
        if let path = tablePath {
            try table.write(to: path)
            context.remark(
                "calibrate: wrote calibration table \(path) (\(results.count) tensors, \(samples.count) samples)")
        }
        context.session.calibrationTable = table
        return PassResult(
            changed: false, statistics: ["reused-table": 0, "tensors": results.count, "samples": samples.count])
    }

    /// Graph inputs and node outputs of the main graph that may be floating point, except constants.
    static func activations(of graph: Graph) -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        let mayBeFloat = { (value: Value) -> Bool in
            guard let type = value.elementType else { return true }
            return [.float, .float16, .bfloat16, .double].contains(type)
        }
        for value in graph.inputs
        where value.initializer == nil && mayBeFloat(value) && seen.insert(value.name).inserted {
            names.append(value.name)
        }
        for node in graph.nodes where !(node.domain == "" && node.opType == "Constant") {
            for case let value? in node.outputs where !value.name.isEmpty && mayBeFloat(value) {
                if seen.insert(value.name).inserted { names.append(value.name) }
            }
        }
        return names
    }

    /// The key a table must have to be reused: model bytes, method, options, sample count (and the random seed).
    private func runKey(model: Model, source: CalibrationDataSource, sampleCount: Int) throws -> CalibrationRunKey {
        let digest = SHA256Digest.hex(of: try ModelWriter.serialize(model))
        var key = CalibrationRunKey(modelSHA256: digest, configuration: configuration, sampleCount: sampleCount)
        if case .random(let seed, _) = source.origin {
            // Random samples are not the user's data: a table from them must not pass for one from a dataset.
            key.options["random-seed"] = .string(String(seed))
        }
        return key
    }

    /// The table at `path` when it was made by this run (same model bytes, so the same tensors); nil otherwise.
    private func reusableTable(at path: String, key: CalibrationRunKey, context: PassContext) throws
        -> CalibrationTable?
    {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let table = try CalibrationTable.readIfMatching(path: path, key: key) else {
            context.remark(
                "calibrate: calibration table \(path) is for another model, method, options or sample count; "
                    + "calibrating again and replacing it")
            return nil
        }
        return table
    }
}
