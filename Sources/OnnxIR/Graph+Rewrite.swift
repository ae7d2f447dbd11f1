extension Graph {
    /// Applies `rewrite` to this graph as one operation: every step is checked first, and a failure leaves the
    /// graph (and the graphs around and inside it) exactly as it was.
    public func apply(_ rewrite: GraphRewrite) throws {
        let annotated = rewrite.takeOvers.map { takeOver in valueInfo.contains { $0 === takeOver.old } }
        try check(rewrite)
        commit(rewrite, annotated: annotated)
    }

    // MARK: - Checking

    private func check(_ rewrite: GraphRewrite) throws {
        let inserted = try checkInsertions(rewrite)
        let added = Set(rewrite.addedInitializers.map(ObjectIdentifier.init))
        let removedNodes = try checkRemovedNodes(rewrite)
        let removedInitializers = try checkRemovedInitializers(rewrite)
        /// Where a value is (or will be) defined.
        func definingGraph(_ value: Value) -> Graph? {
            if let producer = value.producer, inserted.contains(ObjectIdentifier(producer)) { return self }
            if added.contains(ObjectIdentifier(value)) { return self }
            return value.graph
        }
        func isRemoved(_ value: Value) -> Bool {
            if let producer = value.producer { return removedNodes.contains { $0 === producer } }
            return removedInitializers.contains { $0 === value }
        }
        /// The graph a reader sits in; nil (nothing to check) for a node in no graph that this rewrite does not
        /// insert, and for a node this rewrite removes.
        func readerGraph(_ node: Node) -> Graph? {
            if inserted.contains(ObjectIdentifier(node)) { return self }
            if removedNodes.contains(where: { node.isWithin($0) }) { return nil }
            return node.graph
        }
        func checkVisible(_ value: Value, from graph: Graph?, reader: String) throws {
            guard let graph else { return }
            guard let defining = definingGraph(value), graph.isWithin(defining) else {
                throw IRError.notVisible(value: value.name, reader: reader)
            }
            if isRemoved(value) {
                throw IRError.invalidRewrite("'\(reader)' would read '\(value.name)', which the rewrite removes")
            }
        }

        var simulation = RewriteSimulation()
        for step in rewrite.wiring {
            switch step {
            case .replace(let old, let new, let handling, let except):
                guard old !== new else { continue }
                for use in simulation.uses(of: old) where !except.contains(where: { $0 === use.node }) {
                    try checkVisible(new, from: readerGraph(use.node), reader: use.node.displayName)
                    simulation.setInput(use.node, use.inputIndex, new)
                }
                let own = definingGraph(old)
                for slot in simulation.outputUses(of: old) {
                    if slot.graph === own {
                        switch handling {
                        case .refuse: throw IRError.replacingGraphOutput(value: old.name)
                        case .leave: continue
                        case .rewire: break
                        }
                    }
                    try checkVisible(new, from: slot.graph, reader: "output of graph '\(slot.graph.displayName)'")
                    simulation.setOutput(slot.graph, slot.index, new)
                }
            case .redirect(let node, let index, let value):
                guard index >= 0 && index < node.inputs.count else {
                    throw IRError.invalidRewrite("'\(node.displayName)' has no input \(index)")
                }
                try checkVisible(value, from: readerGraph(node), reader: node.displayName)
                simulation.setInput(node, index, value)
            }
        }

        for node in removedNodes {
            for output in node.outputs.compactMap({ $0 }) {
                try checkUnread(output, by: node, removing: removedNodes, simulation: simulation)
            }
        }
        for value in removedInitializers {
            try checkUnread(value, by: nil, removing: removedNodes, simulation: simulation)
        }
        for takeOver in rewrite.takeOvers where takeOver.renamingOld == nil && !isRemoved(takeOver.old) {
            throw IRError.invalidRewrite(
                "'\(takeOver.new.name)' takes over '\(takeOver.old.name)', which stays without a new name")
        }
        try checkNames(rewrite, inserted: inserted, definingGraph: definingGraph, isRemoved: isRemoved)
    }

    /// Checks the insertions and returns the nodes they bring.
    private func checkInsertions(_ rewrite: GraphRewrite) throws -> Set<ObjectIdentifier> {
        var inserted = Set<ObjectIdentifier>()
        for (node, placement) in rewrite.insertions {
            switch placement {
            case .end:
                break
            case .before(let anchor), .after(let anchor):
                guard anchor.graph === self || inserted.contains(ObjectIdentifier(anchor)) else {
                    throw IRError.nodeNotInGraph(node: anchor.displayName)
                }
            }
            guard node.graph == nil, inserted.insert(ObjectIdentifier(node)).inserted else {
                throw IRError.nodeAlreadyInGraph(node: node.displayName)
            }
        }
        return inserted
    }

    private func checkRemovedNodes(_ rewrite: GraphRewrite) throws -> [Node] {
        var seen = Set<ObjectIdentifier>()
        for node in rewrite.removedNodes {
            guard node.graph === self, seen.insert(ObjectIdentifier(node)).inserted else {
                throw IRError.nodeNotInGraph(node: node.displayName)
            }
        }
        return rewrite.removedNodes
    }

    private func checkRemovedInitializers(_ rewrite: GraphRewrite) throws -> [Value] {
        var seen = Set<ObjectIdentifier>()
        for value in rewrite.removedInitializers {
            guard value.ownerGraph === self, value.isConstant,
                initializers.contains(where: { $0 === value }) || sparseInitializers.contains(where: { $0 === value }),
                seen.insert(ObjectIdentifier(value)).inserted
            else { throw IRError.valueNotInGraph(value: value.name) }
        }
        return rewrite.removedInitializers
    }

    /// Throws when something outside the removed nodes still reads `value` once the rewiring is done.
    private func checkUnread(_ value: Value, by node: Node?, removing: [Node], simulation: RewriteSimulation) throws {
        let owner = node?.displayName ?? "initializer"
        for use in simulation.uses(of: value) where !removing.contains(where: { use.node.isWithin($0) }) {
            throw IRError.nodeStillUsed(node: owner, value: value.name, user: use.node.displayName)
        }
        for slot in simulation.outputUses(of: value) where !removing.contains(where: { slot.graph.isWithin($0) }) {
            if slot.graph === self { throw IRError.nodeDefinesGraphOutput(node: owner, value: value.name) }
            throw IRError.capturedByNestedGraph(value: value.name, graph: slot.graph.displayName)
        }
    }

    /// The final name of every renamed value, checked to be free once the rewrite is done.
    private func checkNames(
        _ rewrite: GraphRewrite, inserted: Set<ObjectIdentifier>, definingGraph: (Value) -> Graph?,
        isRemoved: (Value) -> Bool
    ) throws {
        let final = try finalNames(rewrite)
        var delta: [String: Int] = [:]
        var introduced: [String] = []
        for (node, _) in rewrite.insertions {
            for output in node.outputs.compactMap({ $0 }) where final[ObjectIdentifier(output)] == nil {
                delta[output.name, default: 0] += 1
                introduced.append(output.name)
            }
        }
        for value in rewrite.addedInitializers where final[ObjectIdentifier(value)] == nil {
            delta[value.name, default: 0] += 1
            introduced.append(value.name)
        }
        for node in rewrite.removedNodes {
            for output in node.outputs.compactMap({ $0 }) { delta[output.name, default: 0] -= 1 }
        }
        for value in rewrite.removedInitializers where !inputs.contains(where: { $0 === value }) {
            delta[value.name, default: 0] -= 1
        }
        for entry in final.values {
            let value = entry.value
            guard let graph = definingGraph(value), graph.root === root else {
                throw IRError.valueNotInGraph(value: value.name)
            }
            if isRemoved(value) {
                throw IRError.invalidRewrite("'\(value.name)' is renamed and removed")
            }
            let isNew =
                added(value, rewrite) || (value.producer.map { inserted.contains(ObjectIdentifier($0)) } ?? false)
            if !isNew { delta[value.name, default: 0] -= 1 }
            delta[entry.name, default: 0] += 1
            introduced.append(entry.name)
        }
        let table = names
        for name in introduced where table.valueCount(name) + delta[name, default: 0] > 1 {
            throw IRError.nameTaken(name: name, graph: displayName)
        }
    }

    private func added(_ value: Value, _ rewrite: GraphRewrite) -> Bool {
        rewrite.addedInitializers.contains { $0 === value }
    }

    /// Explicit renames and those `takeOver` implies, one per value.
    private func finalNames(_ rewrite: GraphRewrite) throws -> [ObjectIdentifier: (value: Value, name: String)] {
        var result: [ObjectIdentifier: (value: Value, name: String)] = [:]
        func record(_ value: Value, _ name: String) throws {
            if let earlier = result.updateValue((value, name), forKey: ObjectIdentifier(value)), earlier.name != name {
                throw IRError.invalidRewrite("'\(value.name)' is renamed twice")
            }
        }
        for (value, name) in rewrite.renames { try record(value, name) }
        for takeOver in rewrite.takeOvers {
            try record(takeOver.new, takeOver.old.name)
            if let name = takeOver.renamingOld { try record(takeOver.old, name) }
        }
        return result
    }

    // MARK: - Committing (nothing here can fail)

    private func commit(_ rewrite: GraphRewrite, annotated: [Bool]) {
        let inheritedNames = rewrite.takeOvers.map(\.old.name)
        // Rewiring before inserting: a node inserted again after a removal gets its uses back only on
        // insertion, so, as the check assumed, the rewiring does not touch it.
        for step in rewrite.wiring {
            switch step {
            case .replace(let old, let new, let handling, let except):
                guard old !== new else { continue }
                for use in old.uses where !except.contains(where: { $0 === use.node }) {
                    use.node.setInput(use.inputIndex, new)
                }
                let own = old.graph ?? self
                for slot in old.outputUses where !(slot.graph === own && handling == .leave) {
                    slot.graph.outputs[slot.index] = new
                }
            case .redirect(let node, let index, let value):
                node.setInput(index, value)
            }
        }
        for (node, placement) in rewrite.insertions {
            switch placement {
            case .end: insertUnchecked(node, at: nodes.count)
            case .before(let anchor): insertUnchecked(node, at: index(of: anchor) ?? nodes.count)
            case .after(let anchor): insertUnchecked(node, at: (index(of: anchor) ?? nodes.count - 1) + 1)
            }
        }
        for value in rewrite.addedInitializers { registerInitializer(value) }
        for node in rewrite.removedNodes.reversed() { removeUnchecked(node) }
        for value in rewrite.removedInitializers { removeInitializerUnchecked(value) }
        for takeOver in rewrite.takeOvers {
            if let name = takeOver.renamingOld { renameUnchecked(takeOver.old, to: name) }
        }
        for (value, name) in rewrite.renames { renameUnchecked(value, to: name) }
        for (index, takeOver) in rewrite.takeOvers.enumerated() {
            let old = takeOver.old
            let new = takeOver.new
            if new.name != inheritedNames[index] { renameUnchecked(new, to: inheritedNames[index]) }
            if let type = old.type { new.type = type }
            new.docString = old.docString ?? new.docString
            if !old.metadataProps.isEmpty { new.metadataProps = old.metadataProps }
            if outputs.contains(where: { $0 === new }) {
                valueInfo.removeAll { $0 === new }
            } else if annotated[index], !valueInfo.contains(where: { $0 === new }) {
                valueInfo.append(new)
            }
        }
    }
}
