import Foundation
import OnnxIR
import OnnxText
import TestSupport
import Testing

/// Seeded mutants of ONNX text: the parser either gives a model or throws; it never traps or hangs, and
/// what it accepts prints back to text.
@Suite struct TextFuzzTests {
    private static let seeds = [
        """
        <
           ir_version: 8,
           opset_import: ["" : 17, "com.example" : 1],
           producer_name: "fuzz"
        >
        g (float[N,3] x, int64[2] s) => (float[?,?] y, int64 n)
           <float[3,2] w = {1, 2, 3, 4, 5, 6}, int64[1] axes = {0}, uint8[2] q = {0, 255}>
        {
           [mm] m = MatMul (x, w)
           r = Reshape <allowzero = 0> (m, s)
           y = Transpose <perm = [1, 0]> (r)
           t = Shape <start = -1> (y)
           n = ReduceSum <keepdims = 0> (t, axes)
           z = com.example.Custom <f = 1.5, fs = [1.0, -2e-3], str = "text", strs = ["a", "b"]> (x)
        }
        """,
        """
        <ir_version: 8, opset_import: ["" : 17]>
        g (bool c, float[2] a) => (float[2] o) {
           o = If (c) <then_branch = t () => (float[2] p) { p = Neg (a) }, else_branch = e () => (float[2] q) {
              q = Identity (a)
           }>
        }
        """,
    ]

    @Test func mutantsAreParsedOrRefusedNeverCrash() throws {
        var mutator = SeededMutator(seed: 1616)
        var parsed = 0
        for _ in 0..<SeededMutator.caseCount(default: 3000) {
            let seed = Self.seeds[mutator.below(Self.seeds.count)]
            let mutant =
                mutator.below(2) == 0
                ? mutator.mutateText(seed)
                : String(
                    decoding: mutator.mutate(Array(seed.utf8), others: Self.seeds.map { Array($0.utf8) }), as: UTF8.self
                )
            guard let model = try? TextParser.parseModel(mutant) else { continue }
            parsed += 1
            // Accepted text prints back (or refuses with an error, e.g. a type the printer cannot spell).
            _ = try? TextPrinter(options: TextPrintOptions(largeTensors: .inline)).print(model)
        }
        #expect(parsed > 0)
    }
}
