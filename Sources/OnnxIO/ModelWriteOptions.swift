/// How `ModelWriter.write` lays a model out on disk.
public struct ModelWriteOptions: Sendable {
    /// A side file, relative to the output's folder, for every tensor of at least `externalDataThreshold` bytes;
    /// nil keeps tensors inline (except those that were external when read, see `ModelWriter.write`).
    public var externalDataFile: String?
    /// The smallest tensor, in bytes, that goes to `externalDataFile`.
    public var externalDataThreshold: Int
    /// The largest model file protobuf readers accept; beyond it tensors are moved out automatically.
    var protobufSizeLimit: Int = Int(Int32.max)

    /// Creates options.
    public init(externalDataFile: String? = nil, externalDataThreshold: Int = 1024) {
        self.externalDataFile = externalDataFile
        self.externalDataThreshold = externalDataThreshold
    }
}
