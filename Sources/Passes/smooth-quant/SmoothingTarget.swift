import OnnxIR

/// One weight layer `smooth-quant` may smooth: a MatMul, Gemm or 1×1 Conv reading an activation
/// (input 0) with a constant float32 weight (input 1).
struct SmoothingTarget {
    /// How the layer lays out its weight.
    enum Kind: Equatable {
        /// `MatMul(X, W)`, `W` of shape `[K, N]`.
        case matMul
        /// `Gemm(X, B, C)` with `transA = 0`; `B` is `[K, N]`, or `[N, K]` with `transB = 1`.
        case gemm(transB: Bool)
        /// `Conv(X, W, B)` with `group = 1` and a 1×1 kernel; `W` is `[M, K, 1, ...]`.
        case conv
    }

    /// The layer.
    let node: Node
    /// Its weight layout.
    let kind: Kind
    /// The weight's shape.
    let weightShape: [Int]
    /// The input channels `K`.
    let channels: Int
    /// The output channels `N` (or `M`).
    let outputs: Int

    /// The activation this layer reads.
    var activation: Value? { node.inputs.first ?? nil }

    /// The weight value (input 1).
    var weight: Value? { node.inputs.count > 1 ? node.inputs[1] : nil }

    /// The axis of the activation holding its channels, counted from the end.
    var activationAxisFromEnd: Int {
        kind == .conv ? 1 - weightShape.count : -1
    }

    /// The axis of the weight holding the input channels (the rows `s` multiplies), counted from the end.
    var weightAxisFromEnd: Int {
        switch kind {
        case .matMul, .gemm(transB: false): return -2
        case .gemm(transB: true): return -1
        case .conv: return 1 - weightShape.count
        }
    }

    /// The name used in remarks and records.
    var displayName: String { node.displayName }

    /// The layer for `node`, `.failure` with a reason when it is of a kind `smooth-quant` handles but
    /// cannot smooth, nil when it is not a MatMul, Gemm or Conv with a constant weight at all.
    static func make(_ node: Node) -> Result<SmoothingTarget, SmoothingRefusal>? {
        guard OpsetImport.isDefaultDomain(node.domain), ["MatMul", "Gemm", "Conv"].contains(node.opType) else {
            return nil
        }
        // Products of two activations (attention scores) have no weight to take the factors: not candidates.
        guard node.inputs.count >= 2, let activation = node.inputs[0], let weight = node.inputs[1],
            !ConstantData.isConstant(activation), let tensor = ConstantData.tensor(of: weight)
        else { return nil }
        guard tensor.dataType == .float else { return .failure(.init("its weight is not float32")) }
        let shape = tensor.dims.map(Int.init)
        let kind: Kind
        switch node.opType {
        case "MatMul":
            guard shape.count == 2 else { return .failure(.init("its weight is not 2-D")) }
            kind = .matMul
        case "Gemm":
            guard shape.count == 2 else { return .failure(.init("its weight is not 2-D")) }
            guard intAttribute(node, "transA") == 0 else { return .failure(.init("it has transA=1")) }
            kind = .gemm(transB: intAttribute(node, "transB") != 0)
        default:
            guard shape.count >= 3, shape[2...].allSatisfy({ $0 == 1 }) else {
                return .failure(.init("it is not a 1×1 convolution"))
            }
            guard intAttribute(node, "group", default: 1) == 1 else {
                return .failure(.init("it is a grouped convolution"))
            }
            kind = .conv
        }
        let channels: Int
        let outputs: Int
        switch kind {
        case .matMul, .gemm(transB: false): (channels, outputs) = (shape[0], shape[1])
        case .gemm(transB: true): (channels, outputs) = (shape[1], shape[0])
        case .conv: (channels, outputs) = (shape[1], shape[0])
        }
        guard channels > 0, outputs > 0 else { return .failure(.init("its weight is empty")) }
        let readers = weight.uses.count
        if readers > 1 {
            return .failure(.sharedWeight("its weight '\(weight.name)' is shared with \(readers - 1) other reader(s)"))
        }
        return .success(
            SmoothingTarget(node: node, kind: kind, weightShape: shape, channels: channels, outputs: outputs))
    }

    /// The current weight, decoded: its shape and row-major values; nil when it is not a readable float32 constant.
    func currentWeight() -> (shape: [Int], values: [Float])? {
        guard let weight, let tensor = ConstantData.tensor(of: weight), let values = ConstantData.floats(tensor)
        else { return nil }
        return (tensor.dims.map(Int.init), values)
    }

    /// `values`, the weight's (`currentWeight`), as a `[K, N]` row-major matrix (input channels first).
    func weightMatrix(_ values: [Float]) -> [Float]? {
        guard values.count == channels * outputs else { return nil }
        switch kind {
        case .matMul, .gemm(transB: false): return values
        case .gemm(transB: true), .conv:
            return ChannelScaling.transposed(values, rows: outputs, columns: channels)
        }
    }

    private static func intAttribute(_ node: Node, _ name: String, default fallback: Int64 = 0) -> Int64 {
        guard let attribute = node.attribute(name), case .int(let value) = attribute.value else { return fallback }
        return value
    }
}
