import OnnxIR

/// Combines a declared type with an inferred one: keeps everything declared, adds what inference knows better.
enum TypeMerge {
    /// The merged type, or nil when inference adds nothing; a contradiction is an error naming node and value.
    static func merge(declared: ValueType?, inferred: TensorSignature, value: Value, node: Node) throws -> ValueType? {
        let current = TensorSignature(declared) ?? TensorSignature(nil, nil)
        func conflict() -> ShapeInferenceError {
            ShapeInferenceError(
                node: node.displayName, opType: node.opType,
                message: "value '\(value.name)' is declared \(text(current)) but inferred \(text(inferred))")
        }
        var changed = false
        var elementType = current.elementType
        if let type = inferred.elementType {
            if let known = elementType, known != type { throw conflict() }
            if elementType == nil {
                elementType = type
                changed = true
            }
        }
        var shape = declared?.tensorShape
        if let dimensions = inferred.dimensions {
            if let existing = shape {
                guard existing.rank == dimensions.count else { throw conflict() }
                var refined = existing.dimensions
                for axis in refined.indices {
                    let old = DimensionMath.normalized(refined[axis])
                    guard let better = DimensionMath.merge(old, dimensions[axis]) else { throw conflict() }
                    if better.kind != old.kind {
                        refined[axis] = Dimension(better.kind, denotation: refined[axis].denotation)
                        changed = true
                    }
                }
                shape = Shape(refined)
            } else {
                shape = Shape(dimensions)
                changed = true
            }
        }
        guard changed else { return nil }
        return ValueType(.tensor(elementType: elementType, shape: shape), denotation: declared?.denotation)
    }

    /// `float[3,N]`, `?[3]`, `float[?]`... for messages.
    static func text(_ signature: TensorSignature) -> String {
        let type = signature.elementType.map(\.description) ?? "?"
        guard let dimensions = signature.dimensions else { return type + " of unknown rank" }
        return type + Shape(dimensions).description
    }
}
