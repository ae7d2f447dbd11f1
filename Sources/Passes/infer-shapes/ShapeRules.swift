import OnnxIR

/// The shape and element-type rules of the default-domain operators `infer-shapes` knows, by op type.
///
/// A rule returns one signature per node output (nil or missing entries stay
/// untouched). It throws only on a provable contradiction; whatever it cannot
/// know it leaves unknown.
enum ShapeRules {
    /// A rule: the node's view in, the outputs' signatures out.
    typealias Rule = @Sendable (ShapeRuleContext) throws -> [TensorSignature?]

    /// The largest rank a rule derives from a declared length (`InferShapesPass.maximumRank`).
    static var maximumRank: Int { InferShapesPass.maximumRank }

    /// The rule for `opType` in the default domain, if there is one.
    static func rule(for opType: String) -> Rule? { table[opType] }

    /// The operators that have a rule, sorted (for the README and tests).
    static var operators: [String] { table.keys.sorted() }

    private static let table: [String: Rule] = {
        var table: [String: Rule] = [:]
        registerElementwise(into: &table)
        registerLinearAlgebra(into: &table)
        registerWindows(into: &table)
        registerMovement(into: &table)
        registerIndexing(into: &table)
        registerCreation(into: &table)
        registerReductions(into: &table)
        registerNormalization(into: &table)
        registerQuantization(into: &table)
        registerRecurrent(into: &table)
        registerControlFlow(into: &table)
        registerScan(into: &table)
        return table
    }()

    /// Output 0 keeps input 0's signature.
    static func sameAsInput(_ context: ShapeRuleContext) -> [TensorSignature?] { [context.input(0)] }

    /// Broadcasts the dimensions of the given inputs, or throws naming the clash.
    static func broadcastDimensions(_ context: ShapeRuleContext, inputs indices: [Int]) throws -> [Dimension]? {
        var shapes: [[Dimension]] = []
        for index in indices where context.hasInput(index) {
            guard let dimensions = context.dimensions(index) else { return nil }
            shapes.append(dimensions)
        }
        guard let result = DimensionMath.broadcast(shapes) else {
            let text = shapes.map(ShapeRuleContext.text).joined(separator: " with ")
            throw context.fail("cannot broadcast \(text)")
        }
        return result
    }
}
