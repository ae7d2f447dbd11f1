import Calibration
import OnnxIR
import OnnxInterpreter

/// Runs a model over calibration samples and feeds the tensors an `ObserverSet` watches to it.
///
/// Streaming: each sample is read, run and dropped before the next, and each watched tensor is
/// folded into its observer while the interpreter still holds it, so memory depends on the
/// number of watched tensors, never on the number of samples. Used by `calibrate` (every
/// activation).
public enum CalibrationRunner {
    /// Runs `model` over `samples` and feeds every float tensor `observers` watches.
    ///
    /// When the observers need each tensor's magnitude in advance (entropy on the `known-range`
    /// grid: `ObserverConfiguration.needsKnownRange`), a first min/max pass over the same
    /// samples gives it, then the tensors waiting for it (`tensorsAwaitingKnownRange`) are
    /// watched with it and a second pass runs. Progress goes to `context.progress` under `task`,
    /// counting samples over both passes.
    public static func observe(
        model: Model, samples: CalibrationSamples, observers: ObserverSet, context: PassContext, task: String
    ) throws {
        if samples.isRandom {
            context.remark(
                "\(task): calibrating on \(samples.count) random samples (--calib-random); "
                    + "the scales are meaningless for accuracy")
        }
        let interpreter = try Interpreter(model: model)
        let awaiting = observers.tensorsAwaitingKnownRange
        let passes = awaiting.isEmpty ? 1 : 2
        var progress = ProgressCounter(task: task, total: samples.count * passes, context: context)
        if !awaiting.isEmpty {
            let extremes = try ObserverSet(configuration: .minMax(MinMaxOptions()))
            for tensor in awaiting { try extremes.watch(tensor) }
            try run(interpreter, over: samples, feeding: extremes, progress: &progress)
            let ranges = try extremes.results()
            for tensor in awaiting {
                // A tensor the model never produced (or never finitely) gets the documented [0, 0] range.
                try observers.watch(tensor, knownAbsMax: ranges[tensor]?.range.absMax ?? 0)
            }
        }
        try run(interpreter, over: samples, feeding: observers, progress: &progress)
    }

    private static func run(
        _ interpreter: Interpreter, over samples: CalibrationSamples, feeding observers: ObserverSet,
        progress: inout ProgressCounter
    ) throws {
        for index in 0..<samples.count {
            let sample = try samples.inputs(at: index)
            do {
                _ = try interpreter.run(sample.arrays) { observed in
                    guard observed.depth == 0, observers.isWatching(observed.name) else { return }
                    try feed(observed, to: observers)
                }
            } catch let error as CalibrationError {
                throw CalibrationRunError.sampleFailed(
                    sample: sample.name, source: sample.source, reason: error.description)
            } catch let error as InterpreterError {
                throw CalibrationRunError.sampleFailed(
                    sample: sample.name, source: sample.source, reason: "\(error)")
            }
            progress.advance()
        }
    }

    /// Hands one produced tensor to its observers; tensors that are not floating point are not calibrated.
    private static func feed(_ observed: ObservedTensor, to observers: ObserverSet) throws {
        let array = observed.array
        switch array.dataType {
        case .float:
            try array.withFloats { try observers.observe(observed.name, values: $0, shape: array.shape) }
        case .float16, .bfloat16, .double:
            let values = try array.floatValues()
            try values.withUnsafeBufferPointer { try observers.observe(observed.name, values: $0, shape: array.shape) }
        default:
            return
        }
    }
}
