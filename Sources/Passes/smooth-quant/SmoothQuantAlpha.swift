/// The migration strength of `smooth-quant`: one alpha for every layer, or a search per layer.
public enum SmoothQuantAlpha: Sendable, Equatable, CustomStringConvertible {
    /// `s_j = max|X_j|^alpha / max|W_j|^(1-alpha)` with this alpha everywhere.
    case fixed(Double)
    /// Per activation, the alpha of `candidates` (or none) whose W8A8 output error is smallest.
    case auto

    /// The alphas `auto` tries: 0.30, 0.35, ..., 1.00 (rounded to two decimals, so they print as written).
    public static let candidates: [Double] = (0...14).map { (30 + 5 * Double($0)) / 100 }

    /// Parses `auto` or a number in [0, 1]; nil for anything else.
    public init?(_ text: String) {
        if text == "auto" {
            self = .auto
            return
        }
        guard let value = Double(text), value.isFinite, (0...1).contains(value) else { return nil }
        self = .fixed(value)
    }

    /// `auto` or the number.
    public var description: String {
        switch self {
        case .auto: return "auto"
        case .fixed(let value): return String(value)
        }
    }
}
