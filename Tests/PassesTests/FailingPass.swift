import OnnxIR
import Passes

/// A pass that fails on purpose, registered only in tests: it throws, or leaves a node reading an undefined value.
struct FailingPass: Pass {
    static let argument = "fail-on-purpose"
    static let summary = "Fails on purpose (tests only)."
    static let subgraphReach = SubgraphReach.mainGraphOnly
    static let options = [
        PassOption(name: "mode", valueSyntax: "throw|break-ir", defaultValue: "throw", summary: "How to fail.")
    ]

    struct Failure: Error, CustomStringConvertible {
        var description: String { "this pass always fails" }
    }

    let breaksIR: Bool

    init(options: [String: String]) throws {
        breaksIR =
            try PassOptionReader(options, for: Self.self).choice("mode", in: ["throw", "break-ir"]) == "break-ir"
    }

    func run(on model: Model, context: PassContext) throws -> PassResult {
        guard breaksIR else { throw Failure() }
        let stray = Value(name: "stray")
        try model.graph.append(Node(opType: "Relu", name: "reads_stray", inputs: [stray], outputNames: ["stray_out"]))
        return PassResult(changed: true)
    }
}
