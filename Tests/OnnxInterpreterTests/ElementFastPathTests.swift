import Foundation
import OnnxIR
import Testing

@testable import OnnxInterpreter

/// The fast paths for Transpose (AVX block transposes), Pad (block copies), Cast and Tanh
/// against straightforward per-element references, on shapes that hit their edges: sizes that
/// are not multiples of the 8- or 4-element blocks, 1-element axes, tensors large enough to be
/// split over the cores, and element types of 1, 2, 4 and 8 bytes.
@Suite struct ElementFastPathTests {
    /// Distinct bit patterns per element (so a misplaced element shows), as `width`-byte elements.
    static func patterned(_ count: Int, width: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * width)
        for index in 0..<count {
            let value = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 ^ 0x5A5A_5A5A_5A5A_5A5A
            for byte in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte)))) }
        }
        return bytes
    }

    /// Row-major strides of `shape` in elements.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        return strides
    }

    /// The multi-index of flat position `flat` in `shape`.
    static func index(_ flat: Int, _ shape: [Int]) -> [Int] {
        var remainder = flat
        var index = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            index[axis] = remainder % shape[axis]
            remainder /= shape[axis]
        }
        return index
    }

    static func bytes(of array: NDArray) -> [UInt8] { array.withUnsafeBytes { Array($0) } }

    /// Transpose element by element: output[i] = input[i permuted back], as raw bytes.
    static func referenceTranspose(_ input: [UInt8], shape: [Int], perm: [Int], width: Int) -> [UInt8] {
        let outputShape = perm.map { shape[$0] }
        let inputStrides = strides(shape)
        let count = shape.reduce(1, *)
        var output = [UInt8](repeating: 0, count: count * width)
        for flat in 0..<count {
            let outIndex = index(flat, outputShape)
            var source = 0
            for (axis, inputAxis) in perm.enumerated() { source += outIndex[axis] * inputStrides[inputAxis] }
            for byte in 0..<width { output[flat * width + byte] = input[source * width + byte] }
        }
        return output
    }

    static let elementTypes: [(DataType, Int)] = [(.float, 4), (.int64, 8), (.float16, 2), (.uint8, 1), (.int32, 4)]

    @Test(arguments: [
        ([1, 5, 7, 3], [0, 3, 1, 2]), ([1, 3, 5, 7], [0, 2, 3, 1]), ([1, 37, 29, 130], [0, 3, 1, 2]),
        ([1, 130, 37, 29], [0, 2, 3, 1]), ([2, 9, 17, 8], [0, 3, 1, 2]), ([3, 16, 8, 1], [0, 2, 3, 1]),
        ([1, 1, 1, 1], [0, 3, 1, 2]), ([1, 256, 1, 300], [0, 3, 1, 2]), ([4, 67], [1, 0]), ([67, 4], [1, 0]),
        ([5, 6, 7], [2, 0, 1]), ([8, 9, 10], [1, 2, 0]), ([2, 3, 4, 5], [3, 2, 1, 0]),
        ([3, 1, 9, 8, 2], [0, 4, 2, 3, 1]),
        ([1, 96, 40, 40], [0, 2, 3, 1]), ([1, 40, 40, 48], [0, 3, 1, 2]), ([1, 256, 5, 7], [0, 2, 3, 1]),
        ([1, 512, 6, 5], [0, 2, 3, 1]),
    ])
    func transposeMatchesTheIndexFormula(shape: [Int], perm: [Int]) throws {
        let count = shape.reduce(1, *)
        for (type, width) in Self.elementTypes {
            let data = Self.patterned(count, width: width)
            let input = try NDArray(data, dataType: type, shape: shape)
            let output = try SingleNode.run1("Transpose", [input], attributes: [.ints("perm", perm)])
            #expect(output.shape == perm.map { shape[$0] })
            let expected = Self.referenceTranspose(data, shape: shape, perm: perm, width: width)
            let actual = Self.bytes(of: output)
            let first = actual.indices.first { actual[$0] != expected[$0] }
            #expect(first == nil, "\(type) \(shape) perm \(perm): byte \(first ?? -1)")
        }
    }

    /// Pad element by element: every output position maps back through `mode`, or takes the fill.
    static func referencePad(
        _ input: [UInt8], shape: [Int], pads: [Int], mode: String, fill: [UInt8], width: Int
    ) -> (shape: [Int], bytes: [UInt8]) {
        let rank = shape.count
        let outputShape = (0..<rank).map { shape[$0] + pads[$0] + pads[$0 + rank] }
        let inputStrides = strides(shape)
        let count = outputShape.reduce(1, *)
        var output: [UInt8] = []
        for flat in 0..<count {
            let outIndex = index(flat, outputShape)
            var source = 0
            var inside = true
            for axis in 0..<rank {
                var position = outIndex[axis] - pads[axis]
                let dim = shape[axis]
                if position < 0 || position >= dim {
                    switch mode {
                    case "edge": position = position < 0 ? 0 : dim - 1
                    case "wrap": position = ((position % dim) + dim) % dim
                    case "reflect":
                        let period = 2 * (dim - 1)
                        position = period == 0 ? 0 : ((position % period) + period) % period
                        if position >= dim { position = period - position }
                    default: inside = false
                    }
                }
                source += position * inputStrides[axis]
            }
            output += inside ? Array(input[(source * width)..<((source + 1) * width)]) : fill
        }
        return (outputShape, output)
    }

    @Test(arguments: [
        ([1, 9, 11, 3], [0, 3, 3, 0, 0, 2, 4, 0]), ([1, 4, 13, 13], [0, 0, 1, 1, 0, 0, 1, 1]),
        ([2, 5, 6], [1, 0, 2, 0, 3, 1]), ([7], [3, 5]), ([3, 1, 4], [0, 2, 0, 0, 1, 0]),
        ([1, 120, 110, 3], [0, 3, 3, 0, 0, 3, 3, 0]), ([2, 64, 40, 40], [0, 0, 1, 1, 0, 0, 1, 1]),
        ([4, 5, 6], [0, 0, 0, 0, 0, 0]), ([4, 5, 6], [0, -1, 2, 0, 0, -2]), ([3, 8], [0, 0, 0, 9]),
    ])
    func padMatchesTheIndexFormula(shape: [Int], pads: [Int]) throws {
        let count = shape.reduce(1, *)
        for mode in ["constant", "edge", "wrap", "reflect"] {
            // Negative pads crop; modes other than constant then have nothing different to show.
            if pads.contains(where: { $0 < 0 }), mode != "constant" { continue }
            for (type, width) in Self.elementTypes {
                let data = Self.patterned(count, width: width)
                let input = try NDArray(data, dataType: type, shape: shape)
                let fillBytes = Self.patterned(count + 1, width: width).suffix(width)
                let value = try NDArray(Array(fillBytes), dataType: type, shape: [])
                let padValues: [Int64] = pads.map { Int64($0) }
                let padArray = try Arrays.i64(padValues, [pads.count])
                let output = try SingleNode.run1(
                    "Pad", [input, padArray, mode == "constant" ? value : nil],
                    attributes: [.string("mode", mode)])
                let expected = Self.referencePad(
                    data, shape: shape, pads: pads, mode: mode, fill: Array(fillBytes), width: width)
                #expect(output.shape == expected.shape, "\(mode) \(type) \(shape)")
                let actual = Self.bytes(of: output)
                let first = actual.indices.first { actual[$0] != expected.bytes[$0] }
                #expect(
                    actual.count == expected.bytes.count && first == nil,
                    "\(mode) \(type) \(shape) pads \(pads): byte \(first ?? -1)")
            }
        }
    }

    @Test func padRunsJoinConsecutivePositionsAndFills() {
        #expect(
            PadRun.runs(of: [-1, -1, 0, 1, 2, -1]) == [
                PadRun(start: 0, length: 2, position: -1), PadRun(start: 2, length: 3, position: 0),
                PadRun(start: 5, length: 1, position: -1),
            ])
        #expect(
            PadRun.runs(of: [0, 0, 0, 1, 1]) == [
                PadRun(start: 0, length: 1, position: 0), PadRun(start: 1, length: 1, position: 0),
                PadRun(start: 2, length: 2, position: 0), PadRun(start: 4, length: 1, position: 1),
            ])
        #expect(PadRun.runs(of: [2, 1, 0]).count == 3)
        #expect(PadRun.runs(of: []).isEmpty)
    }

    /// Lengths below and above the point where the loops split over the cores.
    static let castCounts = [1, 7, 8, 9, 100, 257 * 2048 + 3]

    @Test func boolCastsGiveZeroAndOne() throws {
        for count in Self.castCounts {
            let flags = (0..<count).map { ($0 * 7919) % 3 == 0 }
            let bytes = flags.map { UInt8($0 ? 1 : 0) }
            let input = try NDArray(bytes, dataType: .bool, shape: [count])
            let floats = try ElementConversion.convert(input, to: .float).elements(as: Float.self)
            #expect(floats == flags.map { $0 ? 1 : 0 }, "float \(count)")
            let longs = try ElementConversion.convert(input, to: .int64).elements(as: Int64.self)
            #expect(longs == flags.map { $0 ? 1 : 0 }, "int64 \(count)")
            let halves = try ElementConversion.convert(input, to: .float16).elements(as: UInt16.self)
            #expect(halves == flags.map { $0 ? 0x3C00 : 0 }, "float16 \(count)")
            let doubles = try ElementConversion.convert(input, to: .double).elements(as: Double.self)
            #expect(doubles == flags.map { $0 ? 1 : 0 }, "double \(count)")
            let back = try ElementConversion.convert(try NDArray(floats: floats, shape: [count]), to: .bool)
            #expect(try back.elements(as: UInt8.self) == bytes, "to bool \(count)")
        }
    }

    @Test func numericCastsMatchElementConversion() throws {
        for count in Self.castCounts {
            let ints = (0..<count).map { Int32(truncatingIfNeeded: $0 &* 2_654_435_761) }
            let input = try NDArray(ints, dataType: .int32, shape: [count])
            let floats = try ElementConversion.convert(input, to: .float).elements(as: Float.self)
            #expect(floats == ints.map { $0.converted(to: Float.self) }, "int32 to float \(count)")
            let bytes = try ElementConversion.convert(input, to: .uint8).elements(as: UInt8.self)
            #expect(bytes == ints.map { $0.converted(to: UInt8.self) }, "int32 to uint8 \(count)")
            let values = (0..<count).map { Float($0 % 601) * 0.37 - 111 }
            let source = try NDArray(floats: values, shape: [count])
            let truncated = try ElementConversion.convert(source, to: .int64).elements(as: Int64.self)
            #expect(truncated == values.map { $0.converted(to: Int64.self) }, "float to int64 \(count)")
            let flags = try ElementConversion.convert(source, to: .bool).elements(as: UInt8.self)
            #expect(flags == values.map { $0 == 0 ? 0 : 1 }, "float to bool \(count)")
        }
    }

    @Test func identityCastSharesTheInput() throws {
        let input = try Arrays.f([1, 2, 3], [3])
        let output = try ElementConversion.convert(input, to: .float)
        #expect(output.buffer === input.buffer)
    }

    static let tanhInputs = BitIdentity.grid(
        edges: [0, 0.0004, 7.90531110763549805, 1, .infinity, .nan, .leastNonzeroMagnitude], sweep: -9...9,
        count: 4001)

    @Test func vectorTanhMatchesFastTanhBitForBit() {
        for inPlace in [false, true] {
            let problem = BitIdentity.mismatch(
                of: { FloatFunction.tanh.apply($0, $1, count: $2) }, against: FastTanh.evaluate, on: Self.tanhInputs,
                inPlace: inPlace)
            #expect(problem == nil, "in place \(inPlace): \(problem ?? "")")
        }
        for length in [1, 5, 8, 13] {
            let inputs = Array(Self.tanhInputs.suffix(length + 400).prefix(length))
            let problem = BitIdentity.mismatch(
                of: { FloatFunction.tanh.apply($0, $1, count: $2) }, against: FastTanh.evaluate, on: inputs)
            #expect(problem == nil, "length \(length): \(problem ?? "")")
        }
    }

    /// Each output of a middle-axis float reduction, accumulated in Double in element order.
    static func referenceReduce(
        _ values: [Float], outer: Int, reduced: Int, inner: Int, operation: ReductionKernels.Operation
    ) -> [Float] {
        var results: [Float] = []
        for row in 0..<outer {
            for column in 0..<inner {
                var total: Double = operation == .product ? 1 : 0
                for index in 0..<reduced {
                    let value = Double(values[(row * reduced + index) * inner + column])
                    switch operation {
                    case .product: total *= value
                    case .l1: total += Swift.abs(value)
                    case .sumSquare, .l2: total += value * value
                    default: total += value
                    }
                }
                switch operation {
                case .mean: results.append(Float(total / Double(reduced)))
                case .l2: results.append(Float(total.squareRoot()))
                case .logSum: results.append(Float(Foundation.log(total)))
                default: results.append(Float(total))
                }
            }
        }
        return results
    }

    @Test(arguments: [(3, 37, 70), (1, 2048, 64), (2, 5, 1), (4, 1, 9), (1, 300, 129), (5, 0, 3)])
    func middleAxisReductionsMatchTheElementOrder(outer: Int, reduced: Int, inner: Int) throws {
        let count = outer * reduced * inner
        // Magnitudes that make the order of additions matter, and some of both signs.
        let values = (0..<count).map { index -> Float in
            let magnitude = Float(1 << (index % 23)) * (1 + Float(index % 7) / 9)
            return index % 3 == 0 ? -magnitude : magnitude / 1000
        }
        let x = try NDArray(floats: values, shape: [outer, reduced, inner])
        let operations: [ReductionKernels.Operation] = [.sum, .mean, .product, .l1, .l2, .logSum, .sumSquare]
        for operation in operations {
            let result = try ReductionKernels.reduce(x, axes: [1], keepDims: false, operation: operation)
            #expect(result.shape == [outer, inner])
            let expected = Self.referenceReduce(
                values, outer: outer, reduced: reduced, inner: inner, operation: operation)
            let first = BitIdentity.firstDifference(try result.elements(as: Float.self), expected)
            #expect(first == nil, "\(operation) [\(outer), \(reduced), \(inner)]: index \(first ?? -1)")
        }
    }

    /// Flat input position of output position `flat` for an input of `shape` broadcast to `output`.
    static func broadcastSource(_ flat: Int, output: [Int], shape: [Int]) -> Int {
        let outIndex = index(flat, output)
        let offset = output.count - shape.count
        let inputStrides = strides(shape)
        var source = 0
        for axis in 0..<shape.count where shape[axis] != 1 { source += outIndex[axis + offset] * inputStrides[axis] }
        return source
    }

    static var comparisons: [(String, (Double, Double) -> Bool)] {
        [
            ("Equal", { $0 == $1 }), ("Less", { $0 < $1 }), ("Greater", { $0 > $1 }), ("LessOrEqual", { $0 <= $1 }),
            ("GreaterOrEqual", { $0 >= $1 }),
        ]
    }

    @Test(arguments: [
        ([2048, 1], [257]), ([3, 1, 5], [1, 4, 1]), ([7], [7]), ([1], [13]), ([13], []), ([2, 3, 9], [9]),
        ([1, 17], [5, 1]), ([1, 1, 257], [1, 300, 1]),
    ])
    func comparisonsMatchTheOperatorsWithBroadcasting(shapeA: [Int], shapeB: [Int]) throws {
        let output = try Shapes.broadcast([shapeA, shapeB])
        let total = output.reduce(1, *)
        let pool: [Double] = [0, -0.0, 1, -1, 3, .nan, .infinity, -.infinity, 2, 1]
        let countA = shapeA.reduce(1, *)
        let countB = shapeB.reduce(1, *)
        let valuesA = (0..<countA).map { pool[($0 * 7) % pool.count] }
        let valuesB = (0..<countB).map { pool[($0 * 3 + 1) % pool.count] }
        let longs: (Double) -> Int64 = { $0.isFinite ? Int64($0) : ($0.isNaN ? 5 : ($0 > 0 ? .max : .min)) }
        let inputs: [(String, NDArray, NDArray, [Double], [Double])] = [
            (
                "float", try NDArray(floats: valuesA.map { Float($0) }, shape: shapeA),
                try NDArray(floats: valuesB.map { Float($0) }, shape: shapeB), valuesA, valuesB
            ),
            (
                "int64", try NDArray(int64s: valuesA.map(longs), shape: shapeA),
                try NDArray(int64s: valuesB.map(longs), shape: shapeB), valuesA.map { Double(longs($0)) },
                valuesB.map { Double(longs($0)) }
            ),
            (
                "int32", try Arrays.i32(valuesA.map { Int32(truncatingIfNeeded: longs($0)) }, shapeA),
                try Arrays.i32(valuesB.map { Int32(truncatingIfNeeded: longs($0)) }, shapeB),
                valuesA.map { Double(Int32(truncatingIfNeeded: longs($0))) },
                valuesB.map { Double(Int32(truncatingIfNeeded: longs($0))) }
            ),
            (
                "double", try NDArray(valuesA, dataType: .double, shape: shapeA),
                try NDArray(valuesB, dataType: .double, shape: shapeB), valuesA, valuesB
            ),
        ]
        for (typeName, a, b, plainA, plainB) in inputs {
            for (name, compare) in Self.comparisons {
                let result = try SingleNode.run1(name, [a, b])
                #expect(result.shape == output)
                let bytes = try result.elements(as: UInt8.self)
                let expected = (0..<total).map { flat -> UInt8 in
                    let x = plainA[Self.broadcastSource(flat, output: output, shape: shapeA)]
                    let y = plainB[Self.broadcastSource(flat, output: output, shape: shapeB)]
                    return compare(x, y) ? 1 : 0
                }
                let first = bytes.indices.first { bytes[$0] != expected[$0] }
                #expect(first == nil, "\(name) \(typeName) \(shapeA) \(shapeB): index \(first ?? -1)")
            }
        }
    }

    static var arithmetic: [(String, (Float, Float) -> Float)] {
        [("Add", { $0 + $1 }), ("Sub", { $0 - $1 }), ("Mul", { $0 * $1 }), ("Div", { $0 / $1 })]
    }

    @Test(arguments: [
        ([1, 5, 7, 19], [19]), ([19], [1, 5, 7, 19]), ([1, 5, 7, 19], [1, 1, 1, 19]), ([3, 64], [64]),
        ([64, 3], [64, 1]), ([2, 9, 33], [2, 1, 33]), ([40, 8], [40, 1]), ([40, 8], [1]), ([1, 300, 70], [300, 1]),
    ])
    func broadcastArithmeticRowsMatchTheOperators(shapeA: [Int], shapeB: [Int]) throws {
        let output = try Shapes.broadcast([shapeA, shapeB])
        let total = output.reduce(1, *)
        let valuesA = (0..<shapeA.reduce(1, *)).map { Float($0 % 97) * 0.731 - 30 }
        let valuesB = (0..<shapeB.reduce(1, *)).map { Float($0 % 13) * 1.37 - 7.5 }
        for (name, operation) in Self.arithmetic {
            let result = try SingleNode.run1(name, [Arrays.f(valuesA, shapeA), Arrays.f(valuesB, shapeB)])
            #expect(result.shape == output)
            let expected = (0..<total).map { flat in
                operation(
                    valuesA[Self.broadcastSource(flat, output: output, shape: shapeA)],
                    valuesB[Self.broadcastSource(flat, output: output, shape: shapeB)])
            }
            let first = BitIdentity.firstDifference(try result.elements(as: Float.self), expected)
            #expect(first == nil, "\(name) \(shapeA) \(shapeB): index \(first ?? -1)")
        }
    }

    @Test func clipMatchesTheScalarChoicesBitForBit() throws {
        let pool: [Float] = [0, -0.0, 1, -1, 6, 6.5, .nan, .infinity, -.infinity, 3, -3, 1e-40, -1e-40]
        let bounds: [Float?] = [0, -0.0, -1, 6, .nan, nil]
        for count in [1, 7, 8, 13, 61, 140_001] {
            let values = (0..<count).map { pool[($0 * 7) % pool.count] }
            for low in bounds {
                for high in bounds {
                    let inputs: [NDArray?] = [
                        try Arrays.f(values, [count]), try low.map { try Arrays.f([$0], []) },
                        try high.map { try Arrays.f([$0], []) },
                    ]
                    let result = try SingleNode.run1("Clip", inputs).elements(as: Float.self)
                    let expected = values.map { value -> Float in
                        if value.isNaN { return value }
                        let (floor, ceiling) = (low ?? -.infinity, high ?? .infinity)
                        let raised = value < floor ? floor : value
                        return raised > ceiling ? ceiling : raised
                    }
                    let first = BitIdentity.firstDifference(result, expected)
                    #expect(
                        first == nil, "count \(count) low \(String(describing: low)) high \(String(describing: high))")
                }
            }
        }
    }
}
