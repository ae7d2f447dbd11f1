import OnnxInterpreter

/// Test conveniences.
extension NDArray {
    /// The same elements with another shape, for tests.
    func reshapedForTest(_ shape: [Int]) throws -> NDArray { try NDArray(floats: floatValues(), shape: shape) }
}
