import OnnxIR
import OnnxText
import TestSupport

/// Small text models shared by the pass-manager tests.
enum TestModels {
    /// One live node, one dead node and one unread initializer.
    static let withDeadCode = """
        <
           ir_version: 8,
           opset_import: ["" : 17]
        >
        g (float[2] x) => (float[2] y)
           <float[2] unused = {1, 2}>
        {
           y = Relu (x)
           dead = Neg (x)
        }
        """

    /// A model with a 100-element initializer, large enough for a sidecar.
    static var withLargeInitializer: String { TextModels.withLargeInitializer }

    static func parse(_ text: String) throws -> Model { try TextParser.parseModel(text) }
}
