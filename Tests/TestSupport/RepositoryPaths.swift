import Foundation

/// Paths of the checkout the tests run from, found from this source file's location.
public enum RepositoryPaths {
    /// The repository root: the nearest folder above this file that holds Package.swift.
    public static let root: URL = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                return folder
            }
            folder.deleteLastPathComponent()
        }
        // #filePath always lies inside the package; reaching "/" means the sources were moved.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    }()

    /// The Python helper scripts, read from the source tree rather than bundled as resources.
    public static let pythonScripts = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Python")

    /// The bundled example model and its sample folders.
    public static let examples = root.appendingPathComponent("docs/examples")

    /// The shared real models: `<repo>/../shared/models`, else `/work/shared/models`, else nil.
    public static let sharedModels: URL? = {
        let candidates = [
            root.deletingLastPathComponent().appendingPathComponent("shared/models"),
            URL(fileURLWithPath: "/work/shared/models"),
        ]
        return candidates.first { isDirectory($0) }
    }()

    /// Every `<name>/model.onnx` under the shared models folder, sorted by name.
    public static func sharedModelFiles() -> [URL] {
        guard let folder = sharedModels,
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [] }
        return names.sorted()
            .map { folder.appendingPathComponent($0).appendingPathComponent("model.onnx") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }
}
