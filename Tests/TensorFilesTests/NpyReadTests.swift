import Foundation
import OnnxIR
import Testing

@testable import TensorFiles

/// numpy writes, we read: every dtype, byte order, order, header version and odd shape.
@Suite struct NpyReadTests {
    /// Writes `<name>.npy` with numpy plus `<name>.bin` (the little-endian C-order bytes) and a manifest line each.
    static let fixtureScript = #"""
        import sys, json, numpy as np
        out = sys.argv[1]
        onnx_types = {'f2': 10, 'f4': 1, 'f8': 11, 'i1': 3, 'i2': 5, 'i4': 6, 'i8': 7, 'u1': 2, 'u2': 4,
                      'u4': 12, 'u8': 13, 'b1': 9, 'c8': 14, 'c16': 15}
        def values(code):
            kind = code[0]
            if kind == 'f': return np.array([[1.5, -2.25, 2.0 ** -20], [np.inf, -0.0, 1024.0]])
            if kind == 'c': return np.array([[1 + 2j, -3.5j, 0], [np.inf, 7, -1 - 1j]])
            if kind == 'b': return np.array([[True, False, True], [False, False, True]])
            info = np.iinfo(np.dtype('<' + code))
            return np.array([[info.min, 0, 1], [info.max, 7, info.max // 3]])
        manifest = {}
        def save(name, array, writer=None):
            path = f'{out}/{name}.npy'
            if writer: writer(path, array)
            else: np.save(path, array)
            np.ascontiguousarray(array).astype(array.dtype.newbyteorder('<')).tofile(f'{out}/{name}.bin')
            manifest[name] = {'type': onnx_types[array.dtype.kind + str(array.dtype.itemsize)]
                              if array.dtype.kind != 'b' else 9, 'shape': list(array.shape)}
        for code in onnx_types:
            little = values(code).astype(('|' if code in ('i1', 'u1', 'b1') else '<') + code)
            save(code, little)
            if little.dtype.itemsize > 1:
                save('big_' + code, little.astype(little.dtype.newbyteorder('>')))
        save('fortran_f4', np.asfortranarray(np.arange(24, dtype='<f4').reshape(2, 3, 4)))
        save('fortran_big_i8', np.asfortranarray(np.arange(30, dtype='>i8').reshape(5, 6)))
        save('fortran_vector', np.asfortranarray(np.arange(5, dtype='<f4')))
        save('scalar_f4', np.array(3.5, dtype='<f4'))
        save('scalar_i8', np.array(-9, dtype='<i8'))
        save('empty_rows', np.zeros((0, 3), dtype='<f4'))
        save('empty_cols', np.zeros((2, 0), dtype='<i8'))
        save('empty_1d', np.zeros((0,), dtype='<f2'))
        save('rank5', np.arange(2 * 1 * 3 * 1 * 2, dtype='<u2').reshape(2, 1, 3, 1, 2))
        def v(version):
            return lambda path, a: np.lib.format.write_array(open(path, 'wb'), a, version=version)
        save('version2', np.arange(6, dtype='<f8').reshape(3, 2), v((2, 0)))
        save('version3', np.arange(6, dtype='<i4').reshape(2, 3), v((3, 0)))
        # numpy normalizes one-byte codes to '|'; spell them '<' and '=' by hand (same length).
        for code, spelling in (('i1', b"'<i1'"), ('u1', b"'=u1'"), ('b1', b"'|?' ")):
            src = open(f'{out}/{code}.npy', 'rb').read()
            open(f'{out}/spelled_{code}.npy', 'wb').write(src.replace(f"'|{code}'".encode(), spelling, 1))
            open(f'{out}/spelled_{code}.bin', 'wb').write(open(f'{out}/{code}.bin', 'rb').read())
            manifest['spelled_' + code] = manifest[code]
        json.dump(manifest, open(f'{out}/manifest.json', 'w'))
        """#

    @Test func readsEveryFixtureBitExact() throws {
        let scratch = try ScratchFolder()
        try Python.run(Self.fixtureScript, [scratch.path])
        let manifest = try JSONSerialization.jsonObject(with: scratch.contents("manifest.json")) as? [String: Any]
        let entries = try #require(manifest)
        #expect(entries.count >= 39)
        for (name, value) in entries.sorted(by: { $0.key < $1.key }) {
            let entry = try #require(value as? [String: Any])
            let tensor = try NpyFile.read(path: scratch.file(name + ".npy"))
            #expect(tensor.dataType.rawValue == Int32(entry["type"] as? Int ?? -1), "\(name)")
            #expect(tensor.dims == (entry["shape"] as? [Int] ?? [-1]).map(Int64.init), "\(name)")
            #expect(try tensor.rawBytes() == scratch.contents(name + ".bin"), "\(name)")
        }
    }

    @Test func readsValuesAsNumbers() throws {
        let scratch = try ScratchFolder()
        try Python.run(Self.fixtureScript, [scratch.path])
        let halves = try NpyFile.read(path: scratch.file("big_f2.npy"))
        #expect(try halves.floatValues() == [1.5, -2.25, 0x1p-20, .infinity, -0.0, 1024])
        let scalar = try NpyFile.read(path: scratch.file("scalar_f4.npy"))
        #expect(scalar.dims.isEmpty)
        #expect(try scalar.floatValues() == [3.5])
        let fortran = try NpyFile.read(path: scratch.file("fortran_big_i8.npy"))
        #expect(fortran.dims == [5, 6])
        #expect(try fortran.int64Values() == Array(0..<30))
        let empty = try NpyFile.read(path: scratch.file("empty_rows.npy"))
        #expect(empty.dims == [0, 3])
        #expect(try empty.rawBytes().isEmpty)
    }

    @Test func alreadyLittleEndianDataIsReadIntoAZeroBasedBuffer() throws {
        let scratch = try ScratchFolder()
        let path = scratch.file("a.npy")
        try NpyFile.write(try Tensor(floats: [1, 2, 3, 4], dims: [2, 2]), to: path)
        guard case .raw(let data) = try NpyFile.read(path: path).storage else {
            Issue.record("expected raw storage")
            return
        }
        #expect(data.startIndex == 0)
        #expect(data.count == 16)
    }
}
