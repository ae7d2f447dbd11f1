import OnnxIR

/// RotaryEmbedding: rotates pairs of features by position-dependent angles (halves or interleaved).
enum RotaryEmbeddingKernel {
    /// Registers the kernel.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":RotaryEmbedding"] = { context in
            let interleaved = try context.int("interleaved", default: 0) != 0
            let heads = try context.int("num_heads", default: 0)
            let rotaryDimension = try context.int("rotary_embedding_dim", default: 0)
            return { call in
                [
                    try rotate(
                        call.input(0), cos: call.input(1), sin: call.input(2), positions: call.optionalInput(3),
                        interleaved: interleaved, heads: heads, rotaryDimension: rotaryDimension)
                ]
            }
        }
    }

    /// X is [batch, heads, sequence, head] or [batch, sequence, heads * head].
    static func rotate(
        _ x: NDArray, cos: NDArray, sin: NDArray, positions: NDArray?, interleaved: Bool, heads requestedHeads: Int,
        rotaryDimension requested: Int
    ) throws -> NDArray {
        guard x.rank == 3 || x.rank == 4 else { throw KernelError.invalid("X must be 3-D or 4-D, not \(x.shape)") }
        let batch = x.shape[0]
        let heads = x.rank == 4 ? x.shape[1] : requestedHeads
        let sequence = x.rank == 4 ? x.shape[2] : x.shape[1]
        guard heads > 0, x.rank == 4 || x.shape[2] % heads == 0 else {
            throw KernelError.invalid("num_heads \(requestedHeads) does not divide X \(x.shape)")
        }
        let headSize = x.rank == 4 ? x.shape[3] : x.shape[2] / heads
        let dimension = requested == 0 ? headSize : requested
        let half = dimension / 2
        guard dimension <= headSize, dimension % 2 == 0 else {
            throw KernelError.invalid("rotary_embedding_dim \(dimension) does not fit head size \(headSize)")
        }
        let cosines = try cos.floatValues()
        let sines = try sin.floatValues()
        guard cos.shape.last == half, sin.shape == cos.shape else {
            throw KernelError.invalid("cos_cache \(cos.shape) and sin_cache \(sin.shape) need a last axis of \(half)")
        }
        let positionIDs = try positions.map { try IntegerReading.values(of: $0, name: "position_ids") }
        let input = try x.floatValues()
        var output = input
        for b in 0..<batch {
            for s in 0..<sequence {
                let row: Int
                if let positionIDs {
                    guard positionIDs.count == batch * sequence else {
                        throw KernelError.invalid("position_ids must be [\(batch), \(sequence)]")
                    }
                    row = positionIDs[b * sequence + s]
                    guard row >= 0, row < cosines.count / max(half, 1) else {
                        throw KernelError.invalid("position id \(row) is outside cos_cache \(cos.shape)")
                    }
                } else {
                    guard cosines.count == batch * sequence * half else {
                        throw KernelError.invalid("cos_cache \(cos.shape) should be [\(batch), \(sequence), \(half)]")
                    }
                    row = b * sequence + s
                }
                for h in 0..<heads {
                    let base =
                        x.rank == 4
                        ? ((b * heads + h) * sequence + s) * headSize : ((b * sequence + s) * heads + h) * headSize
                    for i in 0..<half {
                        let (first, second) =
                            interleaved ? (base + 2 * i, base + 2 * i + 1) : (base + i, base + half + i)
                        let c = cosines[row * half + i]
                        let t = sines[row * half + i]
                        output[first] = c * input[first] - t * input[second]
                        output[second] = t * input[first] + c * input[second]
                    }
                }
            }
        }
        return try ElementConversion.convert(NDArray(floats: output, shape: x.shape), to: x.dataType)
    }
}
