/// What raising a model's default-domain opset did.
public struct OpsetUpgradeSummary: Sendable, Equatable {
    /// The default-domain opset before (nil when the model did not import the default domain).
    public var fromOpset: Int64?
    /// The default-domain opset after.
    public var toOpset: Int64
    /// Nodes rewritten, by their op type before the rewrite.
    public var rewrittenNodes: [String: Int]
    /// Nodes added by the rewrites (Shape, Flatten, Reshape, or Constant inside functions).
    public var insertedNodes: Int
    /// Initializers added by the rewrites.
    public var addedConstants: Int

    /// Creates a summary.
    public init(
        fromOpset: Int64?, toOpset: Int64, rewrittenNodes: [String: Int] = [:], insertedNodes: Int = 0,
        addedConstants: Int = 0
    ) {
        self.fromOpset = fromOpset
        self.toOpset = toOpset
        self.rewrittenNodes = rewrittenNodes
        self.insertedNodes = insertedNodes
        self.addedConstants = addedConstants
    }

    /// Whether the model changed.
    public var changed: Bool { fromOpset != toOpset }

    /// Counters for `--pass-statistics`: the opsets, and rewritten nodes as `rewritten-<op>`.
    public var statistics: [String: Int] {
        var result: [String: Int] = ["to-opset": Int(toOpset)]
        if let fromOpset { result["from-opset"] = Int(fromOpset) }
        for (opType, count) in rewrittenNodes { result["rewritten-\(opType)"] = count }
        if insertedNodes > 0 { result["inserted-nodes"] = insertedNodes }
        if addedConstants > 0 { result["added-constants"] = addedConstants }
        return result
    }
}
