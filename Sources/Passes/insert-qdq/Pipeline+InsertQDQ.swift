extension Pipeline {
    /// Raises `upgrade-opset`'s `to` to the opset the pipeline's `insert-qdq` and `quantize-weights` passes need, when it is
    /// higher than `upgrade-opset`'s default; a `to` written in the pipeline wins.
    ///
    /// `insert-qdq` knows what its formats need (its options and its `config` file, which this reads);
    /// without the raise it would refuse a model `upgrade-opset` left at the default opset.
    public mutating func raiseOpsetForInsertQDQ(registry: PassRegistry = PassRegistry()) throws {
        var required = 0
        for element in elements {
            switch try registry.makePass(element) {
            case let pass as InsertQDQPass: required = max(required, pass.requiredOpset)
            case let pass as QuantizeWeightsPass: required = max(required, pass.requiredOpset)
            case let pass as DynamicQDQPass: required = max(required, pass.requiredOpset)
            default: continue
            }
        }
        guard Int64(required) > OpsetUpgrader.perAxisQuantizationOpset else { return }
        setOption("to", to: String(required), forPass: UpgradeOpsetPass.argument)
    }
}
