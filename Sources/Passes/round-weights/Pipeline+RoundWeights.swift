extension Pipeline {
    /// Adds `round-weights` right before the first `insert-qdq`, with that element's options (they say which
    /// weights will be quantized and with which parameters). Run it after every flag has set its `insert-qdq`
    /// options and before `insertBiasCorrection()`, so bias correction measures the rounded weights.
    ///
    /// With `forQuantizedInputs`, the weights are rounded for the quantized layer input (`inputs=quantized`).
    /// Returns false when the pipeline has no `insert-qdq`.
    @discardableResult
    public mutating func insertWeightRounding(forQuantizedInputs: Bool = false) -> Bool {
        guard insertBeforeInsertQDQ(RoundWeightsPass.argument) else { return false }
        if forQuantizedInputs {
            _ = setOption(RoundWeightsPass.inputsOption, to: "quantized", forPass: RoundWeightsPass.argument)
        }
        return true
    }
}
