/// What one quantized tensor of a switchable model runs as: its 8-bit (or narrower) pair, the same tensor as
/// FP8 E4M3 (`Float8Step`), the pair widened (an 8-bit activation to 16 bits, `WideQuantization`; a 4-bit weight
/// to 8 bits, `WeightWidening`), or float.
public enum SitePrecision: String, Sendable, Equatable, Codable, Comparable {
    /// The pair as the pipeline wrote it.
    case quantized
    /// An int8/uint8 pair as FP8 E4M3 over the same range: still 8 bits, but a relative grid.
    case float8
    /// The pair widened: an activation's with a 16-bit element type (int16/uint16), a 4-bit weight's as int8.
    case wide
    /// No pair: the float value.
    case float

    /// Cheapest first: quantized, float8, wide, float.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    /// Whether the site reads a quantized value (its own pair or the FP8 one).
    var isEightBit: Bool { self == .quantized || self == .float8 }

    private var rank: Int {
        switch self {
        case .quantized: return 0
        case .float8: return 1
        case .wide: return 2
        case .float: return 3
        }
    }
}
