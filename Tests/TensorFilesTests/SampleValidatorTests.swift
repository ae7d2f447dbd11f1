import Foundation
import OnnxIR
import Testing

@testable import TensorFiles

/// A sample is checked against the model's inputs, and the error names the sample file and the input.
@Suite struct SampleValidatorTests {
    static let validator = SampleValidator(
        required: [
            InputSpec(name: "x", elementType: .float, shape: Shape([.symbolic("N"), .known(3), .unknown])),
            InputSpec(name: "ids", elementType: .int64, shape: Shape(static: [1, 4])),
            InputSpec(name: "anything", elementType: nil, shape: nil),
        ],
        optional: [InputSpec(name: "bias", elementType: .float, shape: Shape(static: [3]))])

    static func sample(_ inputs: [String: Tensor]) -> Sample {
        Sample(name: "0007", inputs: inputs, source: "/data/calib/0007.npz")
    }

    static func valid() throws -> [String: Tensor] {
        [
            "x": try Tensor(floats: [Float](repeating: 0, count: 30), dims: [2, 3, 5]),
            "ids": try Tensor(floats: [1, 2, 3, 4], dataType: .int64, dims: [1, 4]),
            "anything": try Tensor(floats: [1], dataType: .uint8, dims: []),
        ]
    }

    @Test func acceptsSymbolicUnknownAndOptionalInputs() throws {
        try Self.validator.validate(Self.sample(try Self.valid()))
        var withOptional = try Self.valid()
        withOptional["bias"] = try Tensor(floats: [1, 2, 3], dims: [3])
        try Self.validator.validate(Self.sample(withOptional))
    }

    @Test(arguments: [
        ("missing", "input 'ids' is missing"),
        ("unknown", "input 'extra' is not a model input"),
        ("type", "input 'ids' has element type int32, the model expects int64"),
        ("rank", "input 'x' has shape [2,3] (rank 2), the model expects [N,3,?]"),
        ("dim", "input 'ids' has shape [1,5], the model expects [1,4]"),
    ])
    func rejectsWithFileSampleAndInput(problem: String, message: String) throws {
        var inputs = try Self.valid()
        switch problem {
        case "missing": inputs["ids"] = nil
        case "unknown": inputs["extra"] = try Tensor(floats: [1], dims: [1])
        case "type": inputs["ids"] = try Tensor(floats: [1, 2, 3, 4], dataType: .int32, dims: [1, 4])
        case "rank": inputs["x"] = try Tensor(floats: [0, 0, 0, 0, 0, 0], dims: [2, 3])
        default: inputs["ids"] = try Tensor(floats: [1, 2, 3, 4, 5], dataType: .int64, dims: [1, 5])
        }
        #expect {
            try Self.validator.validate(Self.sample(inputs))
        } throws: { error in
            let text = (error as? TensorFileError)?.description ?? ""
            return text.hasPrefix("/data/calib/0007.npz: sample '0007': \(message)")
        }
    }

    @Test func graphInputsWithInitializersAreOptional() throws {
        let graph = Graph(
            inputs: [
                Value(name: "x", type: .tensor(.float, Shape(static: [2]))),
                Value(name: "w", type: .tensor(.float, Shape(static: [2]))),
            ])
        graph.inputs[1].initializer = try Tensor(floats: [1, 1], dims: [2])
        let validator = SampleValidator(graph: graph)
        #expect(validator.required.map(\.name) == ["x"])
        #expect(validator.optional.map(\.name) == ["w"])
        try validator.validate(
            Sample(name: "s", inputs: ["x": try Tensor(floats: [1, 2], dims: [2])], source: "s.npz"))
    }
}
