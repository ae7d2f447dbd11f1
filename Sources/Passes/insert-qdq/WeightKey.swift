import Quantization

/// Identifies one quantized copy of a constant: the same value quantized the same way is shared.
struct WeightKey: Hashable {
    /// The constant value.
    let value: ObjectIdentifier
    /// Its scheme.
    let scheme: QuantScheme
    /// Its granularity.
    let granularity: QuantGranularity
}
