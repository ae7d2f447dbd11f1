#if canImport(Glibc)
    import Glibc
#endif

/// Keeps freed tensor buffers inside the process so the next node's output reuses them.
///
/// With glibc's defaults every buffer of a few MB is mapped fresh and returned to the kernel
/// when freed, so each node's output is faulted in and zeroed page by page again: about a
/// quarter of the run time of a CNN went to the kernel. Raising the mmap threshold to its
/// maximum (32 MiB on 64-bit) and the trim threshold well above a model's working set makes
/// buffers come back from the heap instead. Peak memory does not change; memory freed
/// after a run stays with the process, as it would in ONNX Runtime's arena.
enum AllocatorTuning {
    /// Applies the settings once per process; later calls do nothing.
    static func apply() { _ = applied }

    private static let applied: Bool = {
        #if canImport(Glibc)
            // malloc.h is not part of Swift's Glibc module: look mallopt up, with its C signature.
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "mallopt") else { return false }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            // M_TRIM_THRESHOLD and M_MMAP_THRESHOLD from glibc's malloc.h.
            let (trimOption, mmapOption): (Int32, Int32) = (-1, -3)
            return mallopt(mmapOption, 32 << 20) == 1 && mallopt(trimOption, 1 << 30) == 1
        #else
            return false
        #endif
    }()
}
