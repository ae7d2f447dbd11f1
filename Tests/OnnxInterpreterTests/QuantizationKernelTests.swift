import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct QuantizationKernelTests {
    @Test func quantizeRoundsHalfToEvenAndSaturates() throws {
        let x = try Arrays.f([0.5, 1.5, 2.5, -0.5, -2.5, 1000, -1000, 3.49], [8])
        let y = try SingleNode.run1("QuantizeLinear", [x, Arrays.f([1], []), Arrays.i8([0], [])])
        #expect(y.dataType == .int8)
        #expect(try y.elements(as: Int8.self) == [0, 2, 2, 0, -2, 127, -128, 3])
        let unsigned = try SingleNode.run1("QuantizeLinear", [x, Arrays.f([2], []), Arrays.u8([128], [])])
        #expect(try unsigned.elements(as: UInt8.self) == [128, 129, 129, 128, 127, 255, 0, 130])
        let defaultType = try SingleNode.run1("QuantizeLinear", [Arrays.f([3], [1]), Arrays.f([1], [])])
        #expect(defaultType.dataType == .uint8)
    }

    @Test func perAxisScalesFollowTheAxis() throws {
        let x = try Arrays.f([1, 2, 3, 4], [2, 2])
        let y = try SingleNode.run1(
            "QuantizeLinear", [x, Arrays.f([1, 0.5], [2]), Arrays.i8([0, 1], [2])], attributes: [.int("axis", 1)])
        #expect(try y.elements(as: Int8.self) == [1, 5, 3, 9])
        let back = try SingleNode.run1(
            "DequantizeLinear", [y, Arrays.f([1, 0.5], [2]), Arrays.i8([0, 1], [2])], attributes: [.int("axis", 1)])
        #expect(try back.floatValues() == [1, 2, 3, 4])
    }

    @Test func blockedScales() throws {
        let x = try Arrays.f([1, 2, 3, 4, 5, 6], [1, 6])
        let y = try SingleNode.run1(
            "QuantizeLinear", [x, Arrays.f([1, 2], [1, 2]), Arrays.i8([0, 0], [1, 2])],
            attributes: [.int("axis", 1), .int("block_size", 3)])
        #expect(try y.elements(as: Int8.self) == [1, 2, 3, 2, 2, 3])
    }

    @Test func int4IsPackedTwoPerByte() throws {
        let zero = try NDArray([UInt8(0)], dataType: .int4, shape: [1])
        let y = try SingleNode.run1("QuantizeLinear", [Arrays.f([7, -9, 1], [3]), Arrays.f([1], []), zero], opset: 21)
        #expect(y.dataType == .int4 && y.byteCount == 2)
        #expect(try y.int64Values() == [7, -8, 1])
        let back = try SingleNode.run1("DequantizeLinear", [y, Arrays.f([0.5], []), zero], opset: 21)
        #expect(try back.floatValues() == [3.5, -4, 0.5])
    }

    @Test func float8SaturatesUnlessTold() throws {
        let zero = try NDArray([UInt8(0)], dataType: .float8e4m3fn, shape: [1])
        let x = try Arrays.f([1000, 0.3, -1000], [3])
        let saturated = try SingleNode.run1("QuantizeLinear", [x, Arrays.f([1], []), zero], opset: 19)
        #expect(try saturated.floatValues() == [448, 0.3125, -448])
        let overflowing = try SingleNode.run1(
            "QuantizeLinear", [x, Arrays.f([1], []), zero], attributes: [.int("saturate", 0)], opset: 19)
        #expect(try overflowing.floatValues()[0].isNaN)
    }

    @Test func largePerChannelTensorsMatchTheFormula() throws {
        let (channels, size) = (3, 40_000)
        let values = (0..<(channels * size)).map { Float(($0 * 7919) % 2001 - 1000) / 37 }
        let scales: [Float] = [0.05, 0.2, 1.5]
        let zeros: [UInt8] = [128, 100, 3]
        let y = try SingleNode.run1(
            "QuantizeLinear",
            [Arrays.f(values, [1, channels, size]), Arrays.f(scales, [channels]), Arrays.u8(zeros, [channels])])
        let quantized = try y.elements(as: UInt8.self)
        let back = try SingleNode.run1(
            "DequantizeLinear", [y, Arrays.f(scales, [channels]), Arrays.u8(zeros, [channels])]
        ).floatValues()
        for index in stride(from: 0, to: values.count, by: 997) {
            let channel = index / size
            let expected = min(
                max((values[index] / scales[channel]).rounded(.toNearestOrEven) + Float(zeros[channel]), 0), 255)
            #expect(quantized[index] == UInt8(expected))
            #expect(back[index] == (Float(quantized[index]) - Float(zeros[channel])) * scales[channel])
        }
    }

    @Test func dequantizeInt32WithoutZeroPoint() throws {
        let y = try SingleNode.run1("DequantizeLinear", [Arrays.i32([-4, 6], [2]), Arrays.f([0.25], [])])
        #expect(try y.floatValues() == [-1, 1.5])
    }

    @Test func perAxisScaleOfTheWrongLengthIsAnError() throws {
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1(
                "QuantizeLinear",
                [Arrays.f([1, 2, 3, 4], [2, 2]), Arrays.f([1, 1, 1], [3]), Arrays.i8([0, 0, 0], [3])])
        }
    }

    @Test func dynamicQuantizeLinear() throws {
        let outputs = try SingleNode.run("DynamicQuantizeLinear", [Arrays.f([0, 2, -1, 1.5], [4])], outputs: 3)
        let scale = try outputs[1].floatValues()[0]
        #expect(abs(scale - 3.0 / 255) < 1e-9)
        #expect(try outputs[2].elements(as: UInt8.self) == [85])
        #expect(try outputs[0].elements(as: UInt8.self) == [85, 255, 0, 213])
    }
}
