import Foundation
import OnnxIR
import Testing

@testable import OnnxInterpreter

/// `VectorArithmetic` (CVectorMath's `qdqc_binary_f32`) against Swift's scalar operators: every
/// result bit for bit, with a scalar on either side, in place and with short tails.
@Suite struct VectorArithmeticTests {
    static var operations: [(ArithmeticKernels.Operation, (Float, Float) -> Float)] {
        [
            (.add, { $0 + $1 }), (.subtract, { $0 - $1 }), (.multiply, { $0 * $1 }), (.divide, { $0 / $1 }),
        ]
    }

    /// Every 4099th bit pattern (NaNs, infinities, subnormals, both signs) against a shifted copy.
    static let left = BitIdentity.grid(
        edges: [0, 1, .infinity, .nan, .leastNonzeroMagnitude], sweep: -9...9, count: 999)
    static let right = Array(left.dropFirst(7) + left.prefix(7))

    @Test func matchesTheScalarOperatorsBitForBit() {
        for (operation, scalar) in Self.operations {
            for (strideA, strideB) in [(1, 1), (1, 0), (0, 1)] {
                for range in [0..<Self.left.count, 3..<Self.left.count - 5, 5..<12] {
                    var out = [Float](repeating: 0, count: Self.left.count)
                    let done = out.withUnsafeMutableBufferPointer { target in
                        VectorArithmetic.apply(
                            operation, Self.left, Self.right, target.baseAddress!, range, strideA, strideB)
                    }
                    #expect(done || range.count < 8, "\(operation)")
                    guard done else { continue }
                    let expected = range.map { scalar(Self.left[$0 * strideA], Self.right[$0 * strideB]) }
                    let first = BitIdentity.firstDifference(Array(out[range]), expected)
                    #expect(first == nil, "\(operation) strides \(strideA),\(strideB): index \(first ?? -1)")
                }
            }
        }
    }

    @Test func inPlaceGivesTheSameBits() {
        for (operation, scalar) in Self.operations {
            var values = Self.left
            let done = values.withUnsafeMutableBufferPointer { buffer in
                VectorArithmetic.apply(
                    operation, UnsafePointer(buffer.baseAddress!), Self.right, buffer.baseAddress!,
                    0..<buffer.count, 1, 1)
            }
            guard done else { continue }
            let expected = zip(Self.left, Self.right).map(scalar)
            #expect(BitIdentity.firstDifference(values, expected) == nil, "\(operation)")
        }
    }
}
