import Calibration
import Evaluation
import Foundation
import ModelFiles
import OnnxIO
import OnnxIR
import Passes

/// `convert --tune`: converts the model with each setting `TuningSearch` asks for, measures it with a
/// `TuningMeter` on the evaluation samples, and hands back the chosen conversion.
///
/// A setting is the command line with its technique flags replaced, merged into a pipeline exactly as those
/// flags would be, so a combination the flags refuse is refused here too (the trial says why). The pipeline
/// up to its `calibrate` pass (preparation, equalization, SmoothQuant, calibration) depends only on the
/// calibration method, SmoothQuant and equalization: its result (model and session) is kept per pipeline text
/// and reused, so a setting that changes only the weight method or bias correction runs just the passes after
/// `calibrate`.
struct TunedConversion {
    /// The command as the user gave it.
    let command: ConvertCommand
    /// Draws calibration progress.
    let progress: ProgressRenderer

    /// One setting's conversion: the model, the pipeline as run, its records and session.
    struct Conversion {
        var model: Model
        var pipeline: Pipeline
        var report: PipelineReport
        var session: PipelineSession
    }

    /// A pipeline's state after its `calibrate` pass.
    private struct Prefix {
        var model: Data
        var session: PipelineSession
        var report: PipelineReport
    }

    /// The starting setting: the command line's own.
    var start: TuningSetting {
        TuningSetting(
            calibrationMethod: command.calibration.method ?? CalibrationMethod.minMax.rawValue,
            smoothQuant: command.smoothQuant.alpha?.description,
            weightMethod: command.quantization.weightMethod ?? "rtn",
            biasCorrection: command.accuracyRecovery.biasCorrection, equalize: command.accuracyRecovery.equalize)
    }

    /// Searches and returns the chosen conversion with what the search did.
    func run() throws -> (conversion: Conversion, tuning: TuningReport) {
        let float = try ModelFile.read(path: command.model)
        let plan: EvaluationPlan
        do {
            guard
                let made = try EvaluationPlan.make(
                    model: float, evalData: command.reportOptions.evalData,
                    evalSamples: command.reportOptions.evalSamples, calibration: command.calibration.dataSource)
            else { throw TuningError.noHeldBackSamples(note: "no calibration data") }
            plan = made
        } catch let error as TuningError {
            throw CLIError(path: command.model, message: error.description)
        } catch {
            throw CLIError(path: command.reportOptions.evalData ?? command.model, error)
        }
        let meter: TuningMeter
        do {
            meter = try TuningMeter(float: float, floatName: command.model, plan: plan)
        } catch let error as TuningError {
            throw CLIError(path: command.model, message: error.description)
        }
        var prefixes: [String: Prefix] = [:]
        let start = self.start
        let space = TuningSpace(around: start, equalizes: try equalizationRescales())
        let search = TuningSearch(space: space, budget: command.tuning.budget ?? TuningSearch.defaultBudget)
        let quiet = command.quiet
        let outcome = try search.run(
            start: start,
            measure: { setting in
                do {
                    return try convert(setting, prefixes: &prefixes, meter: meter)
                } catch let error where setting != start {
                    // A conversion that fails is no candidate; the user's own setting failing is the run's failure.
                    return .skipped("the conversion failed: \(error)")
                }
            },
            announce: { trial in
                if !quiet { StandardError.write("tune: \(TuningSummary.line(for: trial))\n") }
            })
        return (outcome.chosen, outcome.report)
    }

    /// Converts with `setting` and measures the result; `.skipped` when the flags refuse the combination.
    private func convert(_ setting: TuningSetting, prefixes: inout [String: Prefix], meter: TuningMeter) throws
        -> TuningOutcome<Conversion>
    {
        let pipeline: Pipeline
        do {
            // The checks the changed flags' own groups make, then the merge's.
            var candidate = command.applying(setting)
            try candidate.quantization.validate()
            try candidate.smoothQuant.validate()
            pipeline = try candidate.mergedPipeline()
        } catch {
            return .skipped("\(error)")
        }
        guard let cut = pipeline.elements.firstIndex(where: { $0.passArgument == CalibratePass.argument }) else {
            return .skipped("the pipeline has no calibrate pass")
        }
        let head = Pipeline(Array(pipeline.elements[...cut]))
        if prefixes[head.description] == nil {
            let manager = try PassManager(pipeline: head, options: PassManagerOptions())
            let model = try ModelFile.read(path: command.model)
            let context = self.context(session: PipelineSession())
            let report = try manager.run(on: model, context: context)
            prefixes[head.description] = Prefix(
                model: try ModelWriter.serialize(model), session: context.session, report: report)
        }
        guard let prefix = prefixes[head.description] else { return .skipped("no calibrated model") }
        let model = try ModelReader.read(
            data: prefix.model, path: command.model,
            baseDirectory: URL(fileURLWithPath: command.model).deletingLastPathComponent().path)
        let context = self.context(session: prefix.session.copy())
        let tail = try PassManager(pipeline: pipeline.suffix(from: cut + 1), options: PassManagerOptions())
        let tailReport = try tail.run(on: model, context: context)
        let measurement = try meter.measure(model, name: command.output)
        let report = PipelineReport(
            records: prefix.report.records + tailReport.records,
            verifierDuration: prefix.report.verifierDuration + tailReport.verifierDuration)
        return .measured(
            measurement,
            Conversion(model: model, pipeline: pipeline, report: report, session: context.session))
    }

    /// Whether `--equalize` would rescale anything: false when the pipeline quantizes weights per channel.
    private func equalizationRescales() throws -> Bool {
        var setting = start
        setting.equalize = true
        guard let pipeline = try? command.applying(setting).mergedPipeline() else { return false }
        return !pipeline.elements.contains {
            $0.passArgument == EqualizePass.argument
                && $0.options.contains { $0.key == "per-channel-weights" && $0.value == "true" }
        }
    }

    /// A quiet context on the command's calibration samples with `session`.
    private func context(session: PipelineSession) -> PassContext {
        var context = PassContext(
            progress: progress.update, calibrationData: command.calibration.dataSource, session: session)
        context.sampleWorkers = command.calibration.sampleWorkers
        return context
    }
}
