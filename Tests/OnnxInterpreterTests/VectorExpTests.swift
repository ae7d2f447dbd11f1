import Foundation
import OnnxIR
import Testing

@testable import OnnxInterpreter

/// `VectorExp` (CVectorMath's `qdqc_expf`) against the C library's `expf`: every result bit for bit.
@Suite struct VectorExpTests {
    /// Every 4099th float bit pattern, the edges of the vectorized range and their neighbours, and
    /// a dense sweep of [-110, 90], which holds every input whose exp is neither 0 nor infinite.
    static let inputs = BitIdentity.grid(
        edges: [0, -0x1.9fe368p6, -87, 88, 0x1.62e42ep6, .infinity, .nan, -1e9], sweep: -110...90, count: 600_000)

    @Test func matchesExpfBitForBit() {
        let inputs = Self.inputs
        let mismatch = BitIdentity.mismatch(
            of: { VectorExp.apply($0, $1, count: $2) }, against: { Foundation.exp($0) }, on: inputs)
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    @Test func inPlaceAndShortTails() {
        for count in [0, 1, 7, 8, 9, 33] {
            let values = (0..<count).map { Float($0) * 0.71 - 20 }
            let mismatch = BitIdentity.mismatch(
                of: { VectorExp.apply($0, $1, count: $2) }, against: { Foundation.exp($0) }, on: values, inPlace: true)
            #expect(mismatch == nil, "count \(count): \(mismatch ?? "")")
        }
    }

    /// Softmax over the last axis (the vectorized path) against the straightforward loop: the
    /// same exps, summed in the same order, times the same reciprocal.
    @Test func softmaxMatchesTheScalarLoop() throws {
        let rows = 37
        let length = 203
        let values = (0..<rows * length).map { index -> Float in
            index % 11 == 0 ? -1e9 : Float(sin(Double(index) * 0.37) * 30)
        }
        let y = try SingleNode.run1("Softmax", [try NDArray(floats: values, shape: [rows, length])]).floatValues()
        var expected = [Float]()
        for row in 0..<rows {
            let line = values[row * length..<(row + 1) * length]
            let peak = line.max()!
            var total: Float = 0
            var exps = [Float]()
            for value in line {
                let e = Foundation.exp(value - peak)
                exps.append(e)
                total += e
            }
            let inverse = 1 / total
            expected += exps.map { $0 * inverse }
        }
        #expect(BitIdentity.firstDifference(y, expected) == nil)
    }
}
