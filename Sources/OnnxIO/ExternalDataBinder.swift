import OnnxIR

/// Connects a model's external tensors to their side files.
public enum ExternalDataBinder {
    /// Attaches lazy, memory-mapped loaders to every external tensor of `model`, reading locations
    /// relative to `baseDirectory`.
    ///
    /// Refuses (throwing `OnnxIOError`) absolute locations, locations that leave the
    /// folder, missing side files and ranges past a file's end. Errors start with `baseDirectory`.
    public static func bind(_ model: Model, baseDirectory: String) throws {
        try bind(model, baseDirectory: baseDirectory, reportPath: baseDirectory)
    }

    /// Binds with errors reported against `reportPath`; a nil `baseDirectory` only checks locations.
    static func bind(_ model: Model, baseDirectory: String?, reportPath: String) throws {
        var binder = ExternalTensorBinder(baseDirectory: baseDirectory, reportPath: reportPath)
        try TensorWalker.rewriteTensors(in: model) { try binder.bind(&$0) }
    }
}
