/// Checks that a batch's shape describes exactly its elements.
enum ObservationShape {
    /// The number of elements `shape` describes, or a `badBatch` error if it is not `count` or is malformed.
    static func validate(_ shape: [Int], count: Int) throws {
        var product = 1
        for dimension in shape {
            guard dimension >= 0 else {
                throw CalibrationError.badBatch(reason: "shape \(shape) has a negative dimension")
            }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw CalibrationError.badBatch(reason: "shape \(shape) overflows") }
            product = next
        }
        guard product == count else {
            throw CalibrationError.badBatch(
                reason: "shape \(shape) describes \(product) elements but \(count) were given")
        }
    }
}
