extension Pipeline {
    /// Raises `upgrade-opset`'s `to` to the opset the pipeline's `insert-qdq` and `quantize-weights` passes need, when it is
    /// higher than `upgrade-opset`'s default; a `to` written in the pipeline wins.
    ///
    /// `insert-qdq` knows what its formats need (its options and its `config` file, which this reads);
    /// without the raise it would refuse a model `upgrade-opset` left at the default opset.
    public mutating func raiseOpsetForInsertQDQ(registry: PassRegistry = PassRegistry()) throws {
        var required = 0
        var weightOnly: (opset: Int, format: String)?
        for element in elements {
            switch try registry.makePass(element) {
            case let pass as InsertQDQPass: required = max(required, pass.requiredOpset)
            case let pass as QuantizeWeightsPass:
                required = max(required, pass.requiredOpset)
                if pass.requiredOpset > weightOnly?.opset ?? 0 {
                    weightOnly = (pass.requiredOpset, pass.settings.format.rawValue)
                }
            case let pass as DynamicQDQPass: required = max(required, pass.requiredOpset)
            case let pass as QuantizeKVCachePass: required = max(required, pass.requiredOpset)
            default: continue
            }
        }
        guard Int64(required) > OpsetUpgrader.perAxisQuantizationOpset else { return }
        setOption("to", to: String(required), forPass: UpgradeOpsetPass.argument)
        // A `to` written in the pipeline below what the weight format needs would only fail after the
        // model is read and prepared; say so now.
        guard let weightOnly else { return }
        for element in elements where element.passArgument == UpgradeOpsetPass.argument {
            guard let text = element.options.last(where: { $0.key == "to" })?.value, let to = Int(text),
                to < weightOnly.opset
            else { continue }
            throw PipelineError(
                location: element.location,
                message: "upgrade-opset: to=\(to) cannot express \(weightOnly.format) weights, which need opset "
                    + "\(weightOnly.opset) (set to=\(weightOnly.opset) or more)")
        }
    }
}
