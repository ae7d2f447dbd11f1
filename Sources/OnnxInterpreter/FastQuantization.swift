import OnnxIR

/// Direct loops for the Q/DQ forms calibration and accuracy runs hit all the time: float32
/// data, float32 per-tensor or per-axis scales, 8- and 16-bit integers. Same arithmetic as
/// the general path (float32 division, round half to even, saturation), without temporaries.
enum FastQuantization {
    /// QuantizeLinear, or nil when the form is not one of the fast ones.
    static func quantize(
        _ x: NDArray, scale: NDArray, zeroPoint: NDArray?, target: DataType, layout: QuantizationKernels.ScaleLayout
    ) throws -> NDArray? {
        switch target {
        case .int8: return try quantize(x, scale, zeroPoint, layout, Int8.self)
        case .uint8: return try quantize(x, scale, zeroPoint, layout, UInt8.self)
        case .int16: return try quantize(x, scale, zeroPoint, layout, Int16.self)
        case .uint16: return try quantize(x, scale, zeroPoint, layout, UInt16.self)
        default: return nil
        }
    }

    private static func quantize<T: NumericElement & FixedWidthInteger>(
        _ x: NDArray, _ scale: NDArray, _ zeroPoint: NDArray?, _ layout: QuantizationKernels.ScaleLayout,
        _ type: T.Type
    ) throws -> NDArray {
        let scales = try scale.elements(as: Float.self)
        let zeros = try zeroPoint.map { try ElementConversion.convert($0, to: .float).elements(as: Float.self) }
        let output = try NDArray.uninitialized(T.dataType, shape: x.shape)
        let source = x.pointer(Float.self)
        let target = output.pointer(T.self)
        let low = Float(T.min)
        let high = Float(T.max)
        let run = layout.mode == .perTensor ? x.count : layout.inner
        let units = run == 0 ? 0 : x.count / run
        let length = layout.mode == .perTensor ? 1 : layout.length
        Parallel.forChunks(units, cost: run) { range in
            for unit in range {
                let slot = unit % length
                let divisor = scales[slot]
                let zero = zeros?[slot] ?? 0
                let start = unit * run
                for index in start..<(start + run) {
                    var value = (source[index] / divisor).rounded(.toNearestOrEven) + zero
                    // NaN goes to the low end, as the reference's int32 conversion sends it there.
                    if !(value >= low) { value = low }
                    if value > high { value = high }
                    // Through Int32 (exact: the value is integral and within 16 bits): `T(value)` from a
                    // Float takes the generic BinaryFloatingPoint conversion, which dominated accuracy runs.
                    target[index] = T(truncatingIfNeeded: Int32(value))
                }
            }
        }
        return output
    }

    /// DequantizeLinear to float32, or nil when the form is not one of the fast ones.
    static func dequantize(
        _ x: NDArray, scale: NDArray, zeroPoint: NDArray?, layout: QuantizationKernels.ScaleLayout
    ) throws -> NDArray? {
        switch x.dataType {
        case .int8: return try dequantize(x, scale, zeroPoint, layout, Int8.self)
        case .uint8: return try dequantize(x, scale, zeroPoint, layout, UInt8.self)
        case .int16: return try dequantize(x, scale, zeroPoint, layout, Int16.self)
        case .uint16: return try dequantize(x, scale, zeroPoint, layout, UInt16.self)
        default: return nil
        }
    }

    private static func dequantize<T: NumericElement & FixedWidthInteger>(
        _ x: NDArray, _ scale: NDArray, _ zeroPoint: NDArray?, _ layout: QuantizationKernels.ScaleLayout,
        _ type: T.Type
    ) throws -> NDArray {
        let scales = try scale.elements(as: Float.self)
        let zeros = try zeroPoint.map { try ElementConversion.convert($0, to: .float).elements(as: Float.self) }
        let output = try NDArray.uninitialized(.float, shape: x.shape)
        let source = x.pointer(T.self)
        let target = output.pointer(Float.self)
        let run = layout.mode == .perTensor ? x.count : layout.inner
        let units = run == 0 ? 0 : x.count / run
        let length = layout.mode == .perTensor ? 1 : layout.length
        Parallel.forChunks(units, cost: run) { range in
            for unit in range {
                let slot = unit % length
                let factor = scales[slot]
                let zero = zeros?[slot] ?? 0
                let start = unit * run
                for index in start..<(start + run) { target[index] = (Float(source[index]) - zero) * factor }
            }
        }
        return output
    }
}
