/// Small models in ONNX text for tests that need something to run.
public enum TinyModels {
    /// `x → Relu → r`, `r · 2 → y`, on `float[1,4]`: one activation, one constant, one output.
    public static let reluTimesTwo = """
        <
           ir_version: 8,
           opset_import: ["" : 17]
        >
        g (float[1,4] x) => (float[1,4] y)
           <float[1] two = {2}>
        {
           r = Relu (x)
           y = Mul (r, two)
        }
        """
}
