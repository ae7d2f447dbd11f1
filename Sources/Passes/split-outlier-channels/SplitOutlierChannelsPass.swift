import Calibration
import Foundation
import OnnxIR

/// Keeps the few outlier input channels of each MatMul (or Gemm) with a constant weight in float and
/// quantizes the rest (the mixed-precision decomposition of LLM.int8(), written in standard ONNX ops).
///
/// Measured on the calibration samples: a channel of activation `A` is an outlier when its largest
/// magnitude exceeds `ratio` times the median channel's (at most `max-fraction` of the channels, the
/// largest first). Each such `A` of `[..., K]` read by `MatMul(A, W)` with `W` a constant `[K, N]` (or by a
/// Gemm without `transA`, its `alpha` and `transB` applied to the float rows) becomes
///
///     Y = MatMul(Mul(A, mask), W with the outlier rows zeroed)        ← quantized by insert-qdq
///       + MatMul(Gather(A, outliers, axis=-1), W[outliers, :])        ← float
///
/// which equals `MatMul(A, W)` in float (the same products, summed in another order). The mask zeroes the
/// outlier channels, so calibration measures the range of what the quantized product reads, and one
/// per-tensor scale no longer spends its codes on a few channels (int8) or rounds a dominant channel
/// like any other value (FP8). The nodes of the float side are listed in the model's metadata
/// (`qdqc.outlier_channels.float_nodes`, a JSON array of names); insert-qdq leaves them in float.
public struct SplitOutlierChannelsPass: Pass {
    /// `split-outlier-channels`.
    public static let argument = "split-outlier-channels"
    /// Does not walk If/Loop/Scan bodies.
    public static let subgraphReach = SubgraphReach.mainGraphOnly
    /// One line for `list-passes`.
    public static let summary =
        "Computes the outlier input channels of each MatMul in float and quantizes the rest (LLM.int8() decomposition)."
    /// The metadata key listing the nodes that must stay float.
    public static let floatNodesMetadataKey = "qdqc.outlier_channels.float_nodes"
    /// The options.
    public static let options = [
        PassOption(
            name: "ratio", valueSyntax: "<number > 1>", defaultValue: "4",
            summary: "A channel is an outlier when its calibrated max |x| exceeds this times the median channel's."),
        PassOption(
            name: "max-fraction", valueSyntax: "<number in (0, 1]>", defaultValue: "0.2",
            summary: "At most this fraction of an activation's channels stays float (the largest first)."),
    ]

    /// The outlier threshold, relative to the median channel.
    public let ratio: Float
    /// The largest fraction of channels kept in float per activation.
    public let maxFraction: Double

    /// Creates the pass; a ratio at most 1 or a fraction outside (0, 1] is an error naming the option.
    public init(options: [String: String]) throws {
        let reader = try PassOptionReader(options, for: Self.self)
        let ratioText = try reader.string("ratio")
        guard let ratio = Float(ratioText), ratio.isFinite, ratio > 1 else {
            throw PassError.invalidOptionValue(
                pass: Self.argument, option: "ratio", value: ratioText, expected: "a number greater than 1")
        }
        let fractionText = try reader.string("max-fraction")
        guard let fraction = Double(fractionText), fraction > 0, fraction <= 1 else {
            throw PassError.invalidOptionValue(
                pass: Self.argument, option: "max-fraction", value: fractionText, expected: "a number in (0, 1]")
        }
        self.ratio = ratio
        self.maxFraction = fraction
    }

    /// Profiles the MatMul inputs on the calibration samples and splits those with outlier channels.
    public func run(on model: Model, context: PassContext) throws -> PassResult {
        let graph = model.graph
        let candidates = Self.candidates(in: graph)
        guard !candidates.isEmpty else {
            return PassResult(changed: false, statistics: ["activations": 0, "outlier-channels": 0])
        }
        guard let source = context.calibrationData else {
            throw CalibrationRunError.noCalibrationData(pass: Self.argument)
        }
        let watched = Dictionary(uniqueKeysWithValues: candidates.map { ($0.activation.name, -1) })
        let profiles = try ActivationProfiler(watched: watched, rowLimit: 0, task: Self.argument)
            .profile(model: model, source: source, context: context)
        var floatNodes: [String] = []
        var split = 0
        var outlierChannels = 0
        var floatMACs = 0
        var allMACs = 0
        for candidate in candidates {
            let channels = candidate.channels
            let columns = candidate.readers.reduce(0) { $0 + $1.columns }
            allMACs += channels * columns
            guard let maxima = profiles[candidate.activation.name]?.channelAbsMax, !maxima.isEmpty else { continue }
            guard maxima.count == channels else {
                throw SplitOutlierChannelsError(
                    "\(Self.argument): activation '\(candidate.activation.name)' has \(maxima.count) channels at run "
                        + "time, its MatMul weights expect \(channels)")
            }
            let outliers = outlierIndices(of: maxima)
            guard !outliers.isEmpty else { continue }
            floatNodes += try Self.split(candidate, outliers: outliers, in: graph)
            split += 1
            outlierChannels += outliers.count
            floatMACs += outliers.count * columns
        }
        guard split > 0 else {
            context.remark("\(Self.argument): no MatMul input has a channel above \(ratio)× the median channel")
            return PassResult(changed: false, statistics: ["activations": 0, "outlier-channels": 0])
        }
        let listed = Self.floatNodes(of: model) + floatNodes
        let json = try JSONSerialization.data(withJSONObject: listed, options: [.withoutEscapingSlashes])
        model.metadataProps.removeAll { $0.key == Self.floatNodesMetadataKey }
        model.metadataProps.append(KeyValue(Self.floatNodesMetadataKey, String(decoding: json, as: UTF8.self)))
        let percent = allMACs > 0 ? 100 * Double(floatMACs) / Double(allMACs) : 0
        context.remark(
            "\(Self.argument): \(outlierChannels) outlier channels of \(split) activations stay float "
                + "(\(String(format: "%.2f", percent)) % of the MatMul multiply-adds)")
        return PassResult(
            changed: true,
            statistics: [
                "activations": split, "outlier-channels": outlierChannels,
                "float-mac-permille": Int((percent * 10).rounded()),
            ])
    }

