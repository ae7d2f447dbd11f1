import OnnxIR

/// LSTM, GRU and RNN: outputs from the sequence layout, direction and hidden_size.
extension ShapeRules {
    static func registerRecurrent(into table: inout [String: Rule]) {
        for op in ["LSTM", "GRU", "RNN"] { table[op] = recurrent }
    }

    private static func recurrent(_ context: ShapeRuleContext) throws -> [TensorSignature?] {
        let type = context.elementType(0)
        let direction = try context.string("direction", default: "forward")
        guard ["forward", "reverse", "bidirectional"].contains(direction) else {
            throw context.fail("direction '\(direction)' is not forward, reverse or bidirectional")
        }
        let directions = Dimension.known(direction == "bidirectional" ? 2 : 1)
        let hidden: Dimension = try context.optionalInt("hidden_size").map { .known($0) } ?? .unknown
        let batchFirst = try context.int("layout", default: 0) != 0
        guard let x = context.dimensions(0) else {
            return Array(repeating: TensorSignature(type, nil), count: context.node.outputs.count)
        }
        guard x.count == 3 else { throw context.fail("X must have rank 3, got \(x.count)") }
        let (sequence, batch) = batchFirst ? (x[1], x[0]) : (x[0], x[1])
        let y: [Dimension] =
            batchFirst ? [batch, sequence, directions, hidden] : [sequence, directions, batch, hidden]
        let state: [Dimension] = batchFirst ? [batch, directions, hidden] : [directions, batch, hidden]
        return [TensorSignature(type, y), TensorSignature(type, state), TensorSignature(type, state)]
    }
}
