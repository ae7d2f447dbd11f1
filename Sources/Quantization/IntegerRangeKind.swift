/// Which part of an integer type's range quantized values may take.
public enum IntegerRangeKind: String, CaseIterable, Hashable, Sendable {
    /// The whole type: int8 [-128, 127], uint8 [0, 255], int4 [-8, 7], ...
    case full
    /// Signed types lose their most negative value so the range is symmetric around 0:
    /// int8 [-127, 127], int16 [-32767, 32767], int4 [-7, 7]; unsigned types keep their full range.
    case restricted
    /// ONNX Runtime's `reduce_range` (one bit less, for older x86 VNNI-less kernels):
    /// uint8 [0, 127], int8 [-64, 64], uint16 [0, 32767], int16 [-16384, 16384], uint4 [0, 7], int4 [-4, 3].
    case reduced
}
