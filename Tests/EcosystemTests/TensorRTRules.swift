import Foundation
import OnnxIO
import OnnxIR

/// The rules a model quantized for TensorRT must follow: every zero point 0, every weight DequantizeLinear
/// per-channel int8 (or another format the user asked for) on its operator's output-channel axis, and no
/// QuantizeLinear/DequantizeLinear output that is a graph output.
enum TensorRTRules {
    /// The broken rules of the model at `path`, one line each (empty when it follows them all).
    static func violations(modelAt path: String, weightType: DataType = .int8) throws -> [String] {
        violations(of: try ModelReader.read(path: path), weightType: weightType)
    }

    /// The broken rules of `model`, one line each.
    static func violations(of model: Model, weightType: DataType = .int8) -> [String] {
        let graph = model.graph
        var problems: [String] = []
        let qdq = graph.nodes.filter { ["QuantizeLinear", "DequantizeLinear"].contains($0.opType) }
        for node in qdq {
            guard node.inputs.count == 3, let zero = node.inputs[2], let tensor = zero.initializer else {
                problems.append("\(node.displayName): no constant zero point")
                continue
            }
            if let bytes = try? tensor.rawBytes(), bytes.contains(where: { $0 != 0 }) {
                problems.append("\(node.displayName): zero point is not 0")
            }
            for output in node.outputs.compactMap({ $0 }) where graph.outputs.contains(where: { $0 === output }) {
                problems.append("\(node.displayName): its output '\(output.name)' is a graph output")
            }
        }
        for node in qdq where node.opType == "DequantizeLinear" {
            guard let data = node.inputs.first ?? nil, let weight = data.initializer,
                let output = node.outputs.first ?? nil
            else { continue }
            for use in output.uses where use.inputIndex == 1 {
                guard let axis = expectedAxis(of: use.node, rank: weight.dims.count) else { continue }
                if weight.dataType != weightType {
                    problems.append("\(node.displayName): weight type \(weight.dataType), expected \(weightType)")
                }
                guard let scale = node.inputs[1]?.initializer else { continue }
                let actualAxis = Int(node.attribute("axis")?.int ?? 1)
                let normalized = actualAxis < 0 ? actualAxis + weight.dims.count : actualAxis
                if scale.dims != [weight.dims[axis]] || normalized != axis {
                    problems.append(
                        "\(node.displayName): weight of \(use.node.opType) '\(use.node.displayName)' must be "
                            + "per-channel on axis \(axis) (scale \(scale.dims), axis \(actualAxis))")
                }
            }
        }
        return problems
    }

    /// The output-channel axis of the weight input of `node`, nil when it has none.
    private static func expectedAxis(of node: Node, rank: Int) -> Int? {
        switch node.opType {
        case "Conv": return 0
        case "ConvTranspose": return 1
        case "Gemm": return (node.attribute("transB")?.int ?? 0) != 0 ? 0 : 1
        case "MatMul": return rank >= 2 ? rank - 1 : nil
        default: return nil
        }
    }
}
