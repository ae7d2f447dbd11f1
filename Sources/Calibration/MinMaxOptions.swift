/// Settings of the min/max method.
public struct MinMaxOptions: Equatable, Sendable {
    /// Report [-m, m] with m the larger magnitude, as ONNX Runtime's `symmetric=True` does.
    public var symmetric: Bool
    /// How batches combine.
    public var averaging: MinMaxAveraging

    /// Creates settings; the defaults are ONNX Runtime's.
    public init(symmetric: Bool = false, averaging: MinMaxAveraging = .none) {
        self.symmetric = symmetric
        self.averaging = averaging
    }

    /// Throws unless the averaging constant lies in [0, 1].
    func validate() throws {
        if case .exponential(let constant) = averaging, !(0...1).contains(constant) {
            throw CalibrationError.invalidOption(
                method: CalibrationMethod.minMax.rawValue, option: "averaging-constant", value: "\(constant)",
                expected: "a number in [0, 1]")
        }
    }
}
