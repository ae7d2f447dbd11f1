/// The values `--tune` tries for each technique, and a setting's neighbours: the settings that differ from it
/// in one technique.
public struct TuningSpace: Sendable, Equatable {
    /// Calibration methods, in the order they are tried.
    public var calibrationMethods: [String]
    /// SmoothQuant off (nil) or its alphas.
    public var smoothQuant: [String?]
    /// Weight rounding methods.
    public var weightMethods: [String]
    /// Bias correction off and on.
    public var biasCorrection: [Bool]
    /// Equalization off and on; just off where it would rescale nothing (per-channel weights).
    public var equalize: [Bool]

    /// The default methods: entropy is left out (its KL search clips the tails that carry the answer on the
    /// models measured, docs/calibration.md); `start`'s own values are added where they are not among these.
    public static let defaultCalibrationMethods = ["minmax", "auto", "mse", "percentile"]

    /// The default weight methods: GPTQ for the quantized input (gptaq) rather than plain GPTQ, which it matched
    /// or beat on every shared model (docs/benchmarks.md); `start`'s own method is added where it is not one of these.
    public static let defaultWeightMethods = ["rtn", "gptaq"]

    /// The space around `start`; `equalizes` is false when `--equalize` would change nothing.
    public init(around start: TuningSetting, equalizes: Bool) {
        calibrationMethods = Self.adding(start.calibrationMethod, to: Self.defaultCalibrationMethods)
        smoothQuant = [nil, "auto"]
        if let alpha = start.smoothQuant, alpha != "auto" { smoothQuant.append(alpha) }
        weightMethods = Self.adding(start.weightMethod, to: Self.defaultWeightMethods)
        biasCorrection = [false, true]
        equalize = equalizes || start.equalize ? [false, true] : [false]
    }

    /// Creates a space from explicit value lists.
    public init(
        calibrationMethods: [String], smoothQuant: [String?], weightMethods: [String], biasCorrection: [Bool],
        equalize: [Bool]
    ) {
        self.calibrationMethods = calibrationMethods
        self.smoothQuant = smoothQuant
        self.weightMethods = weightMethods
        self.biasCorrection = biasCorrection
        self.equalize = equalize
    }

    /// Every setting that differs from `setting` in exactly one technique, in a fixed order: calibration
    /// method, SmoothQuant, weight method, bias correction, equalization, each in its list's order.
    public func neighbours(of setting: TuningSetting) -> [TuningSetting] {
        Self.varying(setting, \.calibrationMethod, over: calibrationMethods)
            + Self.varying(setting, \.smoothQuant, over: smoothQuant)
            + Self.varying(setting, \.weightMethod, over: weightMethods)
            + Self.varying(setting, \.biasCorrection, over: biasCorrection)
            + Self.varying(setting, \.equalize, over: equalize)
    }

    /// `setting` with the technique at `keyPath` set to each of `values` but its own.
    private static func varying<Value: Equatable>(
        _ setting: TuningSetting, _ keyPath: WritableKeyPath<TuningSetting, Value>, over values: [Value]
    ) -> [TuningSetting] {
        values.filter { $0 != setting[keyPath: keyPath] }.map { value in
            var next = setting
            next[keyPath: keyPath] = value
            return next
        }
    }

    private static func adding(_ value: String, to list: [String]) -> [String] {
        list.contains(value) ? list : list + [value]
    }
}
