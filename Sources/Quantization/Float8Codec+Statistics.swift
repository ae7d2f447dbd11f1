extension Float8Codec {
    /// The population standard deviation of every finite value of the format (±0 included), in float32.
    ///
    /// ONNX Runtime divides a tensor's standard deviation by this to get a float8 scale.
    public var standardDeviationOfFiniteValues: Float {
        let values = (0...255).map { decode(UInt8($0)) }.filter(\.isFinite).map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return Float(variance.squareRoot())
    }
}
