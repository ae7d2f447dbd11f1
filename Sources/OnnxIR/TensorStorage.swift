import Foundation

/// Where a tensor's elements are, kept in the form the model file used.
///
/// Keeping the original field (raw bytes or one of the typed lists) is what
/// makes a read followed by a write give back the same message.
public enum TensorStorage: Sendable {
    /// No data field at all.
    case none
    /// `raw_data`: little-endian, densely packed elements. The bytes are usually
    /// shared with the buffer the model was read into, never copied per element.
    case raw(Data)
    /// `float_data` (float and complex64).
    case floats([Float])
    /// `int32_data` (int32 and every type of 16 bits or fewer, one element or bit pattern per entry).
    case int32s([Int32])
    /// `int64_data`.
    case int64s([Int64])
    /// `double_data` (double and complex128).
    case doubles([Double])
    /// `uint64_data` (uint32 and uint64).
    case uint64s([UInt64])
    /// `string_data`: byte strings.
    case strings([[UInt8]])
    /// Elements in a side file (`data_location: EXTERNAL`).
    case external(ExternalData)
}
