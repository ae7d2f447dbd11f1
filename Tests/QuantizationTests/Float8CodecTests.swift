import Foundation
import Quantization
import SeededRandom
import Testing

/// Float8 conversion checked against ONNX's reference (`saturate_cast`, ml_dtypes) bit for bit.
@Suite struct Float8CodecTests {
    struct Input: Codable {
        var values: [UInt32]
    }

    struct Answer: Codable {
        /// Per format name: saturating codes, non-saturating codes, and the float32 bits of the 256 codes.
        var saturated: [String: [UInt8]]
        var unsaturated: [String: [UInt8]]
        var decoded: [String: [UInt32]]
    }

    static let script = """
        import json, sys
        import ml_dtypes
        import numpy as np
        from onnx.numpy_helper import saturate_cast
        values = np.array(json.load(open(sys.argv[1]))["values"], dtype=np.uint32).view(np.float32)
        answer = {"saturated": {}, "unsaturated": {}, "decoded": {}}
        with np.errstate(all="ignore"):
            for name, dtype in [("float8e4m3fn", ml_dtypes.float8_e4m3fn), ("float8e5m2", ml_dtypes.float8_e5m2)]:
                answer["saturated"][name] = saturate_cast(values, dtype).view(np.uint8).tolist()
                answer["unsaturated"][name] = values.astype(dtype).view(np.uint8).tolist()
                codes = np.arange(256, dtype=np.uint8).view(dtype)
                answer["decoded"][name] = codes.astype(np.float32).view(np.uint32).tolist()
        json.dump(answer, open(sys.argv[2], "w"))
        """

    static func testValues() -> [Float] {
        var values: [Float] = [
            0, -0.0, .infinity, -.infinity, .nan, -.nan, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
            .leastNonzeroMagnitude, .leastNormalMagnitude, 448, 449, 463.99, 464, 464.01, 480, 500, -464, 57344,
            59392, 61439, 61440, 61441, 65536, 1e6, -1e6, 0.001953125, 0.0009765625, 0.0009765626, 0.0029296875,
            1.0 / 65536, 1.0 / 131072, 1.0 / 131073,
        ]
        for codec in [Float8Codec.e4m3fn, Float8Codec.e5m2] {
            let finite = (0...255).map { codec.decode(UInt8($0)) }.filter(\.isFinite).sorted()
            for (low, high) in zip(finite, finite.dropFirst()) where low != high {
                let midpoint = (low + high) / 2
                values += [low, midpoint, midpoint.nextUp, midpoint.nextDown]
            }
        }
        var generator = SplitMix64(seed: 88)
        for _ in 0..<60_000 { values.append(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))) }
        for _ in 0..<60_000 { values.append(Float.random(in: -70000...70000, using: &generator)) }
        for _ in 0..<20_000 { values.append(Float.random(in: -0.02...0.02, using: &generator)) }
        return values
    }

    @Test func matchesOnnxReferenceBitForBit() throws {
        let values = Self.testValues()
        let answer = try PythonOracle.run(Self.script, input: Input(values: values.map(\.bitPattern)), as: Answer.self)
        for format in [QuantFormat.float8e4m3fn, .float8e5m2] {
            let codec = try #require(format.float8Codec)
            let saturated = try #require(answer.saturated[format.rawValue])
            let unsaturated = try #require(answer.unsaturated[format.rawValue])
            var mismatches: [String] = []
            for (index, value) in values.enumerated() {
                let ours = codec.encode(value, saturate: true)
                let oursUnsaturated = codec.encode(value, saturate: false)
                if ours != saturated[index] || oursUnsaturated != unsaturated[index] {
                    mismatches.append(
                        "\(value) (0x\(String(value.bitPattern, radix: 16))): ours \(ours)/\(oursUnsaturated), "
                            + "onnx \(saturated[index])/\(unsaturated[index])")
                }
            }
            #expect(
                mismatches.isEmpty,
                "\(format): \(mismatches.count) differ:\n\(mismatches.prefix(10).joined(separator: "\n"))")
            let decoded = try #require(answer.decoded[format.rawValue])
            for code in 0...255 {
                let ours = codec.decode(UInt8(code))
                let theirs = Float(bitPattern: decoded[code])
                #expect(ours.isNaN ? theirs.isNaN : ours.bitPattern == theirs.bitPattern, "\(format) code \(code)")
            }
        }
    }

    @Test func decodeThenEncodeIsTheIdentityOnNonNaNCodes() {
        for codec in [Float8Codec.e4m3fn, Float8Codec.e5m2] {
            for code in 0...255 {
                let value = codec.decode(UInt8(code))
                guard !value.isNaN else { continue }
                #expect(codec.encode(value, saturate: false) == UInt8(code))
            }
        }
        #expect(Float8Codec.e4m3fn.decode(0x7E) == 448)
        #expect(Float8Codec.e5m2.decode(0x7B) == 57344)
        #expect(Float8Codec.e4m3fn.encode(1000) == 0x7E)
        #expect(Float8Codec.e4m3fn.encode(-.infinity) == 0xFE)
        #expect(Float8Codec.e4m3fn.encode(.nan) & 0x7F == 0x7F)
    }

    @Test func standardDeviationOfE4M3ValuesMatchesNumpy() throws {
        struct Std: Codable { var bits: UInt32 }
        let script = """
            import json, sys
            import ml_dtypes
            import numpy as np
            values = np.arange(256, dtype=np.uint8).view(ml_dtypes.float8_e4m3fn).astype(np.float32)
            values = values[~np.isnan(values)]
            json.dump({"bits": int(np.std(values).view(np.uint32))}, open(sys.argv[2], "w"))
            """
        let answer = try PythonOracle.run(script, input: [Int](), as: Std.self)
        #expect(Float8Codec.e4m3fn.standardDeviationOfFiniteValues.bitPattern == answer.bits)
    }
}
