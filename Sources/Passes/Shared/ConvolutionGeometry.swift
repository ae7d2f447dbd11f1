import OnnxIR

/// How a Conv with one or two spatial axes walks its input: kernel sizes, strides, dilations, begin/end pads
/// and `auto_pad`, one entry per spatial axis. `correct-bias` and `round-weights` read a layer's input with it.
struct ConvolutionGeometry: Equatable {
    /// Kernel sizes.
    let kernel: [Int]
    /// Strides.
    let strides: [Int]
    /// Dilations.
    let dilations: [Int]
    /// Begin pads of every axis, then end pads.
    let pads: [Int]
    /// ONNX's `auto_pad`.
    let autoPad: String

    /// One spatial axis as the kernel walks it.
    struct Axis {
        /// Output positions.
        let outputs: Int
        /// Padding before the first input element.
        let padBegin: Int
        /// Distance between output positions, in input elements.
        let stride: Int
        /// Distance between kernel offsets, in input elements.
        let dilation: Int

        /// The input index kernel offset `offset` reads at output `position`; nil in the padding.
        func input(position: Int, offset: Int, size: Int) -> Int? {
            let index = position * stride + offset * dilation - padBegin
            return index >= 0 && index < size ? index : nil
        }
    }

    /// The geometry of `layer` (a Conv), or why it cannot be read.
    static func make(for layer: LinearLayer) -> Result<ConvolutionGeometry, FoldRefusal> {
        let node = layer.node
        let spatial = layer.dims.count - 2
        guard spatial == 1 || spatial == 2 else {
            return .failure("it convolves over \(spatial) spatial axes; only 1 and 2 are measured")
        }
        let strides = node.attribute("strides")?.ints?.map(Int.init) ?? Array(repeating: 1, count: spatial)
        let dilations = node.attribute("dilations")?.ints?.map(Int.init) ?? Array(repeating: 1, count: spatial)
        let pads = node.attribute("pads")?.ints?.map(Int.init) ?? Array(repeating: 0, count: 2 * spatial)
        let autoPad = node.attribute("auto_pad")?.string ?? "NOTSET"
        guard strides.count == spatial, dilations.count == spatial, pads.count == 2 * spatial,
            strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }), pads.allSatisfy({ $0 >= 0 }),
            ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"].contains(autoPad)
        else { return .failure("its strides, dilations, pads or auto_pad are malformed") }
        return .success(
            ConvolutionGeometry(
                kernel: Array(layer.dims.dropFirst(2)), strides: strides, dilations: dilations, pads: pads,
                autoPad: autoPad))
    }

    /// Spatial axis `index` over an input of `size` elements.
    func axis(_ index: Int, size: Int) -> Axis {
        let extent = (kernel[index] - 1) * dilations[index] + 1
        let stride = strides[index]
        switch autoPad {
        case "VALID":
            return Axis(
                outputs: size >= extent ? (size - extent) / stride + 1 : 0, padBegin: 0, stride: stride,
                dilation: dilations[index])
        case "SAME_UPPER", "SAME_LOWER":
            let outputs = (size + stride - 1) / stride
            let total = max(0, (outputs - 1) * stride + extent - size)
            return Axis(
                outputs: outputs, padBegin: autoPad == "SAME_UPPER" ? total / 2 : total - total / 2, stride: stride,
                dilation: dilations[index])
        default:
            let padded = size + pads[index] + pads[index + kernel.count]
            return Axis(
                outputs: padded >= extent ? (padded - extent) / stride + 1 : 0, padBegin: pads[index], stride: stride,
                dilation: dilations[index])
        }
    }

    /// The axes as a 2-D walk over `[height, width]` (a 1-D convolution is a 2-D one of height 1), with the
    /// kernel's height and width.
    func planeAxes(shape: [Int]) -> (rows: Axis, columns: Axis, kernelHeight: Int, kernelWidth: Int) {
        let last = kernel.count - 1
        let columns = axis(last, size: shape[shape.count - 1])
        if kernel.count == 2 {
            return (axis(0, size: shape[2]), columns, kernel[0], kernel[1])
        }
        return (Axis(outputs: 1, padBegin: 0, stride: 1, dilation: 1), columns, 1, kernel[last])
    }
}
