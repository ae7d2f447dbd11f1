/// The sliding-window attributes Conv and the pools share, read once at plan time.
struct WindowAttributes {
    /// `kernel_shape`, if given (Conv may infer it from the weights).
    let kernelShape: [Int]?
    /// `strides`, if given (default 1s).
    let strides: [Int]?
    /// `dilations`, if given (default 1s).
    let dilations: [Int]?
    /// `pads` (begins then ends), if given (default 0s).
    let pads: [Int]?
    /// `auto_pad`: NOTSET, SAME_UPPER, SAME_LOWER or VALID.
    let autoPad: String
    /// `ceil_mode` (pools only).
    let ceilMode: Bool

    /// Reads the attributes of `context`'s node.
    init(_ context: NodeContext) throws {
        kernelShape = try context.ints("kernel_shape")
        strides = try context.ints("strides")
        dilations = try context.ints("dilations")
        pads = try context.ints("pads")
        autoPad = try context.string("auto_pad", default: "NOTSET")
        ceilMode = try context.int("ceil_mode", default: 0) != 0
        guard ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"].contains(autoPad) else {
            throw KernelError.invalidAttribute("auto_pad '\(autoPad)' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID")
        }
    }

    /// The window geometry over `input` spatial sizes for a `kernel` (the attribute's, or the given one).
    func geometry(input: [Int], kernel fallback: [Int]? = nil) throws -> WindowGeometry {
        guard let kernel = kernelShape ?? fallback else {
            throw KernelError.invalidAttribute("kernel_shape is missing")
        }
        let rank = input.count
        guard kernel.count == rank else {
            throw KernelError.invalid("kernel_shape \(kernel) does not match \(rank) spatial axes")
        }
        let strides = self.strides ?? [Int](repeating: 1, count: rank)
        let dilations = self.dilations ?? [Int](repeating: 1, count: rank)
        let pads = self.pads ?? [Int](repeating: 0, count: 2 * rank)
        guard strides.count == rank, dilations.count == rank, pads.count == 2 * rank else {
            throw KernelError.invalidAttribute("strides, dilations or pads do not match \(rank) spatial axes")
        }
        try Self.checkMagnitudes(kernel, strides, dilations, pads)
        guard strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }), kernel.allSatisfy({ $0 > 0 }),
            pads.allSatisfy({ $0 >= 0 })
        else { throw KernelError.invalidAttribute("kernel, strides and dilations must be positive, pads non-negative") }
        var begins = Array(pads[0..<rank])
        var ends = Array(pads[rank...])
        var output: [Int] = []
        for axis in 0..<rank {
            let span = (kernel[axis] - 1) * dilations[axis] + 1
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                let size = (input[axis] + strides[axis] - 1) / strides[axis]
                let total = max(0, (size - 1) * strides[axis] + span - input[axis])
                begins[axis] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                ends[axis] = total - begins[axis]
                output.append(size)
            case "VALID":
                begins[axis] = 0
                ends[axis] = 0
                output.append(max(0, (input[axis] - span) / strides[axis] + 1))
            default:
                let padded = input[axis] + begins[axis] + ends[axis] - span
                guard padded >= 0 else {
                    throw KernelError.invalid(
                        "the window (span \(span)) is larger than the padded input on axis \(axis)")
                }
                var size: Int
                if ceilMode {
                    size = (padded + strides[axis] - 1) / strides[axis] + 1
                    // The last window must start inside the input or its left padding.
                    if (size - 1) * strides[axis] >= input[axis] + begins[axis] { size -= 1 }
                } else {
                    size = padded / strides[axis] + 1
                }
                output.append(size)
            }
        }
        return WindowGeometry(
            input: input, output: output, kernel: kernel, strides: strides, dilations: dilations, padBegins: begins,
            padEnds: ends)
    }

    /// Refuses window sizes so large that arithmetic on them could overflow.
    static func checkMagnitudes(_ lists: [Int]...) throws {
        for list in lists where list.contains(where: { $0.magnitude > 1 << 31 }) {
            throw KernelError.invalidAttribute("window attribute \(list) is out of range")
        }
    }
}
