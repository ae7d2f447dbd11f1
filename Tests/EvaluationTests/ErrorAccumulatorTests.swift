import Evaluation
import Foundation
import Testing

/// The sums behind SQNR: a quantized element that is NaN or infinite where the float one is finite marks the
/// tensor broken; a pair whose float element is not finite is left out.
@Suite struct ErrorAccumulatorTests {
    private func accumulate(_ reference: [Float], _ quantized: [Float]) -> ErrorAccumulator {
        var sums = ErrorAccumulator()
        reference.withUnsafeBufferPointer { x in
            quantized.withUnsafeBufferPointer { y in sums.add(reference: x, quantized: y) }
        }
        return sums
    }

    @Test func aQuantizedInfinityOrNaNWhereTheFloatIsFiniteIsBroken() {
        let infinite = accumulate([1, 2, 3], [1, 2, -.infinity])
        #expect(infinite.brokenCount == 1)
        #expect(infinite.nonFiniteCount == 1)
        #expect(infinite.sqnr == ErrorAccumulator.brokenSQNR)
        let notANumber = accumulate([1, 2], [.nan, 2])
        #expect(notANumber.brokenCount == 1)
        #expect(notANumber.sqnr == -200)
    }

    @Test func pairsWhoseFloatElementIsNotFiniteAreLeftOut() {
        let sums = accumulate([1, 2, -.infinity, .nan], [1, 2.5, -.infinity, 0])
        #expect(sums.brokenCount == 0)
        #expect(sums.nonFiniteCount == 2)
        // ‖(1, 2)‖ / ‖(0, 0.5)‖ = √5 / 0.5
        #expect(abs(sums.sqnr - 20 * log10(5.0.squareRoot() / 0.5)) < 1e-9)
    }
}
