import Foundation
import OnnxIR
import OnnxInterpreter
import Testing

@Suite struct RecurrentKernelTests {
    func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    @Test func lstmMatchesTheEquations() throws {
        // Gates in iofc order, one hidden unit, one input feature.
        let w: [Float] = [0.5, -0.3, 0.8, 0.2]
        let r: [Float] = [0.1, 0.4, -0.2, 0.3]
        let bias: [Float] = [0.1, 0, 0.2, -0.1, 0, 0.05, 0, 0]
        let inputs: [Float] = [1, -2, 0.5]
        var h: Float = 0.2
        var c: Float = -0.1
        var expected: [Float] = []
        for x in inputs {
            let gate = { (index: Int) in w[index] * x + r[index] * h + bias[index] + bias[4 + index] }
            let i = sigmoid(gate(0))
            let o = sigmoid(gate(1))
            let f = sigmoid(gate(2))
            let candidate = Foundation.tanh(gate(3))
            c = f * c + i * candidate
            h = o * Foundation.tanh(c)
            expected.append(h)
        }
        let outputs = try SingleNode.run(
            "LSTM",
            [
                Arrays.f(inputs, [3, 1, 1]), Arrays.f(w, [1, 4, 1]), Arrays.f(r, [1, 4, 1]), Arrays.f(bias, [1, 8]),
                nil,
                Arrays.f([0.2], [1, 1, 1]), Arrays.f([-0.1], [1, 1, 1]),
            ], attributes: [.int("hidden_size", 1)], outputs: 3)
        #expect(outputs[0].shape == [3, 1, 1, 1])
        #expect(zip(try outputs[0].floatValues(), expected).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(abs((try outputs[1].floatValues())[0] - h) < 1e-6)
        #expect(abs((try outputs[2].floatValues())[0] - c) < 1e-6)
    }

    @Test func reverseDirectionAndSequenceLengths() throws {
        let inputs: [Float] = [1, 2, 3, 10, 20, 30]  // [time 3, batch 2, 1]: batch 0 = 1,3,20; batch 1 = 2,10,30
        let outputs = try SingleNode.run(
            "RNN",
            [
                Arrays.f(inputs, [3, 2, 1]), Arrays.f([1], [1, 1, 1]), Arrays.f([0], [1, 1, 1]), nil,
                Arrays.i32([2, 3], [2]),
            ],
            attributes: [.int("hidden_size", 1), .string("direction", "reverse"), .strings("activations", ["Relu"])],
            outputs: 2)
        // With R = 0 and Relu, each output is its own input; past a sequence's length it is zero.
        #expect(try outputs[0].floatValues() == [1, 2, 3, 10, 0, 30])
        // Reverse direction ends at time 0.
        #expect(try outputs[1].floatValues() == [1, 2])
    }

    @Test func gruLinearBeforeResetMatchesTheEquations() throws {
        let w: [Float] = [0.3, -0.5, 0.7]
        let r: [Float] = [0.2, 0.1, -0.4]
        let bias: [Float] = [0, 0.1, 0, 0.05, 0, 0.2]
        var h: Float = 0.5
        let x: Float = 2
        let z = sigmoid(w[0] * x + r[0] * h + bias[0] + bias[3])
        let reset = sigmoid(w[1] * x + r[1] * h + bias[1] + bias[4])
        let candidate = Foundation.tanh(w[2] * x + reset * (r[2] * h + bias[5]) + bias[2])
        h = (1 - z) * candidate + z * h
        let outputs = try SingleNode.run(
            "GRU",
            [
                Arrays.f([x], [1, 1, 1]), Arrays.f(w, [1, 3, 1]), Arrays.f(r, [1, 3, 1]), Arrays.f(bias, [1, 6]), nil,
                Arrays.f([0.5], [1, 1, 1]),
            ],
            attributes: [.int("hidden_size", 1), .int("linear_before_reset", 1)], outputs: 2)
        #expect(abs((try outputs[1].floatValues())[0] - h) < 1e-6)
    }
}
