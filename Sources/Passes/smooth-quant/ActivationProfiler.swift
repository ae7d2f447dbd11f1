import OnnxIR
import OnnxInterpreter

/// Runs the model over the calibration samples and profiles the activations `smooth-quant` smooths.
///
/// Streaming like `CalibrationRunner`: one sample at a time, each watched tensor folded into
/// its profile while the interpreter holds it. Its own loop because the alpha search needs
/// rows of the activations, which an `ObserverSet` does not keep.
struct ActivationProfiler {
    /// Channel axis (from the end) per watched activation.
    let watched: [String: Int]
    /// Rows kept per activation for the alpha search (0 keeps none).
    let rowLimit: Int

    /// Profiles every watched activation over the samples of `source`.
    func profile(model: Model, source: CalibrationDataSource, context: PassContext) throws -> [String:
        ActivationProfile]
    {
        let samples = try CalibrationSamples(model: model, source: source)
        if samples.isRandom {
            context.remark(
                "smooth-quant: measuring activations on \(samples.count) random samples (--calib-random); "
                    + "the smoothing factors mean nothing for accuracy")
        }
        var profiles: [String: ActivationProfile] = [:]
        for (index, name) in watched.keys.sorted().enumerated() {
            // A distinct, fixed seed per activation keeps runs reproducible and rows independent.
            profiles[name] = ActivationProfile(
                axisFromEnd: watched[name] ?? -1, rowLimit: rowLimit, seed: 0x5EED_0000 &+ UInt64(index))
        }
        let interpreter = try Interpreter(model: model)
        for index in 0..<samples.count {
            let sample = try samples.inputs(at: index)
            do {
                _ = try interpreter.run(sample.arrays) { observed in
                    guard observed.depth == 0, profiles[observed.name] != nil else { return }
                    let array = observed.array
                    guard array.dataType == .float else { return }
                    try array.withFloats { values in
                        try profiles[observed.name]?.observe(values, shape: array.shape, tensor: observed.name)
                    }
                }
            } catch let error as InterpreterError {
                throw CalibrationRunError.sampleFailed(sample: sample.name, source: sample.source, reason: "\(error)")
            }
            context.progress(ProgressUpdate(task: "smooth-quant", completed: index + 1, total: samples.count))
        }
        return profiles
    }
}
