/// How `.npz` members are stored: as `numpy.savez` (stored) or `numpy.savez_compressed` (deflated) writes them.
public enum NpzCompression: Sendable {
    /// No compression; fastest to write and read.
    case stored
    /// Deflate, as `savez_compressed`.
    case deflated
}
