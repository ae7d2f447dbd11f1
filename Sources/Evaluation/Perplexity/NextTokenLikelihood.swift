import Foundation

/// The negative log-likelihood a model's logits give the next tokens, summed sample by sample.
///
/// Perplexity is `exp(mean negative log-likelihood)` over every target token of every sequence (not a
/// mean of per-sequence perplexities), the definition of `../shared/llm/README.md` and of Hugging Face's
/// perplexity guide. Log-softmax is computed in double precision and shifted by the row's maximum, so
/// logits in the thousands neither overflow nor lose the target's share.
public struct NextTokenLikelihood: Sendable, Equatable {
    /// The summed negative log-likelihood of every target so far, in nats.
    public private(set) var negativeLogLikelihood = 0.0
    /// The number of target tokens so far.
    public private(set) var targetCount = 0
    /// The number of sequences (batch rows) so far.
    public private(set) var sequenceCount = 0

    /// An empty sum.
    public init() {}

    /// `exp(negativeLogLikelihood / targetCount)`; NaN before any target.
    public var perplexity: Double {
        guard targetCount > 0 else { return .nan }
        return exp(negativeLogLikelihood / Double(targetCount))
    }

    /// Adds a batch whose summed negative log-likelihood `sum` (from `batchSum`) covers `targets` targets of
    /// `sequences` sequences.
    public mutating func add(sum: Double, targets: Int, sequences: Int) {
        negativeLogLikelihood += sum
        targetCount += targets
        sequenceCount += sequences
    }

    /// Adds every target of `other`.
    public mutating func add(_ other: NextTokenLikelihood) {
        add(sum: other.negativeLogLikelihood, targets: other.targetCount, sequences: other.sequenceCount)
    }

    /// `−log softmax(row)[target]`: `log Σ exp(row − max) + max − row[target]`, in double precision.
    ///
    /// NaN in the row, or an infinite maximum, gives NaN; a target at −∞ gives +∞.
    public static func negativeLogLikelihood(row: UnsafeBufferPointer<Float>, target: Int) -> Double {
        precondition(row.indices.contains(target), "target \(target) outside a row of \(row.count)")
        var maximum = -Double.infinity
        for value in row where Double(value) > maximum { maximum = Double(value) }
        // An infinite maximum leaves no finite shift; NaN elements make the sum NaN below.
        if !maximum.isFinite { return .nan }
        var sum = 0.0
        for value in row { sum += exp(Double(value) - maximum) }
        return log(sum) + maximum - Double(row[target])
    }

    /// The summed negative log-likelihood of the targets `tokens[b, p...]` under `logits[b, p-1 ..< seq-1]`.
    ///
    /// `logits` holds `batch × sequence × vocabulary` elements in row-major order and `tokens`
    /// `batch × sequence`; every target must lie in `0..<vocabulary` and `promptTokens` in `1..<sequence`
    /// (the caller checks, naming the tensors).
    public static func batchSum(
        logits: UnsafeBufferPointer<Float>, tokens: [Int64], batch: Int, sequence: Int, vocabulary: Int,
        promptTokens: Int
    ) -> Double {
        precondition(logits.count == batch * sequence * vocabulary && tokens.count == batch * sequence)
        precondition(promptTokens >= 1 && promptTokens < sequence)
        var sum = 0.0
        for row in 0..<batch {
            for position in promptTokens..<sequence {
                let start = (row * sequence + position - 1) * vocabulary
                let slice = UnsafeBufferPointer(rebasing: logits[start..<start + vocabulary])
                sum += negativeLogLikelihood(row: slice, target: Int(tokens[row * sequence + position]))
            }
        }
        return sum
    }
}
