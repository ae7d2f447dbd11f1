import ArgumentParser
import Calibration
import ModelFiles
import Passes

/// `qdqc calibrate MODEL --calib-data SHARD -o PART`: calibrates on one shard of the samples and writes a mergeable part.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Calibrate on one shard of the samples and write a mergeable calibration state (a part).",
        discussion: """
            Runs the default pipeline up to its calibrate pass (\(DefaultPipeline.calibrationText)) with \
            calibrate{state=PART}. 'qdqc calib-merge PART... -o TABLE' merges the parts of all shards, in any \
            order, into the table one process over all the samples writes; 'qdqc MODEL -o OUT --calib-table TABLE' \
            then uses it. Entropy with grid=known-range takes two phases: merge minmax parts first and pass that \
            table as --calib-known-range. See docs/calibration.md, "Sharded calibration".
            """)

    @Argument(help: ArgumentHelp("The model to read (.onnx, or ONNX text .onnxtxt).", valueName: "model"))
    var model: String

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("Where to write the part (JSON, schemas/calibration-state.schema.json).", valueName: "part"))
    var outputPath: String

    @Option(
        name: .customLong("calib-known-range"),
        help: ArgumentHelp(
            "Entropy with grid=known-range: the minmax table, merged over all shards, that gives each tensor's "
                + "magnitude.",
            valueName: "table"))
    var knownRange: String?

    @OptionGroup var calibration: CalibrationOptions

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    mutating func validate() throws {
        if outputPath.isEmpty { throw ValidationError("-o/--output must not be empty") }
        if calibration.table != nil {
            throw ValidationError("--calib-table does not apply to calibrate, which writes a part: use -o")
        }
        if calibration.dataSource == nil {
            throw ValidationError("calibrate needs its shard of samples: --calib-data (or --calib-random)")
        }
        _ = try pipeline()
    }

    func run() throws {
        try OutputDestination.check(outputPath)
        let loaded = try ModelFile.read(path: model)
        let manager = try PassManager(pipeline: try pipeline())
        let progress = ProgressRenderer(quiet: quiet)
        defer { progress.finish() }
        let context = PassContext.commandLine(
            model: model, quiet: quiet, progress: progress, calibration: calibration)
        do {
            _ = try manager.run(on: loaded, context: context)
        } catch CalibrationError.table(let path, let reason) {
            throw CLIError(path: path, message: reason)
        } catch {
            throw CLIError(path: model, error)
        }
    }

    /// The preparation passes and `calibrate{state=PART}` with the method flags merged in.
    private func pipeline() throws -> Pipeline {
        var pipeline = try Pipeline.parse(DefaultPipeline.calibrationText)
        try calibration.apply(to: &pipeline)
        _ = pipeline.setOption("state", to: outputPath, forPass: CalibratePass.argument)
        if let knownRange { _ = pipeline.setOption("known-range", to: knownRange, forPass: CalibratePass.argument) }
        do {
            _ = try PassRegistry().makePasses(pipeline)
        } catch {
            throw ValidationError((error as? PipelineError)?.message ?? "\(error)")
        }
        return pipeline
    }
}
