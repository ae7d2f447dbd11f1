import OnnxIR

/// Multiply-accumulates of the compute layers (Conv, ConvTranspose, MatMul, Gemm) from one run's tensor shapes:
/// what leaving a tensor wide costs is measured in the MACs of the layers that read it.
enum LayerCost {
    /// The op types whose MACs count.
    static let computeOps: Set<String> = ["Conv", "ConvTranspose", "MatMul", "Gemm"]

    /// The MACs of one run of `node`, a compute layer; nil for another op or an unknown shape.
    static func macs(of node: Node, shapes: [String: [Int]]) -> Int? {
        guard computeOps.contains(node.opType), node.domain.isEmpty || node.domain == "ai.onnx" else { return nil }
        let shape = { (index: Int) -> [Int]? in
            guard index < node.inputs.count, let value = node.inputs[index] else { return nil }
            return shapes[value.name] ?? value.initializer.map { $0.dims.map { Int($0) } }
        }
        guard let output = node.outputs.first ?? nil, let outputShape = shapes[output.name] else { return nil }
        let outputs = outputShape.reduce(1, *)
        switch node.opType {
        case "Conv":
            guard let weight = shape(1), weight.count >= 2 else { return nil }
            return outputs * weight.dropFirst().reduce(1, *)
        case "ConvTranspose":
            guard let input = shape(0), let weight = shape(1), weight.count >= 2 else { return nil }
            return input.reduce(1, *) * weight.dropFirst().reduce(1, *)
        case "MatMul":
            guard let input = shape(0), let inner = input.last else { return nil }
            return outputs * inner
        default:
            guard let input = shape(0), input.count == 2 else { return nil }
            let transposed = node.attribute("transA")?.int == 1
            return outputs * (transposed ? input[0] : input[1])
        }
    }
}
