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
    /// Walks If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.entersSubgraphs
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
        let stateOption = PassOption(
            name: "state", valueSyntax: "<file.json>", defaultValue: "",
            summary: "Write this run's mergeable calibration state (a part for qdqc calib-merge; "
                + "schemas/calibration-state.schema.json) instead of a table.")
        let knownRangeOption = PassOption(
            name: "known-range", valueSyntax: "<table.json>", defaultValue: "",
            summary: "Entropy with grid=known-range: take each tensor's magnitude from this min/max table "
                + "(merged over all shards) instead of a first pass.")
        let methodOptions = Set(CalibrationMethod.allCases.flatMap { ObserverConfiguration.optionNames(for: $0) })
        return [methodOption, tableOption, stateOption, knownRangeOption]
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
    /// Where to write the run's mergeable state (`CalibrationState`); nil writes none.
    public let statePath: String?
    /// The min/max table that gives entropy's known-range grid its magnitudes; nil runs a first pass.
    public let knownRangePath: String?

    /// Creates the pass; an option the chosen method does not take is an error.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        let method = try reader.choice("method", in: CalibrationMethod.allCases.map(\.rawValue))
        var methodOptions = options
        methodOptions["method"] = nil
        for name in ["table", "state", "known-range"] { methodOptions[name] = nil }
        let table = try reader.string("table")
        tablePath = table.isEmpty ? nil : table
        let state = try reader.string("state")
        statePath = state.isEmpty ? nil : state
        let knownRange = try reader.string("known-range")
        knownRangePath = knownRange.isEmpty ? nil : knownRange
        configuration = try ObserverConfiguration(method: method, options: methodOptions)
        if statePath != nil {
            guard tablePath == nil else {
                throw PassError.invalidOptionValue(
                    pass: Self.argument, option: "state", value: state,
                    expected: "no table= beside it (a part is not a table)")
            }
            try configuration.checkMergeable()
        }
        if knownRangePath != nil, !configuration.needsKnownRange {
            throw PassError.invalidOptionValue(
                pass: Self.argument, option: "known-range", value: knownRange,
                expected: "only with method=entropy and grid=known-range")
        }
    }

    /// Calibrates (or reuses a matching table) and stores the table in the session.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        guard let source = context.calibrationData else {
            guard statePath == nil, let path = tablePath else {
                throw CalibrationRunError.noCalibrationData(pass: Self.argument)
            }
            return try useTableWithoutSamples(at: path, model: model, context: context)
        }
        let watched = try Self.activations(of: model.graph)
        let samples = try CalibrationSamples(model: model, source: source)
        let key = try runKey(model: model, source: source, sampleCount: samples.count)
        let tablePath = statePath == nil ? self.tablePath ?? source.tablePath : nil
        if let path = tablePath, let table = try reusableTable(at: path, key: key, context: context) {
            context.session.calibrationTable = table
            context.remark(
                "calibrate: reusing calibration table \(path) (\(key.method.rawValue), \(samples.count) samples, "
                    + "\(table.tensors.count) tensors); the model was not run")
            return PassResult(changed: false, statistics: ["reused-table": 1, "tensors": table.tensors.count])
        }
        let observers = try ObserverSet(configuration: configuration)
        let magnitudes = try knownMagnitudes(modelSHA256: key.modelSHA256)
        for tensor in watched {
            // A tensor the min/max run never saw (or never finitely) gets magnitude 0, as after a first pass.
            try observers.watch(tensor, knownAbsMax: magnitudes.map { $0[tensor] ?? 0 })
        }
        if samples.isRandom {
            context.remark(
                "\(Self.argument): calibrating on \(samples.count) random samples (--calib-random); "
                    + "the scales are meaningless for accuracy")
        }
        var runner = CalibrationRunner(samples: samples, task: Self.argument, progress: context.progress)
        runner.workers = context.sampleWorkers
        try runner.observe(model: model, observers: observers)
        // Tensors that never reached an observer (not floating point at run time) get no entry,
        // so no later pass quantizes them with a meaningless [0, 0] range.
        if let path = statePath {
            // The part keeps tensors with no batch too, so parts of one model always watch the same tensors.
            let state = try CalibrationState(
                key: key, qdqcVersion: Self.tableWriterVersion, tensors: observers.states())
            try state.write(to: path)
            context.remark(
                "calibrate: wrote calibration state \(path) (\(state.tensors.count) tensors, \(samples.count) samples)")
        }
        let results = try observers.results().filter { $0.value.counts.batches > 0 }
        Self.remarkNeverRan(watched: watched, observed: Set(results.keys), context: context)
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
        var statistics = ["reused-table": 0, "tensors": results.count, "samples": samples.count]
        if configuration.method == .auto {
            // Which range auto kept, per method: the report and --pass-statistics show what it did.
            for method in CalibrationMethod.allCases where method != .auto {
                statistics["auto-\(method.rawValue)"] = results.values.filter { $0.autoChoice == method }.count
            }
        }
        return PassResult(changed: false, statistics: statistics)
    }

    /// Graph inputs and node outputs of the main graph that may be floating point, except constants.
    /// The tensors calibration watches: float graph inputs and node outputs of the main graph and, under their
    /// scoped names (`ScopedValueNames`), of every If/Loop/Scan body, nested ones included.
    static func activations(of graph: Graph) throws -> [String] {
        let scoped = try ScopedValueNames(graph: graph)
        var names: [String] = []
        var seen = Set<String>()
        let mayBeFloat = { (value: Value) -> Bool in
            guard let type = value.elementType else { return true }
            return [.float, .float16, .bfloat16, .double].contains(type)
        }
        func collect(_ graph: Graph) {
            for value in graph.inputs where value.initializer == nil && mayBeFloat(value) {
                let name = scoped.name(of: value)
                if seen.insert(name).inserted { names.append(name) }
            }
            for node in graph.nodes {
                if !(node.domain == "" && node.opType == "Constant") {
                    for case let value? in node.outputs where !value.name.isEmpty && mayBeFloat(value) {
                        let name = scoped.name(of: value)
                        if seen.insert(name).inserted { names.append(name) }
                    }
                }
                for body in node.subgraphs { collect(body) }
            }
        }
        collect(graph)
        return names
    }

    /// Says which watched body values no sample reached (an If branch no sample took, a loop that never ran).
    private static func remarkNeverRan(watched: [String], observed: Set<String>, context: PassContext) {
        let missing = watched.filter { ScopedValueNames.isBodyValueName($0) && !observed.contains($0) }
        guard !missing.isEmpty else { return }
        let shown = missing.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
        context.remark(
            "calibrate: \(missing.count) value(s) in If/Loop/Scan bodies never ran on the calibration samples "
                + "(\(shown)\(missing.count > 5 ? ", ..." : "")); insert-qdq leaves them in float")
    }

    /// The key a table must have to be reused: model bytes, method, options, sample count (and the random seed).
    private func runKey(model: Model, source: CalibrationDataSource?, sampleCount: Int) throws -> CalibrationRunKey {
        // Streamed: the serialized model of a large external-data model is never held whole.
        let digest = try SHA256Digest.hex { try ModelWriter.serialize(model, to: $0) }
        var key = CalibrationRunKey(modelSHA256: digest, configuration: configuration, sampleCount: sampleCount)
        if case .random(let seed, _)? = source?.origin {
            // Random samples are not the user's data: a table from them must not pass for one from a dataset.
            key.options["random-seed"] = .string(String(seed))
        }
        return key
    }

    /// Each tensor's largest finite magnitude from the `known-range` table, which must be a min/max table
    /// (without averaging) of this model; nil without the option.
    private func knownMagnitudes(modelSHA256: String) throws -> [String: Float]? {
        guard let path = knownRangePath else { return nil }
        let table = try CalibrationTable.read(path: path)
        guard table.method == .minMax, table.options["averaging"] == .string(MinMaxAveraging.none.name) else {
            throw CalibrationError.table(
                path: path,
                reason: "known-range needs a minmax table without averaging, this one is \(table.method.rawValue)")
        }
        guard table.modelSHA256 == modelSHA256 else {
            throw CalibrationError.table(path: path, reason: "made for another model (its sha256 differs)")
        }
        return table.tensors.mapValues { $0.observed.absMax }
    }

    /// Without samples, `table=` names a table to use as is: it must be for this model, method and options
    /// (any sample count: a table merged from shards is one), since nothing could replace it.
    private func useTableWithoutSamples(at path: String, model: Model, context: PassContext) throws -> PassResult {
        let table = try CalibrationTable.read(path: path)
        var key = try runKey(model: model, source: nil, sampleCount: table.sampleCount)
        key.options["random-seed"] = table.options["random-seed"]
        guard table.matches(key) else {
            let reason =
                table.modelSHA256 != key.modelSHA256
                ? "made for another model (or another preparation of it: its sha256 differs)"
                : "made with method \(table.method.rawValue) and other options than this run's"
            throw CalibrationError.table(
                path: path, reason: "\(reason); without --calib-data it cannot be made again")
        }
        context.session.calibrationTable = table
        context.remark(
            "calibrate: using calibration table \(path) (\(table.method.rawValue), \(table.sampleCount) samples, "
                + "\(table.tensors.count) tensors); no calibration data was given")
        return PassResult(changed: false, statistics: ["reused-table": 1, "tensors": table.tensors.count])
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
