/// A closed interval of real values, [min, max], that a tensor's quantization has to cover.
///
/// Not a `ClosedRange`, because a table read from a file may hold min > max and must be
/// rejected with an error rather than a trap.
public struct CalibrationRange: Equatable, Sendable {
    /// The lower bound.
    public var min: Float
    /// The upper bound.
    public var max: Float

    /// Creates a range; callers keep `min <= max`.
    public init(min: Float, max: Float) {
        self.min = min
        self.max = max
    }

    /// The range [0, 0], reported for a tensor without a single finite value.
    public static let zero = CalibrationRange(min: 0, max: 0)

    /// The larger magnitude of the two bounds.
    public var absMax: Float { Swift.max(Swift.abs(min), Swift.abs(max)) }

    /// Whether both bounds are finite numbers.
    public var isFinite: Bool { min.isFinite && max.isFinite }

    /// The symmetric range [-t, t] clipped to this range, as ONNX Runtime clips its thresholds to the observed values.
    func clipping(symmetricThreshold threshold: Float) -> CalibrationRange {
        CalibrationRange(min: -threshold, max: threshold).clipped(to: self)
    }

    /// This range with each bound moved into `bounds`, so min <= max still holds.
    func clipped(to bounds: CalibrationRange) -> CalibrationRange {
        let clamp = { (value: Float) in Swift.min(Swift.max(value, bounds.min), bounds.max) }
        return CalibrationRange(min: clamp(min), max: clamp(max))
    }
}
