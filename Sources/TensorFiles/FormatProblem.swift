/// A reason a file's bytes are malformed, before the file name is known to the code that found it.
///
/// Internal: readers catch it and throw `TensorFileError` with the path added.
struct FormatProblem: Error {
    /// What is wrong.
    var reason: String

    /// Creates a problem with `reason`.
    init(_ reason: String) { self.reason = reason }
}
