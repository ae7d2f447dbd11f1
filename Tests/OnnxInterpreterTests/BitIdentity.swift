/// Bit-for-bit comparison of float results (any NaN equals any NaN: payloads are not compared).
enum BitIdentity {
    /// The first index where `a` and `b` differ in their bits, or nil when they agree.
    static func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
        guard a.count == b.count else { return min(a.count, b.count) }
        return a.indices.first { a[$0].bitPattern != b[$0].bitPattern && !(a[$0].isNaN && b[$0].isNaN) }
    }

    /// Every 4099th float bit pattern (all ranges, both signs, NaN payloads, subnormals), each of
    /// `edges` with its neighbours and their negations, and `count` evenly spaced values of `sweep`.
    static func grid(edges: [Float], sweep: ClosedRange<Float>, count: Int) -> [Float] {
        var values = stride(from: UInt64(0), to: 1 << 32, by: 4099).map { Float(bitPattern: UInt32($0)) }
        for edge in edges {
            values += [edge.nextDown, edge, edge.nextUp, -edge.nextDown, -edge, -edge.nextUp]
        }
        let width = sweep.upperBound - sweep.lowerBound
        values += (0..<count).map { sweep.lowerBound + width * Float($0) / Float(count) }
        return values
    }

    /// A buffer kernel: `target[i] = f(source[i])` for `i < count`.
    typealias Kernel = (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    /// The first input on which `kernel` differs in bits from `scalar` applied one element at a
    /// time, described for a test failure, or nil; `inPlace` runs the kernel with `source` and
    /// `target` the same buffer.
    static func mismatch(
        of kernel: Kernel, against scalar: (Float) -> Float, on inputs: [Float], inPlace: Bool = false
    ) -> String? {
        var output = inputs
        output.withUnsafeMutableBufferPointer { target in
            guard let base = target.baseAddress else { return }
            if inPlace {
                kernel(base, base, inputs.count)
            } else {
                inputs.withUnsafeBufferPointer { source in
                    guard let from = source.baseAddress else { return }
                    kernel(from, base, inputs.count)
                }
            }
        }
        guard let index = firstDifference(output, inputs.map(scalar)) else { return nil }
        return "f(\(inputs[index])) = \(output[index]), expected \(scalar(inputs[index])) (of \(inputs.count))"
    }
}
