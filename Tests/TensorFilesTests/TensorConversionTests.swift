import Foundation
import OnnxIR
import Testing

@testable import TensorFiles

/// Float conversions agree bit for bit with numpy (float16) and ml_dtypes (bfloat16).
@Suite struct TensorConversionTests {
    /// Random float32 bit patterns plus edge cases, and their float16 and bfloat16 roundings.
    static let roundingScript = #"""
        import sys, numpy as np, ml_dtypes
        out = sys.argv[1]
        rng = np.random.default_rng(7)
        bits = rng.integers(0, 2**32, size=200_000, dtype=np.uint64).astype(np.uint32)
        edges = np.array([0.0, -0.0, 1.0, 65504.0, 65519.99, 65520.0, 65536.0, 2.0**-24, 2.0**-25,
                          2.0**-25 * 1.5, 2.0**-14, 2.0**-14 - 2.0**-25, 1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11,
                          3.4028235e38, -3.4028235e38, np.inf, -np.inf, 1.00390625, 1.01171875], dtype='<f4')
        small = (rng.standard_normal(100_000) * 1e-3).astype('<f4')
        values = np.concatenate([bits.view('<f4'), edges, small, edges * 1e-5])
        np.save(f'{out}/values.npy', values)
        with np.errstate(all='ignore'):
            np.save(f'{out}/half.npy', values.astype('<f2').view('<u2'))
        np.save(f'{out}/bfloat16.npy', values.astype(ml_dtypes.bfloat16).view('<u2'))
        np.save(f'{out}/all_halves.npy', np.arange(65536, dtype='<u2').view('<f2').astype('<f4'))
        """#

    static func bits(_ tensor: Tensor) throws -> [UInt16] {
        try tensor.rawBytes().withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
    }

    @Test func narrowingMatchesNumpyAndMlDtypes() throws {
        let scratch = try ScratchFolder()
        try Python.run(Self.roundingScript, [scratch.path])
        let values = try NpyFile.read(path: scratch.file("values.npy")).floatValues()
        for (type, file) in [(DataType.float16, "half.npy"), (.bfloat16, "bfloat16.npy")] {
            let ours = try Self.bits(try Tensor(floats: values, dataType: type, dims: [Int64(values.count)]))
            let theirs = try Self.bits(try NpyFile.read(path: scratch.file(file)))
            var mismatches = 0
            for index in values.indices where ours[index] != theirs[index] {
                // NaN payloads may differ; NaN-ness may not.
                let widen: (UInt16) -> Float = {
                    type == .float16 ? HalfFloat.float(fromHalf: $0) : HalfFloat.float(fromBFloat16: $0)
                }
                if !(widen(ours[index]).isNaN && widen(theirs[index]).isNaN) { mismatches += 1 }
            }
            #expect(mismatches == 0, "\(type): \(mismatches) of \(values.count) differ")
        }
    }

    @Test func wideningEveryHalfIsExact() throws {
        let scratch = try ScratchFolder()
        try Python.run(Self.roundingScript, [scratch.path])
        let expected = try NpyFile.read(path: scratch.file("all_halves.npy")).floatValues()
        let halves = (0...UInt16.max).map { $0 }.withUnsafeBytes { Data($0) }
        let ours = try Tensor(dataType: .float16, dims: [65536], storage: .raw(halves)).floatValues()
        #expect(zip(ours, expected).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
        let bfloats = Tensor(
            dataType: .bfloat16, dims: [3], storage: .raw(Data([0x80, 0x3F, 0x00, 0xC0, 0x80, 0x7F])))
        #expect(try bfloats.floatValues() == [1, -2, .infinity])
    }

    @Test func everyNumericTypeRoundTripsThroughFloat() throws {
        let values: [Float] = [0, 1, -1, 100, -100, 7]
        let types: [DataType] = [.float, .double, .float16, .bfloat16, .int8, .int16, .int32, .int64]
        for type in types {
            let tensor = try Tensor(floats: values, dataType: type, dims: [2, 3])
            #expect(try tensor.floatValues() == values, "\(type)")
            #expect(try tensor.rawBytes().count == 6 * (type.bitWidth ?? 0) / 8, "\(type)")
        }
        let unsignedTypes: [DataType] = [.uint8, .uint16, .uint32, .uint64]
        for type in unsignedTypes {
            #expect(
                try Tensor(floats: [0, 3, 250], dataType: type, dims: [3]).floatValues() == [0, 3, 250], "\(type)")
        }
        #expect(try Tensor(floats: [2, 0, -0.5], dataType: .bool, dims: [3]).floatValues() == [1, 0, 1])
    }

    @Test func integersTruncateTowardZeroAndRefuseOutOfRange() throws {
        #expect(try Tensor(floats: [2.7, -2.7, 0.5], dataType: .int8, dims: [3]).int64Values() == [2, -2, 0])
        #expect(throws: IRError.self) { try Tensor(floats: [128], dataType: .int8, dims: [1]) }
        #expect(throws: IRError.self) { try Tensor(floats: [-1], dataType: .uint8, dims: [1]) }
        #expect(throws: IRError.self) { try Tensor(floats: [.nan], dataType: .int32, dims: [1]) }
        #expect(throws: IRError.self) { try Tensor(floats: [1, 2], dims: [3]) }
    }

    @Test func typedStorageAndUnsupportedTypes() throws {
        let typed = Tensor(dataType: .float16, dims: [2], storage: .int32s([0x3C00, 0xC000]))
        #expect(try typed.floatValues() == [1, -2])
        let int64s = Tensor(dataType: .int64, dims: [2], storage: .int64s([5, -6]))
        #expect(try int64s.floatValues() == [5, -6])
        #expect(throws: IRError.self) {
            try Tensor(dataType: .string, dims: [1], storage: .strings([[65]])).floatValues()
        }
        #expect(throws: IRError.self) { try Tensor(floats: [1], dims: [1]).int64Values() }
        #expect(throws: IRError.self) {
            try Tensor(dataType: .float, dims: [3], storage: .raw(Data(count: 8))).floatValues()
        }
    }
}
