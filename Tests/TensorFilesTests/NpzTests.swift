import Foundation
import OnnxIR
import TestSupport
import Testing

@testable import TensorFiles

/// `.npz` archives from `savez` and `savez_compressed`, read member by member, and broken archives.
@Suite struct NpzTests {
    static let fixtureScript = #"""
        import sys, numpy as np
        out = sys.argv[1]
        arrays = dict(a=np.arange(12, dtype='<f4').reshape(3, 4), b=np.array([1, -2], dtype='>i8'),
                      c=np.array(True), d=np.zeros((0, 2), dtype='<f2'))
        np.savez(f'{out}/plain.npz', **arrays)
        np.savez_compressed(f'{out}/compressed.npz', **arrays)
        open(f'{out}/garbage.npz', 'wb').write(b'PK' + bytes(range(256)) * 4)
        whole = open(f'{out}/compressed.npz', 'rb').read()
        open(f'{out}/truncated.npz', 'wb').write(whole[: len(whole) // 2])
        """#

    /// A 12 MB deflated member, and a copy with part of its deflate stream scrambled.
    static let largeScript = #"""
        import sys, numpy as np
        out = sys.argv[1]
        np.savez_compressed(f'{out}/big.npz', x=np.arange(3_000_000, dtype='<f4'))
        big = bytearray(open(f'{out}/big.npz', 'rb').read())
        for i in range(2000, 3000): big[i] ^= 0x5A
        open(f'{out}/corrupt_stream.npz', 'wb').write(bytes(big))
        """#

    @Test func readsSavezAndSavezCompressed() throws {
        let scratch = try ScratchFolder()
        try Python.run(Self.fixtureScript, [scratch.path])
        for file in ["plain.npz", "compressed.npz"] {
            let reader = try NpzReader(path: scratch.file(file))
            #expect(reader.keys == ["a", "b", "c", "d"], "\(file)")
            let a = try reader.tensor(named: "a")
            #expect(a.name == "a")
            #expect(a.dims == [3, 4])
            #expect(try a.floatValues() == (0..<12).map(Float.init))
            #expect(try reader.tensor(named: "b").int64Values() == [1, -2])
            let c = try reader.tensor(named: "c")
            #expect(c.dataType == .bool && c.dims.isEmpty)
            #expect(try c.rawBytes() == Data([1]))
            #expect(try reader.tensor(named: "d").dims == [0, 2])
            #expect(try reader.readAll().count == 4)
        }
    }

    @Test func readsALargeDeflatedMemberAndRejectsAScrambledOne() throws {
        let scratch = try ScratchFolder()
        try Python.run(Self.largeScript, [scratch.path])
        let values = try NpzReader(path: scratch.file("big.npz")).tensor(named: "x").floatValues()
        #expect(values.count == 3_000_000)
        #expect(values.enumerated().allSatisfy { Float($0.offset) == $0.element })
        let corrupt = scratch.file("corrupt_stream.npz")
        #expect {
            try NpzReader(path: corrupt).readAll()
        } throws: { error in
            (error as? TensorFileError)?.path == corrupt + ":x.npy"
        }
    }

    /// A stored member with one payload byte changed (the npy still decodes), and a deflated member whose
    /// central directory records another CRC-32.
    static let crcScript = #"""
        import sys, numpy as np
        out = sys.argv[1]
        x = np.arange(16, dtype='<f4')
        np.savez(f'{out}/stored.npz', x=x)
        np.savez_compressed(f'{out}/deflated.npz', x=x)
        stored = bytearray(open(f'{out}/stored.npz', 'rb').read())
        at = stored.index(np.float32(7).tobytes())
        stored[at + 3] ^= 0x01
        open(f'{out}/stored_flipped.npz', 'wb').write(bytes(stored))
        deflated = bytearray(open(f'{out}/deflated.npz', 'rb').read())
        central = deflated.index(b'PK\x01\x02')
        deflated[central + 16] ^= 0xFF
        open(f'{out}/deflated_crc.npz', 'wb').write(bytes(deflated))
        """#

    @Test func aMemberWhoseCRCDiffersIsRefusedNamingFileAndMember() throws {
        let scratch = try ScratchFolder()
        try Python.run(Self.crcScript, [scratch.path])
        for file in ["stored.npz", "deflated.npz"] {
            let values = try NpzReader(path: scratch.file(file)).tensor(named: "x").floatValues()
            #expect(values == (0..<16).map(Float.init), "\(file)")
        }
        for file in ["stored_flipped.npz", "deflated_crc.npz"] {
            let path = scratch.file(file)
            #expect {
                try NpzReader(path: path).tensor(named: "x")
            } throws: { error in
                let message = (error as? TensorFileError)?.description ?? "\(error)"
                return message.hasPrefix("\(path):x.npy: corrupt zip member: its bytes have CRC-32 0x")
                    && message.contains(", the archive records 0x") && !message.contains("\n")
            }
        }
    }

    /// A member marked deflated whose data is one deflate block that is not the last: the stream never ends.
    static let endlessStreamScript = #"""
        import sys, zipfile
        out = sys.argv[1]
        with zipfile.ZipFile(f'{out}/endless.npz', 'w', zipfile.ZIP_STORED) as archive:
            archive.writestr('x.npy', b'\x00\x05\x00\xfa\xffhello')
        data = bytearray(open(f'{out}/endless.npz', 'rb').read())
        data[8] = 8
        central = data.index(b'PK\x01\x02')
        data[central + 10] = 8
        open(f'{out}/endless.npz', 'wb').write(bytes(data))
        """#

    /// Found by the `tensor-files` fuzz target: ZIPFoundation inflated until the stream ended, reading the
    /// end of the file for ever (now the member's data is all zlib sees: a stream that runs past it is an
    /// error, whether zlib finds the zeros after it invalid or asks for more).
    @Test(.timeLimit(.minutes(1)))
    func aDeflateStreamThatDoesNotEndWithinItsMemberIsAnError() throws {
        let scratch = try ScratchFolder()
        try Python.run(Self.endlessStreamScript, [scratch.path])
        let path = scratch.file("endless.npz")
        #expect {
            try NpzReader(path: path).tensor(named: "x")
        } throws: { error in
            (error as? TensorFileError)?.description.hasPrefix("\(path):x.npy: corrupt zip member") == true
        }
        // The fuzz target's input itself (kept as a seed): it hung in ZIPFoundation's inflate loop.
        let found = RepositoryPaths.root.appendingPathComponent(
            "Tests/Fuzz/Seeds/tensor-files/found-endless-deflate.npz")
        #expect {
            try NpzReader(path: found.path).readAll()
        } throws: { error in
            (error as? TensorFileError)?.description.hasPrefix("\(found.path):x.npy: corrupt zip member") == true
        }
    }

    /// numpy's archive with its central directory record widened to zip64 (sizes and offset all ones, the
    /// values in a zip64 extra field), as archives over 4 GiB have it.
    static let zip64Script = #"""
        import sys, struct, numpy as np
        out = sys.argv[1]
        np.savez_compressed(f'{out}/plain.npz', x=np.arange(4, dtype='<f4'))
        d = bytearray(open(f'{out}/plain.npz', 'rb').read())
        assert b'PK\x06\x06' not in d
        c = d.index(b'PK\x01\x02')
        nl, el, cl = struct.unpack('<HHH', d[c + 28:c + 34])
        csize, usize = struct.unpack('<II', d[c + 20:c + 28])
        offset = struct.unpack('<I', d[c + 42:c + 46])[0]
        extra = struct.pack('<HHQQQ', 1, 24, usize, csize, offset)
        record = (d[c:c + 20] + struct.pack('<II', 0xFFFFFFFF, 0xFFFFFFFF) + d[c + 28:c + 30]
                  + struct.pack('<H', len(extra)) + d[c + 32:c + 42] + struct.pack('<I', 0xFFFFFFFF)
                  + d[c + 46:c + 46 + nl] + extra + d[c + 46 + nl + el:c + 46 + nl + el + cl])
        old_length = 46 + nl + el + cl
        d = d[:c] + record + d[c + old_length:]
        e = d.rindex(b'PK\x05\x06')
        size = struct.unpack('<I', d[e + 12:e + 16])[0] + len(record) - old_length
        d[e + 12:e + 16] = struct.pack('<I', size)
        open(f'{out}/zip64.npz', 'wb').write(bytes(d))
        """#

    @Test func readsSizesAndOffsetsFromAZip64ExtraField() throws {
        let scratch = try ScratchFolder()
        try Python.run(Self.zip64Script, [scratch.path])
        let values = try NpzReader(path: scratch.file("zip64.npz")).tensor(named: "x").floatValues()
        #expect(values == [0, 1, 2, 3])
    }

    @Test func unknownMemberNamesTheArchiveAndItsArrays() throws {
        let scratch = try ScratchFolder()
        try Python.run(Self.fixtureScript, [scratch.path])
        let path = scratch.file("plain.npz")
        #expect {
            try NpzReader(path: path).tensor(named: "zz")
        } throws: { error in
            (error as? TensorFileError)?.description == "\(path): has no array 'zz' (arrays: a, b, c, d)"
        }
    }

    @Test func brokenArchivesThrowTensorFileError() throws {
        let scratch = try ScratchFolder()
        try Python.run(Self.fixtureScript, [scratch.path])
        for file in ["garbage.npz", "truncated.npz", "missing.npz"] {
            let path = scratch.file(file)
            do {
                _ = try NpzReader(path: path).readAll()
                Issue.record("\(file): no error")
            } catch let error as TensorFileError {
                #expect(error.path.hasPrefix(path), "\(file): \(error)")
                #expect(!error.description.contains("\n"))
            }
        }
    }

    @Test func writesDeterministicArchives() throws {
        let scratch = try ScratchFolder()
        let tensors = [(name: "x", tensor: try Tensor(floats: [1, 2, 3], dims: [3]))]
        for compression in [NpzCompression.deflated, .stored] {
            try NpzWriter.write(tensors, to: scratch.file("one.npz"), compression: compression)
            try NpzWriter.write(tensors, to: scratch.file("two.npz"), compression: compression)
            #expect(try scratch.contents("one.npz") == scratch.contents("two.npz"))
            #expect(try NpzReader(path: scratch.file("one.npz")).tensor(named: "x").floatValues() == [1, 2, 3])
        }
    }

    @Test func refusesDuplicateAndEmptyNames() throws {
        let scratch = try ScratchFolder()
        let tensor = try Tensor(floats: [1], dims: [1])
        #expect(throws: TensorFileError.self) {
            try NpzWriter.write([("x", tensor), ("x", tensor)], to: scratch.file("dup.npz"))
        }
        #expect(throws: TensorFileError.self) { try NpzWriter.write([("", tensor)], to: scratch.file("empty.npz")) }
    }
}
