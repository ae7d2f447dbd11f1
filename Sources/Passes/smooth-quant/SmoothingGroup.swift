import OnnxIR

/// One activation and the weight layers reading it: they share one smoothing vector `s`.
struct SmoothingGroup {
    /// The activation.
    let activation: Value
    /// The layers reading it, in graph order; all agree on the channel axis and count.
    var targets: [SmoothingTarget]

    /// The channel count every layer expects.
    var channels: Int { targets.first?.channels ?? 0 }

    /// The activation's channel axis, counted from the end.
    var axisFromEnd: Int { targets.first?.activationAxisFromEnd ?? -1 }

    /// The layers' names, for records and remarks.
    var layerNames: [String] { targets.map(\.displayName) }

    /// Finds the groups of `graph` (not nested graphs) in graph order; layers that cannot be smoothed
    /// are reported through `refused`.
    static func find(in graph: Graph, refused: (SmoothingTarget?, Node, SmoothingRefusal) -> Void) -> [SmoothingGroup] {
        var groups: [SmoothingGroup] = []
        var indexByActivation: [ObjectIdentifier: Int] = [:]
        for node in graph.nodes {
            guard let made = SmoothingTarget.make(node) else { continue }
            switch made {
            case .failure(let refusal):
                refused(nil, node, refusal)
            case .success(let target):
                guard let activation = target.activation else { continue }
                if let type = activation.elementType, type != .float {
                    refused(target, node, SmoothingRefusal("its input is not float32"))
                    continue
                }
                let key = ObjectIdentifier(activation)
                guard let index = indexByActivation[key] else {
                    indexByActivation[key] = groups.count
                    groups.append(SmoothingGroup(activation: activation, targets: [target]))
                    continue
                }
                let first = groups[index]
                guard target.channels == first.channels, target.activationAxisFromEnd == first.axisFromEnd else {
                    refused(
                        target, node,
                        SmoothingRefusal(
                            "it reads '\(activation.name)' on another channel axis than '\(first.layerNames[0])'"))
                    continue
                }
                groups[index].targets.append(target)
            }
        }
        return groups
    }
}
