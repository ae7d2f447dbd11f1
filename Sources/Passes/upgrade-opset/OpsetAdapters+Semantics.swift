import OnnxIR

/// Ops whose meaning or outputs changed: the rewrites that keep the old behaviour exactly.
extension OpsetAdapters {
    /// Softmax, LogSoftmax and Hardmax at 13: from "flatten to 2-D at `axis`" to "along `axis`".
    ///
    /// When `axis` is the last one the two agree. Otherwise the old meaning is
    /// rebuilt whatever the rank: Flatten at the old axis, the op on the last
    /// axis, and a Reshape back to the input's shape (onnx's Softmax_12_13).
    static func softmaxOnOneAxis(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        let axis = try int(node, "axis", step: step, rewriter: rewriter) ?? 1
        guard let input = node.inputs.first ?? nil, let output = node.outputs.first ?? nil else {
            throw rewriter.failure(node, step: step, "it has no input or no output")
        }
        if let rank = input.shape.map({ Int64($0.rank) }), (axis < 0 ? axis + rank : axis) == rank - 1 {
            return node
        }
        let graph = try rewriter.graph(of: node, step: step)
        let shape = try rewriter.insert(
            "Shape", inputs: [input], output: input.name + "_shape", before: node, step: step)
        let flat = try rewriter.insert(
            "Flatten", inputs: [input], attributes: [Attribute("axis", .int(axis))], output: input.name + "_2d",
            before: node, step: step)
        node.setInput(0, flat)
        node.setAttribute(Attribute("axis", .int(-1)))
        let name = output.name
        let reshape = Node(
            opType: "Reshape", domain: node.domainField, inputs: [nil, shape],
            outputNames: [graph.uniqueName(name + "_restored")])
        guard let restored = reshape.outputs.first ?? nil else {
            throw rewriter.failure(node, step: step, "could not create the Reshape node")
        }
        var rewrite = GraphRewrite()
        rewrite.insert(reshape, after: node)
        rewrite.takeOver(output, by: restored, renamingOld: graph.uniqueName(name + "_2d"))
        try graph.apply(rewrite)
        output.type = nil
        graph.valueInfo.removeAll { $0 === output }
        reshape.setInput(0, output)
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// Upsample from opset 10 on: deprecated, replaced by a Resize-10 with the same mode and scales.
    static func upsampleAsResize(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        let mode = try string(node, "mode", step: step, rewriter: rewriter) ?? "nearest"
        // Some exporters wrote Upsample-1's "bilinear"; Resize calls every multilinear mode "linear".
        let resizeMode = mode == "bilinear" ? "linear" : mode
        guard resizeMode == "nearest" || resizeMode == "linear" else {
            throw rewriter.failure(node, step: step, "unknown Upsample mode '\(mode)'")
        }
        guard node.inputs.count >= 2, let data = node.inputs[0], let scales = node.inputs[1] else {
            throw rewriter.failure(node, step: step, "it has no 'scales' input")
        }
        rewriter.noteRewrite(node.opType)
        let resize = try rewriter.replace(
            node, opType: "Resize", inputs: [data, scales],
            attributes: [Attribute("mode", .string(Array(resizeMode.utf8)))], step: step)
        rewriter.noteUpsampleReplacement(resize)
        return resize
    }

    /// Resize at 11: an empty `roi` input, and the coordinate rule and rounding Resize-10 implied.
    ///
    /// Resize-10 maps output to input coordinates as `x / scale` (asymmetric)
    /// and, for nearest, truncates when upsampling and rounds up when
    /// downsampling; Resize-11 says so with attributes. Nearest therefore needs
    /// constant scales that do not mix up- and downsampling, unless the node
    /// replaced an Upsample, whose scales are 1 or more by definition.
    static func resizeWithRoi(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        guard node.inputs.count == 2, let data = node.inputs[0], let scales = node.inputs[1] else {
            throw rewriter.failure(node, step: step, "Resize-10 takes exactly the data and 'scales' inputs")
        }
        let mode = try string(node, "mode", step: step, rewriter: rewriter) ?? "nearest"
        var nearestMode: String?
        if mode == "nearest", rewriter.resizesFromUpsample.contains(ObjectIdentifier(node)) {
            nearestMode = "floor"
        } else if mode == "nearest" {
            guard let tensor = ConstantData.tensor(of: scales), let values = ConstantData.floats(tensor) else {
                throw rewriter.failure(
                    node, step: step,
                    "nearest rounding of Resize-10 depends on whether it up- or downsamples, and its scales are not constant"
                )
            }
            let upsamples = values.contains { $0 > 1 }
            let downsamples = values.contains { $0 < 1 }
            guard !(upsamples && downsamples) else {
                throw rewriter.failure(
                    node, step: step, "it upsamples some axes and downsamples others; no single nearest_mode matches")
            }
            nearestMode = downsamples ? "ceil" : "floor"
        }
        let roi = try rewriter.constant(
            Tensor.floats([], dims: [0]), named: constantBase(node, "roi"), for: node, step: step)
        node.setInputs([data, roi, scales])
        node.setAttribute(Attribute("coordinate_transformation_mode", .string(Array("asymmetric".utf8))))
        if let nearestMode { node.setAttribute(Attribute("nearest_mode", .string(Array(nearestMode.utf8)))) }
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// Resize at 13: `tf_half_pixel_for_nn` is gone and no other coordinate rule equals it.
    static func resizeWithoutTfHalfPixel(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        if try string(node, "coordinate_transformation_mode", step: step, rewriter: rewriter) == "tf_half_pixel_for_nn"
        {
            throw rewriter.failure(
                node, step: step, "coordinate_transformation_mode 'tf_half_pixel_for_nn' was removed in opset 13")
        }
        return node
    }

    /// BatchNormalization at 9: `spatial` is gone; only its default (1) has a meaning in opset 9.
    static func batchNormalizationWithoutSpatial(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        guard let spatial = try int(node, "spatial", step: step, rewriter: rewriter) else { return node }
        guard spatial == 1 else {
            throw rewriter.failure(node, step: step, "spatial=0 (per-element statistics) has no opset 9 equivalent")
        }
        node.removeAttribute("spatial")
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// BatchNormalization at 14: at most three outputs, and the running statistics only with `training_mode=1`.
    static func batchNormalizationWithTrainingMode(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws
        -> Node
    {
        guard node.outputs.dropFirst().contains(where: { $0 != nil }) else { return node }
        _ = try rewriter.graph(of: node, step: step)
        let read = node.outputs.map { rewriter.isRead($0) }
        if read.count > 3, read[3...].contains(true) {
            throw rewriter.failure(
                node, step: step, "it reads saved_mean or saved_var, which opset 14 no longer outputs")
        }
        let training = read.count > 1 && read[1...].prefix(2).contains(true)
        var attributes = node.attributes
        if training { attributes.append(Attribute("training_mode", .int(1))) }
        let keep: Set<Int> = training ? Set(0..<min(3, node.outputs.count)) : [0]
        rewriter.noteRewrite(node.opType)
        return try rewriter.replace(
            node, opType: node.opType, inputs: node.inputs, attributes: attributes, keepingOutputs: keep, step: step)
    }

    /// Dropout at 10: the mask output became bool; a model reading the old typed mask cannot keep it.
    static func dropoutWithBoolMask(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        _ = try rewriter.graph(of: node, step: step)
        if node.outputs.count > 1, rewriter.isRead(node.outputs[1]) {
            throw rewriter.failure(node, step: step, "its mask output changes type from the data's to bool")
        }
        return node
    }

    /// RoiAlign at 16: the default coordinate rule became `half_pixel`; keep the old one explicitly.
    static func roiAlignKeepsOutputHalfPixel(_ node: Node, rewriter: OpsetRewriter) -> Node {
        guard node.attribute("coordinate_transformation_mode") == nil else { return node }
        node.setAttribute(Attribute("coordinate_transformation_mode", .string(Array("output_half_pixel".utf8))))
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// Split at 18: without sizes, the number of parts must be stated (`num_outputs`).
    static func splitWithOutputCount(_ node: Node, rewriter: OpsetRewriter) -> Node {
        let hasSizes = node.inputs.count > 1 && node.inputs[1] != nil
        guard !hasSizes, node.attribute("num_outputs") == nil else { return node }
        node.setAttribute(Attribute("num_outputs", .int(Int64(node.outputs.count))))
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// GridSample at 20: modes renamed (`bilinear` to `linear`, `bicubic` to `cubic`).
    static func gridSampleModeNames(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        let renamed = ["bilinear": "linear", "bicubic": "cubic"]
        guard let mode = try string(node, "mode", step: step, rewriter: rewriter), let new = renamed[mode] else {
            return node
        }
        node.setAttribute(Attribute("mode", .string(Array(new.utf8))))
        rewriter.noteRewrite(node.opType)
        return node
    }

    /// GroupNormalization at 21: `scale` and `bias` go from one value per group to one per channel.
    static func groupNormalizationPerChannel(_ node: Node, step: Int64, rewriter: OpsetRewriter) throws -> Node {
        guard let groups = try int(node, "num_groups", step: step, rewriter: rewriter), groups > 0 else {
            throw rewriter.failure(node, step: step, "it has no positive 'num_groups'")
        }
        guard node.inputs.count == 3, let data = node.inputs[0], node.inputs[1] != nil, node.inputs[2] != nil else {
            throw rewriter.failure(node, step: step, "it does not have the data, scale and bias inputs")
        }
        guard let dimensions = data.shape?.dimensions, dimensions.count > 1, let channels = dimensions[1].value,
            channels > 0, channels % groups == 0
        else {
            throw rewriter.failure(
                node, step: step, "its channel count (axis 1 of the input) is not known or not a multiple of num_groups"
            )
        }
        guard channels != groups else { return node }
        let graph = try rewriter.graph(of: node, step: step)
        let perGroup = Int(channels / groups)
        for (index, role) in [(1, "scale"), (2, "bias")] {
            guard let old = node.inputs[index], let tensor = ConstantData.tensor(of: old),
                let values = ConstantData.doubles(tensor), values.count == Int(groups)
            else {
                throw rewriter.failure(node, step: step, "its \(role) is not a constant with one value per group")
            }
            let expanded = (0..<Int(channels)).map { values[$0 / perGroup] }
            let newTensor = try floatingTensor(
                expanded, dims: [channels], type: tensor.dataType, node: node, step: step, rewriter: rewriter)
            let value = try rewriter.constant(newTensor, named: old.name + "_per_channel", for: node, step: step)
            node.setInput(index, value)
            try GraphSurgery.removeIfUnused(old, in: graph)
        }
        rewriter.noteRewrite(node.opType)
        return node
    }
}
