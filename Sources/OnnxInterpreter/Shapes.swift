/// Shape arithmetic shared by the kernels: axes, strides, broadcasting.
enum Shapes {
    /// `axis` made non-negative for a tensor of `rank`; throws when out of `[-rank, rank)`.
    static func normalizeAxis(_ axis: Int, rank: Int, name: String = "axis") throws -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        guard normalized >= 0, normalized < rank else {
            throw KernelError.invalid("\(name) \(axis) is out of range for rank \(rank)")
        }
        return normalized
    }

    /// Normalizes a list of axes, refusing duplicates.
    static func normalizeAxes(_ axes: [Int], rank: Int, name: String = "axes") throws -> [Int] {
        var result: [Int] = []
        for axis in axes {
            let normalized = axis < 0 ? axis + rank : axis
            guard normalized >= 0, normalized < rank else {
                throw KernelError.invalid("\(name) value \(axis) is out of range for rank \(rank)")
            }
            guard !result.contains(normalized) else { throw KernelError.invalid("\(name) repeats axis \(axis)") }
            result.append(normalized)
        }
        return result
    }

    /// Row-major element strides of `shape`.
    static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// Product of the sizes in `shape[range]`.
    static func product(_ shape: [Int], _ range: Range<Int>) -> Int {
        var total = 1
        for axis in range { total *= shape[axis] }
        return total
    }

    /// Product of all sizes.
    static func product(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The numpy broadcast of `shapes`; throws when two sizes differ and neither is 1.
    static func broadcast(_ shapes: [[Int]]) throws -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            let offset = rank - shape.count
            for (axis, size) in shape.enumerated() {
                let current = result[offset + axis]
                if current == size || size == 1 { continue }
                guard current == 1 else {
                    throw KernelError.invalid(
                        "shapes \(shapes.map { "\($0)" }.joined(separator: " and ")) cannot be broadcast together")
                }
                result[offset + axis] = size
            }
        }
        // Sizes can come from data (Expand's shape input); refuse products that overflow.
        _ = try NDArray.elementCount(of: result)
        return result
    }

    /// Multidirectional broadcast of two shapes.
    static func broadcast(_ a: [Int], _ b: [Int]) throws -> [Int] { try broadcast([a, b]) }
}
