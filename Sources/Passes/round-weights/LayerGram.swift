import Calibration
import OnnxIR

/// `XᵀX` of one layer's input as its weight sees it (GPTQ's Hessian, up to a factor), one per Conv group.
///
/// A matrix product's rows are its input rows (`x[..., K]`). A convolution's are the im2col patches: per
/// output position, the `C/group × taps` input elements its kernel reads (a padded position reads 0), in the
/// order of the weight's `[C/group, k...]` axes, so row `r` of the patch meets weight element `r` of every
/// output channel of the group. At most `positionLimit` output positions per sample are used, evenly spaced,
/// which bounds the cost on large feature maps.
struct LayerGram {
    /// How the layer reads its input.
    enum Geometry {
        /// `x[..., K]`.
        case rows
        /// A convolution over `[N, C, (H,) W]` in `groups` groups of `channelsPerGroup` channels.
        case convolution(ConvolutionGeometry, groups: Int, channelsPerGroup: Int)
    }

    /// How the input is read.
    let geometry: Geometry
    /// Output positions used per sample, at most.
    let positionLimit: Int
    /// One statistics per group (one for matrices).
    private(set) var groups: [LayerInputStatistics]

    /// The gram for `layer`, or why its input cannot be read.
    static func make(for layer: LinearLayer, positionLimit: Int) -> Result<LayerGram, FoldRefusal> {
        switch layer.layout {
        case .convolution(let group):
            switch ConvolutionGeometry.make(for: layer) {
            case .failure(let refusal): return .failure(refusal)
            case .success(let geometry):
                return .success(
                    LayerGram(
                        geometry: .convolution(geometry, groups: group, channelsPerGroup: layer.dims[1]),
                        positionLimit: positionLimit, groupCount: group))
            }
        case .inputsByOutputs, .outputsByInputs:
            if layer.node.opType == "Gemm", (layer.node.attribute("transA")?.int ?? 0) != 0 {
                return .failure("it reads its input transposed (transA=1)")
            }
            return .success(LayerGram(geometry: .rows, positionLimit: positionLimit, groupCount: 1))
        }
    }

    private init(geometry: Geometry, positionLimit: Int, groupCount: Int) {
        self.geometry = geometry
        self.positionLimit = positionLimit
        groups = (0..<groupCount).map { LayerInputStatistics(rowLimit: 0, gram: true, seed: UInt64($0)) }
    }

    /// Adds one input tensor of `shape`; a shape that does not fit the layer is an error.
    mutating func observe(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws {
        // Moved out while the blocks are read, so each group's XᵀX is updated in place, not copied.
        var groups = self.groups
        self.groups = []
        defer { self.groups = groups }
        try forEachBlock(of: values, shape: shape) { group, rows, rowShape in
            try groups[group].observe(rows, shape: rowShape)
        }
    }

    /// Calls `body` with the rows the layer's weight meets in one input tensor of `shape`, block by block in a
    /// fixed order: for a matrix product the tensor itself, for a convolution one block of im2col patches per
    /// batch item and group (`[positions, C/group × taps]`). A shape that does not fit the layer is an error.
    func forEachBlock(
        of values: UnsafeBufferPointer<Float>, shape: [Int],
        _ body: (_ group: Int, _ rows: UnsafeBufferPointer<Float>, _ shape: [Int]) throws -> Void
    ) throws {
        switch geometry {
        case .rows:
            try body(0, values, shape)
        case .convolution(let geometry, let groupCount, let perGroup):
            guard shape.count == geometry.kernel.count + 2, shape[1] == groupCount * perGroup else {
                throw CalibrationError.badBatch(
                    reason: "input shape \(shape) does not fit a convolution over \(groupCount * perGroup) channels")
            }
            let axes = geometry.planeAxes(shape: shape)
            let height = geometry.kernel.count == 2 ? shape[2] : 1
            let width = shape[shape.count - 1]
            let taps = axes.kernelHeight * axes.kernelWidth
            let width2 = perGroup * taps
            let outputs = axes.rows.outputs * axes.columns.outputs
            guard outputs > 0 else { return }
            let spacing = max(1, (outputs + positionLimit - 1) / positionLimit)
            let chosen = Array(stride(from: 0, to: outputs, by: spacing))
            var patches = [Float](repeating: 0, count: chosen.count * width2)
            for batch in 0..<shape[0] {
                for group in 0..<groupCount {
                    for (row, position) in chosen.enumerated() {
                        let outputRow = position / axes.columns.outputs
                        let outputColumn = position % axes.columns.outputs
                        for local in 0..<perGroup {
                            let base = (batch * shape[1] + group * perGroup + local) * height * width
                            for kernelRow in 0..<axes.kernelHeight {
                                let y = axes.rows.input(position: outputRow, offset: kernelRow, size: height)
                                for kernelColumn in 0..<axes.kernelWidth {
                                    let x = axes.columns.input(
                                        position: outputColumn, offset: kernelColumn, size: width)
                                    var value: Float = 0
                                    if let y, let x { value = values[base + y * width + x] }
                                    patches[
                                        row * width2 + (local * taps + kernelRow * axes.kernelWidth + kernelColumn)] =
                                        value
                                }
                            }
                        }
                    }
                    try patches.withUnsafeBufferPointer { try body(group, $0, [chosen.count, width2]) }
                }
            }
        }
    }
}
