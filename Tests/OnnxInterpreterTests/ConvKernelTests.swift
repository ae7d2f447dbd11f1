import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct ConvKernelTests {
    /// A 3x3 input 1..9.
    let image: [Float] = (1...9).map { Float($0) }

    @Test func convWithPaddingAndBias() throws {
        let x = try Arrays.f(image, [1, 1, 3, 3])
        let w = try Arrays.f([Float](repeating: 1, count: 9), [1, 1, 3, 3])
        let y = try SingleNode.run1("Conv", [x, w, Arrays.f([100], [1])], attributes: [.ints("pads", [1, 1, 1, 1])])
        // Each output is the sum of the 3x3 neighbourhood (zero padded) plus 100.
        #expect(y.shape == [1, 1, 3, 3])
        #expect(try y.floatValues() == [112, 121, 116, 127, 145, 133, 124, 139, 128])
    }

    @Test func convStrideDilationAndSameUpperPadding() throws {
        let x = try Arrays.f((0..<25).map(Float.init), [1, 1, 5, 5])
        let w = try Arrays.f([1, 0, 0, 1], [1, 1, 2, 2])
        let strided = try SingleNode.run1("Conv", [x, w], attributes: [.ints("strides", [2, 2])])
        // Windows at (0,0) and (0,2), (2,0), (2,2): x[r][c] + x[r+1][c+1].
        #expect(try strided.floatValues() == [6, 10, 26, 30])
        let dilated = try SingleNode.run1("Conv", [x, w], attributes: [.ints("dilations", [2, 2])])
        #expect(dilated.shape == [1, 1, 3, 3])
        #expect(try dilated.floatValues()[0] == 0 + 12)
        let same = try SingleNode.run1("Conv", [x, w], attributes: [.string("auto_pad", "SAME_UPPER")])
        #expect(same.shape == [1, 1, 5, 5])
        #expect(try same.floatValues()[24] == 24)
    }

    @Test func groupedAndDepthwiseConvolutions() throws {
        let x = try Arrays.f([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2])
        let w = try Arrays.f([1, 1, 1, 1, 2, 0, 0, 2], [2, 1, 2, 2])
        let y = try SingleNode.run1("Conv", [x, w], attributes: [.int("group", 2)])
        #expect(try y.floatValues() == [10, 100])
        let padded = try SingleNode.run1(
            "Conv", [x, w, Arrays.f([1, -1], [2])], attributes: [.int("group", 2), .ints("pads", [1, 1, 0, 0])])
        // Channel 0 with a top-left pad: windows over [[0,0,0],[0,1,2],[0,3,4]].
        #expect(try padded.floatValues()[0..<4] == [2, 4, 5, 11])
    }

    @Test func stridedDilatedDepthwiseMatchesADirectLoop() throws {
        let (channels, height, width) = (3, 9, 10)
        let (strides, dilations, pads) = ([2, 3], [1, 2], [1, 2, 1, 0])
        let input = (0..<(channels * height * width)).map { Float(($0 * 37) % 23) - 11 }
        let weights = (0..<(channels * 9)).map { Float(($0 * 11) % 7) - 3 }
        let y = try SingleNode.run1(
            "Conv", [Arrays.f(input, [1, channels, height, width]), Arrays.f(weights, [channels, 1, 3, 3])],
            attributes: [
                .int("group", channels), .ints("strides", strides), .ints("dilations", dilations), .ints("pads", pads),
            ])
        let outHeight = (height + pads[0] + pads[2] - (2 * dilations[0] + 1)) / strides[0] + 1
        let outWidth = (width + pads[1] + pads[3] - (2 * dilations[1] + 1)) / strides[1] + 1
        #expect(y.shape == [1, channels, outHeight, outWidth])
        var expected: [Float] = []
        for channel in 0..<channels {
            for row in 0..<outHeight {
                for column in 0..<outWidth {
                    var sum: Float = 0
                    for tapH in 0..<3 {
                        for tapW in 0..<3 {
                            let r = row * strides[0] + tapH * dilations[0] - pads[0]
                            let c = column * strides[1] + tapW * dilations[1] - pads[1]
                            guard r >= 0, r < height, c >= 0, c < width else { continue }
                            sum += input[(channel * height + r) * width + c] * weights[channel * 9 + tapH * 3 + tapW]
                        }
                    }
                    expected.append(sum)
                }
            }
        }
        #expect(try y.floatValues() == expected)
    }

    /// Non-integer values in [-1, 1), so a sum taken in another order would differ in its last bits.
    static func noise(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int(state >> 40) - (1 << 23)) / Float(1 << 23)
        }
    }

    /// The depthwise kernel sums interior columns in registers and edge columns tap by tap; both must
    /// give exactly the bias-then-taps sum of a direct loop, bit for bit.
    @Test(arguments: [(1, [0, 0, 0, 0], 21), (1, [1, 2, 1, 2], 37), (2, [2, 1, 0, 3], 29)])
    func depthwiseIsBitIdenticalToADirectLoop(dilation: Int, pads: [Int], width: Int) throws {
        let (channels, height, kernel) = (3, 6, 3)
        let input = Self.noise(channels * height * width, seed: 1)
        let weights = Self.noise(channels * kernel * kernel, seed: 2)
        let bias = Self.noise(channels, seed: 3)
        let y = try SingleNode.run1(
            "Conv",
            [
                Arrays.f(input, [1, channels, height, width]), Arrays.f(weights, [channels, 1, kernel, kernel]),
                Arrays.f(bias, [channels]),
            ],
            attributes: [.int("group", channels), .ints("dilations", [dilation, dilation]), .ints("pads", pads)])
        let span = (kernel - 1) * dilation + 1
        let (outHeight, outWidth) = (height + pads[0] + pads[2] - span + 1, width + pads[1] + pads[3] - span + 1)
        var expected: [Float] = []
        for channel in 0..<channels {
            for row in 0..<outHeight {
                for column in 0..<outWidth {
                    var sum = bias[channel]
                    for tapH in 0..<kernel {
                        for tapW in 0..<kernel {
                            let r = row + tapH * dilation - pads[0]
                            let c = column + tapW * dilation - pads[1]
                            guard r >= 0, r < height, c >= 0, c < width else { continue }
                            sum +=
                                weights[(channel * kernel + tapH) * kernel + tapW]
                                * input[(channel * height + r) * width + c]
                        }
                    }
                    expected.append(sum)
                }
            }
        }
        #expect(y.shape == [1, channels, outHeight, outWidth])
        #expect(try y.floatValues().map(\.bitPattern) == expected.map(\.bitPattern))
    }

    /// A column image ([H, 1], kernel [k, 1]) has its own im2col loop; laid out as a row image
    /// ([1, H], kernel [1, k]) the same numbers take the general one, and the results must agree bit for bit.
    @Test func columnImageConvolutionMatchesTheRowImageOne() throws {
        let (channels, filters, length) = (4, 5, 300)
        let input = Self.noise(channels * length, seed: 4)
        let weights = Self.noise(filters * channels * 5, seed: 5)
        func conv(column: Bool) throws -> [UInt32] {
            let shape = column ? [length, 1] : [1, length]
            let kernel = column ? [5, 1] : [1, 5]
            let pick = { (along: [Int], across: [Int]) in column ? along + across : across + along }
            let y = try SingleNode.run1(
                "Conv", [Arrays.f(input, [1, channels] + shape), Arrays.f(weights, [filters, channels] + kernel)],
                attributes: [
                    .ints("strides", pick([2], [1])), .ints("dilations", pick([3], [1])),
                    .ints("pads", pick([4], [0]) + pick([1], [0])),
                ])
            return try y.floatValues().map(\.bitPattern)
        }
        #expect(try conv(column: true) == conv(column: false))
    }

    @Test func batchedSmallImagesMatchOneImageAtATime() throws {
        let (batch, channels, filters, height, width) = (5, 4, 6, 3, 4)
        let input = (0..<(batch * channels * height * width)).map { Float(($0 * 13) % 17) - 8 }
        let weights = (0..<(filters * 2 * 3 * 3)).map { Float(($0 * 7) % 11) - 5 }
        let attributes: [Attribute] = [.int("group", 2), .ints("pads", [1, 1, 1, 1]), .ints("strides", [1, 2])]
        let w = try Arrays.f(weights, [filters, 2, 3, 3])
        let bias = try Arrays.f([1, 2, 3, 4, 5, 6], [filters])
        let all = try SingleNode.run1(
            "Conv", [Arrays.f(input, [batch, channels, height, width]), w, bias], attributes: attributes)
        var separate: [Float] = []
        let imageSize = channels * height * width
        for image in 0..<batch {
            let one = Array(input[(image * imageSize)..<((image + 1) * imageSize)])
            separate += try SingleNode.run1(
                "Conv", [Arrays.f(one, [1, channels, height, width]), w, bias], attributes: attributes
            ).floatValues()
        }
        #expect(try all.floatValues() == separate)
    }

    @Test func pointwiseConvolutionIsAMatrixProduct() throws {
        let x = try Arrays.f([1, 2, 3, 4, 5, 6], [1, 2, 3, 1])
        let w = try Arrays.f([1, 10, -1, 1], [2, 2, 1, 1])
        let y = try SingleNode.run1("Conv", [x, w])
        #expect(try y.floatValues() == [41, 52, 63, 3, 3, 3])
    }

    @Test func oneDimensionalConvolution() throws {
        let x = try Arrays.f([1, 2, 3, 4], [1, 1, 4])
        let w = try Arrays.f([1, -1], [1, 1, 2])
        #expect(try SingleNode.run1("Conv", [x, w]).floatValues() == [-1, -1, -1])
    }

    @Test func convTransposeSpreadsEachInput() throws {
        let x = try Arrays.f([1, 2], [1, 1, 1, 2])
        let w = try Arrays.f([1, 2, 3, 4], [1, 1, 2, 2])
        let y = try SingleNode.run1("ConvTranspose", [x, w], attributes: [.ints("strides", [2, 2])])
        #expect(y.shape == [1, 1, 2, 4])
        #expect(try y.floatValues() == [1, 2, 2, 4, 3, 4, 6, 8])
        let overlapping = try SingleNode.run1("ConvTranspose", [x, w])
        #expect(try overlapping.floatValues() == [1, 4, 4, 3, 10, 8])
    }

    @Test func mismatchedChannelsAreAnError() throws {
        #expect(throws: InterpreterError.self) {
            try SingleNode.run1(
                "Conv", [Arrays.f(image, [1, 1, 3, 3]), Arrays.f([1, 1, 1, 1, 1, 1, 1, 1], [1, 2, 2, 2])])
        }
    }

    @Test func matMulBatchesBroadcastAndVectors() throws {
        let a = try Arrays.f([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2])
        let b = try Arrays.f([1, 0, 0, 1], [2, 2])
        #expect(try SingleNode.run1("MatMul", [a, b]).floatValues() == [1, 2, 3, 4, 5, 6, 7, 8])
        let vector = try SingleNode.run1("MatMul", [Arrays.f([1, 1], [2]), a])
        #expect(vector.shape == [2, 2])
        #expect(try vector.floatValues() == [4, 6, 12, 14])
        let ints = try SingleNode.run1("MatMul", [Arrays.i32([1, 2], [1, 2]), Arrays.i32([3, 4], [2, 1])])
        #expect(try ints.elements(as: Int32.self) == [11])
    }

    /// A batch of products runs one whole product per thread; alone, a product this large is split
    /// over the threads by rows. Every element must come out the same either way, bit for bit.
    @Test func batchedMatMulMatchesEachProductAlone() throws {
        let (batch, m, k, n) = (3, 128, 64, 96)
        let a = Self.noise(batch * m * k, seed: 6)
        let b = Self.noise(batch * k * n, seed: 7)
        let all = try SingleNode.run1("MatMul", [Arrays.f(a, [batch, m, k]), Arrays.f(b, [batch, k, n])])
        var alone: [Float] = []
        for index in 0..<batch {
            alone += try SingleNode.run1(
                "MatMul",
                [
                    Arrays.f(Array(a[(index * m * k)..<((index + 1) * m * k)]), [m, k]),
                    Arrays.f(Array(b[(index * k * n)..<((index + 1) * k * n)]), [k, n]),
                ]
            ).floatValues()
        }
        #expect(try all.floatValues().map(\.bitPattern) == alone.map(\.bitPattern))
    }

    @Test func gemmWithTransposesAndBroadcastBias() throws {
        let a = try Arrays.f([1, 2, 3, 4], [2, 2])
        let b = try Arrays.f([1, 0, 1, 1], [2, 2])
        let y = try SingleNode.run1(
            "Gemm", [a, b, Arrays.f([10, 20], [2])],
            attributes: [.int("transA", 1), .int("transB", 1), .float("alpha", 2), .float("beta", 0.5)])
        // A^T = [[1,3],[2,4]], B^T = [[1,1],[0,1]]: A^T B^T = [[1,4],[2,6]].
        #expect(try y.floatValues() == [7, 18, 9, 22])
    }
}
