import OnnxIR

/// A 1×1 Conv between the two Transposes of a channels-last model, run on the channels-last tensors:
/// tf2onnx writes NHWC → NCHW, Conv, NCHW → NHWC around every convolution, and the two copies were a
/// tenth of such a model's run (open_nsfw, two thirds of whose convolutions are 1×1).
///
/// The product is `Y[pixel, filter] = Σ_c X[pixel, c] · W[filter, c]`: every output is the NCHW kernel's
/// chain of fused multiply-adds over the channels in order, and the bias is added after it as there, so
/// the bits are the NCHW kernel's. X's pixels are A's rows where they lie (stride 1, no padding) or are
/// gathered; W is a transposed B, packed as the product goes. Wider windows are left to the Transposes
/// and the NCHW kernel: keeping the NCHW order of the sum (channel, then kernel row and column) would
/// take a channel-major gather, which cost more than the Transposes it saved (15 % of open_nsfw's run,
/// measured). `GraphPlan` runs it only without an observer and only where the two transposed tensors
/// have no other use; inputs the fast path does not take (another element type, other windows, groups,
/// one filter or one pixel, where the NCHW kernel takes other routes) go to the three nodes' own kernels,
/// whose errors name the node that failed.
struct ChannelsLastConv {
    /// X (channels last), W and, when the Conv has one, B.
    let inputs: [Value]
    /// The Conv's window attributes.
    private let window: WindowAttributes

    /// The Transpose from channels last, the Conv and the Transpose back, when `nodes` are those three
    /// and the Conv has one group.
    static func compile(_ nodes: [Node], context: (Node) -> NodeContext) -> ChannelsLastConv? {
        guard nodes.count == 3, nodes[0].opType == "Transpose", nodes[1].opType == "Conv",
            nodes[2].opType == "Transpose", nodes.allSatisfy({ OpsetImport.isDefaultDomain($0.domain) }),
            (try? context(nodes[0]).ints("perm")) == [0, 3, 1, 2],
            (try? context(nodes[2]).ints("perm")) == [0, 2, 3, 1],
            let x = nodes[0].inputs.first ?? nil, let w = nodes[1].inputs.count > 1 ? nodes[1].inputs[1] : nil,
            nodes[1].inputs.count <= 3, (try? context(nodes[1]).int("group", default: 1)) == 1,
            let window = try? WindowAttributes(context(nodes[1]))
        else { return nil }
        let bias = nodes[1].inputs.count > 2 ? nodes[1].inputs[2] : nil
        return ChannelsLastConv(inputs: [x, w] + (bias.map { [$0] } ?? []), window: window)
    }

    /// Indices of `order`'s Transpose, Conv, Transpose triples whose two inner values have one use each
    /// (`uses`) and are not in `kept`.
    static func triples(in order: [Node], uses: [ObjectIdentifier: Int], kept: Set<ObjectIdentifier>) -> [[Int]] {
        var position: [ObjectIdentifier: Int] = [:]
        for (index, node) in order.enumerated() {
            for output in node.outputs.compactMap({ $0 }) { position[ObjectIdentifier(output)] = index }
        }
        func soleUse(_ value: Value?) -> Int? {
            guard let value, uses[ObjectIdentifier(value)] == 1, !kept.contains(ObjectIdentifier(value)) else {
                return nil
            }
            return position[ObjectIdentifier(value)]
        }
        var triples: [[Int]] = []
        for (last, node) in order.enumerated() where node.opType == "Transpose" {
            guard let conv = soleUse(node.inputs.first ?? nil), order[conv].opType == "Conv",
                let first = soleUse(order[conv].inputs.first ?? nil), order[first].opType == "Transpose"
            else { continue }
            triples.append([first, conv, last])
        }
        return triples
    }

    /// The step's kernel: the channels-last product, or else `nodes` one after another.
    func kernel(nodes: [Node], kernels: [Kernel]) -> Kernel {
        { call in
            if let output = try run(call) { return [output] }
            return try call.runSeparately(nodes, kernels, inputs: inputs)
        }
    }

    /// The convolution on channels-last X; nil when the inputs are not ones the fast path takes.
    private func run(_ call: KernelCall) throws -> NDArray? {
        guard call.inputs.count == inputs.count, let x = call.inputs[0], let w = call.inputs[1],
            x.dataType == .float, w.dataType == .float, x.rank == 4, w.rank == 4, w.shape[1] == x.shape[3],
            w.shape[2] == 1, w.shape[3] == 1
        else { return nil }
        let bias = inputs.count > 2 ? call.inputs[2] : nil
        let (batch, channels, filters) = (x.shape[0], x.shape[3], w.shape[0])
        if let bias, bias.dataType != .float || bias.count != filters { return nil }
        guard let geometry = try? window.geometry(input: [x.shape[1], x.shape[2]], kernel: [1, 1]),
            geometry.kernel == [1, 1], geometry.outputSize > 1, filters > 1, channels > 0
        else { return nil }
        let pixels = geometry.outputSize
        let output = try NDArray.uninitialized(.float, shape: [batch] + geometry.output + [filters])
        // With stride 1 and no padding the pixels of X are A's rows as they lie.
        let inPlace = geometry.strides == [1, 1] && geometry.padBegins == [0, 0] && geometry.padEnds == [0, 0]
        let rows = inPlace ? nil : try NDArray.uninitialized(.float, shape: [pixels, channels])
        for image in 0..<batch {
            var a = x.pointer(Float.self) + image * geometry.inputSize * channels
            if let rows {
                Self.gather(a, channels: channels, geometry: geometry, into: rows.pointer(Float.self))
                a = rows.pointer(Float.self)
            }
            try Blas.sgemm(
                transposeA: false, transposeB: true, m: pixels, n: filters, k: channels, alpha: 1, a: a,
                lda: channels, b: w.pointer(Float.self), ldb: channels, packedB: nil, beta: 0,
                c: output.pointer(Float.self) + image * pixels * filters, ldc: filters)
        }
        if let bias {
            let values = bias.pointer(Float.self)
            let y = output.pointer(Float.self)
            Parallel.forChunks(batch * pixels, cost: filters) { range in
                for pixel in range {
                    let row = y + pixel * filters
                    for filter in 0..<filters { row[filter] += values[filter] }
                }
            }
        }
        return output
    }

    /// The pixels of channels-last `input` that a strided or padded 1×1 window reads, one row of `rows` per
    /// output pixel; zero where the window lies in the padding.
    private static func gather(
        _ input: UnsafePointer<Float>, channels: Int, geometry: WindowGeometry, into rows: UnsafeMutablePointer<Float>
    ) {
        let (height, width) = (geometry.input[0], geometry.input[1])
        let outputWidth = geometry.output[1]
        Parallel.forChunks(geometry.outputSize, cost: channels) { range in
            for pixel in range {
                let (outputRow, outputColumn) = pixel.quotientAndRemainder(dividingBy: outputWidth)
                let inRow = outputRow * geometry.strides[0] - geometry.padBegins[0]
                let inColumn = outputColumn * geometry.strides[1] - geometry.padBegins[1]
                let row = rows + pixel * channels
                if inRow >= 0, inRow < height, inColumn >= 0, inColumn < width {
                    row.update(from: input + (inRow * width + inColumn) * channels, count: channels)
                } else {
                    row.update(repeating: 0, count: channels)
                }
            }
        }
    }
}
