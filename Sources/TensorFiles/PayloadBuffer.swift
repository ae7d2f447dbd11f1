import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fixed-size byte buffer filled once and handed to a `Data` without a copy.
///
/// Not `Data(count:)` plus appends: zero-filling and regrowing 100 MB would each be
/// a wasted pass over memory.
final class PayloadBuffer {
    /// Bytes the buffer holds when full.
    let capacity: Int
    /// Bytes written so far.
    private(set) var count = 0
    private var pointer: UnsafeMutableRawPointer?

    /// A buffer of `capacity` bytes, or nil if the memory cannot be had.
    init?(capacity: Int) {
        self.capacity = capacity
        guard capacity > 0 else { return }
        guard let pointer = Self.allocate(capacity) else { return nil }
        self.pointer = pointer
    }

    deinit { free(pointer) }

    /// Appends as much of `chunk` as still fits; the rest is dropped.
    func append(_ chunk: Data) {
        let taken = min(chunk.count, capacity - count)
        guard taken > 0, let pointer else { return }
        chunk.withUnsafeBytes { source in
            guard let base = source.baseAddress else { return }
            (pointer + count).copyMemory(from: base, byteCount: taken)
        }
        count += taken
    }

    /// Lets `body` write into the unused space; it returns how many bytes it wrote.
    func fill(_ body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows {
        guard let pointer else { return }
        let written = try body(UnsafeMutableRawBufferPointer(start: pointer + count, count: capacity - count))
        count += max(0, min(written, capacity - count))
    }

    /// The bytes as `Data`, which takes over the memory; the buffer is empty afterwards.
    ///
    /// Call only once the bytes are written: `Data` copies small buffers into itself.
    func takeData() -> Data {
        guard let pointer else { return Data() }
        self.pointer = nil
        return Data(bytesNoCopy: pointer, count: count, deallocator: .free)
    }

    /// Uninitialized memory for `count` bytes, released with `free`.
    ///
    /// Large buffers are aligned to 2 MiB and offered transparent huge pages (as numpy
    /// does for its arrays), which divides the page faults of the first write by 512.
    static func allocate(_ count: Int) -> UnsafeMutableRawPointer? {
        let hugePage = 1 << 21
        guard count >= hugePage else { return malloc(max(count, 1)) }
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, hugePage, count) == 0, let pointer else { return nil }
        #if os(Linux)
            _ = madvise(pointer, (count / hugePage) * hugePage, MADV_HUGEPAGE)
        #endif
        return pointer
    }
}
