import Foundation
import Testing

@testable import OnnxInterpreter

/// Buffers come from plain malloc (see `ArrayBuffer.allocateAligned`) yet start on a cache line.
@Suite struct ArrayBufferTests {
    @Test func allocatedBuffersStartOnA64ByteBoundaryAndHoldTheirBytes() throws {
        // Odd sizes make malloc hand out blocks at every 16-byte offset.
        var buffers: [ArrayBuffer] = []
        for size in [0, 1, 3, 17, 63, 64, 65, 1000, 4099, 1 << 20, (3 << 20) + 5] {
            for zeroed in [false, true] {
                let buffer = try #require(zeroed ? ArrayBuffer(zeroedByteCount: size) : ArrayBuffer(byteCount: size))
                #expect(Int(bitPattern: buffer.pointer) % ArrayBuffer.alignment == 0, "\(size) bytes")
                #expect(buffer.byteCount == size)
                if zeroed {
                    let bytes = UnsafeRawBufferPointer(start: buffer.pointer, count: size)
                    #expect(bytes.allSatisfy { $0 == 0 }, "\(size) bytes")
                }
                // Writing every byte must stay inside the block (a sanitizer or malloc's checks would catch it).
                buffer.pointer.initializeMemory(as: UInt8.self, repeating: 0xA5, count: size)
                buffers.append(buffer)
            }
        }
        // One byte into a malloc'ed block: never aligned for Float, so the bytes are copied.
        let copied = try #require(ArrayBuffer(sharing: Data(repeating: 7, count: 101).dropFirst(), alignment: 4))
        #expect(Int(bitPattern: copied.pointer) % ArrayBuffer.alignment == 0)
        #expect(!copied.isShared)
        #expect(UnsafeRawBufferPointer(start: copied.pointer, count: 100).allSatisfy { $0 == 7 })
    }

    @Test func memoryThatCannotBeHadIsNilNotATrap() {
        // A size no machine has: malloc refuses, and the interpreter turns nil into an error naming the tensor.
        #expect(ArrayBuffer(byteCount: Int.max / 2) == nil)
        #expect(ArrayBuffer(byteCount: Int.max) == nil)
        #expect(ArrayBuffer(zeroedByteCount: Int.max - 10) == nil)
    }
}
