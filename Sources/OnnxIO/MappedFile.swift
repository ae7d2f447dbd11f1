import Foundation

/// A whole file (or a range of one) mapped into memory, unmapped when the last reference goes.
///
/// A side-file mapping is private and writable: pages are read from the file only
/// when touched, and a write (for example a `Data` mutated in place) lands in a
/// private copy of the page, never in the file. The file is opened once, at
/// creation, so renaming another file over the path later does not change what
/// the mapping sees; truncating the file in place while it is mapped, like with
/// any memory-mapped file, makes touching the lost pages fail (SIGBUS).
final class MappedFile: @unchecked Sendable {
    /// The path the file was opened at (for a range of an open file, the path errors name).
    let path: String
    /// The file's size in bytes (for a range, the range's).
    let size: Int
    private let base: UnsafeMutableRawPointer?

    /// Maps the file at `path`; errors name `path`.
    ///
    /// - Parameter readOnce: the caller reads the whole file once and never hands out `data(offset:length:)`:
    ///   the mapping is read-only and populated up front.
    init(path: String, readOnce: Bool = false) throws {
        self.path = path
        // Non-blocking, so a named pipe opens at once and is refused below instead of waiting for a writer.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { throw OnnxIOError(path: path, reason: .fileNotFound) }
            throw SystemError.error(path: path, operation: "open", code: code)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw SystemError.error(path: path, operation: "stat", code: errno)
        }
        if let problem = RegularFile.problem(mode: status.st_mode) {
            throw OnnxIOError(path: path, reason: .system(operation: "open", message: "\(problem)"))
        }
        size = Int(status.st_size)
        guard size > 0 else {
            base = nil
            return
        }
        // A file read once from start to end (a model) is mapped read-only in one go rather than one
        // page fault at a time; populating a writable private mapping would copy every page.
        let protection = readOnce ? PROT_READ : PROT_READ | PROT_WRITE
        #if os(Linux)
            let flags = MAP_PRIVATE | (readOnce ? MAP_POPULATE : 0)
        #else
            let flags = MAP_PRIVATE
        #endif
        base = try Self.map(descriptor, offset: 0, length: size, protection: protection, flags: flags, path: path)
    }

    /// Maps `length` bytes from `offset` (a multiple of the page size) of the open file `descriptor`; errors name
    /// `path`. The mapping keeps the file alive after the descriptor is closed, like a whole file's.
    init(descriptor: Int32, offset: Int, length: Int, path: String) throws {
        self.path = path
        size = length
        guard length > 0 else {
            base = nil
            return
        }
        // Private and writable like a side file's mapping, so a Data written in place never reaches the file.
        base = try Self.map(
            descriptor, offset: offset, length: length, protection: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE,
            path: path)
    }

    /// `mmap` of `length` bytes (more than zero) from `offset` of `descriptor`; errors name `path`.
    private static func map(
        _ descriptor: Int32, offset: Int, length: Int, protection: Int32, flags: Int32, path: String
    ) throws -> UnsafeMutableRawPointer {
        let mapped = mmap(nil, length, protection, flags, descriptor, off_t(offset))
        guard let mapped, mapped != MAP_FAILED else {
            throw SystemError.error(path: path, operation: "mmap", code: errno)
        }
        return mapped
    }

    deinit {
        if let base { munmap(base, size) }
    }

    /// The whole file.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : size) }

    /// Gives back the resident pages that lie wholly inside `length` bytes from `offset`.
    ///
    /// The mapping stays: touching the range again reads the pages back from the file (or the page
    /// cache). Pages shared with a neighbouring range are kept, so only bytes of this range are affected.
    /// Nothing writes through a side-file mapping (a `Data` over it copies before it changes), so no
    /// change is lost. The caller checks the range against `size`.
    func releasePages(offset: Int, length: Int) {
        guard length > 0, let base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset + page - 1) / page * page
        let end = (offset + length) / page * page
        guard end > start else { return }
        // Advice: a failure only means the pages stay resident.
        _ = madvise(base.advanced(by: start), end - start, Int32(MADV_DONTNEED))
    }

    /// `length` bytes from `offset`, without copying; the `Data` keeps the mapping alive.
    ///
    /// The caller checks the range against `size`.
    func data(offset: Int, length: Int) -> Data {
        guard length > 0, let base else { return Data() }
        return Data(
            bytesNoCopy: base.advanced(by: offset), count: length,
            deallocator: .custom { _, _ in withExtendedLifetime(self) {} })
    }
}
