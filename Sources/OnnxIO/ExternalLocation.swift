import Foundation

/// Checks external-data locations: relative paths that stay inside the model's folder.
enum ExternalLocation {
    /// `location` as a clean relative path (no `.`, no `..`, no empty parts), or nil if it is
    /// absolute or leaves the folder.
    static func normalized(_ location: String) -> String? {
        guard !location.isEmpty, !location.contains("\0"), !location.hasPrefix("/"), !location.hasPrefix("\\")
        else { return nil }
        // A Windows drive path (C:\..., C:/...) is absolute too.
        let scalars = Array(location.unicodeScalars.prefix(2))
        if scalars.count == 2, scalars[1] == ":", scalars[0].properties.isAlphabetic { return nil }
        // Backslash is an ordinary character on POSIX, but `..\` escapes on Windows: refuse it everywhere.
        if location.split(separator: "\\").contains("..") { return nil }
        var parts: [Substring] = []
        for part in location.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        guard !parts.isEmpty else { return nil }
        return parts.joined(separator: "/")
    }

    /// Whether `path`, with symbolic links resolved, is inside `folder`; false if either cannot be resolved.
    static func isInside(_ path: String, folder: String) -> Bool {
        guard let resolvedPath = resolved(path), let resolvedFolder = resolved(folder) else { return false }
        let prefix = resolvedFolder.hasSuffix("/") ? resolvedFolder : resolvedFolder + "/"
        return resolvedPath.hasPrefix(prefix)
    }

    private static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
