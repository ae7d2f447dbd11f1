import Foundation
import OnnxIR

/// Attention (opset 23+): scaled dot-product attention with 3-D or 4-D inputs, grouped-query
/// heads, boolean or additive masks, causal and sliding-window masking, past key/value
/// caches, padded key lengths, softcap and the four `qk_matmul_output` modes, computed step
/// by step as ONNX's reference (and the operator's function body) does.
enum AttentionKernel {
    /// The attributes.
    struct Options {
        var scale: Float?
        var causal = false
        var queryHeads: Int?
        var keyValueHeads: Int?
        var softmaxPrecision: DataType?
        var softcap: Float = 0
        var outputMode = 0
        var leftWindow = -1
        var rightWindow = -1
    }

    /// Registers the kernel.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":Attention"] = { context in
            var options = Options()
            options.scale = try context.optionalFloat("scale")
            options.causal = try context.int("is_causal", default: 0) != 0
            options.queryHeads = try context.optionalInt("q_num_heads")
            options.keyValueHeads = try context.optionalInt("kv_num_heads")
            options.softmaxPrecision = try context.optionalInt("softmax_precision").flatMap {
                $0 == 0 ? nil : DataType(rawValue: Int32(truncatingIfNeeded: $0))
            }
            options.softcap = try context.float("softcap", default: 0)
            options.outputMode = try context.int("qk_matmul_output_mode", default: 0)
            options.leftWindow = try context.int("left_window_size", default: -1)
            options.rightWindow = try context.int("right_window_size", default: -1)
            return { call in
                try attention(
                    q: call.input(0), k: call.input(1), v: call.input(2), mask: call.optionalInput(3),
                    pastKey: call.optionalInput(4), pastValue: call.optionalInput(5),
                    nonPadLengths: call.integers(6), options: options)
            }
        }
    }

    /// [batch, sequence, heads * size] to [batch, heads, sequence, size].
    private static func splitHeads(_ x: NDArray, heads: Int?, name: String) throws -> NDArray {
        guard let heads, heads > 0, x.shape[2] % heads == 0 else {
            throw KernelError.invalid("3-D \(name) \(x.shape) needs q_num_heads and kv_num_heads that divide it")
        }
        let split = x.reshaped([x.shape[0], x.shape[1], heads, x.shape[2] / heads])
        return try MovementKernels.transpose(split, perm: [0, 2, 1, 3])
    }

    private static func add(_ a: NDArray, _ b: NDArray) throws -> NDArray {
        try ArithmeticKernels.apply(.add, a, b, reuseA: false)
    }

    /// Additive 0 / -inf bias `[batch?, 1?, q, kv]` where `allowed(b, i, j)`; `batch` nil gives `[q, kv]`.
    private static func bias(queries: Int, keys: Int, batch: Int?, type: DataType, _ allowed: (Int, Int, Int) -> Bool)
        throws -> NDArray
    {
        let batches = batch ?? 1
        var values = [Float](repeating: 0, count: batches * queries * keys)
        for b in 0..<batches {
            for i in 0..<queries {
                for j in 0..<keys where !allowed(b, i, j) { values[(b * queries + i) * keys + j] = -.infinity }
            }
        }
        let shape = batch.map { [$0, 1, queries, keys] } ?? [queries, keys]
        return try ElementConversion.convert(NDArray(floats: values, shape: shape), to: type)
    }

    /// Runs attention; returns Y, present_key, present_value and qk_matmul_output.
    static func attention(
        q: NDArray, k: NDArray, v: NDArray, mask givenMask: NDArray?, pastKey: NDArray?, pastValue: NDArray?,
        nonPadLengths: [Int]?, options: Options
    ) throws -> [NDArray?] {
        guard q.rank == k.rank, q.rank == v.rank, q.rank == 3 || q.rank == 4 else {
            throw KernelError.invalid("Q, K and V must all be 3-D or all 4-D")
        }
        guard (pastKey == nil) == (pastValue == nil) else {
            throw KernelError.invalid("past_key and past_value must be given together")
        }
        let type = q.dataType
        guard [.float, .float16, .bfloat16, .double].contains(type) else {
            throw KernelError.unsupportedType("\(type)")
        }
        var query = q
        var key = k
        var value = v
        if q.rank == 3 {
            query = try splitHeads(q, heads: options.queryHeads, name: "Q")
            key = try splitHeads(k, heads: options.keyValueHeads, name: "K")
            value = try splitHeads(v, heads: options.keyValueHeads, name: "V")
        }
        let batch = query.shape[0]
        let scale = options.scale.map { Double($0) } ?? 1 / Double(query.shape[3]).squareRoot()
        let scaleFactor = try NDArray.scalar(Double(Float(scale.squareRoot())), as: type)
        if let pastKey, let pastValue {
            key = try MovementKernels.concat([pastKey, key], axis: 2)
            value = try MovementKernels.concat([pastValue, value], axis: 2)
        }
        let presentKey = key
        let presentValue = value
        let queries = query.shape[2]
        let keys = key.shape[2]
        var bias = try NDArray(zerosOf: type, shape: [queries, keys])
        var mask = givenMask
        if let given = givenMask, let last = given.shape.last, last < keys {
            let padding =
                [Int](repeating: 0, count: given.rank) + [Int](repeating: 0, count: given.rank - 1) + [keys - last]
            let fill =
                given.dataType == .bool
                ? try NDArray([UInt8(0)], dataType: .bool, shape: [])
                : try NDArray.scalar(-.infinity, as: given.dataType)
            mask = try MovementKernels.pad(given, pads: padding, axes: nil, mode: "constant", value: fill)
        }
        if let current = mask, current.dataType == .bool {
            let flags = current.pointer(UInt8.self)
            let values = (0..<current.count).map { flags[$0] != 0 ? Float(0) : -.infinity }
            mask = try ElementConversion.convert(NDArray(floats: values, shape: current.shape), to: type)
        }
        let windowed = options.leftWindow >= 0 || options.rightWindow >= 0
        let offsets: [Int]? = pastKey == nil ? nonPadLengths.map { $0.map { $0 - queries } } : nil
        let sharedOffset = pastKey?.shape[2] ?? 0
        if let nonPadLengths, nonPadLengths.count != batch {
            throw KernelError.invalid("nonpad_kv_seqlen has \(nonPadLengths.count) values for batch \(batch)")
        }
        if options.causal {
            var base = try mask ?? NDArray(zerosOf: type, shape: [queries, keys])
            if windowed { base = try add(NDArray(zerosOf: type, shape: [queries, keys]), base) }
            let causal = try Self.bias(queries: queries, keys: keys, batch: offsets == nil ? nil : batch, type: type) {
                b, i, j in j <= i + (offsets?[b] ?? sharedOffset)
            }
            bias = try add(base, causal)
        } else if let mask {
            bias = try add(bias, mask)
        }
        if windowed {
            bias = try add(NDArray(zerosOf: type, shape: [queries, keys]), bias)
            let window = try Self.bias(queries: queries, keys: keys, batch: offsets == nil ? nil : batch, type: type) {
                b, i, j in
                let difference = i + (offsets?[b] ?? sharedOffset) - j
                return (options.leftWindow < 0 || difference <= options.leftWindow)
                    && (options.rightWindow < 0 || -difference <= options.rightWindow)
            }
            bias = try add(bias, window)
        }
        if let nonPadLengths {
            let padding = try Self.bias(queries: 1, keys: keys, batch: batch, type: type) { b, _, j in
                j < nonPadLengths[b]
            }
            bias = try add(bias, padding)
        }
        let queryHeads = options.queryHeads ?? query.shape[1]
        let keyHeads = options.keyValueHeads ?? key.shape[1]
        if queryHeads != keyHeads, keyHeads > 0, queryHeads % keyHeads == 0, key.shape[1] == value.shape[1] {
            let repeats = queryHeads / keyHeads
            let heads = (0..<queryHeads).map { Int64($0 / repeats) }
            let indices = try NDArray(int64s: heads, shape: [queryHeads])
            key = try IndexKernels.gather(key, indices: indices, axis: 1, name: "K heads")
            value = try IndexKernels.gather(value, indices: indices, axis: 1, name: "V heads")
        }
        let scaledQuery = try ArithmeticKernels.apply(.multiply, query, scaleFactor, reuseA: false)
        let scaledKey = try ArithmeticKernels.apply(
            .multiply, MovementKernels.transpose(key, perm: [0, 1, 3, 2]), scaleFactor, reuseA: true)
        var scores = try LinearAlgebraKernels.matmul(scaledQuery, scaledKey)
        if options.softcap > 0 {
            let cap = try NDArray.scalar(Double(options.softcap), as: type)
            let squeezed = try UnaryKernels.apply(
                .tanh, to: ArithmeticKernels.apply(.divide, scores, cap, reuseA: true), reuse: true)
            scores = try ArithmeticKernels.apply(.multiply, squeezed, cap, reuseA: true)
        }
        var exposed = scores
        var biased = try add(scores, bias)
        if options.outputMode == 2 { exposed = biased }
        if let precision = options.softmaxPrecision { biased = try ElementConversion.convert(biased, to: precision) }
        var probabilities = try SoftmaxKernels.apply(.softmax, biased, axis: -1, coerceTo2D: false, reuse: false)
        let rowMaximum = try ReductionKernels.reduce(bias, axes: [-1], keepDims: true, operation: .maximum)
        let masked = try ComparisonKernels.apply(
            .equal, rowMaximum, NDArray.scalar(-.infinity, as: rowMaximum.dataType))
        probabilities = try ComparisonKernels.select(
            masked, NDArray.scalar(0, as: probabilities.dataType), probabilities)
        if options.outputMode == 3 { exposed = probabilities }
        probabilities = try ElementConversion.convert(probabilities, to: type)
        var output = try LinearAlgebraKernels.matmul(probabilities, value)
        if q.rank == 3 {
            output = try MovementKernels.transpose(output, perm: [0, 2, 1, 3])
            output = output.reshaped([output.shape[0], output.shape[1], output.shape[2] * output.shape[3]])
        }
        return [output, presentKey, presentValue, try ElementConversion.convert(exposed, to: type)]
    }
}
