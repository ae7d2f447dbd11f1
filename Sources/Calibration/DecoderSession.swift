import Foundation
import OnnxIR
import OnnxInterpreter

/// Runs a decoder with past step by step in the interpreter, the way it is used: the cache starts empty (length 0
/// on the sequence axis, in the element type of the past inputs, so a quantized cache starts as empty int8 or FP8),
/// each step's `present` outputs become the next step's `past` inputs.
///
/// An `attention_mask` input the step does not give is filled with ones over past and new tokens, and a
/// `position_ids` input with the positions after the past.
public final class DecoderSession {
    /// The interpreter running the model.
    public let interpreter: Interpreter
    /// The cache tensors.
    public let pairs: [CachePair]
    /// The number of tokens in the cache.
    public private(set) var pastLength = 0
    private var cache: [String: NDArray] = [:]
    private let takesAttentionMask: Bool
    private let takesPositionIDs: Bool

    /// A session with an empty cache for `batch` sequences; the past inputs' dimensions other than the batch
    /// (axis 0) and the sequence (`sequenceAxis`) must be fixed.
    public init(interpreter: Interpreter, pairs: [CachePair], batch: Int, sequenceAxis: Int = 2) throws {
        self.interpreter = interpreter
        self.pairs = pairs
        let graph = interpreter.model.graph
        let inputs = Dictionary(graph.inputs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for pair in pairs {
            guard let input = inputs[pair.past], let type = input.elementType, let shape = input.shape else {
                throw KVCacheError("cache input '\(pair.past)' has no declared element type and shape")
            }
            guard shape.rank > sequenceAxis, sequenceAxis > 0 else {
                throw KVCacheError(
                    "cache input '\(pair.past)' has rank \(shape.rank): no sequence axis \(sequenceAxis)")
            }
            var dims: [Int] = []
            for (axis, dimension) in shape.dimensions.enumerated() {
                if axis == 0 {
                    dims.append(batch)
                } else if axis == sequenceAxis {
                    dims.append(0)
                } else if let size = dimension.value, size >= 0 {
                    dims.append(Int(size))
                } else {
                    throw KVCacheError(
                        "cache input '\(pair.past)' (shape \(shape)) has a symbolic dimension on axis \(axis): only "
                            + "the batch (axis 0) and the sequence (axis \(sequenceAxis)) may vary")
                }
            }
            cache[pair.past] = try NDArray(zerosOf: type, shape: dims)
        }
        takesAttentionMask = inputs["attention_mask"].map { $0.initializer == nil } ?? false
        takesPositionIDs = inputs["position_ids"].map { $0.initializer == nil } ?? false
    }

    /// Runs one step on `inputs` (the new tokens, `[batch, n]`), feeding the cache; returns every output and keeps
    /// the presents as the next past.
    public func step(_ inputs: [String: NDArray], tokens: Int, observer: TensorObserver? = nil) throws
        -> [String: NDArray]
    {
        var feed = inputs
        for (name, array) in cache { feed[name] = array }
        let batch = cache.values.first?.shape.first ?? 1
        if takesAttentionMask, feed["attention_mask"] == nil {
            let total = pastLength + tokens
            feed["attention_mask"] = try NDArray(
                int64s: [Int64](repeating: 1, count: batch * total), shape: [batch, total])
        }
        if takesPositionIDs, feed["position_ids"] == nil {
            let positions = (0..<batch).flatMap { _ in (pastLength..<pastLength + tokens).map(Int64.init) }
            feed["position_ids"] = try NDArray(int64s: positions, shape: [batch, tokens])
        }
        let outputs = try interpreter.run(feed, observer: observer)
        for pair in pairs {
            guard let present = outputs[pair.present] else {
                throw KVCacheError("cache output '\(pair.present)' was not produced")
            }
            cache[pair.past] = present
        }
        pastLength += tokens
        return outputs
    }

    /// Columns `range` of axis 1 of `array` (a `[batch, sequence, ...]` input such as `input_ids`).
    public static func columns(_ range: Range<Int>, of array: NDArray) throws -> NDArray {
        precondition(array.rank >= 2)
        let batch = array.shape[0]
        let length = array.shape[1]
        let inner = array.shape.dropFirst(2).reduce(1, *)
        let elementSize = array.count == 0 ? 0 : array.byteCount / array.count
        var data = Data(capacity: batch * range.count * inner * elementSize)
        array.withUnsafeBytes { bytes in
            for row in 0..<batch {
                let start = (row * length + range.lowerBound) * inner * elementSize
                data.append(contentsOf: bytes[start..<start + range.count * inner * elementSize])
            }
        }
        var dims = array.shape.map(Int64.init)
        dims[1] = Int64(range.count)
        return try NDArray(tensor: Tensor(dataType: array.dataType, dims: dims, storage: .raw(data)))
    }
}

/// The longest sequence a decoder takes: the rows of a position table (learned positions, rotary cos/sin) that a
/// Gather reads at positions computed from shapes alone, not from an input's values.
public struct PositionLimit: Sendable, Equatable {
    /// The table, e.g. `model.decoder.embed_positions.weight`.
    public let table: String
    /// Its number of rows: the most positions a sequence (past included) may have.
    public let positions: Int

    /// The smallest such table of `graph`, or nil when the graph has none.
    public static func of(_ graph: Graph) -> PositionLimit? {
        var memo: [ObjectIdentifier: Bool] = [:]
        func readsInputValues(_ value: Value) -> Bool {
            if let known = memo[ObjectIdentifier(value)] { return known }
            memo[ObjectIdentifier(value)] = false
            var result = false
            if value.initializer != nil {
                result = false
            } else if let producer = value.producer {
                if ["Shape", "Size"].contains(producer.opType) {
                    result = false
                } else {
                    result = producer.inputs.contains { $0.map(readsInputValues) ?? false }
                }
            } else {
                result = graph.inputs.contains { $0 === value }
            }
            memo[ObjectIdentifier(value)] = result
            return result
        }
        var best: PositionLimit?
        for node in graph.nodes where node.opType == "Gather" && (node.attribute("axis")?.int ?? 0) == 0 {
            guard node.inputs.count == 2, let data = node.inputs[0], let indices = node.inputs[1],
                let table = data.initializer, table.dims.count == 2, indices.initializer == nil,
                !readsInputValues(indices)
            else { continue }
            // Indices computed from nothing but shapes: positions (a Range over the past and new lengths).
            if indices.producer == nil { continue }
            let rows = Int(table.dims[0])
            if best == nil || rows < best!.positions { best = PositionLimit(table: data.name, positions: rows) }
        }
        return best
    }
}
