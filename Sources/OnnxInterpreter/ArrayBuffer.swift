import Foundation

/// The bytes behind one or more `NDArray`s: memory this type allocated, or a `Data` kept alive.
///
/// A class so arrays share their bytes (reshapes and identities are free) and so the
/// executor can tell, through `isKnownUniquelyReferenced`, when a kernel may write in place.
final class ArrayBuffer {
    /// Start of the bytes; 64-byte aligned when allocated here.
    let pointer: UnsafeMutableRawPointer
    /// Number of usable bytes.
    let byteCount: Int
    /// The `Data` whose bytes `pointer` points into, held so they stay alive; nil when allocated here.
    private let keptAlive: Data?

    /// Bytes are aligned to a cache line, which also suits every SIMD width in use.
    static let alignment = 64

    /// Allocates `byteCount` uninitialized bytes.
    init(byteCount: Int) {
        self.byteCount = byteCount
        self.pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: Self.alignment)
        self.keptAlive = nil
    }

    /// Allocates `byteCount` bytes set to zero.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
    }

    /// Shares the bytes of `data` when they are large, heap-held and aligned for `alignment`; copies them otherwise.
    ///
    /// Large `Data` values keep their bytes in a reference-counted heap storage whose address
    /// does not move while the value lives unmodified, which is what reading weights in place needs.
    /// Small values may live inline in the struct, and misaligned bytes cannot be read as wider
    /// elements, so those are copied once.
    init(sharing data: Data, alignment: Int) {
        let count = data.count
        let base = data.withUnsafeBytes { $0.baseAddress }
        if count >= 64, let base, Int(bitPattern: base) % max(alignment, 1) == 0 {
            self.pointer = UnsafeMutableRawPointer(mutating: base)
            self.byteCount = count
            self.keptAlive = data
        } else {
            self.byteCount = count
            self.pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: Self.alignment)
            self.keptAlive = nil
            data.withUnsafeBytes { bytes in
                if let source = bytes.baseAddress, count > 0 { pointer.copyMemory(from: source, byteCount: count) }
            }
        }
    }

    /// Whether the bytes belong to a `Data` (an initializer read in place) and so must never be written.
    var isShared: Bool { keptAlive != nil }

    deinit {
        if keptAlive == nil { pointer.deallocate() }
    }
}
