import Calibration
import OnnxIR

/// Runs the model over the calibration samples and profiles the activations `smooth-quant` smooths.
///
/// Goes through `CalibrationRunner` like `calibrate`: one sample at a time, each watched float32
/// tensor folded into its profile while the interpreter holds it. Profiles rather than an
/// `ObserverSet` because the alpha search also needs rows of the activations.
struct ActivationProfiler {
    /// Channel axis (from the end) per watched activation.
    let watched: [String: Int]
    /// Rows kept per activation for the alpha search (0 keeps none).
    let rowLimit: Int
    /// The pass that profiles, for progress and remarks.
    var task = SmoothQuantPass.argument

    /// Profiles every watched activation over the samples of `source`.
    func profile(model: Model, source: CalibrationDataSource, context: PassContext) throws -> [String:
        ActivationProfile]
    {
        let samples = try CalibrationSamples(model: model, source: source)
        if samples.isRandom {
            context.remark(
                "\(task): measuring activations on \(samples.count) random samples (--calib-random); "
                    + "what it measures means nothing for accuracy")
        }
        var profiles: [String: ActivationProfile] = [:]
        for (index, name) in watched.keys.sorted().enumerated() {
            // A distinct, fixed seed per activation keeps runs reproducible and rows independent.
            profiles[name] = ActivationProfile(
                axisFromEnd: watched[name] ?? -1, rowLimit: rowLimit, seed: 0x5EED_0000 &+ UInt64(index))
        }
        let runner = CalibrationRunner(samples: samples, task: task, progress: context.progress)
        try runner.run(model: model, watching: { profiles[$0] != nil }) { observed in
            let array = observed.array
            guard array.dataType == .float else { return }
            try array.withFloats { values in try profiles[observed.name]?.observe(values, shape: array.shape) }
        }
        return profiles
    }
}
