import OnnxIR
import OnnxInterpreter
import OnnxText

/// `A · B` for float32 matrices, through the interpreter's MatMul (and so its BLAS).
struct MatrixProduct {
    private let interpreter: Interpreter

    /// Plans the one-node model once; it takes any sizes.
    init() throws {
        let model = try TextParser.parseModel(
            """
            <ir_version: 8, opset_import: ["" : 17]>
            product (float[rows, inner] a, float[inner, columns] b) => (float[rows, columns] y) {
               y = MatMul (a, b)
            }
            """)
        interpreter = try Interpreter(model: model, name: "smooth-quant matrix product")
    }

    /// The `[rows, columns]` product of row-major `a` (`[rows, inner]`) and `b` (`[inner, columns]`).
    func multiply(_ a: [Float], _ b: [Float], rows: Int, inner: Int, columns: Int) throws -> [Float] {
        let outputs = try interpreter.run([
            "a": try NDArray(floats: a, shape: [rows, inner]), "b": try NDArray(floats: b, shape: [inner, columns]),
        ])
        guard let product = outputs["y"] else { return [] }
        return try product.floatValues()
    }
}
