import Foundation
import OnnxIR

/// A `TensorSpill` into one temporary file that has no name in any folder, so nothing is ever left behind.
///
/// The file is created on the first tensor spilled, in `folder` (the output's, so the spill lands on the
/// disk the output goes to, never in a memory file system), and unlinked at once: the open descriptor and
/// the mappings keep it alive, and the kernel frees it when the process ends, whether it succeeds, fails or
/// is killed. Each tensor is written at a page-aligned offset and mapped on its own, so its pages can be
/// given back exactly and its mapping goes with the last copy of its bytes. A tensor that cannot be spilled
/// (no space, no file) stays in memory; `failure` keeps the first reason.
public final class TensorSpillFile: TensorSpill {
    /// The folder the file is created in.
    public let folder: String
    /// Raw tensors of at least this many bytes are spilled; smaller ones stay in memory.
    public let threshold: Int
    /// Tensors spilled so far.
    public private(set) var tensorCount = 0
    /// Bytes spilled so far.
    public private(set) var byteCount = 0
    /// Why spilling stopped, if it did; later tensors stay in memory.
    public private(set) var failure: String?
    private var descriptor: Int32 = -1
    private var end = 0
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// The threshold `threshold` defaults to: one page (4096 bytes), so what stays in memory is a few bytes per tensor.
    public static let defaultThreshold = 4096

    /// Creates a spill into a file in `folder`; nothing is created until a tensor is spilled.
    public init(folder: String, threshold: Int = TensorSpillFile.defaultThreshold) {
        self.folder = folder.isEmpty ? "." : folder
        self.threshold = threshold
    }

    /// Gives `model` a spill when it has external data (weights that may not fit in memory, so neither may the
    /// tensors passes make from them), in the folder of `outputPath`, or the temporary folder without one;
    /// returns it, or nil for a model held in memory anyway.
    @discardableResult
    public static func attach(to model: Model, outputPath: String?) -> TensorSpillFile? {
        guard model.graph.initializers.contains(where: { $0.initializer?.isExternal == true }) else { return nil }
        let folder =
            outputPath.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? NSTemporaryDirectory()
        let spill = TensorSpillFile(folder: folder)
        model.graph.tensorSpill = spill
        return spill
    }

    deinit {
        // The mappings of spilled tensors still alive keep the file; it goes with the last of them.
        if descriptor >= 0 { close(descriptor) }
    }

    /// `tensor` with its bytes written to the file and mapped back, when it is raw data of at least `threshold`
    /// bytes not already mapped; otherwise (or when the file cannot take it) `tensor` itself.
    public func spill(_ tensor: Tensor) -> Tensor {
        guard failure == nil, tensor.mappedPages == nil, case .raw(let data) = tensor.storage,
            data.count >= threshold
        else { return tensor }
        do {
            let file = try openFile()
            let offset = (end + pageSize - 1) / pageSize * pageSize
            try data.withUnsafeBytes { try writeFully($0, at: offset, to: file) }
            end = offset + data.count
            let mapped = try MappedFile(descriptor: file, offset: offset, length: data.count, path: folder)
            var spilled = tensor
            spilled.storage = .raw(mapped.data(offset: 0, length: data.count))
            // The mapping is the tensor's alone, so its last, partial page can go too.
            let pages = (data.count + pageSize - 1) / pageSize * pageSize
            spilled.mappedPages = MappedPages { mapped.releasePages(offset: 0, length: pages) }
            tensorCount += 1
            byteCount += data.count
            return spilled
        } catch {
            failure = "\(error)"
            return tensor
        }
    }

    /// The file, created (without a name) on first use.
    private func openFile() throws -> Int32 {
        if descriptor >= 0 { return descriptor }
        #if os(Linux)
            // A file that never has a name; file systems without O_TMPFILE refuse it, and the fallback below runs.
            // Glibc's O_TMPFILE is a compound macro Swift does not import: __O_TMPFILE | O_DIRECTORY.
            let temporaryFile = Int32(0o20_000_000) | O_DIRECTORY
            let unnamed = open(folder, temporaryFile | O_RDWR | O_CLOEXEC, 0o600)
            if unnamed >= 0 {
                descriptor = unnamed
                return unnamed
            }
        #endif
        var template = Array((folder + "/.qdqc-spill-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard created >= 0 else { throw SystemError.error(path: folder, operation: "create a spill file", code: errno) }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // Unlinked at once: the descriptor keeps the file, and no exit path can leave it behind.
        unlink(path)
        _ = fcntl(created, F_SETFD, FD_CLOEXEC)
        descriptor = created
        return created
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer, at offset: Int, to file: Int32) throws {
        guard let start = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let written = pwrite(file, start.advanced(by: done), min(bytes.count - done, 1 << 30), off_t(offset + done))
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemError.error(path: folder, operation: "write the spill file", code: errno)
            }
            done += written
        }
    }
}
