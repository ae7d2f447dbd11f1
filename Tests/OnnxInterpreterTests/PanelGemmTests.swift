import CVectorMath
import Foundation
import OnnxIR
import Testing

@testable import OnnxInterpreter

/// `qdqc_sgemm` (PanelGemm.c): each element one chain of fused multiply-adds in order of the inner
/// index, the same bits on its AVX-512, AVX2 and scalar paths, packed or not, split or not.
@Suite struct PanelGemmTests {
    /// A product's operands and its parameters.
    struct Case: CustomStringConvertible {
        let m: Int
        let n: Int
        let k: Int
        let transposeA: Bool
        let transposeB: Bool
        let alpha: Float
        let beta: Float

        var lda: Int { transposeA ? m + 1 : k + 2 }
        var ldb: Int { transposeB ? k + 3 : n + 1 }
        var ldc: Int { n + 2 }
        var a: [Float] { Self.values(count: (transposeA ? k : m) * lda, seed: 1) }
        var b: [Float] { Self.values(count: (transposeB ? n : k) * ldb, seed: 2) }
        /// C before the product: the padding past column n must survive it.
        var c: [Float] { Self.values(count: m * ldc, seed: 3) }

        var description: String {
            "[\(m), \(k)]·[\(k), \(n)] transA \(transposeA) transB \(transposeB) alpha \(alpha) beta \(beta)"
        }

        /// Reproducible values in [-1, 1) with a few exact zeros.
        static func values(count: Int, seed: UInt64) -> [Float] {
            var state = seed &* 0x9E37_79B9_7F4A_7C15
            return (0..<count).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let bits = Int(state >> 40) % 2001 - 1000
                return bits % 97 == 0 ? 0 : Float(bits) / 1000
            }
        }

        /// The definition: `Float.addingProduct` (one rounding) over i in order, then alpha · sum + beta · c.
        func reference() -> [Float] {
            let (a, b) = (self.a, self.b)
            var c = self.c
            for row in 0..<m {
                for column in 0..<n {
                    var sum: Float = 0
                    for i in 0..<k {
                        let x = transposeA ? a[i * lda + row] : a[row * lda + i]
                        let y = transposeB ? b[column * ldb + i] : b[i * ldb + column]
                        sum = sum.addingProduct(x, y)
                    }
                    let scaled = alpha * sum
                    c[row * ldc + column] = beta == 0 ? scaled : scaled + beta * c[row * ldc + column]
                }
            }
            return c
        }

