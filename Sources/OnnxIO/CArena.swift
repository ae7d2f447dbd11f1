import CProtobufC
import Foundation

/// Memory for one C message tree under construction, freed all at once.
///
/// Small allocations come from 64 KiB blocks; strings, arrays and messages live
/// until the arena goes. `Data` whose bytes the tree points into are retained here.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    private let blockSize = 64 * 1024
    private var retained: [Data] = []
    private var cleanups: [() -> Void] = []

    deinit {
        for cleanup in cleanups { cleanup() }
        for block in blocks { free(block) }
    }

    /// Uninitialized memory for `byteCount` bytes aligned to 16.
    func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = (max(byteCount, 1) + 15) & ~15
        if size > blockSize / 4 {
            let block = malloc(size)!
            blocks.append(block)
            return block
        }
        if size > remaining {
            let block = malloc(blockSize)!
            blocks.append(block)
            cursor = block
            remaining = blockSize
        }
        let result = cursor!
        cursor = result.advanced(by: size)
        remaining -= size
        return result
    }

    /// A message initialized by its generated `init` function.
    func message<Message>(_ initialize: (UnsafeMutablePointer<Message>) -> Void) -> UnsafeMutablePointer<Message> {
        let pointer = allocate(byteCount: MemoryLayout<Message>.stride).bindMemory(to: Message.self, capacity: 1)
        initialize(pointer)
        return pointer
    }

    /// A NUL-terminated copy of `string`; nil stays nil (the field is left out).
    func cString(_ string: String?) -> UnsafeMutablePointer<CChar>? {
        guard let string else { return nil }
        var utf8 = string.utf8CString
        let count = utf8.count
        let pointer = allocate(byteCount: count).bindMemory(to: CChar.self, capacity: count)
        utf8.withUnsafeMutableBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
        return pointer
    }

    /// C strings for a repeated string field.
    func cStrings(_ strings: [String]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        pointerArray(strings.map { cString($0) })
    }

    /// A copy of `values` for a repeated scalar field (one bulk copy).
    func copy<Element>(_ values: [Element]) -> (Int, UnsafeMutablePointer<Element>?) {
        guard !values.isEmpty else { return (0, nil) }
        let pointer = allocate(byteCount: MemoryLayout<Element>.stride * values.count)
            .bindMemory(to: Element.self, capacity: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
        return (values.count, pointer)
    }

    /// An array of pointers for a repeated message or string field.
    func pointerArray<Element>(_ items: [UnsafeMutablePointer<Element>?]) -> (
        Int, UnsafeMutablePointer<UnsafeMutablePointer<Element>?>?
    ) {
        copy(items)
    }

    /// Bytes for a `bytes` field, copied.
    func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        let (count, pointer) = copy(bytes)
        return ProtobufCBinaryData(len: count, data: pointer)
    }

    /// Bytes for a `bytes` field, pointing into `data` itself for anything but tiny data.
    ///
    /// Safe because a `Data` of more than 14 bytes keeps its bytes in a heap storage
    /// object whose address does not change while a reference to it exists and it is
    /// not mutated: the arena holds such a reference until packing is over, so a
    /// mutation elsewhere copies (copy on write) instead of moving these bytes. Tiny
    /// data may live inline in the `Data` value itself, so it is copied.
    func binary(_ data: Data) -> ProtobufCBinaryData {
        if data.count <= 64 { return binary([UInt8](data)) }
        let start = data.withUnsafeBytes { $0.baseAddress }
        retained.append(data)
        return ProtobufCBinaryData(
            len: data.count, data: UnsafeMutablePointer(mutating: start?.assumingMemoryBound(to: UInt8.self)))
    }

    /// Runs `cleanup` when the arena goes (for messages protobuf-c unpacked into the tree).
    func onRelease(_ cleanup: @escaping () -> Void) { cleanups.append(cleanup) }
}
