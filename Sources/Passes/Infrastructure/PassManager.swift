import OnnxIO
import OnnxIR
import OnnxText

/// Runs a pipeline on a model: each pass, then the verifier, with the requested instrumentation.
///
/// The caller verifies the input (the CLI does when it reads a model); after
/// every pass the `Verifier` checks the IR, so a pass that breaks it is named
/// at once. When a reproducer (or dump) directory is set, a failure also writes a
/// reproducer (`ReproducerWriter`): the IR before the failing pass, the rest of the
/// pipeline and the files it needs. For that the IR is kept as protobuf bytes before each pass.
public struct PassManager {
    /// The pipeline as given.
    public let pipeline: Pipeline
    /// Instrumentation settings.
    public let options: PassManagerOptions
    private let passes: [any Pass]

    /// Creates the passes of `pipeline` from `registry`; an unknown pass or option throws `PipelineError`.
    public init(
        pipeline: Pipeline, registry: PassRegistry = PassRegistry(), options: PassManagerOptions = PassManagerOptions()
    ) throws {
        self.pipeline = pipeline
        self.options = options
        self.passes = try registry.makePasses(pipeline)
    }

    /// Runs every pass in order on `model`, mutating it; stops at the first failure.
    @discardableResult
    public func run(on model: Model, context: PassContext = PassContext()) throws -> PipelineReport {
        let dumper = options.irTreeDirectory.map {
            IRTreeDumper(
                directory: $0, pipeline: pipeline, largeTensorThreshold: options.largeTensorThreshold,
                format: options.irTreeFormat)
        }
        let reproducer = options.effectiveReproducerDirectory.map {
            ReproducerWriter(
                files: ReproducerFiles(directory: $0), pipeline: pipeline,
                largeTensorThreshold: options.largeTensorThreshold)
        }
        try dumper?.prepare()
        try dumper?.dumpInput(model)
        var report = PipelineReport(records: [], verifierDuration: .zero)
        let clock = ContinuousClock()
        for (index, pass) in passes.enumerated() {
            let element = pipeline.elements[index].description
            let snapshot = reproducer.map { _ in Result { try ModelWriter.serialize(model) } }
            let failure = FailureContext(
                pipeline: pipeline, index: index, passes: passes, reproducer: reproducer, snapshot: snapshot,
                context: context)
            let start = clock.now
            let result: PassResult
            do {
                result = try pass.run(on: model, context: context)
            } catch {
                throw failure.error(reason: "\(error)", brokeIR: false)
            }
            let passDuration = start.duration(to: clock.now)
            if result.changed, type(of: pass).subgraphReach == .mainGraphOnly {
                let bodyNodes = model.graph.allNodes().count - model.graph.nodes.count
                if bodyNodes > 0 {
                    context.remark(
                        "\(type(of: pass).argument) works on the main graph only: the \(bodyNodes) nodes in "
                            + "If/Loop/Scan bodies were left as they are")
                }
            }
            let verifyStart = clock.now
            do {
                try Verifier().verify(model)
            } catch {
                throw failure.error(reason: "\(error)", brokeIR: true)
            }
            report.verifierDuration += verifyStart.duration(to: clock.now)
            let record = PassRunRecord(
                element: element, argument: type(of: pass).argument, position: index + 1, changed: result.changed,
                statistics: result.statistics, duration: passDuration)
            report.records.append(record)
            try printIRIfRequested(model, after: record)
            try dumper?.dump(model, after: record)
        }
        if options.passTiming { options.diagnostics.write(PassTimingReport(report: report).text) }
        if options.passStatistics { options.diagnostics.write(PassStatisticsReport(report: report).text) }
        return report
    }

    private func printIRIfRequested(_ model: Model, after record: PassRunRecord) throws {
        guard options.printIRAfterAll || (options.printIRAfterChange && record.changed) else { return }
        let printOptions = TextPrintOptions(largeTensors: .elide, largeTensorThreshold: options.largeTensorThreshold)
        let text: String
        do {
            text = try TextPrinter(options: printOptions).print(model).text
        } catch {
            throw PassManagerError.dumpFailed(path: "<stderr>", reason: IRTreeDumper.oneLine("\(error)"))
        }
        let banner = "# IR after \(record.element) (\(record.changed ? "changed" : "unchanged"))\n"
        options.diagnostics.write(banner + text + (text.hasSuffix("\n") ? "" : "\n"))
    }
}