    /// The names in the model's `qdqc.outlier_channels.float_nodes` metadata (a JSON array of strings).
    public static func floatNodes(of model: Model) -> [String] {
        guard let entry = model.metadataProps.last(where: { $0.key == floatNodesMetadataKey }),
            let names = try? JSONSerialization.jsonObject(with: Data(entry.value.utf8)) as? [String]
        else { return [] }
        return names
    }

    /// The channels above `ratio` × the median maximum, the largest first up to `max-fraction`, in ascending order.
    public func outlierIndices(of maxima: [Float]) -> [Int] {
        let median = maxima.sorted()[maxima.count / 2]
        guard median > 0, median.isFinite else { return [] }
        let threshold = median * ratio
        let limit = Int((Double(maxima.count) * maxFraction).rounded(.down))
        let above = maxima.indices.filter { maxima[$0] > threshold }
            .sorted { maxima[$0] != maxima[$1] ? maxima[$0] > maxima[$1] : $0 < $1 }
        return above.prefix(limit).sorted()
    }

    /// A MatMul or Gemm reading the activation as its left operand, with a constant 2-D right operand.
    struct Reader {
        let node: Node
        let weight: Tensor
        /// Gemm's `transB`: the weight is `[N, K]`.
        let transposed: Bool
        /// Gemm's `alpha`, which the float product must apply too (1 for MatMul).
        let alpha: Float
        /// K, the activation's channels.
        var channels: Int { Int(weight.dims[transposed ? 1 : 0]) }
        /// N, the product's columns.
        var columns: Int { Int(weight.dims[transposed ? 0 : 1]) }

        /// The reader of `node` when it is a MatMul, or a Gemm without `transA`, with a constant float 2-D weight.
        init?(_ node: Node) {
            guard OpsetImport.isDefaultDomain(node.domain), ["MatMul", "Gemm"].contains(node.opType),
                node.inputs.count >= 2, let weightValue = node.inputs[1],
                let weight = ConstantData.tensor(of: weightValue), weight.dataType == .float, weight.dims.count == 2,
                weight.dims.allSatisfy({ $0 > 0 })
            else { return nil }
            if node.opType == "Gemm" {
                guard (node.attribute("transA")?.int ?? 0) == 0 else { return nil }
                transposed = (node.attribute("transB")?.int ?? 0) != 0
                alpha = node.attribute("alpha")?.float ?? 1
            } else {
                guard node.inputs.count == 2 else { return nil }
                transposed = false
                alpha = 1
            }
            self.node = node
            self.weight = weight
            guard channels > 1 else { return nil }
        }

        /// The weight with the outlier channels zeroed (same layout) and `alpha` × their rows as `[k, N]`.
        func split(_ outliers: [Int]) throws -> (inliers: [Float], outliers: [Float]) {
            guard let values = ConstantData.floats(weight) else {
                throw SplitOutlierChannelsError(
                    "\(SplitOutlierChannelsPass.argument): the weight of '\(node.displayName)' cannot be read")
            }
            var inliers = values
            var rows: [Float] = []
            rows.reserveCapacity(outliers.count * columns)
            for channel in outliers {
                for column in 0..<columns {
                    let index = transposed ? column * channels + channel : channel * columns + column
                    rows.append(alpha * values[index])
                    inliers[index] = 0
                }
            }
            return (inliers, rows)
        }
    }

    /// A float activation read as the left operand of MatMuls (or Gemms) whose right operand is a constant.
    struct Candidate {
        let activation: Value
        let readers: [Reader]
        var channels: Int { readers[0].channels }
    }

