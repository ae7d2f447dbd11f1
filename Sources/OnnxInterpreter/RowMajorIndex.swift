/// Walks multi-indices of a shape in row-major order (the last axis fastest).
public enum RowMajorIndex {
    /// Steps `index` over `shape` to the next element; after the last element it wraps to all zeros.
    @inlinable
    public static func advance(_ index: inout [Int], shape: [Int]) {
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { return }
            index[axis] = 0
            axis -= 1
        }
    }
}
