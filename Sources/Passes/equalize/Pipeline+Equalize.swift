extension Pipeline {
    /// Adds `equalize` where it belongs: after the preparation (BatchNorm folding gives it the ranges to
    /// balance) and before anything that measures or quantizes weights or activations, `smooth-quant`
    /// and `split-outlier-channels` included; at the end when the pipeline does none of that. A pipeline that already runs it keeps it.
    /// When the pipeline's `insert-qdq` quantizes weights per channel, the pass is told so
    /// (`per-channel-weights=true`) and rescales nothing: its objective is per-tensor weight ranges.
    public mutating func insertEqualize() throws {
        guard !contains(pass: EqualizePass.argument) else { return }
        let consumers: Set = [
            SmoothQuantPass.argument, SplitOutlierChannelsPass.argument, CalibratePass.argument,
            InsertQDQPass.argument, QuantizeWeightsPass.argument, DynamicQDQPass.argument,
        ]
        let anchor = elements.firstIndex { consumers.contains($0.passArgument) } ?? elements.endIndex
        let options =
            try quantizesWeightsPerChannel() ? [PipelineOption(key: "per-channel-weights", value: "true")] : []
        elements.insert(PipelineElement(passArgument: EqualizePass.argument, options: options), at: anchor)
    }

    /// Whether the pipeline's (first) `insert-qdq` quantizes weights with one scale per output channel; false
    /// without one, with float or per-block weights.
    func quantizesWeightsPerChannel() throws -> Bool {
        guard let element = elements.first(where: { $0.passArgument == InsertQDQPass.argument }) else { return false }
        let settings = try InsertQDQSettings(
            options: PassOptionReader(element.optionValues, for: InsertQDQPass.self))
        return settings.perChannel && settings.blockSize == nil && !settings.keepsWeightsFloat
    }
}
