/// Walks an output shape that several inputs broadcast to, one contiguous row at a time.
///
/// Dimensions of size 1 are dropped and neighbours that every input walks contiguously (or
/// not at all) are merged, so the innermost loop is as long as possible and its stride is 0
/// or 1 for every input.
struct BroadcastIndexer {
    /// The broadcast output shape.
    let shape: [Int]
    /// Number of output elements.
    let count: Int
    /// Length of the innermost (merged) dimension.
    let inner: Int
    /// Number of rows (`count / inner`).
    let rows: Int
    /// Per input: the stride (0 or 1) along the innermost dimension.
    let innerStrides: [Int]
    private let outerDims: [Int]
    private let outerStrides: [[Int]]

    /// Plans the walk for `inputs` broadcast together; throws when they are incompatible.
    init(_ inputs: [[Int]]) throws {
        let shape = try Shapes.broadcast(inputs)
        self.shape = shape
        self.count = Shapes.product(shape)
        let rank = shape.count
        var dims: [Int] = []
        var strides = [[Int]](repeating: [], count: inputs.count)
        let inputStrides = inputs.map { input -> [Int] in
            let own = Shapes.strides(of: input)
            let offset = rank - input.count
            return (0..<rank).map { axis in
                axis < offset || input[axis - offset] == 1 ? 0 : own[axis - offset]
            }
        }
        for axis in 0..<rank where shape[axis] != 1 {
            if let last = dims.last {
                let mergeable = inputStrides.indices.allSatisfy { index in
                    let previous = strides[index].last ?? 0
                    let current = inputStrides[index][axis]
                    return previous == current * shape[axis]
                }
                if mergeable {
                    dims[dims.count - 1] = last * shape[axis]
                    for index in inputStrides.indices {
                        strides[index][strides[index].count - 1] = inputStrides[index][axis]
                    }
                    continue
                }
            }
            dims.append(shape[axis])
            for index in inputStrides.indices { strides[index].append(inputStrides[index][axis]) }
        }
        if dims.isEmpty {
            dims = [1]
            strides = strides.map { _ in [0] }
        }
        self.inner = dims[dims.count - 1]
        self.rows = count == 0 ? 0 : count / max(inner, 1)
        self.innerStrides = strides.map { $0[$0.count - 1] }
        self.outerDims = Array(dims.dropLast())
        self.outerStrides = strides.map { Array($0.dropLast()) }
    }

    /// Per input, the elements its offset advances per row, when that is the same for every row
    /// (one outer dimension); nil otherwise.
    var rowSteps: [Int]? { outerDims.count == 1 ? outerStrides.map { $0[0] } : nil }

    /// Element offset in input `input` where output row `row` starts.
    @inline(__always)
    func offset(row: Int, input: Int) -> Int {
        // One outer dimension (a [C] bias over the rows of an NHWC image, a row vector over a
        // matrix) needs no division: rows are that dimension's positions.
        if outerDims.count == 1 { return row * outerStrides[input][0] }
        var remainder = row
        var offset = 0
        let strides = outerStrides[input]
        var axis = outerDims.count - 1
        while axis >= 0 {
            let size = outerDims[axis]
            offset += (remainder % size) * strides[axis]
            remainder /= size
            axis -= 1
        }
        return offset
    }
}
