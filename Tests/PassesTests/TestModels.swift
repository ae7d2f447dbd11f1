import OnnxIR
import OnnxText

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
    static var withLargeInitializer: String {
        let values = (0..<100).map { String($0) }.joined(separator: ", ")
        return """
            <
               ir_version: 8,
               opset_import: ["" : 17]
            >
            g (float[100] x) => (float[100] y)
               <float[100] w = {\(values)}>
            {
               y = Add (x, w)
            }
            """
    }

    static func parse(_ text: String) throws -> Model { try TextParser.parseModel(text) }
}