        /// `qdqc_sgemm` on `path` (0 best, 1 scalar, 2 AVX2), B packed first when `packed`.
        func product(path: Int32, packed: Bool) -> [Float] {
            let (a, b) = (self.a, self.b)
            var c = self.c
            var panels = [Float](repeating: .nan, count: Int(qdqc_sgemm_packed_count(k, n)))
            if packed { qdqc_sgemm_pack(b, ldb, transposeB ? 1 : 0, k, n, &panels) }
            let done = c.withUnsafeMutableBufferPointer { target in
                panels.withUnsafeBufferPointer { panels in
                    qdqc_sgemm(
                        m, n, k, alpha, a, lda, transposeA ? 1 : 0, b, ldb, transposeB ? 1 : 0,
                        packed ? panels.baseAddress : nil, beta, target.baseAddress, ldc, path)
                }
            }
            #expect(done == 1)
            return c
        }
    }

    /// Shapes around the tile (12 or 3 rows, 32 columns) and the blocks (256 rows, 256 inner steps, 256
    /// columns of B at a time); B's rows are one float longer than its columns, so a row-major B read in
    /// place (AVX-512) has panels that are neither packed nor contiguous, and partial ones at the end.
    static let cases: [Case] = {
        var cases: [Case] = []
        for (m, n, k) in [
            (1, 1, 1), (2, 5, 3), (3, 31, 7), (12, 32, 64), (13, 33, 100), (25, 70, 255), (11, 17, 257),
            (40, 64, 600), (300, 40, 40), (7, 300, 20), (5, 16, 0),
        ] {
            for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
                cases.append(
                    Case(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: 1, beta: 0))
            }
            cases.append(Case(m: m, n: n, k: k, transposeA: false, transposeB: false, alpha: 0.75, beta: 1.25))
            cases.append(Case(m: m, n: n, k: k, transposeA: false, transposeB: true, alpha: -2, beta: 1))
        }
        return cases
    }()

    @Test(arguments: cases)
    func everyPathGivesTheDefinitionsBits(_ product: Case) {
        let expected = product.reference()
        for path: Int32 in [0, 1, 2] {
            for packed in [false, true] {
                let got = product.product(path: path, packed: packed)
                let index = BitIdentity.firstDifference(expected, got)
                #expect(index == nil, "path \(path) packed \(packed): element \(index ?? -1) of \(product)")
            }
        }
    }

    @Test func splittingOverThreadsAndPackingKeepTheBits() throws {
        // Large enough for Blas to split over the workers, with a partial last panel.
        let (m, n, k) = (96, 200, 300)
        let a = Case.values(count: m * k, seed: 4)
        let b = Case.values(count: k * n, seed: 5)
        var whole = [Float](repeating: 0, count: m * n)
        var split = whole
        var packedProduct = whole
        let packed = try #require(PackedMatrix(b, ldb: n, transposed: false, inner: k, columns: n))
        #expect(
            qdqc_sgemm(m, n, k, 1, a, k, 0, b, n, 0, nil, 0, &whole, n, 0) == 1)
        try Blas.sgemm(
            transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0,
            c: &split, ldc: n)
        try Blas.sgemm(
            transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
            packedB: packed, beta: 0, c: &packedProduct, ldc: n)
        #expect(BitIdentity.firstDifference(whole, split) == nil)
        #expect(BitIdentity.firstDifference(whole, packedProduct) == nil)
        #expect(throws: KernelError.self) {
            try Blas.sgemm(
                transposeA: false, transposeB: false, m: m, n: n - 1, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                packedB: packed, beta: 0, c: &packedProduct, ldc: n)
        }
    }

    /// x · w (MatMul) and Gemm(x, w, transB) with w an initializer, or a graph input when `overridable`.
    static func model(overridable: Bool, inner: Int, columns: Int) throws -> Model {
        let builder = GraphBuilder(name: "packed")
        builder.addInput(name: "x", type: .tensor(.float, Shape([.known(5), .known(Int64(inner))])))
        let weights = Case.values(count: inner * columns, seed: 6)
        if overridable {
            builder.addInput(name: "w", type: .tensor(.float, Shape([.known(Int64(inner)), .known(Int64(columns))])))
        }
        builder.addInitializer(Tensor.floats(weights, dims: [Int64(inner), Int64(columns)], name: "w"))
        builder.addInitializer(
            Tensor.floats(
                Case.values(count: inner * columns, seed: 7), dims: [Int64(columns), Int64(inner)], name: "wt"))
        try builder.addNode(
            opType: "MatMul", domain: nil, name: "matmul", inputNames: ["x", "w"], outputNames: ["y"], attributes: [])
        try builder.addNode(
            opType: "Gemm", domain: nil, name: "gemm", inputNames: ["x", "wt"], outputNames: ["z"],
            attributes: [.int("transB", 1)])
        builder.addOutput(name: "y", type: nil)
        builder.addOutput(name: "z", type: nil)
        return Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 21)])
    }

    @Test(arguments: [0, Interpreter.defaultConstantCacheBytes])
    func packedWeightsGiveTheBitsOfUnpackedOnes(budget: Int) throws {
        let (inner, columns) = (40, 70)
        let x = try NDArray(floats: Case.values(count: 5 * inner, seed: 8), shape: [5, inner])
        let packing = try Interpreter(
            model: Self.model(overridable: false, inner: inner, columns: columns), constantCacheBytes: budget)
        let plain = try Interpreter(model: Self.model(overridable: true, inner: inner, columns: columns))
        let w = try NDArray(
            floats: Case.values(count: inner * columns, seed: 6), shape: [inner, columns])
        let expected = try plain.run(["x": x, "w": w])
        // The first run packs, the later ones read the panels.
        for _ in 0..<3 {
            let got = try packing.run(["x": x])
            for name in ["y", "z"] {
                let index = BitIdentity.firstDifference(
                    try #require(expected[name]).floatValues(), try #require(got[name]).floatValues())
                #expect(index == nil, "\(name) differs at \(index ?? -1)")
            }
        }
    }

    @Test func aReplacedWeightIsNotReadFromStalePanels() throws {
        let (inner, columns) = (8, 32)
        let interpreter = try Interpreter(model: Self.model(overridable: true, inner: inner, columns: columns))
        let x = try NDArray(floats: [Float](repeating: 1, count: 5 * inner), shape: [5, inner])
        let ones = try NDArray(floats: [Float](repeating: 1, count: inner * columns), shape: [inner, columns])
        let twos = try NDArray(floats: [Float](repeating: 2, count: inner * columns), shape: [inner, columns])
        #expect(try interpreter.run(["x": x, "w": ones])["y"]?.floatValues().first == 8)
        #expect(try interpreter.run(["x": x, "w": twos])["y"]?.floatValues().first == 16)
    }
}
