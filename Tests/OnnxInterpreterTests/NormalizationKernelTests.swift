import Foundation
import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct NormalizationKernelTests {
    @Test func batchNormalizationPerChannel() throws {
        let x = try Arrays.f([1, 2, 3, 4], [1, 2, 2, 1])
        let y = try SingleNode.run1(
            "BatchNormalization",
            [x, Arrays.f([1, 2], [2]), Arrays.f([0, 1], [2]), Arrays.f([1, 3], [2]), Arrays.f([4, 1], [2])],
            attributes: [.float("epsilon", 0)])
        // Channel 0: (x - 1) / 2; channel 1: (x - 3) * 2 + 1.
        #expect(try y.floatValues() == [0, 0.5, 1, 3])
    }

    @Test func layerNormalizationOverTrailingAxes() throws {
        let x = try Arrays.f([1, 2, 3, 4, 0, 0, 4, 4], [2, 4])
        let outputs = try SingleNode.run(
            "LayerNormalization", [x, Arrays.f([1, 1, 1, 1], [4]), Arrays.f([0, 0, 0, 1], [4])],
            attributes: [.float("epsilon", 0)], outputs: 3, opset: 17)
        let deviation = Float(1.25).squareRoot()
        // Bias [0, 0, 0, 1] adds one to the last column of each row.
        let expected = [-1.5, -0.5, 0.5, 1.5 + deviation].map { Float($0) / deviation } + [-1, -1, 1, 2]
        #expect(zip(try outputs[0].floatValues(), expected).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(try outputs[1].floatValues() == [2.5, 2])
        #expect(outputs[1].shape == [2, 1])
        #expect(abs((try outputs[2].floatValues())[0] - 1 / deviation) < 1e-6)
    }

    @Test func instanceAndGroupNormalization() throws {
        let x = try Arrays.f([0, 2, 10, 30], [1, 2, 2])
        let instance = try SingleNode.run1(
            "InstanceNormalization", [x, Arrays.f([1, 1], [2]), Arrays.f([0, 5], [2])],
            attributes: [.float("epsilon", 0)])
        #expect(try instance.floatValues() == [-1, 1, 4, 6])
        let group = try SingleNode.run1(
            "GroupNormalization", [x, Arrays.f([1, 1], [2]), Arrays.f([0, 0], [2])],
            attributes: [.int("num_groups", 1), .float("epsilon", 0)])
        let values = try group.floatValues()
        #expect(abs(values.reduce(0, +)) < 1e-5)
    }

    @Test func softmaxAxisSemanticsChangeAtOpset13() throws {
        let x = try Arrays.f([0, 0, 0, 0], [2, 2])
        // Opset 13: along the last axis only.
        #expect(try SingleNode.run1("Softmax", [x], opset: 13).floatValues() == [0.5, 0.5, 0.5, 0.5])
        // Opset 11: flattened from axis 0, so all four share one distribution.
        #expect(
            try SingleNode.run1("Softmax", [x], attributes: [.int("axis", 0)], opset: 11).floatValues() == [
                0.25, 0.25, 0.25, 0.25,
            ])
        let middle = try SingleNode.run1(
            "Softmax", [Arrays.f([1, 2, 3, 4], [1, 2, 2])], attributes: [.int("axis", 1)])
        let values = try middle.floatValues()
        #expect(abs(values[0] + values[2] - 1) < 1e-6 && abs(values[1] + values[3] - 1) < 1e-6)
        let logs = try SingleNode.run1("LogSoftmax", [Arrays.f([1, 1], [2])]).floatValues()
        #expect(logs.allSatisfy { abs($0 - Foundation.log(0.5)) < 1e-6 })
    }

    /// Rows run four at a time (their sums side by side) and the rest one by one: every row gets the bits of
    /// the one-row definition (first-to-last peak, glibc's expf, first-to-last sum, one reciprocal).
    @Test(arguments: [1, 4, 7, 9])
    func softmaxRowsKeepTheOneRowBits(rows: Int) throws {
        let length = 37
        var values = (0..<rows * length).map { Float(($0 * 7919) % 211) / 13 - 8 }
        values[3] = -.infinity
        if rows > 4 { values[4 * length + 5] = .nan }
        let got = try SingleNode.run1("Softmax", [Arrays.f(values, [rows, length])]).floatValues()
        var expected: [Float] = []
        for row in 0..<rows {
            let line = values[row * length..<(row + 1) * length]
            var peak = -Float.infinity
            for value in line where value > peak { peak = value }
            let exps = line.map { Foundation.exp($0 - (peak == -.infinity ? 0 : peak)) }
            var total: Float = 0
            for value in exps { total += value }
            let inverse = 1 / total
            expected += exps.map { $0 * inverse }
        }
        let index = BitIdentity.firstDifference(expected, got)
        #expect(index == nil, "element \(index ?? -1): \(got[index ?? 0]) against \(expected[index ?? 0])")
    }

    @Test func softmaxOfLargeValuesIsStable() throws {
        let values = try SingleNode.run1("Softmax", [Arrays.f([1000, 1000, -Float.infinity], [3])]).floatValues()
        #expect(values == [0.5, 0.5, 0])
    }
}
