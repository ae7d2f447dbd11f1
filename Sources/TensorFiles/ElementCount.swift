/// Element counts computed without trapping on overflow, for shapes that come from files or callers.
enum ElementCount {
    /// The product of `dims`, or nil if a dimension is negative or the product overflows `Int`.
    static func of(_ dims: [Int64]) -> Int? {
        var count = 1
        for size in dims {
            guard size >= 0, let small = Int(exactly: size) else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: small)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    /// Bytes that `dims` elements of `bits` bits each take (whole bytes), or nil on overflow.
    static func bytes(_ dims: [Int64], bits: Int) -> Int? {
        guard let count = of(dims) else { return nil }
        let (total, overflow) = count.multipliedReportingOverflow(by: bits)
        return overflow ? nil : (total + 7) / 8
    }
}
