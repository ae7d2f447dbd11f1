import OnnxIR

/// The mean of a layer's input as each weight sees it, accumulated over calibration samples.
///
/// For a matrix product, the mean of input channel `c` over every row. For a convolution, the mean over
/// every output position of the input element under kernel tap `t` of channel `c`, a padded position
/// counting as 0: then `Σ ΔW[o,c,t] · mean[c,t]` is exactly the mean over positions and samples of the
/// output change `ΔW` causes, borders included. Convolutions with one or two spatial axes are measured.
struct InputMeans {
    /// How the layer walks its input.
    enum Geometry {
        /// `x[..., K]` (MatMul, Gemm without transA) or `x[K, M]` (Gemm with transA: `transposed`).
        case rows(transposed: Bool)
        /// A convolution over `[N, C, (H,) W]` with these kernel sizes, strides, dilations and begin/end pads
        /// (one entry per spatial axis; `autoPad` is ONNX's `auto_pad`).
        case convolution(kernel: [Int], strides: [Int], dilations: [Int], pads: [Int], autoPad: String)
    }

    /// How the input is walked.
    let geometry: Geometry
    /// Input channels.
    let channels: Int
    /// Kernel taps per channel (1 for matrices).
    let taps: Int
    /// Sum per (channel, tap).
    private var sums: [Double]
    /// Positions (rows, or output positions times batch) seen.
    private var positions = 0

    /// The means per (channel, tap), row-major; zeros before any input.
    var means: [Double] { sums.map { positions > 0 ? $0 / Double(positions) : 0 } }

    /// Means for `layer`, or why its input cannot be measured.
    static func make(for layer: LinearLayer) -> Result<InputMeans, FoldRefusal> {
        let node = layer.node
        switch layer.layout {
        case .convolution:
            let spatial = layer.dims.count - 2
            guard spatial == 1 || spatial == 2 else {
                return .failure("it convolves over \(spatial) spatial axes; only 1 and 2 are measured")
            }
            let kernel = Array(layer.dims.dropFirst(2))
            let strides = node.attribute("strides")?.ints?.map(Int.init) ?? Array(repeating: 1, count: spatial)
            let dilations = node.attribute("dilations")?.ints?.map(Int.init) ?? Array(repeating: 1, count: spatial)
            let pads = node.attribute("pads")?.ints?.map(Int.init) ?? Array(repeating: 0, count: 2 * spatial)
            let autoPad = node.attribute("auto_pad")?.string ?? "NOTSET"
            guard strides.count == spatial, dilations.count == spatial, pads.count == 2 * spatial,
                strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }), pads.allSatisfy({ $0 >= 0 }),
                ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"].contains(autoPad)
            else { return .failure("its strides, dilations, pads or auto_pad are malformed") }
            return .success(
                InputMeans(
                    geometry: .convolution(
                        kernel: kernel, strides: strides, dilations: dilations, pads: pads, autoPad: autoPad),
                    channels: layer.inputChannels, taps: layer.taps,
                    sums: [Double](repeating: 0, count: layer.inputChannels * layer.taps)))
        case .inputsByOutputs, .outputsByInputs:
            let transposed = node.opType == "Gemm" && (node.attribute("transA")?.int ?? 0) != 0
            return .success(
                InputMeans(
                    geometry: .rows(transposed: transposed), channels: layer.inputChannels, taps: 1,
                    sums: [Double](repeating: 0, count: layer.inputChannels)))
        }
    }

    /// Adds one input tensor of `shape`; a shape that does not fit the layer is an error naming `tensor`.
    mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int], tensor: String) throws {
        switch geometry {
        case .rows(let transposed):
            let axis = transposed ? 0 : shape.count - 1
            guard !shape.isEmpty, shape[axis] == channels, !transposed || shape.count == 2 else {
                throw CorrectBiasError.inputShape(tensor: tensor, shape: shape, channels: channels)
            }
            let rows = values.count / max(channels, 1)
            for row in 0..<rows {
                for channel in 0..<channels {
                    let index = transposed ? channel * rows + row : row * channels + channel
                    sums[channel] += Self.finite(values[index])
                }
            }
            positions += rows
        case .convolution(let kernel, let strides, let dilations, let pads, let autoPad):
            guard shape.count == kernel.count + 2, shape[1] == channels else {
                throw CorrectBiasError.inputShape(tensor: tensor, shape: shape, channels: channels)
            }
            // A 1-D convolution is a 2-D one of height 1.
            let two = kernel.count == 2
            let height = two ? shape[2] : 1
            let width = shape[shape.count - 1]
            let rowsAxis = Self.axisPositions(
                size: height, kernel: two ? kernel[0] : 1, stride: two ? strides[0] : 1,
                dilation: two ? dilations[0] : 1, begin: two ? pads[0] : 0, end: two ? pads[2] : 0, autoPad: autoPad)
            let last = kernel.count - 1
            let columnsAxis = Self.axisPositions(
                size: width, kernel: kernel[last], stride: strides[last], dilation: dilations[last], begin: pads[last],
                end: pads[last + kernel.count], autoPad: autoPad)
            let kernelWidth = kernel[last]
            let plane = height * width
            var rowSums = [Double](repeating: 0, count: height * kernelWidth)
            for batch in 0..<shape[0] {
                for channel in 0..<channels {
                    let base = (batch * channels + channel) * plane
                    // Per input row, the sum of the columns each kernel column reads; then per tap, over its rows.
                    for row in 0..<height {
                        for column in 0..<kernelWidth {
                            var sum = 0.0
                            for x in columnsAxis.read[column] { sum += Self.finite(values[base + row * width + x]) }
                            rowSums[row * kernelWidth + column] = sum
                        }
                    }
                    for kernelRow in 0..<rowsAxis.read.count {
                        for column in 0..<kernelWidth {
                            var sum = 0.0
                            for y in rowsAxis.read[kernelRow] { sum += rowSums[y * kernelWidth + column] }
                            sums[(channel * taps) + kernelRow * kernelWidth + column] += sum
                        }
                    }
                }
            }
            positions += shape[0] * rowsAxis.outputs * columnsAxis.outputs
        }
    }

    /// Along one spatial axis: the number of output positions, and per kernel offset the input indices it reads
    /// over all output positions (padded ones left out: they read 0).
    private static func axisPositions(
        size: Int, kernel: Int, stride: Int, dilation: Int, begin: Int, end: Int, autoPad: String
    ) -> (outputs: Int, read: [[Int]]) {
        let extent = (kernel - 1) * dilation + 1
        var padBegin = begin
        var outputs: Int
        switch autoPad {
        case "VALID":
            padBegin = 0
            outputs = size >= extent ? (size - extent) / stride + 1 : 0
        case "SAME_UPPER", "SAME_LOWER":
            outputs = (size + stride - 1) / stride
            let total = max(0, (outputs - 1) * stride + extent - size)
            padBegin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
        default:
            let padded = size + begin + end
            outputs = padded >= extent ? (padded - extent) / stride + 1 : 0
        }
        var read: [[Int]] = []
        for offset in 0..<kernel {
            var indices: [Int] = []
            for position in 0..<outputs {
                let index = position * stride + offset * dilation - padBegin
                if index >= 0, index < size { indices.append(index) }
            }
            read.append(indices)
        }
        return (outputs, read)
    }

    private static func finite(_ value: Float) -> Double { value.isFinite ? Double(value) : 0 }
}
