import ArgumentParser
import Calibration
import Passes

/// `--smooth-quant[=ALPHA|auto]`: adds SmoothQuant before calibration.
struct SmoothQuantOptions: ParsableArguments {
    /// The alpha of a bare `--smooth-quant`.
    static let flagAlpha = "0.5"

    @Option(
        name: .customLong("smooth-quant"), defaultAsFlag: flagAlpha, parsing: .next,
        help: ArgumentHelp(
            "Smooth activation outliers into MatMul/Gemm/1x1-Conv weights before calibrating: "
                + "--smooth-quant (alpha 0.5), --smooth-quant=0.8, or --smooth-quant=auto (alpha searched per layer). "
                + "Needs --calib-data.",
            valueName: "alpha"))
    var alphaText: String? = nil

    /// The requested alpha; nil without the flag.
    var alpha: SmoothQuantAlpha? { alphaText.flatMap(SmoothQuantAlpha.init) }

    mutating func validate() throws {
        if let alphaText, SmoothQuantAlpha(alphaText) == nil {
            throw ValidationError("--smooth-quant=\(alphaText): expected a number in [0, 1] or auto")
        }
    }

    /// Inserts `smooth-quant{alpha=...}` into `pipeline` when the flag is given; it needs calibration samples.
    func apply(to pipeline: inout Pipeline, calibrationData: CalibrationDataSource?) throws {
        guard let alpha else { return }
        guard calibrationData != nil else {
            throw ValidationError("--smooth-quant needs calibration samples: --calib-data (or --calib-random)")
        }
        pipeline.insertSmoothQuant(alpha: alpha)
    }

    /// Gives a bare `--smooth-quant` its default alpha when the next argument is not an alpha.
    ///
    /// ArgumentParser would otherwise take that argument (usually the model path) as the value.
    static func attachingDefaultAlpha(to arguments: [String]) -> [String] {
        let optionsEnd = arguments.firstIndex(of: "--") ?? arguments.endIndex
        return arguments.indices.map { index in
            let argument = arguments[index]
            guard argument == "--smooth-quant", index + 1 < optionsEnd else { return argument }
            let next = arguments[index + 1]
            let parserHandlesIt = next.hasPrefix("-") || SmoothQuantAlpha(next) != nil
            return parserHandlesIt ? argument : "\(argument)=\(flagAlpha)"
        }
    }
}
