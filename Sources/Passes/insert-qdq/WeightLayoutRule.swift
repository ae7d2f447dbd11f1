import OnnxIR
import Quantization

/// How a placement finds the output-channel axis of an operator's weight.
public enum WeightLayoutRule: String, Sendable, Equatable {
    /// Conv weight `[M, C/group, k...]`.
    case conv
    /// ConvTranspose weight `[C, M/group, k...]`.
    case convTranspose
    /// Gemm `B`, laid out by `transB`.
    case gemm
    /// MatMul right operand `[..., K, N]`.
    case matMul

    /// The layout of `weight` as `node` uses it.
    func layout(for node: Node, weightRank: Int) throws -> WeightLayout {
        switch self {
        case .conv:
            return try WeightLayout.conv(weightRank: weightRank)
        case .convTranspose:
            let group = Int(node.attribute("group")?.int ?? 1)
            return try WeightLayout.convTranspose(weightRank: weightRank, group: group)
        case .gemm:
            return WeightLayout.gemm(transB: (node.attribute("transB")?.int ?? 0) != 0)
        case .matMul:
            return try WeightLayout.matMul(weightRank: weightRank)
        }
    }
}