    /// The activations worth profiling, in graph order; every reader shares the same K.
    static func candidates(in graph: Graph) -> [Candidate] {
        var order: [Value] = []
        var readers: [ObjectIdentifier: [Reader]] = [:]
        for node in graph.nodes {
            guard let reader = Reader(node), let activation = node.inputs[0], activation.initializer == nil,
                ConstantData.tensor(of: activation) == nil,
                activation.elementType == nil || activation.elementType == .float
            else { continue }
            if let rank = activation.shape?.rank, rank < 2 { continue }
            if let last = activation.shape?.dimensions.last?.value, last != Int64(reader.channels) { continue }
            let key = ObjectIdentifier(activation)
            if readers[key] == nil { order.append(activation) }
            readers[key, default: []].append(reader)
        }
        return order.compactMap { activation in
            guard let list = readers[ObjectIdentifier(activation)], Set(list.map(\.channels)).count == 1 else {
                return nil
            }
            return Candidate(activation: activation, readers: list)
        }
    }

    /// Rewrites the readers of `candidate`; returns the names of the nodes that must stay float.
    static func split(_ candidate: Candidate, outliers: [Int], in graph: Graph) throws -> [String] {
        let activation = candidate.activation
        let channels = candidate.channels
        let base = activation.name
        var mask = [Float](repeating: 1, count: channels)
        for index in outliers { mask[index] = 0 }
        var rewrite = GraphRewrite()
        let maskValue = rewrite.addInitializer(
            .floats(mask, dims: [Int64(channels)]), name: graph.uniqueName(base + "_inlier_mask"))
        let indexValue = rewrite.addInitializer(
            .int64s(outliers.map(Int64.init), dims: [Int64(outliers.count)]),
            name: graph.uniqueName(base + "_outlier_channels"))
        let first = candidate.readers[0].node
        let masking = Node(
            opType: "Mul", name: graph.uniqueName(base + "_InlierMask", avoidingNodeNames: true),
            inputs: [activation, maskValue], outputNames: [graph.uniqueName(base + "_inliers")])
        let gathering = Node(
            opType: "Gather", name: graph.uniqueName(base + "_OutlierGather", avoidingNodeNames: true),
            inputs: [activation, indexValue], outputNames: [graph.uniqueName(base + "_outliers")],
            attributes: [Attribute("axis", .int(-1))])
        guard let inliers = masking.outputs.first ?? nil, let gathered = gathering.outputs.first ?? nil else {
            throw SplitOutlierChannelsError("\(argument): could not create the nodes splitting '\(base)'")
        }
        inliers.type = activation.type
        if let shape = activation.shape {
            var dimensions = shape.dimensions
            dimensions[dimensions.count - 1] = .known(Int64(outliers.count))
            gathered.type = .tensor(.float, Shape(dimensions))
        }
        rewrite.insert(masking, before: first)
        rewrite.insert(gathering, before: first)
        var floatNodes = [masking, gathering]
        var sums: [(add: Node, product: Value)] = []
        for reader in candidate.readers {
            guard let product = reader.node.outputs.first ?? nil else {
                throw SplitOutlierChannelsError("\(argument): '\(reader.node.displayName)' lost its output")
            }
            let (inlierWeight, outlierWeight) = try reader.split(outliers)
            let weightName = reader.node.inputs[1]?.name ?? base
            let inlierValue = rewrite.addInitializer(
                .floats(inlierWeight, dims: reader.weight.dims), name: graph.uniqueName(weightName + "_inliers"))
            let outlierValue = rewrite.addInitializer(
                .floats(outlierWeight, dims: [Int64(outliers.count), Int64(reader.columns)]),
                name: graph.uniqueName(weightName + "_outlier_rows"))
            rewrite.redirect(reader.node, input: 0, to: inliers)
            rewrite.redirect(reader.node, input: 1, to: inlierValue)
            let nodeBase = reader.node.name ?? product.name
            let floatProduct = Node(
                opType: "MatMul", name: graph.uniqueName(nodeBase + "_Outliers", avoidingNodeNames: true),
                inputs: [gathered, outlierValue], outputNames: [graph.uniqueName(product.name + "_outliers")])
            let sum = Node(
                opType: "Add", name: graph.uniqueName(nodeBase + "_OutlierSum", avoidingNodeNames: true),
                inputs: [nil, floatProduct.outputs.first ?? nil], outputNames: [graph.uniqueName(product.name + "_sum")]
            )
            guard let floatOutput = floatProduct.outputs.first ?? nil, let total = sum.outputs.first ?? nil else {
                throw SplitOutlierChannelsError("\(argument): could not create the float product of '\(product.name)'")
            }
            floatOutput.type = product.type
            total.type = product.type
            rewrite.insert(floatProduct, after: reader.node)
            rewrite.insert(sum, after: floatProduct)
            rewrite.takeOver(product, by: total, renamingOld: graph.uniqueName(product.name + "_inliers"))
            floatNodes += [floatProduct, sum]
            sums.append((sum, product))
        }
        let oldWeights = candidate.readers.compactMap { $0.node.inputs[1] }
        try graph.apply(rewrite)
        for (sum, product) in sums { sum.setInput(0, product) }
        for weight in oldWeights { _ = try GraphSurgery.removeIfUnused(weight, in: graph) }
        return floatNodes.compactMap(\.name)
    }
}

/// Why `split-outlier-channels` could not run: one line naming the tensor or node.
public struct SplitOutlierChannelsError: Error, CustomStringConvertible {
    /// The message.
    public let description: String

    init(_ description: String) { self.description = description }
}
