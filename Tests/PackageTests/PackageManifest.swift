import Foundation

/// The targets of Package.swift as its text declares them: name, kind, folder and dependencies.
///
/// Package.swift is plain data in this repository (one `.target(name:...)` call per target, no
/// computed names), so reading its text is enough and needs no SwiftPM process, which would
/// contend for the build folder's lock while `swift test` runs.
struct PackageManifest {
    /// One target.
    struct Target {
        /// The target's name.
        var name: String
        /// The call that declares it: `target`, `testTarget`, `executableTarget` or `systemLibrary`.
        var kind: String
        /// Its source folder relative to the repository root.
        var folder: String
        /// The modules it depends on: target names and the module names of product dependencies.
        var dependencies: [String]
        /// Whether it is C code or a system library (imports cannot be read from Swift files).
        var isC: Bool
    }

    /// A manifest the reader does not understand.
    struct Malformed: Error, CustomStringConvertible {
        /// What is wrong.
        var description: String
    }

    /// Every target, in declaration order.
    var targets: [Target] = []
    /// The modules of product dependencies (`.product(name: "ArgumentParser", ...)`).
    var productModules: Set<String> = []

    /// Reads the targets out of Package.swift's text.
    init(parsing text: String) throws {
        let calls = ["executableTarget", "testTarget", "systemLibrary", "target"]
        var rest = Substring(text)
        while let start = calls.compactMap({ rest.range(of: ".\($0)(") }).min(by: { $0.lowerBound < $1.lowerBound }) {
            let kind = String(rest[rest.index(after: start.lowerBound)..<rest.index(before: start.upperBound)])
            guard let body = Self.balanced(rest[start.upperBound...]) else {
                throw Malformed(description: "unbalanced parentheses after .\(kind)(")
            }
            rest = rest[body.endIndex...]
            guard let name = Self.firstString(after: "name:", in: body) else {
                throw Malformed(description: ".\(kind)( without a name")
            }
            let root = kind == "testTarget" ? "Tests/" : "Sources/"
            let folder = Self.firstString(after: "path:", in: body) ?? root + name
            var dependencies: [String] = []
            if let list = body.range(of: "dependencies:"), let open = body[list.upperBound...].firstIndex(of: "["),
                let items = Self.balanced(body[body.index(after: open)...], open: "[", close: "]")
            {
                var remaining = items
                while let quote = remaining.firstIndex(of: "\"") {
                    let before = remaining[..<quote]
                    let after = remaining[remaining.index(after: quote)...]
                    guard let end = after.firstIndex(of: "\"") else { break }
                    let value = String(after[..<end])
                    remaining = after[after.index(after: end)...]
                    if before.hasSuffix(".product(name: ") {
                        dependencies.append(value)
                        productModules.insert(value)
                        // Skip the product's package: argument.
                        if let close = remaining.firstIndex(of: ")") { remaining = remaining[close...] }
                    } else {
                        dependencies.append(value)
                    }
                }
            }
            // C modules are named `C` + an UpperCamel name (CBLAS, COnnxProto); Calibration is not one.
            let isCName = name.hasPrefix("C") && (name.dropFirst().first?.isUppercase ?? false)
            let isC = kind == "systemLibrary" || isCName
            targets.append(Target(name: name, kind: kind, folder: folder, dependencies: dependencies, isC: isC))
        }
    }

    /// The text up to the bracket that closes an already opened one.
    private static func balanced(_ text: Substring, open: Character = "(", close: Character = ")") -> Substring? {
        var depth = 1
        var inString = false
        for index in text.indices {
            let character = text[index]
            if character == "\"" { inString.toggle() }
            if inString { continue }
            if character == open { depth += 1 }
            if character == close {
                depth -= 1
                if depth == 0 { return text[..<index] }
            }
        }
        return nil
    }

    /// The first string literal after `label` in `text`.
    private static func firstString(after label: String, in text: Substring) -> String? {
        guard let labelRange = text.range(of: label) else { return nil }
        let after = text[labelRange.upperBound...]
        guard let open = after.firstIndex(of: "\"") else { return nil }
        let value = after[after.index(after: open)...]
        guard let close = value.firstIndex(of: "\"") else { return nil }
        return String(value[..<close])
    }
}
