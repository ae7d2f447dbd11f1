import Foundation
import OnnxIR

/// Samples stacked along axis 0 of every array of one `.npz` (ModelOpt's calibration-data layout).
///
/// Sample `i` holds, for each array, the slice `[i:i+1]`: the leading axis is kept
/// with size 1. Each array is inflated once, on first use, and kept; every sample
/// then copies only its own slice.
struct StackedNpzSource: SampleSource {
    let path: String
    let sampleNames: [String]
    private let arrays: StackedArrays

    /// Opens `path` and checks that every array has the same leading size.
    init(path: String) throws {
        let reader = try NpzReader(path: path)
        guard !reader.keys.isEmpty else { throw TensorFileError(path: path, reason: "no arrays to take samples from") }
        var sampleCount: Int64?
        for key in reader.keys {
            let header = try reader.header(named: key)
            guard let leading = header.shape.first else {
                throw TensorFileError(path: path, reason: "array '\(key)' is a scalar; stacked samples need axis 0")
            }
            if let sampleCount, sampleCount != leading {
                throw TensorFileError(
                    path: path, reason: "array '\(key)' has \(leading) samples on axis 0, others have \(sampleCount)")
            }
            sampleCount = leading
        }
        let count = Int(sampleCount ?? 0)
        guard count > 0 else { throw TensorFileError(path: path, reason: "the stacked arrays hold 0 samples") }
        self.path = path
        self.arrays = StackedArrays(reader: reader)
        let width = max(4, String(count - 1).count)
        let stem = DirectoryListing.stem(path)
        self.sampleNames = (0..<count).map { index in
            let digits = String(index)
            return stem + "[" + String(repeating: "0", count: width - digits.count) + digits + "]"
        }
    }

    func sample(at index: Int) throws -> Sample {
        try checkIndex(index)
        var inputs: [String: Tensor] = [:]
        for key in arrays.keys {
            let whole = try arrays.tensor(named: key)
            let bytes = try whole.rawBytes()
            let stride = bytes.count / count
            let start = bytes.startIndex + index * stride
            var dims = whole.dims
            dims[0] = 1
            inputs[key] = Tensor(
                name: key, dataType: whole.dataType, dims: dims,
                storage: .raw(bytes.subdata(in: start..<(start + stride))))
        }
        return Sample(name: sampleNames[index], inputs: inputs, source: path)
    }
}
