import Foundation
import OnnxIR
import OnnxText
import Testing

/// Floats must read back bit for bit, through qdqc's parser and onnx's.
@Suite struct FloatTextTests {
    /// A deterministic stream of 64-bit numbers (xorshift), so failures reproduce.
    private struct Bits {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    private func model(floats: [Float], doubles: [Double]) -> Model {
        let builder = GraphBuilder(name: "g")
        builder.addInitializer(Tensor.floats(floats, dims: [Int64(floats.count)], name: "f"))
        builder.addInitializer(
            Tensor(name: "d", dataType: .double, dims: [Int64(doubles.count)], storage: .doubles(doubles)))
        builder.addOutput(name: "f", type: nil)
        builder.addOutput(name: "d", type: nil)
        return Model(graph: (try? builder.finish()) ?? Graph(), irVersion: 10)
    }

    private func randomValues(count: Int) -> ([Float], [Double]) {
        var bits = Bits()
        var floats: [Float] = []
        var doubles: [Double] = []
        for _ in 0..<count {
            let random = bits.next()
            let float = Float(bitPattern: UInt32(truncatingIfNeeded: random))
            floats.append(float.isNaN ? 0 : float)
            let double = Double(bitPattern: random)
            doubles.append(double.isNaN ? 0 : double)
        }
        // Short decimals are the fast path's territory: make sure it sees plenty of them.
        for index in 0..<count {
            let scale = Float(1 << (index % 20)) / 1024
            floats.append(Float(Int(bits.next() % 2_000_001) - 1_000_000) / 1_000_000 * scale)
        }
        return (floats, doubles)
    }

    @Test func randomBitPatternsRoundTrip() throws {
        let (floats, doubles) = randomValues(count: 20_000)
        let text = try TextPrinter(options: TextPrintOptions(largeTensors: .inline)).print(
            model(floats: floats, doubles: doubles)
        ).text
        let parsed = try TextParser.parseModel(text)
        let f = try #require(parsed.graph.value(named: "f")?.initializer).rawBytes()
        let d = try #require(parsed.graph.value(named: "d")?.initializer).rawBytes()
        #expect(f == floats.withUnsafeBytes { Data($0) })
        #expect(d == doubles.withUnsafeBytes { Data($0) })
    }

    @Test func decimalLiteralsRoundLikeTheStandardLibrary() throws {
        var bits = Bits()
        var literals: [String] = []
        for _ in 0..<20_000 {
            let digits = bits.next() % 1_000_000_000_000
            let exponent = Int(bits.next() % 60) - 40
            let length = Int(bits.next() % 12) + 1
            literals.append(String(String(digits).prefix(length)) + "e" + String(exponent))
            literals.append("0." + String(String(digits).prefix(length)))
        }
        // Decimals just around float midpoints (where rounding twice goes wrong).
        var value: Float = 1
        for _ in 0..<2_000 {
            let midpoint = (Double(value) + Double(value.nextUp)) / 2
            literals.append(String(format: "%.17g", midpoint))
            literals.append(String(format: "%.17g", midpoint.nextUp))
            literals.append(String(format: "%.17g", midpoint.nextDown))
            value = Float(bitPattern: UInt32(truncatingIfNeeded: bits.next()) & 0x7F7F_FFFF)
        }
        let text = "g () => (f) <float[\(literals.count)] f = {\(literals.joined(separator: ", "))}> {}"
        let graph = try TextParser.parseGraph(text)
        let parsed = try #require(graph.value(named: "f")?.initializer).rawBytes()
        let expected = literals.map { Float($0) ?? .nan }
        #expect(parsed == expected.withUnsafeBytes { Data($0) })
    }

    @Test func onnxParserReadsTheSameBits() throws {
        let (floats, doubles) = randomValues(count: 2_000)
        let text = try TextPrinter(options: TextPrintOptions(largeTensors: .inline)).print(
            model(floats: floats, doubles: doubles)
        ).text
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("floats.onnxtxt")
        try text.write(to: file, atomically: false, encoding: .utf8)
        let script = """
            import onnx.parser, onnx.numpy_helper as nh, sys
            m = onnx.parser.parse_model(sys.stdin.read())
            t = {i.name: nh.to_array(i) for i in m.graph.initializer}
            open(sys.argv[1], "wb").write(t["f"].astype("<f4").tobytes())
            open(sys.argv[2], "wb").write(t["d"].astype("<f8").tobytes())
            """
        let floatFile = folder.url.appendingPathComponent("f.bin")
        let doubleFile = folder.url.appendingPathComponent("d.bin")
        let run = try PythonRun.run(script, arguments: [floatFile.path, doubleFile.path], input: file)
        #expect(run.status == 0, "\(run.errors)")
        #expect(try Data(contentsOf: floatFile) == floats.withUnsafeBytes { Data($0) })
        #expect(try Data(contentsOf: doubleFile) == doubles.withUnsafeBytes { Data($0) })
    }
}
