import OnnxIR

/// Questions and clean-ups the rewriting passes share; the rewiring itself is OnnxIR's (`GraphRewrite`).
enum GraphSurgery {
    /// Whether `value` is read by `node` alone and is no graph's output (its own graph's or a nested one's).
    static func isUsedOnly(_ value: Value, by node: Node) -> Bool {
        let uses = value.uses
        guard !uses.isEmpty, uses.allSatisfy({ $0.node === node }) else { return false }
        return !value.isAnyGraphOutput
    }

    /// Removes a constant that nothing needs any more: an unread initializer or an unread `Constant` node.
    ///
    /// Graph inputs, graph outputs and values nested graphs capture are kept.
    @discardableResult
    static func removeIfUnused(_ value: Value, in graph: Graph) throws -> Bool {
        guard !value.hasUses, !value.isAnyGraphOutput else { return false }
        if value.initializer != nil, value.ownerGraph === graph, !graph.inputs.contains(where: { $0 === value }) {
            try graph.removeInitializer(value)
            return true
        }
        if let producer = value.producer, producer.graph === graph, producer.opType == "Constant",
            producer.outputs.compactMap({ $0 }).allSatisfy({ !$0.hasUses && !$0.isAnyGraphOutput })
        {
            try graph.remove(producer)
            return true
        }
        return false
    }
}
