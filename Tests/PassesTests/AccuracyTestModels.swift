import Foundation
import OnnxIO
import OnnxIR
import OnnxInterpreter
import OnnxText

/// Small generated models and float comparisons for the `equalize` and `correct-bias` tests.
enum AccuracyTestModels {
    /// A deterministic generator (64-bit LCG) so the models and inputs are the same on every run.
    struct Numbers {
        private var state: UInt64

        init(seed: UInt64) { state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }

        /// Uniform in [0, 1).
        mutating func unit() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }

        /// Uniform in [-1, 1).
        mutating func signed() -> Float { Float(unit() * 2 - 1) }
    }

    /// A MobileNet-style CNN: Conv 3x3 → Relu → depthwise 3x3 (stride 2) → Relu → Conv 1x1 → Relu →
    /// depthwise 3x3 → Clip(0, 6) → Conv 1x1. Output channels get magnitudes spread over four decades (as
    /// BatchNorm folding leaves them), so equalization has work to do.
    static func mobileNetBlocks(seed: UInt64 = 17) throws -> Model {
        var numbers = Numbers(seed: seed)
        func weights(_ outputs: Int, _ perOutput: Int) -> String {
            var values: [String] = []
            for _ in 0..<outputs {
                let magnitude = pow(10, numbers.unit() * 4 - 2)
                for _ in 0..<perOutput { values.append(String(Float(magnitude) * numbers.signed())) }
            }
            return values.joined(separator: ", ")
        }
        func bias(_ count: Int) -> String {
            (0..<count).map { _ in String(numbers.signed() * 0.5) }.joined(separator: ", ")
        }
        let text = """
            <
               ir_version: 8,
               opset_import: ["" : 17]
            >
            mobilenet (float[1,3,8,8] x) => (float[1,4,4,4] y)
               <float[8,3,3,3] w1 = {\(weights(8, 27))}, float[8] b1 = {\(bias(8))},
                float[8,1,3,3] dw1 = {\(weights(8, 9))}, float[8] bd1 = {\(bias(8))},
                float[16,8,1,1] w2 = {\(weights(16, 8))}, float[16] b2 = {\(bias(16))},
                float[16,1,3,3] dw2 = {\(weights(16, 9))}, float[16] bd2 = {\(bias(16))},
                float[4,16,1,1] w3 = {\(weights(4, 16))}, float[4] b3 = {\(bias(4))},
                float low = {0}, float high = {6}>
            {
               c1 = Conv <pads = [1, 1, 1, 1]> (x, w1, b1)
               r1 = Relu (c1)
               d1 = Conv <group = 8, pads = [1, 1, 1, 1], strides = [2, 2]> (r1, dw1, bd1)
               rd1 = Relu (d1)
               c2 = Conv (rd1, w2, b2)
               r2 = Relu (c2)
               d2 = Conv <group = 16, pads = [1, 1, 1, 1]> (r2, dw2, bd2)
               rd2 = Clip (d2, low, high)
               y = Conv (rd2, w3, b3)
            }
            """
        return try TextParser.parseModel(text)
    }

    /// Random inputs for every float graph input of `model` with a static shape, the same for a seed.
    static func inputs(for model: Model, seed: UInt64) throws -> [String: NDArray] {
        var numbers = Numbers(seed: seed)
        var arrays: [String: NDArray] = [:]
        for input in model.graph.inputs where input.initializer == nil {
            guard let shape = input.type?.tensorShape else { continue }
            var dims: [Int] = []
            for dimension in shape.dimensions { dims.append(Int(dimension.value ?? 1)) }
            let count = dims.reduce(1, *)
            arrays[input.name] = try NDArray(floats: (0..<count).map { _ in numbers.signed() * 2 }, shape: dims)
        }
        return arrays
    }

    /// The outputs of `model` on `inputs`, by name.
    static func outputs(_ model: Model, _ inputs: [String: NDArray]) throws -> [String: [Float]] {
        try Interpreter(model: model).run(inputs).mapValues { try $0.floatValues() }
    }

    /// The largest `|a − b| / (|b| + 0.1 · max|b|)` over the outputs, the measure of
    /// Tests/Python/compare_float_models.py: below `rtol` means `|a − b| ≤ rtol · |b| + rtol/10 · max|b|`
    /// (rtol 1e-4 with its atol 1e-5), so values near zero are held to the output's scale, not to themselves.
    static func largestRelativeDifference(_ a: [String: [Float]], _ b: [String: [Float]]) -> Double {
        var largest = 0.0
        for (name, reference) in b {
            guard let values = a[name], values.count == reference.count else { return .infinity }
            let scale = Double(reference.map { abs($0) }.max() ?? 0) * 0.1
            for (value, expected) in zip(values, reference) {
                let difference = abs(Double(value) - Double(expected))
                largest = max(largest, difference / (abs(Double(expected)) + scale + .leastNormalMagnitude))
            }
        }
        return largest
    }

    /// The model's protobuf bytes.
    static func bytes(_ model: Model) throws -> Data { try ModelWriter.serialize(model) }
}
