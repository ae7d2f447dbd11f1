import Foundation

/// The smoothing factors `s_j = max|X_j|^alpha / max|W_j|^(1-alpha)`, guarded.
enum SmoothingScales {
    /// Factors are clamped to `[1/limit, limit]`, so one extreme channel cannot push a weight row or an
    /// activation channel to overflow or to nothing.
    static let limit: Double = 1e4

    /// One factor per channel; a channel that is dead (max 0) or not finite on either side keeps 1.
    static func compute(activationMax: [Float], weightMax: [Float], alpha: Double) -> [Float] {
        zip(activationMax, weightMax).map { activation, weight in
            guard activation.isFinite, weight.isFinite, activation > 0, weight > 0 else { return 1 }
            let factor = Double(activation).pow(alpha) / Double(weight).pow(1 - alpha)
            guard factor.isFinite, factor > 0 else { return 1 }
            return Float(min(max(factor, 1 / limit), limit))
        }
    }
}

extension Double {
    /// `self` raised to `exponent` (self > 0).
    fileprivate func pow(_ exponent: Double) -> Double {
        exp(exponent * log(self))
    }
}
