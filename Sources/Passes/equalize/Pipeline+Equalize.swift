extension Pipeline {
    /// Adds `equalize` where it belongs: after the preparation (BatchNorm folding gives it the ranges to
    /// balance) and before anything that measures or quantizes weights or activations, `smooth-quant`
    /// and `split-outlier-channels` included; at the end when the pipeline does none of that. A pipeline that already runs it keeps it.
    public mutating func insertEqualize() {
        guard !contains(pass: EqualizePass.argument) else { return }
        let consumers: Set = [
            SmoothQuantPass.argument, SplitOutlierChannelsPass.argument, CalibratePass.argument,
            InsertQDQPass.argument, QuantizeWeightsPass.argument, DynamicQDQPass.argument,
        ]
        let anchor = elements.firstIndex { consumers.contains($0.passArgument) } ?? elements.endIndex
        elements.insert(PipelineElement(passArgument: EqualizePass.argument), at: anchor)
    }
}
