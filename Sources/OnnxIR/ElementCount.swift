/// Element and byte counts computed without trapping on overflow, for shapes that come from
/// files or callers (`Tensor.elementCount` trusts its dimensions).
public enum ElementCount {
    /// The product of `dims`, or nil if a dimension is negative or the product overflows `Int`.
    public static func of(_ dims: [Int64]) -> Int? {
        var count = 1
        for size in dims {
            guard size >= 0, let small = Int(exactly: size) else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: small)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    /// Whole bytes that `elements` elements of `bits` bits each take, or nil on overflow.
    public static func bytes(elements: Int, bits: Int) -> Int? {
        guard elements >= 0, bits >= 0 else { return nil }
        let (total, overflow) = elements.multipliedReportingOverflow(by: bits)
        guard !overflow, total <= Int.max - 7 else { return nil }
        return (total + 7) / 8
    }

    /// Whole bytes that a tensor of shape `dims` with `bits`-bit elements takes, or nil on overflow.
    public static func bytes(_ dims: [Int64], bits: Int) -> Int? {
        of(dims).flatMap { bytes(elements: $0, bits: bits) }
    }

    /// Bytes that `elements` elements of `type` take in `raw_data` (sub-byte types packed), or nil
    /// when the type has no fixed width or the size overflows.
    public static func bytes(elements: Int, of type: DataType) -> Int? {
        type.bitWidth.flatMap { bytes(elements: elements, bits: $0) }
    }
}
