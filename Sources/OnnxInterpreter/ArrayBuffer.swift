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
    /// The block `allocateAligned` got from malloc, which `pointer` lies in; nil when the bytes are shared.
    private let allocation: UnsafeMutableRawPointer?

    /// Bytes are aligned to a cache line, which also suits every SIMD width in use.
    static let alignment = 64

    /// Allocates `byteCount` uninitialized bytes; nil when the memory cannot be had.
    ///
    /// Failable rather than trapping: a model or sample from elsewhere can ask for a tensor larger
    /// than the machine holds, and that must be an error naming it, not an abort.
    init?(byteCount: Int) {
        guard let (allocation, pointer) = Self.allocateAligned(byteCount: byteCount) else { return nil }
        self.byteCount = byteCount
        self.allocation = allocation
        self.pointer = pointer
        self.keptAlive = nil
    }

    /// A malloc'ed block with room for `byteCount` bytes from its first 64-byte boundary: (block, aligned start).
    ///
    /// Not `allocate(byteCount:alignment: 64)`, which calls glibc's `posix_memalign`: before glibc
    /// 2.38 a freed aligned block is rarely reused by the next aligned request, so running a model
    /// sample after sample grew the heap by megabytes per sample while the live bytes stayed flat
    /// (ppocr_v4_det: 129 MiB of heap for 13 MiB in use after 40 samples). Plain malloc blocks
    /// are reused; the spare bytes cover the gap to the boundary whatever malloc's own alignment.
    private static func allocateAligned(byteCount: Int) -> (UnsafeMutableRawPointer, UnsafeMutableRawPointer)? {
        let slack = alignment - 1
        guard byteCount <= Int.max - slack, let block = malloc(max(byteCount, 1) + slack) else { return nil }
        let address = Int(bitPattern: block)
        let aligned = (address + alignment - 1) & ~(alignment - 1)
        return (block, block + (aligned - address))
    }

    /// Allocates `byteCount` bytes set to zero.
    convenience init?(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
    }

    /// Shares the bytes of `data` when they are large, heap-held and aligned for `alignment`; copies them otherwise.
    ///
    /// Large `Data` values keep their bytes in a reference-counted heap storage whose address
    /// does not move while the value lives unmodified, which is what reading weights in place needs.
    /// Small values may live inline in the struct, and misaligned bytes cannot be read as wider
    /// elements, so those are copied once; nil when the memory for the copy cannot be had.
    init?(sharing data: Data, alignment: Int) {
        let count = data.count
        let base = data.withUnsafeBytes { $0.baseAddress }
        if count >= 64, let base, Int(bitPattern: base) % max(alignment, 1) == 0 {
            self.pointer = UnsafeMutableRawPointer(mutating: base)
            self.byteCount = count
            self.keptAlive = data
            self.allocation = nil
        } else {
            guard let (allocation, pointer) = Self.allocateAligned(byteCount: count) else { return nil }
            self.byteCount = count
            self.allocation = allocation
            self.pointer = pointer
            self.keptAlive = nil
            data.withUnsafeBytes { bytes in
                if let source = bytes.baseAddress, count > 0 { pointer.copyMemory(from: source, byteCount: count) }
            }
        }
    }

    /// Whether the bytes belong to a `Data` (an initializer read in place) and so must never be written.
    var isShared: Bool { keptAlive != nil }

    deinit {
        free(allocation)
    }
}
