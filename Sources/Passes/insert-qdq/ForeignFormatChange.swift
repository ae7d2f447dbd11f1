import Foundation
import Quantization

/// A pair of the input model (`import-qdq`) moved from its integer format to the 8-bit float format asked for
/// (`--activations float8e4m3fn`, `--weights float8e4m3fn`), over the range its recorded parameters cover.
///
/// Each scale `s` with zero point `z` of a `[qmin, qmax]` grid covers `[s·(qmin − z), s·(qmax − z)]`; the float8
/// scale is `amax / maxFinite` (448 for E4M3FN) with `amax` the larger magnitude of the two ends, so every value
/// the integer pair could give back is inside the float8 grid and nothing new is clipped. The learned or
/// calibrated range is what the model brings; the grid inside it changes, and `measurement` says what that costs.
struct ForeignFormatChange {
    /// The tensor (scoped name).
    let tensor: String
    /// The input model's node the parameters were read from.
    let node: String
    /// The model's parameters.
    let from: QuantParamSet
    /// The float8 parameters that replace them.
    let to: QuantParamSet
    /// What the change costs, once measured (`ForeignFormatChangeMeasurement`); nil until then.
    var measurement: Measurement?
    /// Why it was not measured, when it was not.
    var unmeasured: String?

    /// The SQNR of both grids against the values they stand for.
    struct Measurement {
        /// The model's integer grid, dB (infinite when exact).
        var from: Double
        /// The float8 grid, dB.
        var to: Double
        /// What the values were, e.g. "the float values on 32 calibration samples".
        var against: String

        /// What the change adds: float8 − integer, dB (negative: more noise).
        var change: Double { to - from }
    }

    /// The widest integer grid the change takes: an 8-bit float holds 8 bits, so a 16-bit pair's finer grid
    /// would lose half its bits everywhere in its range.
    static let widestSourceBits = 8

    /// `params` moved to `format` (an 8-bit float) over the same range; throws naming the tensor and the node
    /// when the range does not allow it.
    static func converting(_ params: QuantParamSet, to format: QuantFormat, tensor: String, node: String) throws
        -> ForeignFormatChange
    {
        let what = "insert-qdq: tensor '\(tensor)': the model's \(params.format) pair '\(node)' cannot become \(format)"
        guard let codec = format.float8Codec else {
            throw InsertQDQError("\(what): \(format) is not an 8-bit float format")
        }
        guard let grid = params.format.integerRange() else {
            throw InsertQDQError("\(what): only integer pairs are converted")
        }
        guard params.format.bitWidth <= widestSourceBits else {
            throw InsertQDQError(
                "\(what): its \(params.format.bitWidth)-bit grid (\(grid.count) codes over its range) is finer than "
                    + "\(format)'s 3-bit mantissa anywhere in it (name another format for the tensor in "
                    + "--quant-config, or give --requantize)")
        }
        var scales: [Float] = []
        for (scale, zeroPoint) in zip(params.scales, params.zeroPoints) {
            let low = Double(scale) * Double(grid.lowerBound - zeroPoint)
            let high = Double(scale) * Double(grid.upperBound - zeroPoint)
            let amax = Float(max(low.magnitude, high.magnitude))
            let converted = amax / codec.maxFinite
            guard converted.isNormal else {
                throw InsertQDQError(
                    "\(what): its range ±\(amax) over \(codec.maxFinite) gives scale \(converted), below float32's "
                        + "smallest normal number")
            }
            scales.append(converted)
        }
        let to: QuantParamSet
        do {
            to = try QuantParamSet(
                format: format, granularity: params.granularity, tensorShape: params.tensorShape, scales: scales,
                zeroPoints: Array(repeating: 0, count: scales.count), tensor: tensor)
        } catch let error as QuantizationError {
            throw InsertQDQError("\(what): \(error)")
        }
        return ForeignFormatChange(tensor: tensor, node: node, from: params, to: to)
    }

    /// Whether the integer grid covers one side of zero far more than the other (an asymmetric pair): the float8
    /// grid is symmetric, so part of it goes unused.
    var isLopsided: Bool {
        guard let grid = from.format.integerRange() else { return false }
        return zip(from.scales, from.zeroPoints).contains { _, zeroPoint in
            let below = zeroPoint - grid.lowerBound
            let above = grid.upperBound - zeroPoint
            return min(below, above) * 2 < max(below, above)
        }
    }

    /// What a decision's rule adds for the tensor.
    var note: String {
        var text =
            " (the model's own range, from '\(node)', converted \(from.format) → \(to.format): scale = the "
            + "range's largest magnitude / \(Int(to.format.float8Codec?.maxFinite ?? 0))"
        if isLopsided {
            text += "; the model's range is one-sided, so part of the symmetric \(to.format) grid is unused"
        }
        if let measurement {
            text +=
                "; SQNR against \(measurement.against): \(Self.decibels(measurement.from)) as \(from.format), "
                + "\(Self.decibels(measurement.to)) as \(to.format)"
                + (measurement.change.isFinite ? " (\(Self.signed(measurement.change)))" : "")
        } else if let unmeasured {
            text += "; error not measured: \(unmeasured)"
        }
        return text + ")"
    }

    static func decibels(_ value: Double) -> String {
        value.isFinite ? String(format: "%.2f dB", value) : (value > 0 ? "exact" : "no signal")
    }

    static func signed(_ value: Double) -> String {
        guard value.isFinite else { return value > 0 ? "+inf dB" : "−inf dB" }
        return (value < 0 ? "−" : "+") + String(format: "%.2f dB", value.magnitude)
    }
}
