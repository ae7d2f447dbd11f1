import Foundation
import OnnxIR

/// Writes named tensors as a folder of `<name>.npy` files, with names made safe for any file system.
///
/// A name becomes a file name by keeping ASCII letters, digits, `-`, `_` and `.`,
/// replacing every other character with `_`, replacing a leading `.` with `_` (no
/// hidden files, no `..`), using `_` for an empty name, and cutting it to 200
/// characters. Names that still collide, ignoring case (macOS folders are
/// case-insensitive), get `_2`, `_3`, ... in the order given.
public enum NpyFolderWriter {
    /// Longest file stem written, well under every file system's 255-byte limit.
    static let maximumStemLength = 200

    /// Writes each tensor to `folder/<stem>.npy` (creating `folder`) and returns the stem of each name, in order.
    @discardableResult
    public static func write(_ tensors: [(name: String, tensor: Tensor)], to folder: String) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw TensorFileError(path: folder, reason: "cannot create the folder (\(error.localizedDescription))")
        }
        let stems = uniqueStems(for: tensors.map(\.name))
        for ((_, tensor), stem) in zip(tensors, stems) {
            try NpyFile.write(tensor, to: DirectoryListing.join(folder, stem + ".npy"))
        }
        return stems
    }

    /// The file stem for one name, before collisions are resolved.
    public static func fileStem(for name: String) -> String {
        var stem = String(
            name.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "_"
            }.prefix(maximumStemLength))
        if stem.isEmpty { stem = "_" }
        if stem.hasPrefix(".") { stem = "_" + stem.dropFirst() }
        return stem
    }

    /// Stems for `names`, made distinct ignoring case by numbered suffixes.
    public static func uniqueStems(for names: [String]) -> [String] {
        var taken = Set<String>()
        return names.map { name in
            let base = fileStem(for: name)
            var stem = base
            var counter = 2
            while taken.contains(stem.lowercased()) {
                stem = "\(base)_\(counter)"
                counter += 1
            }
            taken.insert(stem.lowercased())
            return stem
        }
    }
}
