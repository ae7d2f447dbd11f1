extension Pipeline {
    /// Adds `correct-bias` right before the first `insert-qdq`, with that element's options (they say how
    /// the weights will be quantized, which is what the correction measures). Run it after every flag has
    /// set its `insert-qdq` options. A pipeline that already runs `correct-bias` keeps it.
    ///
    /// Returns false when the pipeline has no `insert-qdq` (weight-only or dynamic pipelines): there is no
    /// static weight quantization whose bias to correct.
    @discardableResult
    public mutating func insertBiasCorrection() -> Bool {
        insertBeforeInsertQDQ(CorrectBiasPass.argument)
    }

    /// Adds the pass `argument` right before the first `insert-qdq`, with that element's options, unless the
    /// pipeline already runs it; false when there is no `insert-qdq`.
    mutating func insertBeforeInsertQDQ(_ argument: String) -> Bool {
        guard let anchor = elements.firstIndex(where: { $0.passArgument == InsertQDQPass.argument }) else {
            return false
        }
        guard !contains(pass: argument) else { return true }
        let options = elements[anchor].options.map { PipelineOption(key: $0.key, value: $0.value) }
        elements.insert(PipelineElement(passArgument: argument, options: options), at: anchor)
        return true
    }
}
