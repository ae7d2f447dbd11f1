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

    /// The space around `start`; `equalizes` is false when `--equalize` would change nothing.
    public init(around start: TuningSetting, equalizes: Bool) {
        calibrationMethods = Self.adding(start.calibrationMethod, to: Self.defaultCalibrationMethods)
        smoothQuant = [nil, "auto"]
        if let alpha = start.smoothQuant, alpha != "auto" { smoothQuant.append(alpha) }
        weightMethods = Self.adding(start.weightMethod, to: ["rtn", "gptq"])
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
        var result: [TuningSetting] = []
        for method in calibrationMethods where method != setting.calibrationMethod {
            var next = setting
            next.calibrationMethod = method
            result.append(next)
        }
        for alpha in smoothQuant where alpha != setting.smoothQuant {
            var next = setting
            next.smoothQuant = alpha
            result.append(next)
        }
        for method in weightMethods where method != setting.weightMethod {
            var next = setting
            next.weightMethod = method
            result.append(next)
        }
        for on in biasCorrection where on != setting.biasCorrection {
            var next = setting
            next.biasCorrection = on
            result.append(next)
        }
        for on in equalize where on != setting.equalize {
            var next = setting
            next.equalize = on
            result.append(next)
        }
        return result
    }

    private static func adding(_ value: String, to list: [String]) -> [String] {
        list.contains(value) ? list : list + [value]
    }
}
