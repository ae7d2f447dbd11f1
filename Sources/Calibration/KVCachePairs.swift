import OnnxIR

/// One cache tensor of a decoder with past: the graph input the runtime feeds the cache through (`past`) and the
/// graph output the step returns it in (`present`), one step longer along the sequence axis.
public struct CachePair: Sendable, Equatable, CustomStringConvertible {
    /// The graph input, e.g. `past_key_values.0.key`.
    public let past: String
    /// The graph output, e.g. `present.0.key`.
    public let present: String

    /// Creates a pair.
    public init(past: String, present: String) {
        self.past = past
        self.present = present
    }

    /// Whether the pair holds keys (its present's name says `key` and not `value`), which per-channel scales apply to.
    public var isKey: Bool {
        let name = present.lowercased()
        return name.contains("key") && !name.contains("value")
    }

    /// `past:present`, the syntax of the `pairs` option.
    public var description: String { "\(past):\(present)" }
}

/// Finds the past/present pairs of a decoder with past, from the names or from a list the user gives.
public enum CachePairing {
    /// Pairs every graph input whose name contains `past` (rank 3 or more) with the graph output whose name is the
    /// same once `past_key_values` (or `past`) and `present` are taken out: `past_key_values.3.key` ↔
    /// `present.3.key`, `past_key_3` ↔ `present_key_3`. Every such input and every output named `present...` must
    /// find its partner; otherwise the error names the one that does not.
    public static func infer(graph: Graph) throws -> [CachePair] {
        let inputs = graph.inputs.filter { $0.initializer == nil }
        let candidates = inputs.filter { $0.name.lowercased().contains("past") && ($0.shape?.rank ?? 3) >= 3 }
        guard !candidates.isEmpty else {
            throw KVCacheError(
                "the model has no cache input: no graph input is named like 'past_key_values.N.key' (give the "
                    + "pairs as PAST:PRESENT,... if the names differ)")
        }
        let outputs = graph.outputs.map(\.name)
        var pairs: [CachePair] = []
        var used: Set<String> = []
        for input in candidates {
            let stem = Self.stem(input.name, removing: ["past_key_values", "past"])
            let matches = outputs.filter { !used.contains($0) && Self.stem($0, removing: ["present"]) == stem }
            guard matches.count == 1, let present = matches.first else {
                throw KVCacheError(
                    "cache input '\(input.name)' has "
                        + (matches.isEmpty
                            ? "no present output to pair with"
                            : "several present outputs (\(matches.joined(separator: ", ")))")
                        + " (expected one graph output named like '\(Self.expectedPresent(input.name))'; give the "
                        + "pairs as PAST:PRESENT,...)")
            }
            used.insert(present)
            pairs.append(CachePair(past: input.name, present: present))
        }
        if let orphan = outputs.first(where: { $0.lowercased().contains("present") && !used.contains($0) }) {
            throw KVCacheError(
                "cache output '\(orphan)' has no past input to pair with (give the pairs as PAST:PRESENT,...)")
        }
        return pairs
    }

    /// Parses `PAST:PRESENT,PAST:PRESENT` and checks each name against the graph.
    public static func parse(_ text: String, graph: Graph) throws -> [CachePair] {
        let inputs = Set(graph.inputs.filter { $0.initializer == nil }.map(\.name))
        let outputs = Set(graph.outputs.map(\.name))
        var pairs: [CachePair] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw KVCacheError("cache pair '\(item)' is not PAST:PRESENT")
            }
            guard inputs.contains(parts[0]) else {
                throw KVCacheError("cache input '\(parts[0])' is not a graph input")
            }
            guard outputs.contains(parts[1]) else {
                throw KVCacheError("cache output '\(parts[1])' is not a graph output")
            }
            if pairs.contains(where: { $0.past == parts[0] || $0.present == parts[1] }) {
                throw KVCacheError("cache pair '\(item)' names a tensor another pair already names")
            }
            pairs.append(CachePair(past: parts[0], present: parts[1]))
        }
        guard !pairs.isEmpty else { throw KVCacheError("no cache pair given") }
        return pairs
    }

    /// The pairs written into a model's metadata by `quantize-kv-cache` (key `qdqc.kv_cache.pairs`), else inferred.
    public static func pairs(of model: Model) throws -> [CachePair] {
        if let entry = model.metadataProps.first(where: { $0.key == Self.pairsMetadataKey }) {
            return try parse(entry.value, graph: model.graph)
        }
        return try infer(graph: model.graph)
    }

    /// The metadata key listing the pairs as `PAST:PRESENT,...`.
    public static let pairsMetadataKey = "qdqc.kv_cache.pairs"

    private static func stem(_ name: String, removing prefixes: [String]) -> String {
        let lower = name.lowercased()
        for prefix in prefixes {
            if let range = lower.range(of: prefix) {
                return String(lower[..<range.lowerBound]) + String(lower[range.upperBound...])
            }
        }
        return "\u{0}" + lower
    }

    private static func expectedPresent(_ past: String) -> String {
        for prefix in ["past_key_values", "past"] {
            if let range = past.range(of: prefix) { return past.replacingCharacters(in: range, with: "present") }
        }
        return "present" + past
    }
}

/// A decoder-with-past model or its cache that qdqc cannot work with, in one line naming the tensor.
public struct KVCacheError: Error, Equatable, CustomStringConvertible {
    /// The message.
    public let description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
