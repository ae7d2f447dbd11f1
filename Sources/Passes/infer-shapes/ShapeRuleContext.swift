import OnnxIR

/// What a shape rule may read about one node: its inputs' signatures, known constant contents, attributes.
struct ShapeRuleContext {
    /// The node being inferred.
    let node: Node
    /// The imported version of the default domain.
    let opset: Int64
    /// The signature of each input slot; nil for an omitted input or an unknown type.
    let inputs: [TensorSignature?]
    /// The known elements of small integer inputs (shapes, axes, sizes), one dimension per element.
    let contents: [[Dimension]?]
    /// The constant tensor of each input, when it is one.
    let constants: [Tensor?]

    /// Whether input `index` is given.
    func hasInput(_ index: Int) -> Bool { index < node.inputs.count && node.inputs[index] != nil }

    /// The signature of input `index`.
    func input(_ index: Int) -> TensorSignature? { index < inputs.count ? inputs[index] : nil }

    /// The element type of input `index`.
    func elementType(_ index: Int) -> DataType? { input(index)?.elementType }

    /// The dimensions of input `index`.
    func dimensions(_ index: Int) -> [Dimension]? { input(index)?.dimensions }

    /// The rank of input `index`.
    func rank(_ index: Int) -> Int? { input(index)?.rank }

    /// The known elements of input `index`, some possibly symbolic or unknown.
    func contents(_ index: Int) -> [Dimension]? { index < contents.count ? contents[index] : nil }

    /// The elements of input `index` when every one is a known integer.
    func integers(_ index: Int) -> [Int64]? {
        guard let elements = contents(index) else { return nil }
        let values = elements.compactMap(\.value)
        return values.count == elements.count ? values : nil
    }

    /// The elements of constant input `index` as numbers.
    func numbers(_ index: Int) -> [Double]? {
        guard index < constants.count, let tensor = constants[index] else { return nil }
        return ConstantData.doubles(tensor)
    }

    // MARK: - Attributes

    /// An `int` attribute, or `defaultValue` when absent.
    func int(_ name: String, default defaultValue: Int64) throws -> Int64 {
        try optionalInt(name) ?? defaultValue
    }

    /// An `int` attribute, if present.
    func optionalInt(_ name: String) throws -> Int64? {
        guard let attribute = node.attribute(name) else { return nil }
        guard let value = attribute.int else { throw fail("attribute '\(name)' is not an int") }
        return value
    }

    /// An `ints` attribute, if present.
    func ints(_ name: String) throws -> [Int64]? {
        guard let attribute = node.attribute(name) else { return nil }
        guard let values = attribute.ints else { throw fail("attribute '\(name)' is not a list of ints") }
        return values
    }

    /// A `float` attribute, if present.
    func float(_ name: String) throws -> Float? {
        guard let attribute = node.attribute(name) else { return nil }
        guard let value = attribute.float else { throw fail("attribute '\(name)' is not a float") }
        return value
    }

    /// A `floats` attribute, if present.
    func floats(_ name: String) throws -> [Float]? {
        guard let attribute = node.attribute(name) else { return nil }
        guard let values = attribute.floats else { throw fail("attribute '\(name)' is not a list of floats") }
        return values
    }

    /// A `string` attribute, or `defaultValue` when absent.
    func string(_ name: String, default defaultValue: String) throws -> String {
        guard let attribute = node.attribute(name) else { return defaultValue }
        guard let value = attribute.string else { throw fail("attribute '\(name)' is not a string") }
        return value
    }

    // MARK: - Helpers

    /// An error about this node.
    func fail(_ message: String) -> ShapeInferenceError {
        ShapeInferenceError(node: node.displayName, opType: node.opType, message: message)
    }

    /// `axis` made non-negative for a tensor of rank `rank`; out of range is an error.
    func axis(_ axis: Int64, rank: Int, name: String = "axis") throws -> Int {
        let resolved = axis < 0 ? axis + Int64(rank) : axis
        guard resolved >= 0, resolved < Int64(rank) else {
            throw fail("\(name) \(axis) is out of range for rank \(rank)")
        }
        return Int(resolved)
    }

    /// `[3,N,?]` for messages.
    static func text(_ dimensions: [Dimension]) -> String { Shape(dimensions).description }
}
