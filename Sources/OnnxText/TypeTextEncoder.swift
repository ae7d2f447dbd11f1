import OnnxIR

/// Writes value types (`float[N,3]`, `seq(int64)`, ...) in the textual syntax.
enum TypeTextEncoder {
    /// The type's text, nil when the syntax cannot express it (no element type, an empty `TypeProto`, ...).
    static func text(_ type: ValueType) -> String? {
        switch type.kind {
        case .tensor(let elementType, let shape):
            return tensorText(elementType, shape)
        case .sparseTensor(let elementType, let shape):
            return tensorText(elementType, shape).map { "sparse_tensor(\($0))" }
        case .sequence(let element):
            return element.flatMap(text).map { "seq(\($0))" }
        case .optional(let element):
            return element.flatMap(text).map { "optional(\($0))" }
        case .map(let keyType, let valueType):
            guard let key = keyType.flatMap(TextSyntax.name(of:)), let value = valueType.flatMap(text) else {
                return nil
            }
            return "map(\(key), \(value))"
        case .opaque(let domain, let name):
            return opaqueText(domain: domain ?? "", name: name ?? "")
        case .none:
            return nil
        }
    }

    /// `float`, `float[]` (unknown rank) or `float[2,N,?]`.
    static func tensorText(_ elementType: DataType?, _ shape: Shape?) -> String? {
        guard let name = elementType.flatMap(TextSyntax.name(of:)) else { return nil }
        guard let shape else { return name + "[]" }
        return shape.rank == 0 ? name : name + "[" + shape.dimensions.map(dimensionText).joined(separator: ",") + "]"
    }

    /// A static tensor type, as tensors are written (`float[2,3]`, `int64`).
    static func tensorText(_ elementType: DataType, dims: [Int64]) -> String? {
        guard let name = TextSyntax.name(of: elementType) else { return nil }
        return dims.isEmpty ? name : name + "[" + dims.map(String.init).joined(separator: ",") + "]"
    }

    static func dimensionText(_ dimension: Dimension) -> String {
        switch dimension.kind {
        case .known(let size): return String(size)
        case .symbolic(let symbol): return TextSyntax.name(symbol)
        case .unknown: return "?"
        }
    }

    /// `opaque()`, `opaque(name)` or `opaque(domain,name)`; the parser takes only dotted identifiers here.
    private static func opaqueText(domain: String, name: String) -> String? {
        func isDotted(_ text: String) -> Bool {
            text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
                TextSyntax.isIdentifier(String($0))
            }
        }
        if domain.isEmpty { return name.isEmpty || isDotted(name) ? "opaque(\(name))" : nil }
        guard TextSyntax.isIdentifier(name), isDotted(domain) else { return nil }
        return "opaque(\(domain),\(name))"
    }
}
