import OnnxIR

/// Per-channel arithmetic on constant float32 tensors: magnitudes per channel, scaling one axis.
enum ChannelScaling {
    /// The largest magnitude per index of `axis` (non-negative) of a row-major tensor of `shape`.
    static func absMax(_ values: [Float], shape: [Int], axis: Int) -> [Float] {
        guard axis >= 0, axis < shape.count else { return [] }
        let channels = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        var maxima = [Float](repeating: 0, count: channels)
        guard channels > 0, inner > 0 else { return maxima }
        for (index, value) in values.enumerated() where value.isFinite {
            let channel = (index / inner) % channels
            maxima[channel] = max(maxima[channel], abs(value))
        }
        return maxima
    }

    /// `tensor` times `factors[c]` along the axis `axisFromEnd` (negative) of the activation it broadcasts
    /// against, widened to that axis when it had size 1 there or lacked the axis; nil when the tensor is
    /// not a readable float32 constant or its size on that axis is neither 1 nor `factors.count`.
    ///
    /// Only leading 1s are added, up to rank `-axisFromEnd`, so the broadcast result keeps its shape.
    static func scaled(_ tensor: Tensor, axisFromEnd: Int, by factors: [Float]) -> Tensor? {
        guard axisFromEnd < 0, tensor.dataType == .float, let values = ConstantData.floats(tensor) else { return nil }
        var shape = tensor.dims.map(Int.init)
        while shape.count < -axisFromEnd { shape.insert(1, at: 0) }
        let axis = shape.count + axisFromEnd
        let channels = factors.count
        guard shape[axis] == 1 || shape[axis] == channels else { return nil }
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        let oldSize = shape[axis]
        var result = [Float](repeating: 0, count: outer * channels * inner)
        for block in 0..<outer {
            for channel in 0..<channels {
                let source = (block * oldSize + (oldSize == 1 ? 0 : channel)) * inner
                let destination = (block * channels + channel) * inner
                for offset in 0..<inner {
                    result[destination + offset] = values[source + offset] * factors[channel]
                }
            }
        }
        shape[axis] = channels
        return Tensor.floats(result, dims: shape.map(Int64.init), name: tensor.name)
    }

    /// The row-major values of a 2-D `[rows, columns]` matrix transposed.
    static func transposed(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float](repeating: 0, count: values.count)
        for row in 0..<rows {
            for column in 0..<columns { result[column * rows + row] = values[row * columns + column] }
        }
        return result
    }
}
