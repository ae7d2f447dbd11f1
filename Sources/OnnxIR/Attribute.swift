/// A named attribute of a node.
public struct Attribute {
    /// The attribute's name.
    public var name: String
    /// Its value.
    public var value: AttributeValue
    /// Inside a function body: the caller's attribute whose value this one takes.
    public var refAttrName: String?
    /// Documentation.
    public var docString: String?
    /// Whether the file wrote the `type` field (very old models leave it out).
    public var hasTypeField: Bool

    /// Creates an attribute.
    public init(
        _ name: String, _ value: AttributeValue, refAttrName: String? = nil, docString: String? = nil,
        hasTypeField: Bool = true
    ) {
        self.name = name
        self.value = value
        self.refAttrName = refAttrName
        self.docString = docString
        self.hasTypeField = hasTypeField
    }

    /// The integer value, if this is an `int` attribute.
    public var int: Int64? {
        if case .int(let value) = value { return value }
        return nil
    }

    /// The float value, if this is a `float` attribute.
    public var float: Float? {
        if case .float(let value) = value { return value }
        return nil
    }

    /// The string value decoded as UTF-8, if this is a `string` attribute.
    public var string: String? {
        if case .string(let bytes) = value { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// The integers, if this is an `ints` attribute.
    public var ints: [Int64]? {
        if case .ints(let values) = value { return values }
        return nil
    }

    /// The floats, if this is a `floats` attribute.
    public var floats: [Float]? {
        if case .floats(let values) = value { return values }
        return nil
    }

    /// The tensor, if this is a `tensor` attribute.
    public var tensor: Tensor? {
        if case .tensor(let value) = value { return value }
        return nil
    }

    /// The subgraphs this attribute holds (none, one, or a list).
    public var subgraphs: [Graph] {
        switch value {
        case .graph(let graph): return [graph]
        case .graphs(let graphs): return graphs
        default: return []
        }
    }
}
