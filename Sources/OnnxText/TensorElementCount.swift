import OnnxIR

/// Element counts computed without trapping on the absurd shapes a damaged file may declare.
enum TensorElementCount {
    /// The product of `dims`, nil if a dimension is negative or the product overflows.
    static func of(_ dims: [Int64]) -> Int? {
        var count = 1
        for dim in dims {
            guard dim >= 0, let size = Int(exactly: dim) else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Bytes that `elements` elements of `type` take in `raw_data`, nil if unknown or too large.
    static func byteCount(of type: DataType, elements: Int) -> Int? {
        guard let bits = type.bitWidth else { return nil }
        let (total, overflow) = elements.multipliedReportingOverflow(by: bits)
        return overflow ? nil : (total + 7) / 8
    }
}
