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
        /// A convolution over `[N, C, (H,) W]`.
        case convolution(ConvolutionGeometry)
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
            switch ConvolutionGeometry.make(for: layer) {
            case .failure(let refusal): return .failure(refusal)
            case .success(let geometry):
                return .success(
                    InputMeans(
                        geometry: .convolution(geometry), channels: layer.inputChannels, taps: layer.taps,
                        sums: [Double](repeating: 0, count: layer.inputChannels * layer.taps)))
            }
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
        case .convolution(let geometry):
            guard shape.count == geometry.kernel.count + 2, shape[1] == channels else {
                throw CorrectBiasError.inputShape(tensor: tensor, shape: shape, channels: channels)
            }
            // A 1-D convolution is a 2-D one of height 1.
            let height = geometry.kernel.count == 2 ? shape[2] : 1
            let width = shape[shape.count - 1]
            let axes = geometry.planeAxes(shape: shape)
            let rowsAxis = Self.readIndices(axes.rows, kernel: axes.kernelHeight, size: height)
            let columnsAxis = Self.readIndices(axes.columns, kernel: axes.kernelWidth, size: width)
            let kernelWidth = axes.kernelWidth
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
    private static func readIndices(
        _ axis: ConvolutionGeometry.Axis, kernel: Int, size: Int
    ) -> (outputs: Int, read: [[Int]]) {
        let read = (0..<kernel).map { offset in
            (0..<axis.outputs).compactMap { axis.input(position: $0, offset: offset, size: size) }
        }
        return (axis.outputs, read)
    }

    private static func finite(_ value: Float) -> Double { value.isFinite ? Double(value) : 0 }
}
