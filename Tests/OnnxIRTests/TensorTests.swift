import Foundation
import OnnxIR
import Testing

@Suite struct TensorTests {
    @Test func typedFieldsConvertToLittleEndianBytes() throws {
        let halfs = Tensor(dataType: .float16, dims: [2], storage: .int32s([0x3C00, 0xC000]))
        #expect(Array(try halfs.rawBytes()) == [0x00, 0x3C, 0x00, 0xC0])
        let bytes = Tensor(dataType: .int8, dims: [3], storage: .int32s([-1, 0, 127]))
        #expect(Array(try bytes.rawBytes()) == [0xFF, 0x00, 0x7F])
        let uint32 = Tensor(dataType: .uint32, dims: [1], storage: .uint64s([7]))
        #expect(Array(try uint32.rawBytes()) == [7, 0, 0, 0])
    }

    @Test func externalTensorWithoutSourceThrowsNamingIt() {
        let tensor = Tensor(
            name: "w", dataType: .float, dims: [4],
            storage: .external(ExternalData(entries: [KeyValue("location", "w.bin")])))
        #expect(throws: IRError.externalDataUnavailable(tensor: "w", location: "w.bin")) { try tensor.rawBytes() }
    }

    @Test func lazyBytesLoadOnce() throws {
        let counter = Counter()
        let lazy = LazyBytes {
            counter.increment()
            return Data([1, 2, 3])
        }
        #expect(try lazy.bytes() == Data([1, 2, 3]))
        #expect(try lazy.bytes() == Data([1, 2, 3]))
        #expect(counter.value == 1)
    }

    @Test func dataTypeNamesAndWidths() {
        #expect(DataType(name: "float8e4m3fn") == .float8e4m3fn)
        #expect(DataType.int4.byteCount(elements: 3) == 2)
        #expect(DataType(rawValue: 99).description == "type<99>")
        #expect(DataType.bfloat16.isFloatingPoint)
        #expect(!DataType.bool.isInteger)
    }
}

/// Counts calls from a `@Sendable` closure.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
