import OnnxIR
import OnnxInterpreter

/// Elements of ONNX's node test data whose value ONNX's own operator spec leaves undefined.
///
/// The Cast spec (onnx 1.23.2) says a float cast to a fixed-point type is "undefined if OOR"
/// (out of range), yet `test_cast_FLOAT_to_INT4` and its FLOAT16, UINT4, INT2, UINT2 and
/// CastLike twins pin such elements to whatever the generator's `ml_dtypes` computes: 0.5.x
/// wrapped (-9 → 7), 0.7.0 gives 0. Those elements are not compared; every element in range
/// still is. The interpreter saturates them (`CastKernelTests.floatToPackedIntegersSaturates`).
enum SpecUndefinedElements {
    /// The packed integer types and the values each can hold.
    static let packedRanges: [DataType: ClosedRange<Float>] = [
        .int4: -8...7, .uint4: 0...15, .int2: -2...1, .uint2: 0...3,
    ]

    /// Which elements of the single output are defined, for a float → packed-integer cast case; else nil.
    static func definedMask(model: Model, inputs: [String: NDArray]) throws -> [Bool]? {
        let operators = Set(model.graph.allNodes().map(\.opType))
        guard operators.isSubset(of: ["Cast", "CastLike"]), model.graph.outputs.count == 1,
            case .tensor(let outputType?, _)? = model.graph.outputs[0].type?.kind,
            let range = packedRanges[outputType],
            let source = model.graph.inputs.first, let input = inputs[source.name],
            input.dataType.isFloatingPoint
        else { return nil }
        return try floats(input).map { !$0.isNaN && range.contains($0) }
    }

    /// Compares `actual` with `expected` on the defined elements only; nil when they agree.
    static func mismatch(_ actual: NDArray, _ expected: NDArray, defined: [Bool]) throws -> String? {
        let (got, want) = (try floats(actual), try floats(expected))
        guard got.count == want.count, got.count == defined.count else {
            return "\(got.count) elements, expected \(want.count)"
        }
        for index in got.indices where defined[index] && got[index] != want[index] {
            return "element \(index): \(got[index]) != expected \(want[index])"
        }
        return nil
    }

    /// The elements as float32, through the interpreter's own Cast.
    private static func floats(_ array: NDArray) throws -> [Float] {
        try SingleNode.run1("Cast", [array], attributes: [.int("to", Int(DataType.float.rawValue))]).floatValues()
    }
}
