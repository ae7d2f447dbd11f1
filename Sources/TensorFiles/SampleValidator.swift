import OnnxIR

/// Checks that a sample fits a model's graph inputs before it is run.
///
/// Every required input must be present and no unknown name may appear; element
/// types must be equal, ranks equal, and static dimensions equal. Symbolic and
/// unknown dimensions accept any size. Inputs that have an initializer (a default
/// value, allowed before IR version 4) are optional.
public struct SampleValidator: Sendable {
    /// Inputs every sample must give.
    public let required: [InputSpec]
    /// Inputs a sample may give.
    public let optional: [InputSpec]

    /// A validator for the given inputs.
    public init(required: [InputSpec], optional: [InputSpec] = []) {
        self.required = required
        self.optional = optional
    }

    /// A validator for `graph`'s inputs.
    public init(graph: Graph) {
        self.init(
            required: graph.inputs.filter { $0.initializer == nil }.map(InputSpec.init(value:)),
            optional: graph.inputs.filter { $0.initializer != nil }.map(InputSpec.init(value:)))
    }

    /// Throws a `TensorFileError` naming the sample's file and the input when `sample` does not fit.
    public func validate(_ sample: Sample) throws {
        for spec in required where sample.inputs[spec.name] == nil {
            let given = sample.inputs.keys.sorted().joined(separator: ", ")
            throw failure(
                sample, "input '\(spec.name)' is missing (the sample has: \(given.isEmpty ? "nothing" : given))")
        }
        let specs = Dictionary((required + optional).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in sample.inputs.keys.sorted() {
            guard let spec = specs[name] else {
                let expected = required.map(\.name).joined(separator: ", ")
                throw failure(sample, "input '\(name)' is not a model input (the model takes: \(expected))")
            }
            if let tensor = sample.inputs[name] { try check(tensor, against: spec, sample: sample) }
        }
    }

    private func check(_ tensor: Tensor, against spec: InputSpec, sample: Sample) throws {
        if let expected = spec.elementType, expected != .undefined, tensor.dataType != expected {
            throw failure(
                sample, "input '\(spec.name)' has element type \(tensor.dataType), the model expects \(expected)")
        }
        guard let shape = spec.shape else { return }
        let actual = "[" + tensor.dims.map(String.init).joined(separator: ",") + "]"
        guard tensor.dims.count == shape.rank else {
            throw failure(
                sample,
                "input '\(spec.name)' has shape \(actual) (rank \(tensor.dims.count)), the model expects \(shape)")
        }
        for (size, dimension) in zip(tensor.dims, shape.dimensions) {
            // Exporters such as Paddle write -1 for a dynamic dimension; only sizes >= 0 are fixed.
            if let expected = dimension.value, expected >= 0, expected != size {
                throw failure(sample, "input '\(spec.name)' has shape \(actual), the model expects \(shape)")
            }
        }
    }

    private func failure(_ sample: Sample, _ reason: String) -> TensorFileError {
        TensorFileError(path: sample.source, reason: "sample '\(sample.name)': \(reason)")
    }
}
