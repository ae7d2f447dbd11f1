import Calibration

/// Helpers that hand Swift arrays to observers as one batch each.
enum Feed {
    /// Observes `values` with `shape` (a flat shape when nil).
    static func batch<O: Observer>(_ observer: inout O, _ values: [Float], shape: [Int]? = nil) throws {
        try values.withUnsafeBufferPointer { try observer.observe($0, shape: shape ?? [values.count]) }
    }

    /// Observes every array in `batches`, each as one flat batch.
    static func batches<O: Observer>(_ observer: inout O, _ batches: [[Float]]) throws {
        for values in batches { try batch(&observer, values) }
    }

    /// A fresh observer of `configuration` fed with `batches`, and its result.
    static func result(_ configuration: ObserverConfiguration, _ batches: [[Float]]) throws -> TensorCalibration {
        var observer = try configuration.makeObserver()
        for values in batches {
            try values.withUnsafeBufferPointer { try observer.observe($0, shape: [values.count]) }
        }
        return try observer.result()
    }
}
