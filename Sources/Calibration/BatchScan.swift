/// One pass over a batch: finite extremes and the count of each kind of value.
struct BatchScan {
    /// Counts for this batch (`batches` is 1).
    private(set) var counts = ValueCounts(batches: 1)
    /// The smallest finite value; +Inf when there is none.
    private(set) var minimum = Float.infinity
    /// The largest finite value; -Inf when there is none.
    private(set) var maximum = -Float.infinity
    /// Values equal to zero (either sign).
    private(set) var zeros = 0

    /// Values per block: a block of finite values is scanned eight lanes at a time, any other one value by value.
    static let blockSize = 4096

    /// Scans `values`.
    ///
    /// The result is the one a plain left-to-right loop gives (`value < minimum` replaces the
    /// minimum), bit for bit: the extremes of a set do not depend on the order they are taken
    /// in, except for the sign of a zero extreme, which such a loop takes from the first zero.
    init(_ values: UnsafeBufferPointer<Float>) {
        var tally = Tally()
        if let base = values.baseAddress {
            var start = 0
            while start < values.count {
                let end = min(start + Self.blockSize, values.count)
                let block = UnsafeBufferPointer(start: base + start, count: end - start)
                if !tally.addFiniteBlock(block) {
                    for value in block { tally.add(value) }
                }
                start = end
            }
        }
        if tally.low == 0 || tally.high == 0, let firstZero = values.first(where: { $0 == 0 }) {
            if tally.low == 0 { tally.low = firstZero }
            if tally.high == 0 { tally.high = firstZero }
        }
        counts = ValueCounts(
            batches: 1, finite: tally.finite, nan: tally.nan, positiveInfinity: tally.positiveInfinity,
            negativeInfinity: tally.negativeInfinity)
        minimum = tally.low
        maximum = tally.high
        zeros = tally.zeros
    }

    /// Whether the batch held at least one finite value.
    var hasFiniteValues: Bool { counts.finite > 0 }

    /// The largest finite magnitude; 0 when there is none.
    var absMax: Float { hasFiniteValues ? max(-minimum, maximum) : 0 }

    /// The running totals of a scan.
    private struct Tally {
        var finite = 0
        var nan = 0
        var positiveInfinity = 0
        var negativeInfinity = 0
        var zeros = 0
        var low = Float.infinity
        var high = -Float.infinity

        /// Adds one value.
        @inline(__always)
        mutating func add(_ value: Float) {
            if value.isFinite {
                finite += 1
                if value == 0 { zeros += 1 }
                if value < low { low = value }
                if value > high { high = value }
            } else if value.isNaN {
                nan += 1
            } else if value > 0 {
                positiveInfinity += 1
            } else {
                negativeInfinity += 1
            }
        }

        /// Adds a block if every value in it is finite, eight lanes at a time without a branch per
        /// value; returns false, having added nothing, if the block holds a NaN or an infinity.
        @inline(__always)
        mutating func addFiniteBlock(_ block: UnsafeBufferPointer<Float>) -> Bool {
            guard let base = block.baseAddress else { return true }
            let count = block.count
            var lowLanes = SIMD8<Float>(repeating: .infinity)
            var highLanes = SIMD8<Float>(repeating: -.infinity)
            var zeroLanes = SIMD8<UInt32>(repeating: 0)
            var nonFiniteLanes = SIMD8<UInt32>(repeating: 0)
            let lanes = SIMD8<Float>.scalarCount
            let vectorEnd = count - count % lanes
            var index = 0
            // Written lane by lane with selects so that the compiler emits packed min, max and compares.
            while index < vectorEnd {
                for lane in 0..<lanes {
                    let value = base[index + lane]
                    let bits = value.bitPattern
                    lowLanes[lane] = value < lowLanes[lane] ? value : lowLanes[lane]
                    highLanes[lane] = value > highLanes[lane] ? value : highLanes[lane]
                    zeroLanes[lane] &+= bits << 1 == 0 ? 1 : 0
                    nonFiniteLanes[lane] |= bits & 0x7f80_0000 == 0x7f80_0000 ? 1 : 0
                }
                index += lanes
            }
            var blockLow = Float.infinity
            var blockHigh = -Float.infinity
            var blockZeros = Int(zeroLanes.wrappedSum())
            for value in UnsafeBufferPointer(rebasing: block[vectorEnd...]) {
                guard value.isFinite else { return false }
                if value < blockLow { blockLow = value }
                if value > blockHigh { blockHigh = value }
                if value == 0 { blockZeros += 1 }
            }
            guard nonFiniteLanes == .zero else { return false }
            for lane in 0..<lanes {
                if lowLanes[lane] < blockLow { blockLow = lowLanes[lane] }
                if highLanes[lane] > blockHigh { blockHigh = highLanes[lane] }
            }
            if blockLow < low { low = blockLow }
            if blockHigh > high { high = blockHigh }
            finite += count
            zeros += blockZeros
            return true
        }
    }
}
