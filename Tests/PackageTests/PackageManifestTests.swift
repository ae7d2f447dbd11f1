import Foundation
import TestSupport
import Testing

/// Package.swift's dependencies match the imports: every declared dependency of a Swift target is
/// imported by one of its files, and every package module a file imports is declared.
@Suite struct PackageManifestTests {
    let manifest: PackageManifest

    init() throws {
        let text = try String(
            contentsOf: RepositoryPaths.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        manifest = try PackageManifest(parsing: text)
    }

    @Test func findsTheTargets() {
        let names = Set(manifest.targets.map(\.name))
        for expected in ["OnnxIR", "OnnxIO", "Passes", "QdqcCLI", "qdqc", "PassesTests"] {
            #expect(names.contains(expected), "Package.swift has no target \(expected)")
        }
    }

    @Test func everyDeclaredDependencyIsImported() throws {
        for target in manifest.targets where !target.isC {
            let imports = try Self.imports(under: target.folder)
            for dependency in target.dependencies where !imports.contains(dependency) {
                Issue.record("\(target.name) declares \(dependency) but no file in \(target.folder) imports it")
            }
        }
    }

    @Test func everyImportedPackageModuleIsDeclared() throws {
        let packageModules = Set(manifest.targets.map(\.name)).union(manifest.productModules)
        for target in manifest.targets where !target.isC {
            for module in try Self.imports(under: target.folder)
            where packageModules.contains(module) && module != target.name && !target.dependencies.contains(module) {
                Issue.record("\(target.name) imports \(module) without declaring it in Package.swift")
            }
        }
    }

    /// docs/architecture.md's dependency table is the manifest's (`RECORD_SNAPSHOTS=1` rewrites it).
    @Test func architectureDocListsTheDependencies() throws {
        let url = RepositoryPaths.root.appendingPathComponent("docs/architecture.md")
        let doc = try String(contentsOf: url, encoding: .utf8)
        let (begin, end) = ("<!-- dependencies:begin -->\n", "<!-- dependencies:end -->")
        guard let start = doc.range(of: begin), let stop = doc.range(of: end, range: start.upperBound..<doc.endIndex)
        else {
            Issue.record("docs/architecture.md lacks the dependencies markers")
            return
        }
        var table = "| module | depends on |\n|---|---|\n"
        for target in manifest.targets where !target.isC && !target.folder.hasPrefix("Tests/") {
            let dependencies = target.dependencies.map { "`\($0)`" }.joined(separator: ", ")
            table += "| `\(target.name)` | \(dependencies.isEmpty ? "nothing" : dependencies) |\n"
        }
        let current = String(doc[start.upperBound..<stop.lowerBound])
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" && current != table {
            try (doc[..<start.upperBound] + table + doc[stop.lowerBound...]).write(
                to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded docs/architecture.md's table; rerun without RECORD_SNAPSHOTS=1")
            return
        }
        #expect(current == table, "docs/architecture.md's table is stale; RECORD_SNAPSHOTS=1 rewrites it")
    }

    /// The modules `import`ed by the Swift files under `folder` (relative to the repository root).
    static func imports(under folder: String) throws -> Set<String> {
        let root = RepositoryPaths.root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            return []
        }
        var modules: Set<String> = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                var words = line.split(separator: " ").map(String.init)
                let modifiers = ["public", "internal", "package"]
                while let first = words.first, first.hasPrefix("@") || modifiers.contains(first) {
                    words.removeFirst()
                }
                guard words.count >= 2, words[0] == "import" else { continue }
                modules.insert(String(words[1].split(separator: ".")[0]))
            }
        }
        return modules
    }
}
