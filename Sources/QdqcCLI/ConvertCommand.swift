import ArgumentParser
import Evaluation
import Foundation
import ModelFiles
import OnnxIO
import Passes

/// `qdqc convert MODEL -o OUT`: reads a model, runs a pipeline, writes the result.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Run a pass pipeline on a model and write the result (the default command).",
        discussion: """
            Without --passes the default pipeline runs: \(DefaultPipeline.text)
            With --activations none (weight-only): \(DefaultPipeline.weightOnlyText)
            With --activation-scales dynamic-per-token or dynamic-per-tensor: \(DefaultPipeline.dynamicText)
            With --activations none --weights none: \(DefaultPipeline.floatText)
            --kv-cache appends quantize-kv-cache to whichever pipeline runs.
            The output is written atomically; on any error no output file is left behind.
            """)

    @Argument(help: ArgumentHelp("The model to read (.onnx, or ONNX text .onnxtxt).", valueName: "model"))
    var model: String

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp(
            "Where to write the model (may equal MODEL); a .onnxtxt path gets ONNX text. Without it the "
                + "pipeline runs and nothing is written (as when rerunning a reproducer).",
            valueName: "out"))
    var outputPath: String?

    @Option(
        help: ArgumentHelp(
            "The pass pipeline, e.g. 'eliminate-dead-code,topological-sort'; '' runs no pass.",
            valueName: "pipeline"))
    var passes: String?

    @Option(
        name: .customLong("external-data"),
        help: ArgumentHelp(
            "Store large tensors in this file, relative to the output model's folder.", valueName: "file"))
    var externalData: String?

    @Option(
        name: .customLong("external-data-threshold"),
        help: ArgumentHelp(
            "Tensors of at least this many bytes go to the external-data file (default 1024).",
            valueName: "bytes"))
    var externalDataThreshold: Int?

    @Flag(
        name: .customLong("no-spill"),
        help: ArgumentHelp(
            "Keep the tensors passes make in memory until the output is written (by default, when the model has "
                + "external data, they go to a temporary unnamed file in the output's folder)."))
    var noSpill = false

    @OptionGroup var instrumentation: InstrumentationOptions

    @OptionGroup var reportOptions: ReportOptions

    @OptionGroup var gate: AccuracyGateOptions

    @OptionGroup var calibration: CalibrationOptions

    @OptionGroup var calibrationCache: CalibrationCacheOptions

    @OptionGroup var quantization: QuantizationOptions

    @OptionGroup var smoothQuant: SmoothQuantOptions
    @OptionGroup var outlierChannels: OutlierChannelOptions

    @OptionGroup var accuracyRecovery: AccuracyRecoveryOptions

    @OptionGroup var kvCache: KVCacheOptions

    @OptionGroup var tuning: TuningOptions

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    mutating func validate() throws {
        if outputPath?.isEmpty == true { throw ValidationError("-o/--output must not be empty") }
        if reportOptions.path?.isEmpty == true { throw ValidationError("--report must not be empty") }
        if let externalData, let problem = RelativePath.problem(with: externalData) {
            throw ValidationError("--external-data '\(externalData)' \(problem)")
        }
        if let externalDataThreshold {
            guard externalData != nil else { throw ValidationError("--external-data-threshold needs --external-data") }
            guard !outputFile.isText else {
                throw ValidationError(
                    "--external-data-threshold applies to .onnx output; text output inlines small tensors")
            }
            guard externalDataThreshold >= 0 else { throw ValidationError("--external-data-threshold must be >= 0") }
        }
        if outputPath == nil {
            let needing = [
                ("--external-data", externalData != nil), ("--report", reportOptions.path != nil),
                ("--min-sqnr", gate.minSQNR != nil), ("--max-drop", gate.maxDrop != nil),
                ("--perplexity", gate.perplexity.tokens != nil), ("--sensitivity", reportOptions.sensitivity),
                ("--tune", tuning.tune),
            ]
            if let flag = needing.first(where: \.1)?.0 { throw ValidationError("\(flag) needs -o/--output") }
        }
        if let method = quantization.weightMethod, method != "rtn", calibration.dataSource == nil {
            throw ValidationError(
                "--weight-method \(method) measures the layers' inputs: give --calib-data (or --calib-random)")
        }
        if quantization.keepsFloat, kvCache.format == nil {
            throw ValidationError(
                "--activations none --weights none quantize nothing: add --kv-cache int8|float8e4m3fn")
        }
        try calibrationCache.validate(calibration: calibration)
        let pipeline = try mergedPipeline()
        if tuning.tune { try validateTuning(pipeline) }
    }

    /// The combinations `--tune` refuses: it converts many times with static activations and calibration.
    private func validateTuning(_ pipeline: Pipeline) throws {
        if quantization.isWeightOnly || quantization.isDynamic || quantization.keepsFloat {
            throw ValidationError(
                "--tune chooses among the techniques of static activation quantization: not with --activations "
                    + "none or --activation-scales dynamic-*")
        }
        guard calibration.dataSource != nil else {
            throw ValidationError("--tune calibrates every setting it tries: give --calib-data (or --calib-random)")
        }
        if calibration.table != nil {
            throw ValidationError("--tune calibrates every setting anew: drop --calib-table")
        }
        if instrumentation.isActive {
            throw ValidationError(
                "--tune runs many pipelines: --print-ir-*, --reproducer, --pass-timing and --pass-statistics "
                    + "do not apply to it (convert again with the chosen flags the report gives)")
        }
        guard pipeline.contains(pass: CalibratePass.argument), pipeline.contains(pass: InsertQDQPass.argument) else {
            throw ValidationError("--tune needs a pipeline with calibrate and insert-qdq (the default has both)")
        }
    }

    /// This command with `setting`'s technique flags in place of its own (for `--tune`).
    func applying(_ setting: TuningSetting) -> ConvertCommand {
        var copy = self
        copy.calibration.method = setting.calibrationMethod
        copy.smoothQuant.alphaText = setting.smoothQuant
        copy.quantization.weightMethod = setting.weightMethod
        copy.accuracyRecovery.biasCorrection = setting.biasCorrection
        copy.accuracyRecovery.equalize = setting.equalize
        return copy
    }

    func run() throws {
        let pipeline = try mergedPipeline()
        // Every file this run writes, checked before any work: nothing is written unless all can be.
        for path in [outputPath, reportOptions.path].compactMap({ $0 }) { try OutputDestination.check(path) }
        let modelPath = model
        let progress = ProgressRenderer(quiet: quiet)
        defer { progress.finish() }
        let conversion: TunedConversion.Conversion
        var spill: TensorSpillFile?
        var tuningReport: TuningReport?
        if tuning.tune {
            let tuned: (conversion: TunedConversion.Conversion, tuning: TuningReport)
            do {
                tuned = try TunedConversion(command: self, progress: progress).run()
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError(path: model, error)
            }
            conversion = tuned.conversion
            tuningReport = tuned.tuning
            if !quiet {
                for line in TuningSummary.lines(for: tuned.tuning) { StandardError.write("tune: \(line)\n") }
            }
        } else {
            let loaded = try ModelFile.read(path: model)
            spill = noSpill ? nil : TensorSpillFile.attach(to: loaded, outputPath: outputPath)
            let manager = try PassManager(pipeline: pipeline, options: instrumentation.managerOptions)
            let context = PassContext.commandLine(
                model: model, quiet: quiet, progress: progress, calibration: calibration)
            try calibrationCache.load(into: context.session)
            let report: PipelineReport
            do {
                report = try manager.run(on: loaded, context: context)
            } catch PassManagerError.dumpFailed(let path, let reason) {
                throw CLIError(path: path, message: "cannot write IR dump: \(reason)")
            } catch {
                throw CLIError(path: model, error)
            }
            conversion = TunedConversion.Conversion(
                model: loaded, pipeline: pipeline, report: report, session: context.session)
        }
        let loaded = conversion.model
        let report = conversion.report
        try calibrationCache.write(from: conversion.session)
        let changed = report.records.filter(\.changed).count
        guard outputPath != nil else {
            if !quiet {
                StandardError.write(
                    "\(report.records.count) passes run, \(changed) changed the model; nothing written (no -o)\n")
            }
            return
        }
        var audited = AuditedConversion(
            inputPath: model, outputPath: output, quantized: loaded,
            readFloat: { try ModelFile.read(path: modelPath) },
            writeQuantized: { [self] path in _ = try modelOutput(at: path).write(loaded) },
            pipeline: conversion.pipeline, pipelineReport: report, session: conversion.session,
            calibrationData: calibration.dataSource, commandLine: Array(CommandLine.arguments.dropFirst()),
            qdqcVersion: QdqcVersion.current)
        audited.tuning = tuningReport
        let audit = ConversionAudit(
            reportPath: reportOptions.path, evalData: reportOptions.evalData, evalSamples: reportOptions.evalSamples,
            gate: gate.settings, perplexity: gate.perplexity.settings, sensitivity: reportOptions.sensitivity)
        let verdict = try audit.run(audited)
        if !quiet, let mixed = verdict.mixedPrecision {
            for line in MixedPrecisionSummary(report: mixed).lines { StandardError.write("mixed precision: \(line)\n") }
        }
        if !quiet, let evaluation = verdict.evaluation {
            for output in evaluation.outputs {
                StandardError.write(
                    "accuracy: output '\(output.output)': SQNR \(String(format: "%.2f", output.sqnr)) dB, cosine "
                        + "\(String(format: "%.6f", output.cosine)), max abs error "
                        + "\(String(format: "%.4g", output.maxAbsError))"
                        + (output.brokenElements.map {
                            ", \($0) element(s) NaN or infinite where the float model's are finite"
                        } ?? "") + " (\(evaluation.source))\n")
            }
            if let perplexity = evaluation.perplexity {
                StandardError.write("accuracy: \(perplexity.summary) (\(evaluation.source))\n")
            }
            if let sensitivity = evaluation.sensitivity {
                // With a report to hold them all, standard error shows only the most sensitive tensors.
                let table = SensitivityTable(
                    report: sensitivity, limit: reportOptions.path == nil ? nil : Self.sensitivityRowsPrinted)
                for line in table.text.split(separator: "\n") { StandardError.write("sensitivity: \(line)\n") }
            }
        }
        guard verdict.writeOutput else { return try verdict.finish(outputWritten: false) }
        let notes: [String]
        do {
            notes = try outputFile.write(loaded)
        } catch {
            throw CLIError(path: output, error)
        }
        if !quiet {
            if let failure = spill?.failure {
                StandardError.write("note: \(output): new tensors stayed in memory after a spill failure: \(failure)\n")
            }
            for note in notes + RuntimeCaveats.notes(for: loaded) { StandardError.write("note: \(output): \(note)\n") }
            StandardError.write(
                "wrote \(output) (\(report.records.count) passes run, \(changed) changed the model)\n")
        }
        try verdict.finish(outputWritten: true)
    }

    /// How many tensors' sensitivity standard error shows when the report holds them all.
    static let sensitivityRowsPrinted = 10

    /// The pipeline this run executes: `--passes` (or the default) with every flag merged in.
    ///
    /// `validate()` calls it, so a bad pipeline, a flag without a pass to act on and a bad option value
    /// a flag sets are all usage errors (exit status 64), caught before the model is read.
    func mergedPipeline() throws -> Pipeline {
        let registry = PassRegistry()
        var pipeline: Pipeline
        do {
            pipeline = try Pipeline.parse(pipelineText)
            _ = try registry.makePasses(pipeline)
        } catch {
            throw ValidationError("--passes: \(error)")
        }
        try calibration.apply(to: &pipeline)
        calibrationCache.apply(to: &pipeline)
        try smoothQuant.apply(to: &pipeline, calibrationData: calibration.dataSource)
        try outlierChannels.apply(to: &pipeline, calibrationData: calibration.dataSource)
        try quantization.apply(to: &pipeline)
        try quantization.applyWeightRounding(to: &pipeline)
        quantization.applyAutoCalibrationScheme(to: &pipeline)
        try accuracyRecovery.apply(to: &pipeline, calibrationData: calibration.dataSource)
        try kvCache.apply(to: &pipeline, calibrationData: calibration.dataSource)
        do {
            try pipeline.raiseOpsetForInsertQDQ(registry: registry)
            _ = try registry.makePasses(pipeline)
        } catch {
            // The text alone was fine, so a flag set the bad value: a column in --passes would mislead.
            throw ValidationError((error as? PipelineError)?.message ?? "\(error)")
        }
        return pipeline
    }

    private var pipelineText: String {
        if passes == nil, quantization.keepsFloat { return DefaultPipeline.floatText }
        return passes
            ?? (quantization.isWeightOnly
                ? DefaultPipeline.weightOnlyText
                : quantization.isDynamic ? DefaultPipeline.dynamicText : DefaultPipeline.text)
    }

    /// The output path; `validate()` makes sure it is given whenever the report or the gate needs it.
    var output: String { outputPath ?? "" }

    private var outputFile: ModelFileWriter { modelOutput(at: output) }

    /// How this command writes a model to `path`: the output's format and external-data settings.
    func modelOutput(at path: String) -> ModelFileWriter {
        ModelFileWriter(path: path, externalData: externalData, externalDataThreshold: externalDataThreshold)
    }
}
