import Foundation
import OnnxIR
import Testing

@testable import OnnxInterpreter

/// `VectorErf` against glibc's `erff` one element at a time: every result bit for bit.
@Suite struct VectorErfTests {
    /// Every 4099th float bit pattern (all ranges, both signs, NaN payloads, subnormals), the range
    /// boundaries and their neighbours, and a dense sweep of [-7, 7] where the ranges meet.
    static let inputs = BitIdentity.grid(
        edges: [
            0, 0x1p-28, Float(bitPattern: 0x0400_0000), 0.84375, 1.25, 1 / 0.35, 6, .infinity,
            .leastNonzeroMagnitude, .greatestFiniteMagnitude, .nan,
        ],
        sweep: -7...7, count: 400_000)

    @Test func matchesGlibcBitForBit() {
        let inputs = Self.inputs
        let mismatch = BitIdentity.mismatch(
            of: { VectorErf.apply($0, $1, count: $2) }, against: { Foundation.erf($0) }, on: inputs)
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    @Test func inPlaceAndShortTails() {
        for count in [0, 1, 7, VectorErf.chunk - 1, VectorErf.chunk + 3] {
            let values = (0..<count).map { Float($0) * 0.37 - 3 }
            let mismatch = BitIdentity.mismatch(
                of: { VectorErf.apply($0, $1, count: $2) }, against: { Foundation.erf($0) }, on: values, inPlace: true)
            #expect(mismatch == nil, "count \(count): \(mismatch ?? "")")
        }
    }

    @Test func erfAndGeluNodesMatchTheScalarFormulas() throws {
        let values = (0..<300_000).map { -9 + 18 * Float($0) / 300_000 }
        let x = try NDArray(floats: values, shape: [values.count])
        let erf = try SingleNode.run1("Erf", [x]).floatValues()
        #expect(BitIdentity.firstDifference(erf, values.map { Foundation.erf($0) }) == nil)
        let inverseRoot2 = 1 / Float(2).squareRoot()
        let gelu = try SingleNode.run1("Gelu", [x]).floatValues()
        let expected = values.map { $0 / 2 * (1 + Foundation.erf($0 * inverseRoot2)) }
        #expect(BitIdentity.firstDifference(gelu, expected) == nil)
    }
}
