/// One combination of the accuracy techniques `--tune` chooses among: the calibration method, SmoothQuant,
/// GPTQ rounding of the 8-bit weights, bias correction and cross-layer equalization.
public struct TuningSetting: Sendable, Hashable, Codable {
    /// The calibration method (`--calib-method`): minmax, auto, mse, percentile or entropy.
    public var calibrationMethod: String
    /// SmoothQuant's alpha (`--smooth-quant=ALPHA|auto`); nil without SmoothQuant.
    public var smoothQuant: String?
    /// How weights are rounded (`--weight-method`): rtn, gptq or gptaq.
    public var weightMethod: String
    /// Whether `--bias-correction` is on.
    public var biasCorrection: Bool
    /// Whether `--equalize` is on.
    public var equalize: Bool

    /// Creates a setting.
    public init(
        calibrationMethod: String, smoothQuant: String? = nil, weightMethod: String = "rtn",
        biasCorrection: Bool = false, equalize: Bool = false
    ) {
        self.calibrationMethod = calibrationMethod
        self.smoothQuant = smoothQuant
        self.weightMethod = weightMethod
        self.biasCorrection = biasCorrection
        self.equalize = equalize
    }

    /// The command-line flags that give this setting without `--tune`.
    public var flags: [String] {
        var flags = ["--calib-method", calibrationMethod]
        if let smoothQuant { flags.append("--smooth-quant=\(smoothQuant)") }
        if weightMethod != "rtn" { flags += ["--weight-method", weightMethod] }
        if biasCorrection { flags.append("--bias-correction") }
        if equalize { flags.append("--equalize") }
        return flags
    }

    /// The flags as one line, for messages.
    public var label: String { flags.joined(separator: " ") }
}
