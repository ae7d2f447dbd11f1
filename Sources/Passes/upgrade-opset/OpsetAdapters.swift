import Foundation
import OnnxIR

/// The rewrites of ONNX's version converter (onnx/version_converter), one default-domain opset step at a time.
///
/// `adapt(_:to:rewriter:)` takes a node valid at opset `step - 1` and returns
/// the node (itself or its replacement) valid at `step`. Ops whose signature
/// and meaning did not change at `step` come back untouched; a node that
/// cannot be rewritten exactly is an error naming it.
enum OpsetAdapters {
    /// The oldest default-domain opset the converter starts from (older ones broadcast differently).
    static let oldestSource: Int64 = 7
    /// The newest default-domain opset the converter reaches.
    /// 24 and 25 only widened type lists (float8e8m0, int2/uint2) and added inputs at the end (Attention's
    /// `nonpad_kv_seqlen`), so every node valid at 23 is valid unchanged at 25.
    static let newestTarget: Int64 = 25

    /// Experimental ops of early ONNX releases, gone from every official opset.
    static let removedExperimentalOps: Set<String> = [
        "Affine", "Crop", "DynamicSlice", "GRUUnit", "GivenTensorFill", "ImageScaler", "ParametricSoftplus",
        "Scale", "ScaledTanh",
    ]

    /// Reduce ops whose `axes` attribute became an input at opset 18 (ReduceSum moved at 13).
    static let reducesWithAxesInputAt18: Set<String> = [
        "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
        "ReduceProd", "ReduceSumSquare",
    ]

    /// Rewrites `node` from opset `step - 1` to opset `step`.
    static func adapt(_ node: Node, to step: Int64, rewriter: OpsetRewriter) throws -> Node {
        switch (step, node.opType) {
        case (9, "BatchNormalization"):
            return try batchNormalizationWithoutSpatial(node, step: step, rewriter: rewriter)
        case (9, "Upsample"):
            return try upsampleScalesAsInput(node, step: step, rewriter: rewriter)
        case (9, "Scan"):
            throw rewriter.failure(
                node, step: step,
                "Scan-8 has a batch axis and sequence lengths that Scan-9 does not; rewrite it by hand")
        case (10, "Slice"):
            return try sliceWithInputs(node, step: step, rewriter: rewriter)
        case (10, "TopK"):
            return try topKWithInput(node, step: step, rewriter: rewriter)
        case (10, "Dropout"):
            return try dropoutWithBoolMask(node, step: step, rewriter: rewriter)
        case (let version, "Upsample") where version >= 10:
            let resize = try upsampleAsResize(node, step: step, rewriter: rewriter)
            return version >= 11 ? try resizeWithRoi(resize, step: step, rewriter: rewriter) : resize
        case (11, "Clip"):
            return try clipWithInputs(node, step: step, rewriter: rewriter)
        case (11, "Pad"):
            return try padWithInputs(node, step: step, rewriter: rewriter)
        case (11, "Resize"):
            return try resizeWithRoi(node, step: step, rewriter: rewriter)
        case (11, "Scatter"):
            rewriter.noteRewrite(node.opType)
            node.opType = "ScatterElements"
            return node
        case (12, "Dropout"):
            return try dropoutRatioAsInput(node, step: step, rewriter: rewriter)
        case (13, "ReduceSum"), (13, "Squeeze"), (13, "Unsqueeze"):
            return try axesAsInput(node, step: step, rewriter: rewriter)
        case (13, "Split"):
            return try splitSizesAsInput(node, step: step, rewriter: rewriter)
        case (13, "Softmax"), (13, "LogSoftmax"), (13, "Hardmax"):
            return try softmaxOnOneAxis(node, step: step, rewriter: rewriter)
        case (13, "Resize"):
            return try resizeWithoutTfHalfPixel(node, step: step, rewriter: rewriter)
        case (14, "BatchNormalization"):
            return try batchNormalizationWithTrainingMode(node, step: step, rewriter: rewriter)
        case (16, "RoiAlign"):
            return roiAlignKeepsOutputHalfPixel(node, rewriter: rewriter)
        case (18, "Split"):
            return splitWithOutputCount(node, rewriter: rewriter)
        case (18, let opType) where reducesWithAxesInputAt18.contains(opType):
            return try axesAsInput(node, step: step, rewriter: rewriter)
        case (20, "GridSample"):
            return try gridSampleModeNames(node, step: step, rewriter: rewriter)
        case (20, "DFT"):
            return try dftAxisAsInput(node, step: step, rewriter: rewriter)
        case (21, "GroupNormalization"):
            return try groupNormalizationPerChannel(node, step: step, rewriter: rewriter)
        default:
            return node
        }
    }

    // MARK: - Attribute access

    /// The `ints` attribute `name`, nil when absent; an error when it is of another kind (a function's reference).
    static func ints(_ node: Node, _ name: String, step: Int64, rewriter: OpsetRewriter) throws -> [Int64]? {
        guard let attribute = node.attribute(name) else { return nil }
        guard let values = attribute.ints else {
            throw rewriter.failure(node, step: step, "attribute '\(name)' is not a literal list of integers")
        }
        return values
    }

    /// The `int` attribute `name`, nil when absent; an error when it is of another kind.
    static func int(_ node: Node, _ name: String, step: Int64, rewriter: OpsetRewriter) throws -> Int64? {
        guard let attribute = node.attribute(name) else { return nil }
        guard let value = attribute.int else {
            throw rewriter.failure(node, step: step, "attribute '\(name)' is not a literal integer")
        }
        return value
    }

    /// The `float` attribute `name`, nil when absent; an error when it is of another kind.
    static func float(_ node: Node, _ name: String, step: Int64, rewriter: OpsetRewriter) throws -> Float? {
        guard let attribute = node.attribute(name) else { return nil }
        guard let value = attribute.float else {
            throw rewriter.failure(node, step: step, "attribute '\(name)' is not a literal float")
        }
        return value
    }

    /// The `string` attribute `name`, nil when absent; an error when it is of another kind.
    static func string(_ node: Node, _ name: String, step: Int64, rewriter: OpsetRewriter) throws -> String? {
        guard let attribute = node.attribute(name) else { return nil }
        guard let value = attribute.string else {
            throw rewriter.failure(node, step: step, "attribute '\(name)' is not a literal string")
        }
        return value
    }

    /// A scalar of the floating-point type `type` (float when unknown), for inputs typed like the data.
    static func floatingScalar(_ value: Double, type: DataType?, node: Node, step: Int64, rewriter: OpsetRewriter)
        throws -> Tensor
    {
        try floatingTensor([value], dims: [], type: type, node: node, step: step, rewriter: rewriter)
    }

    /// A tensor of the floating-point type `type` (float when unknown) holding `values`.
    static func floatingTensor(
        _ values: [Double], dims: [Int64], type: DataType?, node: Node, step: Int64, rewriter: OpsetRewriter
    ) throws -> Tensor {
        switch type ?? .float {
        case .float:
            return Tensor.floats(values.map { Float($0) }, dims: dims)
        case .double:
            return Tensor(dataType: .double, dims: dims, storage: .raw(values.withUnsafeBytes { Data($0) }))
        case .float16:
            let bits = values.map { Float16(Float($0)).bitPattern }
            return Tensor(dataType: .float16, dims: dims, storage: .raw(bits.withUnsafeBytes { Data($0) }))
        default:
            throw rewriter.failure(node, step: step, "its data type \(type ?? .undefined) is not floating point")
        }
    }
}
