/// What `ModelWriter.write` wrote, including decisions it took on its own.
public struct ModelWriteReport: Sendable, Equatable {
    /// Size of the model file in bytes.
    public var modelBytes: Int
    /// The side file's location relative to the model's folder, if one was written.
    public var externalDataFile: String?
    /// How many tensors went to the side file.
    public var externalTensorCount: Int
    /// Size of the side file in bytes.
    public var externalDataBytes: Int
    /// Things the user should know, such as tensors moved out because the model passed protobuf's 2 GiB limit.
    public var notes: [String]

    /// Creates a report.
    public init(
        modelBytes: Int, externalDataFile: String?, externalTensorCount: Int, externalDataBytes: Int, notes: [String]
    ) {
        self.modelBytes = modelBytes
        self.externalDataFile = externalDataFile
        self.externalTensorCount = externalTensorCount
        self.externalDataBytes = externalDataBytes
        self.notes = notes
    }
}
