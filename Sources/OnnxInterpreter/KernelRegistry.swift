/// Every kernel the interpreter has, keyed by domain and operator type.
enum KernelRegistry {
    /// `"domain:OpType"` (domain "" for ONNX's default domain) to builder.
    ///
    /// A constant table: built once, never mutated, and its builders capture nothing mutable,
    /// so concurrent interpreters may read it.
    nonisolated(unsafe) private static let builders: [String: KernelBuilder] = {
        var table: [String: KernelBuilder] = [:]
        ArithmeticKernels.register(into: &table)
        UnaryKernels.register(into: &table)
        ComparisonKernels.register(into: &table)
        ShapeKernels.register(into: &table)
        MovementKernels.register(into: &table)
        IndexKernels.register(into: &table)
        LinearAlgebraKernels.register(into: &table)
        ConvKernels.register(into: &table)
        PoolKernels.register(into: &table)
        NormalizationKernels.register(into: &table)
        ReductionKernels.register(into: &table)
        SoftmaxKernels.register(into: &table)
        ResizeKernels.register(into: &table)
        QuantizationKernels.register(into: &table)
        CastKernels.register(into: &table)
        RecurrentKernels.register(into: &table)
        ControlFlowKernels.register(into: &table)
        SortKernels.register(into: &table)
        CumulativeKernels.register(into: &table)
        SelectionKernels.register(into: &table)
        IntegerArithmeticKernels.register(into: &table)
        EinsumKernel.register(into: &table)
        WindowFunctionKernels.register(into: &table)
        LossKernels.register(into: &table)
        RotaryEmbeddingKernel.register(into: &table)
        AttentionKernel.register(into: &table)
        return table
    }()

    /// The builder for `opType` in `domain`, if there is one.
    static func builder(domain: String, opType: String) -> KernelBuilder? {
        builders[key(domain: domain, opType: opType)]
    }

    /// The table key.
    static func key(domain: String, opType: String) -> String { "\(domain):\(opType)" }

    /// Every supported operator as `domain:OpType`, sorted, with `ai.onnx` for the default domain.
    static var operatorNames: [String] {
        builders.keys.map { $0.hasPrefix(":") ? "ai.onnx" + $0 : $0 }.sorted()
    }
}
