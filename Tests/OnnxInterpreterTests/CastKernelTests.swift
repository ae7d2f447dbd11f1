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

    @Test func int64ToFloatIsCorrectlyRounded() throws {
        let y = try SingleNode.run1("Cast", [Arrays.i64([(1 << 24) + 1, 3], [2])], attributes: [.int("to", 1)])
        #expect(try y.floatValues() == [16_777_216, 3])
    }
}
