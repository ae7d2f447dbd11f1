/// The rules an initializer's header and data must keep with each other, checked without reading the data.
///
/// A file states a tensor's dims and, separately, holds its data: a 100-byte model can claim
/// `float[2^40]` with four bytes of `raw_data`. Readers, passes and the interpreter all size
/// work from `dims`, so the two must agree before anything trusts them (as `onnx.checker` requires).
/// Element types qdqc does not know pass through unchecked, so a model from a newer ONNX still reads.
enum TensorCheck {
    /// What is wrong with `tensor`, or nil when its dims, type and data agree.
    static func problem(_ tensor: Tensor) -> String? {
        // A segment holds only part of the tensor's data.
        guard tensor.segment == nil else { return nil }
        if let negative = tensor.dims.first(where: { $0 < 0 }) {
            return "dimension \(negative) is negative"
        }
        guard let count = ElementCount.of(tensor.dims) else {
            return "dims \(tensor.dims) hold more elements than memory can"
        }
        guard tensor.dataType != .undefined else { return "data_type is 0 (undefined)" }
        let type = tensor.dataType
        switch tensor.storage {
        case .none:
            return count == 0 ? nil : "has no data for its \(count) elements"
        case .raw(let data):
            guard let expected = ElementCount.bytes(elements: count, of: type) else { return nil }
            return data.count == expected
                ? nil : "raw_data holds \(data.count) bytes, but \(type) \(tensor.dims) needs \(expected)"
        case .floats(let values):
            return mismatch(values.count, entries: type == .complex64 ? 2 * count : count, field: "float_data", tensor)
        case .doubles(let values):
            return mismatch(
                values.count, entries: type == .complex128 ? 2 * count : count, field: "double_data", tensor)
        case .int64s(let values):
            return mismatch(values.count, entries: count, field: "int64_data", tensor)
        case .uint64s(let values):
            return mismatch(values.count, entries: count, field: "uint64_data", tensor)
        case .strings(let values):
            return mismatch(values.count, entries: count, field: "string_data", tensor)
        case .int32s(let values):
            // Types of 4 and 2 bits are packed two and four to an entry.
            let perEntry = type.bitWidth.map { $0 < 8 ? 8 / $0 : 1 } ?? 1
            return mismatch(values.count, entries: (count + perEntry - 1) / perEntry, field: "int32_data", tensor)
        case .external:
            // The binder checks the file's range when it maps the data.
            return nil
        }
    }

    private static func mismatch(_ held: Int, entries: Int, field: String, _ tensor: Tensor) -> String? {
        held == entries
            ? nil : "\(field) holds \(held) entries, but \(tensor.dataType) \(tensor.dims) needs \(entries)"
    }
}
