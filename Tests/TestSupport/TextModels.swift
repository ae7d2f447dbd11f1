/// Small models in ONNX text shared by test targets (each parses them with its own OnnxText import).
public enum TextModels {
    /// A model with a 100-element initializer, large enough for a sidecar in dumps and text output.
    public static var withLargeInitializer: String {
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
}
