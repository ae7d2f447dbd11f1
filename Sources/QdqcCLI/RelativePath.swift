/// Checks for paths that end up inside ONNX files, which must stay next to the model.
enum RelativePath {
    /// Why `path` cannot be an external-data location (absolute, empty, or climbing with `..`), or nil if it can.
    static func problem(with path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.hasPrefix("/") { return "must be relative to the output model's folder, not absolute" }
        if path.hasSuffix("/") { return "names a folder, not a file" }
        if path.split(separator: "/").contains("..") { return "must not contain '..'" }
        return nil
    }
}
