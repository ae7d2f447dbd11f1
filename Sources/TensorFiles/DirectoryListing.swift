import Foundation

/// The visible entries of one folder, split into files and subfolders, in natural order.
struct DirectoryListing {
    /// The folder.
    let path: String
    /// File names (hidden ones, starting with `.`, left out).
    let files: [String]
    /// Subfolder names (hidden ones left out).
    let folders: [String]

    /// Lists `path`, which must be a folder.
    init(path: String) throws {
        self.path = path
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw TensorFileError(path: path, reason: "cannot list the folder (\(error.localizedDescription))")
        }
        var files: [String] = []
        var folders: [String] = []
        for name in names where !name.hasPrefix(".") {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: Self.join(path, name), isDirectory: &isDirectory) else {
                continue
            }
            if isDirectory.boolValue { folders.append(name) } else { files.append(name) }
        }
        self.files = NaturalOrder.sorted(files)
        self.folders = NaturalOrder.sorted(folders)
    }

    /// Files whose extension (lowercased) is `ext`.
    func files(withExtension ext: String) -> [String] {
        files.filter { URL(fileURLWithPath: $0).pathExtension.lowercased() == ext }
    }

    /// `folder/name`.
    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// Whether `path` is an existing folder.
    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// `name` without its last extension.
    static func stem(_ name: String) -> String { URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent }
}
