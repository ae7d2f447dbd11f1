import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct PoolKernelTests {
    let x: NDArray

    init() throws { x = try Arrays.f((1...16).map(Float.init), [1, 1, 4, 4]) }

    @Test func maxPoolWithIndices() throws {
        let outputs = try SingleNode.run(
            "MaxPool", [x], attributes: [.ints("kernel_shape", [2, 2]), .ints("strides", [2, 2])], outputs: 2)
        #expect(try outputs[0].floatValues() == [6, 8, 14, 16])
        #expect(try outputs[1].int64Values() == [5, 7, 13, 15])
    }

    @Test func averagePoolCountsPaddingOnlyWhenAsked() throws {
        let attributes: [Attribute] = [
            .ints("kernel_shape", [2, 2]), .ints("pads", [1, 1, 0, 0]), .ints("strides", [2, 2]),
        ]
        let excluded = try SingleNode.run1("AveragePool", [x], attributes: attributes)
        #expect(try excluded.floatValues() == [1, 2.5, 7, 8.5])
        let included = try SingleNode.run1("AveragePool", [x], attributes: attributes + [.int("count_include_pad", 1)])
        #expect(try included.floatValues() == [0.25, 1.25, 3.5, 8.5])
    }

    @Test func ceilModeAddsAPartialWindow() throws {
        let y = try SingleNode.run1(
            "MaxPool", [Arrays.f((1...9).map(Float.init), [1, 1, 3, 3])],
            attributes: [.ints("kernel_shape", [2, 2]), .ints("strides", [2, 2]), .int("ceil_mode", 1)])
        #expect(y.shape == [1, 1, 2, 2])
        #expect(try y.floatValues() == [5, 6, 8, 9])
    }

    /// MaxPool written out: -inf, then `v > best ? v : best` over the window's taps inside the image in
    /// row-major order (so of equal values, and of +0 and -0, the first wins; NaN never does).
    static func directMaxPool(
        _ x: [Float], planes: Int, input: (Int, Int), output: (Int, Int), kernel: Int, stride: Int, pad: Int
    ) -> [Float] {
        var result: [Float] = []
        for plane in 0..<planes {
            for outRow in 0..<output.0 {
                for outColumn in 0..<output.1 {
                    var best = -Float.infinity
                    for tapH in 0..<kernel {
                        for tapW in 0..<kernel {
                            let (row, column) = (outRow * stride + tapH - pad, outColumn * stride + tapW - pad)
                            guard row >= 0, row < input.0, column >= 0, column < input.1 else { continue }
                            let value = x[(plane * input.0 + row) * input.1 + column]
                            best = value > best ? value : best
                        }
                    }
                    result.append(best)
                }
            }
        }
        return result
    }

    /// Interior columns run eight at a time (stride 1 and 2), the edges tap by tap: both must be the
    /// direct loop's bits, on rows that end mid-register, with padding and ceil mode.
    @Test(arguments: [(3, 2, 0, 113, 0), (3, 2, 1, 37, 1), (2, 1, 0, 21, 0), (3, 1, 1, 18, 0), (5, 2, 2, 40, 1)])
    func maxPoolMatchesADirectLoop(kernel: Int, stride: Int, pad: Int, size: Int, ceil: Int) throws {
        let planes = 3
        var values = ConvKernelTests.noise(planes * size * size, seed: UInt64(size))
        for index in values.indices where index % 11 == 0 {
            values[index] = [Float.nan, 0, -0.0, .infinity, values[index - 1 < 0 ? 0 : index - 1]][(index / 11) % 5]
        }
        let span = size + 2 * pad - kernel
        let outSize = (ceil == 1 ? (span + stride - 1) / stride : span / stride) + 1
        let y = try SingleNode.run1(
            "MaxPool", [Arrays.f(values, [1, planes, size, size])],
            attributes: [
                .ints("kernel_shape", [kernel, kernel]), .ints("strides", [stride, stride]),
                .ints("pads", [pad, pad, pad, pad]), .int("ceil_mode", ceil),
            ])
        #expect(y.shape == [1, planes, outSize, outSize])
        let expected = Self.directMaxPool(
            values, planes: planes, input: (size, size), output: (outSize, outSize), kernel: kernel, stride: stride,
            pad: pad)
        #expect(BitIdentity.firstDifference(try y.floatValues(), expected) == nil)
    }

    @Test func globalAveragePoolSumsEachPlaneInOrderInDouble() throws {
        let (planes, size) = (37, 45)
        var values = ConvKernelTests.noise(planes * size, seed: 9)
        for index in values.indices {
            values[index] *= Float(sign: .plus, exponent: (index * 31) % 61 - 30, significand: 1)
        }
        let y = try SingleNode.run1("GlobalAveragePool", [Arrays.f(values, [1, planes, 5, 9])])
        let expected = (0..<planes).map { plane in
            var sum: Double = 0
            for index in 0..<size { sum += Double(values[plane * size + index]) }
            return Float(sum / Double(size))
        }
        #expect(BitIdentity.firstDifference(try y.floatValues(), expected) == nil)
    }

    @Test func globalPools() throws {
        #expect(try SingleNode.run1("GlobalAveragePool", [x]).floatValues() == [8.5])
        #expect(try SingleNode.run1("GlobalMaxPool", [x]).floatValues() == [16])
        #expect(try SingleNode.run1("GlobalAveragePool", [x]).shape == [1, 1, 1, 1])
    }
}
