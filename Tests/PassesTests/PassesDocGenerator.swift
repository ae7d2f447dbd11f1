import Foundation
import Passes

/// Builds docs/passes.md from passes/*/README.md (registry order) and passes/pipelines/*.pipeline.
struct PassesDocGenerator {
    let registry: PassRegistry

    func generate() throws -> String {
        var parts = [
            """
            # Passes

            <!-- Generated from passes/*/README.md and passes/pipelines/*.pipeline by PassesTests.
                 Edit those files, then run: RECORD_SNAPSHOTS=1 swift test --filter PassesTests -->

            A pipeline is a comma-separated list of passes, each optionally followed by options in braces:
            `eliminate-dead-code{initializers=false},topological-sort`. `qdqc list-passes` prints the same list.
            Each pass has a folder `passes/<pass>/` with its README and golden cases
            (`cases/<case>/input.onnxtxt` → `expected.onnxtxt`, run by `pipeline.txt` if present; a `calib/`
            folder holds samples for `calibrate`, and a file option of the pipeline such as
            `insert-qdq{table=calibration-table.json}` names a file of the case folder).

            """
        ]
        for type in registry.passTypes {
            let readme = try Repository.read(
                Repository.passesDirectory.appendingPathComponent("\(type.argument)/README.md"))
            parts.append(section(from: readme, argument: type.argument, reach: type.subgraphReach))
        }
        parts.append(try recipes())
        return parts.joined(separator: "\n")
    }

    /// The README with its title made a second-level heading and every other heading one level deeper, and
    /// under the title whether the pass enters If/Loop/Scan bodies.
    private func section(from readme: String, argument: String, reach: SubgraphReach) -> String {
        var lines = readme.components(separatedBy: "\n")
        if lines.first == "# \(argument)" { lines.removeFirst() }
        let shifted = lines.map { $0.hasPrefix("#") ? "#" + $0 : $0 }
        var text = "## \(argument)\n\n" + reach.sentence + "\n" + shifted.joined(separator: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }

    private func recipes() throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: Repository.pipelinesDirectory.path)
            .filter { $0.hasSuffix(".pipeline") }.sorted()
        var lines = [
            "## Pipeline recipes", "",
            "Ready-made pipelines in `passes/pipelines/`; `default` is what `qdqc` runs without `--passes`.", "",
        ]
        for name in names {
            let text = try Repository.read(Repository.pipelinesDirectory.appendingPathComponent(name))
            let canonical = try Pipeline.parse(text).description
            lines.append("- `\(name.dropLast(".pipeline".count))`: `\(canonical)`")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
