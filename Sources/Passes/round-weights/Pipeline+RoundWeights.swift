extension Pipeline {
    /// Adds `round-weights` right before the first `insert-qdq`, with that element's options (they say which
    /// weights will be quantized and with which parameters). Run it after every flag has set its `insert-qdq`
    /// options and before `insertBiasCorrection()`, so bias correction measures the rounded weights.
    ///
    /// Returns false when the pipeline has no `insert-qdq`.
    @discardableResult
    public mutating func insertWeightRounding() -> Bool {
        insertBeforeInsertQDQ(RoundWeightsPass.argument)
    }
}
