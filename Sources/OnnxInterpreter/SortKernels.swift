import OnnxIR

/// TopK and Unique.
enum SortKernels {
    /// Registers the family's kernels.
    static func register(into table: inout [String: KernelBuilder]) {
        table[":TopK"] = { context in
            let axis = try context.int("axis", default: -1)
            let largest = try context.int("largest", default: 1) != 0
            let attributeK = context.opsetVersion < 10 ? try context.optionalInt("k") : nil
            return { call in
                let k = try attributeK ?? IntegerReading.scalar(of: call.input(1), name: call.inputName(1))
                return try topK(call.input(0), k: k, axis: axis, largest: largest)
            }
        }
        table[":Unique"] = { context in
            let axis = try context.optionalInt("axis")
            let sorted = try context.int("sorted", default: 1) != 0
            return { call in try unique(call.input(0), axis: axis, sorted: sorted) }
        }
    }

    /// The `k` largest (or smallest) elements along `axis`, in order, with their indices; ties keep the lower index first.
    static func topK(_ x: NDArray, k: Int, axis requested: Int, largest: Bool) throws -> [NDArray?] {
        let axis = try Shapes.normalizeAxis(requested, rank: x.rank)
        let length = x.shape[axis]
        guard k >= 0, k <= length else { throw KernelError.invalid("k = \(k) is out of range for axis size \(length)") }
        let source = x.dataType == .bfloat16 ? try ElementConversion.convert(x, to: .float) : x
        let outer = Shapes.product(x.shape, 0..<axis)
        let inner = Shapes.product(x.shape, (axis + 1)..<x.rank)
        var shape = x.shape
        shape[axis] = k
        let order = try TypeDispatch.numeric(
            source.dataType, OrderVisitor(x: source, outer: outer, length: length, inner: inner, k: k, largest: largest)
        )
        let indices = try NDArray(int64s: order.map { Int64($0) }, shape: shape)
        let elementSize = try TypeDispatch.elementSize(x.dataType)
        let values = try NDArray.uninitialized(x.dataType, shape: shape)
        for row in 0..<outer {
            for position in 0..<k {
                for column in 0..<inner {
                    let slot = (row * k + position) * inner + column
                    let from = (row * length + order[slot]) * inner + column
                    (values.rawPointer + slot * elementSize).copyMemory(
                        from: x.rawPointer + from * elementSize, byteCount: elementSize)
                }
            }
        }
        return [values, indices]
    }

    private struct OrderVisitor: NumericVisitor {
        let x: NDArray
        let outer: Int
        let length: Int
        let inner: Int
        let k: Int
        let largest: Bool

        func visit<T: NumericElement>(_ type: T.Type) throws -> [Int] {
            let source = x.pointer(T.self)
            var result = [Int](repeating: 0, count: outer * k * inner)
            var positions = Array(0..<length)
            for row in 0..<outer {
                for column in 0..<inner {
                    let base = row * length * inner + column
                    @inline(__always) func value(_ index: Int) -> T { source[base + index * inner] }
                    positions = Array(0..<length)
                    positions.sort { left, right in
                        let a = value(left)
                        let b = value(right)
                        // NaN counts as the largest value, as numpy's sort places it.
                        if a.isNaNValue || b.isNaNValue {
                            if a.isNaNValue && b.isNaNValue { return left < right }
                            return largest ? a.isNaNValue : b.isNaNValue
                        }
                        if a == b { return left < right }
                        return largest ? a > b : a < b
                    }
                    for position in 0..<k { result[(row * k + position) * inner + column] = positions[position] }
                }
            }
            return result
        }
    }

    /// Unique: distinct elements (or slices along `axis`), sorted or in order of first appearance,
    /// with first-occurrence indices, inverse indices and counts.
    static func unique(_ x: NDArray, axis requested: Int?, sorted: Bool) throws -> [NDArray?] {
        let elementSize = try TypeDispatch.elementSize(x.dataType)
        let moved: NDArray
        let axis: Int?
        if let requested {
            let normalized = try Shapes.normalizeAxis(requested, rank: x.rank)
            axis = normalized
            var perm = Array(0..<x.rank)
            perm.remove(at: normalized)
            moved = try MovementKernels.transpose(x, perm: [normalized] + perm)
        } else {
            axis = nil
            moved = x.reshaped([x.count])
        }
        let rows = moved.rank == 0 ? 1 : moved.shape[0]
        let width = rows == 0 ? 0 : moved.count / rows
        let keys = try ElementConversion.convert(moved, to: .double).elements(as: Double.self)
        func row(_ index: Int) -> ArraySlice<Double> { keys[(index * width)..<((index + 1) * width)] }
        var firstOf: [Int] = []
        var inverse = [Int](repeating: 0, count: rows)
        var counts: [Int] = []
        var lookup: [[UInt64]: Int] = [:]
        for index in 0..<rows {
            let key = row(index).map { $0 == 0 ? 0 : $0.bitPattern }
            if let existing = lookup[key] {
                inverse[index] = existing
                counts[existing] += 1
            } else {
                lookup[key] = firstOf.count
                inverse[index] = firstOf.count
                firstOf.append(index)
                counts.append(1)
            }
        }
        var order = Array(0..<firstOf.count)
        if sorted {
            order.sort { left, right in
                let a = row(firstOf[left])
                let b = row(firstOf[right])
                for (u, v) in zip(a, b) where u != v { return u < v }
                return false
            }
        }
        var rank = [Int](repeating: 0, count: order.count)
        for (position, group) in order.enumerated() { rank[group] = position }
        var shape = moved.shape
        if !shape.isEmpty { shape[0] = order.count }
        let values = try NDArray.uninitialized(x.dataType, shape: shape.isEmpty ? [order.count] : shape)
        let rowBytes = width * elementSize
        for (position, group) in order.enumerated() {
            (values.rawPointer + position * rowBytes).copyMemory(
                from: moved.rawPointer + firstOf[group] * rowBytes, byteCount: rowBytes)
        }
        var y = values
        if let axis {
            var perm = Array(1..<x.rank)
            perm.insert(0, at: axis)
            y = try MovementKernels.transpose(values, perm: perm)
        }
        return [
            y, try NDArray(int64s: order.map { Int64(firstOf[$0]) }, shape: [order.count]),
            try NDArray(int64s: inverse.map { Int64(rank[$0]) }, shape: [rows]),
            try NDArray(int64s: order.map { Int64(counts[$0]) }, shape: [order.count]),
        ]
    }
}
