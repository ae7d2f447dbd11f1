import Foundation

/// Running sums that give SQNR, cosine similarity and maximum absolute error of a quantized
/// tensor against its float reference, one sample at a time.
///
/// Memory stays constant however many samples are added: only the sums are kept. The SQNR is
/// ONNX Runtime's `compute_signal_to_quantization_noice_ratio` over all samples concatenated:
/// `20·log10(max(‖x‖, ε) / max(‖x − y‖, ε))` with ε the float64 machine epsilon.
public struct ErrorAccumulator: Sendable, Equatable {
    /// Σ x² of the float reference.
    public private(set) var signalSquares: Double = 0
    /// Σ (x − y)².
    public private(set) var noiseSquares: Double = 0
    /// Σ y² of the quantized tensor.
    public private(set) var quantizedSquares: Double = 0
    /// Σ x·y.
    public private(set) var dotProduct: Double = 0
    /// max |x − y|.
    public private(set) var maxAbsError: Double = 0
    /// Elements compared so far.
    public private(set) var elementCount = 0
    /// Samples compared so far.
    public private(set) var sampleCount = 0
    /// Element pairs where either side was NaN or infinite (left out of the sums).
    public private(set) var nonFiniteCount = 0
    /// Of those, the pairs whose float reference is finite but whose quantized value is not: the quantized
    /// model broke where the float one did not.
    public private(set) var brokenCount = 0

    /// The SQNR of a tensor with a broken element (`brokenCount`), below any measured one: a gate or a search
    /// then sees the tensor as lost, instead of an SQNR of the elements left.
    public static let brokenSQNR = -200.0

    /// Creates empty sums.
    public init() {}

    /// Adds one sample's pair; both buffers must hold the same number of elements.
    public mutating func add(reference: UnsafeBufferPointer<Float>, quantized: UnsafeBufferPointer<Float>) {
        let count = min(reference.count, quantized.count)
        var signal = 0.0
        var noise = 0.0
        var power = 0.0
        var dot = 0.0
        var worst = maxAbsError
        var nonFinite = 0
        var broken = 0
        for index in 0..<count {
            let x = reference[index]
            let y = quantized[index]
            guard x.isFinite && y.isFinite else {
                nonFinite += 1
                if x.isFinite { broken += 1 }
                continue
            }
            let difference = Double(x - y)
            let xd = Double(x)
            let yd = Double(y)
            signal += xd * xd
            noise += difference * difference
            power += yd * yd
            dot += xd * yd
            worst = max(worst, abs(difference))
        }
        signalSquares += signal
        noiseSquares += noise
        quantizedSquares += power
        dotProduct += dot
        maxAbsError = worst
        elementCount += count
        nonFiniteCount += nonFinite
        brokenCount += broken
        sampleCount += 1
    }

    /// Signal-to-quantization-noise ratio in dB, as ONNX Runtime's qdq_loss_debug computes it; `brokenSQNR` when
    /// an element is broken.
    public var sqnr: Double {
        guard brokenCount == 0 else { return Self.brokenSQNR }
        let epsilon = Double.ulpOfOne
        let signal = max(signalSquares.squareRoot(), epsilon)
        let noise = max(noiseSquares.squareRoot(), epsilon)
        return 20 * log10(signal / noise)
    }

    /// Cosine similarity of the two tensors seen as one long vector; 1 when both are all zero.
    public var cosine: Double {
        let norms = (signalSquares * quantizedSquares).squareRoot()
        if norms == 0 { return signalSquares == quantizedSquares ? 1 : 0 }
        return dotProduct / norms
    }
}
