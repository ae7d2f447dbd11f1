/// The passes a pipeline may name: one explicit list, looked up by argument.
///
/// Tests build registries with extra passes (for example a pass that fails on
/// purpose); nothing is registered globally.
public struct PassRegistry {
    /// Every pass qdqc ships, in the order `list-passes` and the docs show them.
    ///
    /// Computed, not stored: metatypes are not Sendable, and a list built on each use needs no
    /// shared state.
    public static var builtinPassTypes: [any Pass.Type] {
        [
            EliminateDeadCodePass.self,
            TopologicalSortPass.self,
            ConvertQOperatorPass.self,
            ImportQDQPass.self,
            InferShapesPass.self,
            FoldConstantsPass.self,
            FoldBatchNormPass.self,
            EliminateIdentityPass.self,
            FuseLayerNormPass.self,
            EqualizePass.self,
            SmoothQuantPass.self,
            SplitOutlierChannelsPass.self,
            QuantizeWeightsPass.self,
            DynamicQDQPass.self,
            UpgradeOpsetPass.self,
            CalibratePass.self,
            RoundWeightsPass.self,
            CorrectBiasPass.self,
            InsertQDQPass.self,
            CleanupQDQPass.self,
            QuantizeKVCachePass.self,
        ]
    }

    /// The passes this registry knows, in order.
    public let passTypes: [any Pass.Type]

    /// Creates a registry over `passTypes` (the built-in passes by default).
    public init(passTypes: [any Pass.Type] = PassRegistry.builtinPassTypes) {
        self.passTypes = passTypes
    }

    /// The arguments of the known passes, in order.
    public var arguments: [String] { passTypes.map { $0.argument } }

    /// The pass type called `argument`, if known.
    public func passType(for argument: String) -> (any Pass.Type)? {
        passTypes.first { $0.argument == argument }
    }

    /// Creates the pass an element names with its options; errors carry the element's location.
    public func makePass(_ element: PipelineElement) throws -> any Pass {
        guard let type = passType(for: element.passArgument) else {
            var message = "unknown pass '\(element.passArgument)'"
            if let suggestion = closestArgument(to: element.passArgument) {
                message += "; did you mean '\(suggestion)'?"
            }
            throw PipelineError(location: element.location, message: message + " (see 'qdqc list-passes')")
        }
        let known = Set(type.options.map(\.name))
        if let unknown = element.options.first(where: { !known.contains($0.key) }) {
            let error = PassError.unknownOption(
                pass: type.argument, option: unknown.key, known: type.options.map(\.name))
            throw PipelineError(location: unknown.location ?? element.location, message: error.description)
        }
        do {
            return try type.init(options: element.optionValues)
        } catch {
            throw PipelineError(location: element.location, message: "\(error)")
        }
    }

    /// Creates every pass of `pipeline`, failing on the first unknown pass or bad option.
    public func makePasses(_ pipeline: Pipeline) throws -> [any Pass] {
        try pipeline.elements.map(makePass)
    }

    private func closestArgument(to name: String) -> String? {
        let scored = arguments.map { ($0, EditDistance.between($0, name)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 3) else { return nil }
        return best.0
    }
}
