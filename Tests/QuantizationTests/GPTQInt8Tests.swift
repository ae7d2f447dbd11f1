import Quantization
import Testing

/// GPTQ at 8 bits on the steps W8A8 gives a weight (`round-weights`): per-channel int8 scales fixed in advance.
@Suite struct GPTQInt8Tests {
    /// A Conv-like layer, rows = input channels × taps, with correlated inputs: GPTQ with the per-channel steps
    /// of `max|w|/127` keeps those steps and lowers the layer output error (`‖X(W − Ŵ)‖²`) well below rounding
    /// to nearest on the same steps.
    @Test func gptqOnGivenInt8StepsLowersTheOutputErrorBelowRoundToNearest() throws {
        let rows = 72
        let columns = 16
        let count = 600
        let weight = WeightOnlyAlgorithmTests.weight(rows: rows, columns: columns, seed: 31)
        let x = WeightOnlyAlgorithmTests.inputs(count: count, channels: rows, seed: 32)
        var hessian = [Double](repeating: 0, count: rows * rows)
        for sample in 0..<count {
            for i in 0..<rows {
                let a = Double(x[sample * rows + i])
                for j in 0..<rows { hessian[i * rows + j] += a * Double(x[sample * rows + j]) }
            }
        }
        let grid = try LowBitGrid(format: .int8, symmetric: false)
        let steps = (0..<columns).map { column in
            let magnitude = (0..<rows).map { abs(weight[$0 * columns + column]) }.max() ?? 1
            return LowBitGrid.Step(scale: magnitude / 127, zeroPoint: 0)
        }
        let gptq = GPTQ(blockSize: rows, grid: grid, actOrder: true, damp: 0.01)
        let rounded = try gptq.quantize(
            weight, rows: rows, columns: columns, hessian: hessian, tensor: "W", steps: steps)
        #expect(rounded.steps == steps, "the given steps are kept")
        let gptqValues = rounded.dequantized()
        var nearest = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            for column in 0..<columns {
                let step = steps[column]
                nearest[row * columns + column] = grid.value(grid.code(weight[row * columns + column], step), step)
            }
        }
        let gptqError = WeightOnlyAlgorithmTests.outputError(
            x, count: count, weight, gptqValues, rows: rows, columns: columns)
        let rtnError = WeightOnlyAlgorithmTests.outputError(
            x, count: count, weight, nearest, rows: rows, columns: columns)
        #expect(gptqError < 0.8 * rtnError, "GPTQ \(gptqError) against RTN \(rtnError)")
        #expect(
            throws: QuantizationError.self,
            "steps of the wrong count are refused"
        ) {
            _ = try gptq.quantize(
                weight, rows: rows, columns: columns, hessian: hessian, tensor: "W", steps: Array(steps.dropLast()))
        }
    }
}
