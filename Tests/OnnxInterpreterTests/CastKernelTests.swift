import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct CastKernelTests {
    @Test func floatToIntegersTruncatesAndWraps() throws {
        let x = try Arrays.f([2.7, -2.7, 300], [3])
        let y = try SingleNode.run1("Cast", [x], attributes: [.int("to", Int(DataType.int8.rawValue))])
        #expect(try y.elements(as: Int8.self) == [2, -2, 44])
    }

    @Test func toBoolAndBack() throws {
        let flags = try SingleNode.run1("Cast", [Arrays.f([0, -0.0, 2, .nan], [4])], attributes: [.int("to", 9)])
        #expect(try flags.int64Values() == [0, 0, 1, 1])
        let numbers = try SingleNode.run1("Cast", [flags], attributes: [.int("to", 1)])
        #expect(try numbers.floatValues() == [0, 0, 1, 1])
    }

    @Test func bfloat16RoundsToNearestEven() throws {
        // 1 + 2^-8 is halfway between two bfloat16 values; the even one is 1.
        let y = try SingleNode.run1(
            "Cast", [Arrays.f([1 + 1.0 / 256, 1 + 3.0 / 256], [2])], attributes: [.int("to", 16)])
        #expect(try y.floatValues() == [1, 1 + 1.0 / 64])
    }

    @Test func float8E5M2OverflowsToInfinityWithoutSaturation() throws {
        let y = try SingleNode.run1(
            "Cast", [Arrays.f([100_000, 1.75], [2])], attributes: [.int("to", 19), .int("saturate", 0)], opset: 19)
        #expect(try y.floatValues() == [.infinity, 1.75])
    }

    /// Float to a packed integer type: ONNX leaves out-of-range values undefined; they saturate.
    @Test(arguments: [
        (DataType.int4, [Float](arrayLiteral: -8, -8, -2, 7, 7, 0, 7, -8)),
        (DataType.uint4, [0, 0, 0, 7, 15, 0, 15, 0]),
        (DataType.int2, [-2, -2, -2, 1, 1, 0, 1, -2]),
        (DataType.uint2, [0, 0, 0, 3, 3, 0, 3, 0]),
    ])
    func floatToPackedIntegersSaturates(target: DataType, expected: [Float]) throws {
        let x = try Arrays.f([-9, -8.5, -2.7, 7.9, 16, .nan, .infinity, -.infinity], [8])
        let packed = try SingleNode.run1("Cast", [x], attributes: [.int("to", Int(target.rawValue))])
        let back = try SingleNode.run1("Cast", [packed], attributes: [.int("to", 1)])
        #expect(try back.floatValues() == expected)
    }

    /// Integer to a packed integer type keeps the low bits, as ONNX specifies for fixed point.
    @Test func integerToInt4Wraps() throws {
        let packed = try SingleNode.run1("Cast", [Arrays.i32([-9, 9, 3], [3])], attributes: [.int("to", 22)])
        let back = try SingleNode.run1("Cast", [packed], attributes: [.int("to", 1)])
        #expect(try back.floatValues() == [7, -7, 3])
    }

    @Test func int64ToFloatIsCorrectlyRounded() throws {
        let y = try SingleNode.run1("Cast", [Arrays.i64([(1 << 24) + 1, 3], [2])], attributes: [.int("to", 1)])
        #expect(try y.floatValues() == [16_777_216, 3])
    }
}
