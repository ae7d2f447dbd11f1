/// An ordered collection of samples that are loaded one at a time, when asked for.
///
/// Listing is cheap (names only); `sample(at:)` reads the files of one sample, so
/// memory does not grow with the number of samples.
public protocol SampleSource: Sendable {
    /// The file or folder the samples come from, for messages.
    var path: String { get }
    /// The sample names, in the order `sample(at:)` serves them.
    var sampleNames: [String] { get }
    /// Loads sample `index` (0-based, below `sampleNames.count`).
    func sample(at index: Int) throws -> Sample
}

extension SampleSource {
    /// Number of samples.
    public var count: Int { sampleNames.count }

    /// Throws unless `index` names a sample.
    func checkIndex(_ index: Int) throws {
        guard sampleNames.indices.contains(index) else {
            throw TensorFileError(path: path, reason: "sample index \(index) is out of range (\(count) samples)")
        }
    }
}
