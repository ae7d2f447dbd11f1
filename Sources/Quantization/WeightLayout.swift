/// Where the output channels and the reduction (input) dimension of an operator's weight are.
///
/// Per-channel quantization uses `channelAxis`; per-block quantization blocks along `reductionAxis`,
/// the dimension that a dot product sums over, so one block's scale serves one output channel's partial sum.
public struct WeightLayout: Hashable, Sendable {
    /// The axis of output channels (per-channel scales).
    public var channelAxis: Int
    /// The axis summed over (per-block scales).
    public var reductionAxis: Int
    /// How many output channels share each per-channel scale, cyclically: output channel `o` uses scale
    /// `o % (outputChannels / channelRepeat)`. 1 except for grouped ConvTranspose, where it is `group`.
    public var channelRepeat: Int

    /// Creates a layout.
    public init(channelAxis: Int, reductionAxis: Int, channelRepeat: Int = 1) {
        self.channelAxis = channelAxis
        self.reductionAxis = reductionAxis
        self.channelRepeat = channelRepeat
    }

    /// Conv weight `[M, C/group, k1, ...]`: channels on axis 0, reduction on axis 1.
    public static func conv(weightRank: Int) throws -> WeightLayout {
        guard weightRank >= 3 else {
            throw QuantizationError.invalidWeightLayout(
                op: "Conv", reason: "rank \(weightRank) weight, expected 3 or more")
        }
        return WeightLayout(channelAxis: 0, reductionAxis: 1)
    }

    /// ConvTranspose weight `[C, M/group, k1, ...]`: channels on axis 1 (only `M/group` of them, so with
    /// `group > 1` each scale serves `group` output channels), reduction on axis 0.
    public static func convTranspose(weightRank: Int, group: Int) throws -> WeightLayout {
        guard weightRank >= 3 else {
            throw QuantizationError.invalidWeightLayout(
                op: "ConvTranspose", reason: "rank \(weightRank) weight, expected 3 or more")
        }
        guard group >= 1 else {
            throw QuantizationError.invalidWeightLayout(op: "ConvTranspose", reason: "group \(group) must be positive")
        }
        return WeightLayout(channelAxis: 1, reductionAxis: 0, channelRepeat: group)
    }

    /// Gemm `B`: `[K, N]` (channels axis 1) when `transB` is 0, `[N, K]` (channels axis 0) when 1.
    public static func gemm(transB: Bool) -> WeightLayout {
        transB ? WeightLayout(channelAxis: 0, reductionAxis: 1) : WeightLayout(channelAxis: 1, reductionAxis: 0)
    }

    /// MatMul right operand `[..., K, N]`: channels on the last axis, reduction on the one before.
    ///
    /// ONNX Runtime uses axis 1 whatever the rank, which is the last axis only for rank 2.
    public static func matMul(weightRank: Int) throws -> WeightLayout {
        guard weightRank >= 2 else {
            throw QuantizationError.invalidWeightLayout(
                op: "MatMul", reason: "rank \(weightRank) right operand has no output-channel axis")
        }
        return WeightLayout(channelAxis: weightRank - 1, reductionAxis: weightRank - 2)
    }

    /// Per-channel granularity on the channel axis.
    public var perChannel: QuantGranularity { .perChannel(axis: channelAxis) }

    /// Per-block granularity along the reduction axis.
    public func perBlock(blockSize: Int) -> QuantGranularity {
        .perBlock(axis: reductionAxis, blockSize: blockSize)
    }
}
