/// What one quantized tensor of a switchable model runs as: its 8-bit (or narrower) pair, the same pair widened
/// (an 8-bit activation to 16 bits, `WideQuantization`; a 4-bit weight to 8 bits, `WeightWidening`), or float.
public enum SitePrecision: String, Sendable, Equatable, Codable, Comparable {
    /// The pair as the pipeline wrote it.
    case quantized
    /// The pair widened: an activation's with a 16-bit element type (int16/uint16), a 4-bit weight's as int8.
    case wide
    /// No pair: the float value.
    case float

    /// Cheapest first: quantized, wide, float.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .quantized: return 0
        case .wide: return 1
        case .float: return 2
        }
    }
}
