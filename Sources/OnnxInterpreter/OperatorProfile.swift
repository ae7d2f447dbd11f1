import Dispatch
import OnnxIR

/// Wall time per operator type, measured through the observer hook (`qdqc run --profile`).
///
/// The observer is called right after each node finished, so the time between two calls is
/// the later node's: its kernel plus the executor's bookkeeping. A node with several outputs
/// is charged once; the body nodes of `If`, `Loop` and `Scan` are charged to their own types
/// and the control-flow node only the rest. Not thread-safe: one profile per running model.
public final class OperatorProfile {
    /// One operator type's total.
    public struct Row: Equatable {
        /// `domain:OpType`, with the default domain written as plain `OpType`.
        public let opType: String
        /// Node executions.
        public let calls: Int
        /// Wall time, in seconds.
        public let seconds: Double
    }

    private var totals: [String: (calls: Int, nanoseconds: UInt64)] = [:]
    private var lastTime: UInt64 = 0
    private var lastNode: ObjectIdentifier?

    /// An empty profile.
    public init() {}

    /// Starts the clock; call it right before each `Interpreter.run`, so reading inputs is not charged.
    public func start() {
        lastTime = DispatchTime.now().uptimeNanoseconds
        lastNode = nil
    }

    /// The observer to pass to `Interpreter.run`; it keeps no tensor.
    public var observer: TensorObserver {
        { [self] seen in record(seen) }
    }

    private func record(_ seen: ObservedTensor) {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { lastTime = now }
        // Graph inputs (of the model or of a loop body) are not work of any node.
        guard let node = seen.node else { return }
        let identity = ObjectIdentifier(node)
        let elapsed = now &- lastTime
        let key = node.domain.isEmpty || node.domain == "ai.onnx" ? node.opType : "\(node.domain):\(node.opType)"
        var entry = totals[key] ?? (0, 0)
        entry.nanoseconds &+= elapsed
        // Further outputs of the node that was just charged do not count as another call.
        if identity != lastNode { entry.calls += 1 }
        totals[key] = entry
        lastNode = identity
    }

    /// Every operator type seen, the most time first (ties by name, so the order is stable).
    public var rows: [Row] {
        totals.map { Row(opType: $0.key, calls: $0.value.calls, seconds: Double($0.value.nanoseconds) / 1e9) }
            .sorted { ($0.seconds, $1.opType) > ($1.seconds, $0.opType) }
    }

    /// A plain-text table of `rows` with each type's share of the total.
    public var table: String {
        let rows = self.rows
        let total = rows.reduce(0) { $0 + $1.seconds }
        let width = max(7, rows.map(\.opType.count).max() ?? 0)
        func padded(_ text: String, _ count: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, count - text.count))
            return left ? text + fill : fill + text
        }
        var lines = [padded("op type", width, left: true) + "     calls   time ms   share"]
        for row in rows {
            let share = total > 0 ? row.seconds / total * 100 : 0
            lines.append(
                padded(row.opType, width, left: true) + padded(String(row.calls), 10)
                    + padded(Self.fixed(row.seconds * 1000, digits: 1), 10)
                    + padded(Self.fixed(share, digits: 1) + "%", 8))
        }
        lines.append(
            padded("total", width, left: true) + padded("", 10) + padded(Self.fixed(total * 1000, digits: 1), 10))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `value` with `digits` decimals, without Foundation's locale-dependent formatting.
    private static func fixed(_ value: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = String(scaled % Int(scale))
        return digits == 0
            ? String(whole) : "\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
