import Foundation

/// What `MixedPrecisionSearch` reaches for and how far a measured mix is from it: `--min-sqnr` on every graph
/// output (the shortfall is the dB below the bar, summed over outputs; without a bar, the worst output's SQNR
/// negated), or `--max-perplexity-increase` (the shortfall is the mean next-token negative log-likelihood above
/// `log(1 + X)` plus the float model's, in nats per token).
struct MixedPrecisionObjective {
    /// Every graph output's SQNR must reach this (dB); nil for no SQNR target.
    var minSQNR: Double?
    /// The largest perplexity increase allowed, relative; nil for no perplexity target.
    var maxPerplexityIncrease: Double?
    /// The float model's likelihood on the same samples (used with a perplexity target).
    var float: NextTokenLikelihood

    /// The float model's perplexity; nil without a perplexity target.
    var floatPerplexity: Double? { maxPerplexityIncrease == nil ? nil : float.perplexity }

    /// The smallest gain worth a step, in the shortfall's unit.
    var minimumGain: Double {
        maxPerplexityIncrease == nil ? MixedPrecisionSearch.minimumGain : MixedPrecisionSearch.minimumPerplexityGain
    }

    /// `minimumGain` with its unit, for messages.
    var minimumGainText: String {
        maxPerplexityIncrease == nil
            ? "\(MixedPrecisionSearch.minimumGain) dB" : "\(MixedPrecisionSearch.minimumPerplexityGain) nats per token"
    }

    /// How far `measurement` is from the target (0 once it is met); the search lessens it.
    func shortfall(_ measurement: SwitchedMeasurement) -> Double {
        if let maxPerplexityIncrease {
            guard let excess = excess(measurement) else { return .infinity }
            return max(0, excess - log1p(maxPerplexityIncrease))
        }
        guard let minSQNR else { return -(measurement.outputs.map(\.sqnr).min() ?? .infinity) }
        return measurement.outputs.reduce(0) { $0 + max(0, minSQNR - $1.sqnr) }
    }

    /// Whether `measurement` meets the target, as the gate checks it.
    func meets(_ measurement: SwitchedMeasurement) -> Bool {
        if let maxPerplexityIncrease {
            guard let excess = excess(measurement) else { return false }
            return expm1(excess) <= maxPerplexityIncrease
        }
        guard let minSQNR else { return true }
        return measurement.outputs.allSatisfy { $0.sqnr >= minSQNR }
    }

    /// The perplexity of `measurement`; nil without a perplexity target.
    func perplexity(_ measurement: SwitchedMeasurement) -> Double? {
        maxPerplexityIncrease == nil ? nil : measurement.likelihood?.perplexity
    }

    /// What `measurement` lacks, for the report (it does not meet the target).
    func lack(_ measurement: SwitchedMeasurement) -> String {
        if let maxPerplexityIncrease {
            let increase = excess(measurement).map(expm1) ?? .nan
            return "perplexity \(String(format: "%.2f", measurement.likelihood?.perplexity ?? .nan)) is "
                + "\(String(format: "%+.2f", increase * 100))% over the float model's "
                + "\(String(format: "%.2f", float.perplexity)) > --max-perplexity-increase "
                + "\(String(format: "%g", maxPerplexityIncrease))"
        }
        return measurement.outputs.filter { $0.sqnr < minSQNR ?? -.infinity }.map {
            "output '\($0.output)' \(String(format: "%.2f", $0.sqnr)) dB < \(String(format: "%g", minSQNR ?? 0))"
        }.joined(separator: ", ")
    }

    /// The mean negative log-likelihood per target token above the float model's, in nats.
    private func excess(_ measurement: SwitchedMeasurement) -> Double? {
        guard let likelihood = measurement.likelihood, likelihood.targetCount > 0,
            likelihood.targetCount == float.targetCount
        else { return nil }
        return (likelihood.negativeLogLikelihood - float.negativeLogLikelihood) / Double(likelihood.targetCount)
    }
}
