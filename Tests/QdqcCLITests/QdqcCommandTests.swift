import Foundation
import QdqcCLI
import TestSupport
import Testing

/// The built `qdqc` binary, run as a subprocess.
@Suite struct QdqcCommandTests {
    @Test func helpListsTheCommandsAndExitsZero() throws {
        let outcome = try Qdqc.run(["--help"])
        #expect(outcome.status == 0)
        for word in ["USAGE", "convert", "print", "list-passes", "--version"] {
            #expect(outcome.standardOutput.contains(word), "help lacks \(word)")
        }
        let convertHelp = try Qdqc.run(["convert", "--help"])
        #expect(convertHelp.status == 0)
        for option in [
            "--passes", "--external-data", "--external-data-threshold", "--print-ir-after-all",
            "--print-ir-after-change", "--print-ir-tree-dir", "--reproducer", "--pass-timing", "--pass-statistics",
            "--quiet", "--no-spill",
        ] {
            #expect(convertHelp.standardOutput.contains(option), "convert help lacks \(option)")
        }
    }

    @Test func versionPrintsTheVersionConstant() throws {
        let outcome = try Qdqc.run(["--version"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput == QdqcVersion.current + "\n")
        #expect(QdqcVersion.current == "0.1.0")
    }

    @Test func listPassesShowsEveryPassWithItsSummary() throws {
        let outcome = try Qdqc.run(["list-passes"])
        #expect(outcome.status == 0)
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        let passLines = lines.filter { !$0.hasPrefix(" ") }
        let summaryColumn = { (line: String) -> Int? in
            guard let gap = line.range(of: "  ") else { return nil }
            return line[gap.lowerBound...].firstIndex { $0 != " " }.map { line.distance(from: line.startIndex, to: $0) }
        }
        #expect(lines.first?.hasPrefix("eliminate-dead-code ") == true)
        #expect(lines.first?.contains(" Removes nodes whose outputs nothing uses") == true, "\(lines.first ?? "")")
        #expect(passLines.contains { $0.hasPrefix("topological-sort ") && $0.contains(" Orders nodes") })
        #expect(Set(passLines.map(summaryColumn)).count == 1, "the summaries do not start in one column")
        #expect(lines.contains { $0.hasPrefix("    initializers=true|false (default true)") })
    }

    @Test func emptyPipelineRoundTripsTheModel() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let convert = try Qdqc.run([input, "-o", workspace.path("out.onnx"), "--passes", ""])
        #expect(convert.status == 0, "\(convert.standardError)")
        let before = try Qdqc.run(["print", input])
        let after = try Qdqc.run(["print", workspace.path("out.onnx")])
        #expect(before.status == 0 && after.status == 0)
        #expect(after.standardOutput == before.standardOutput)
        #expect(after.standardOutput.contains("Neg"), "no pass ran, so the dead node is still there")
    }

    @Test func theDefaultPipelineNeedsCalibrationData() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "model.onnx")
        let convert = try Qdqc.run([input, "-o", workspace.path("out.onnx"), "--quiet"])
        #expect(convert.status != 0, "\(convert.standardError)")
        #expect(convert.errorLines.count == 1, "\(convert.standardError)")
        #expect(convert.standardError.contains("--calib-data"), "\(convert.standardError)")
        #expect(convert.standardError.contains("--calib-random"), "\(convert.standardError)")
        #expect(!workspace.exists("out.onnx"))
    }

    @Test func deadCodePipelineRemovesDeadCodeAndMayOverwriteItsInput() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "model.onnx")
        let convert = try Qdqc.run([
            input, "-o", input, "--pass-statistics", "--passes", "eliminate-dead-code,topological-sort",
        ])
        #expect(convert.status == 0, "\(convert.standardError)")
        #expect(
            convert.standardError.contains(
                "eliminate-dead-code (changed)\n  removed-initializers: 0\n  removed-nodes: 1"))
        #expect(convert.standardError.contains("wrote \(input)"))
        let printed = try Qdqc.run(["print", input])
        #expect(printed.status == 0)
        #expect(!printed.standardOutput.contains("Neg"))
        #expect(printed.standardOutput.contains("Relu"))
        #expect(workspace.contents() == ["model.onnx"], "no temporary files left behind")
    }

    @Test func instrumentationFlagsPrintToStandardError() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let outcome = try Qdqc.run([
            input, "-o", workspace.path("out.onnx"), "--print-ir-after-all", "--pass-timing", "--quiet",
            "--passes", "eliminate-dead-code,topological-sort",
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardError.hasPrefix("# IR after eliminate-dead-code (changed)\n"))
        #expect(outcome.standardError.contains("# IR after topological-sort (unchanged)\n"))
        #expect(outcome.standardError.contains("Pass execution timing report"))
        #expect(!outcome.standardError.contains("wrote "), "--quiet drops the closing line")
        #expect(outcome.standardOutput.isEmpty)
    }

    @Test func printShowsTheModelAsText() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "m.onnx")
        let outcome = try Qdqc.run(["print", input])
        #expect(outcome.status == 0)
        #expect(outcome.standardError.isEmpty)
        for text in ["ir_version: 8", "fixture", "Add", "Relu", "Neg", "float[2] x"] {
            #expect(outcome.standardOutput.contains(text), "print output lacks \(text)")
        }
        let inline = try Qdqc.run(["print", input, "--inline-tensors"])
        #expect(inline.status == 0)
        #expect(inline.standardOutput == outcome.standardOutput, "no tensor is large, so nothing was elided")
        let sidecar = try Qdqc.run(["print", input, "--sidecar", "weights.bin"], workingDirectory: workspace.url)
        #expect(sidecar.status == 0)
        #expect(sidecar.standardOutput == outcome.standardOutput)
        #expect(!workspace.exists("weights.bin"), "no large tensor, no sidecar")
    }

    @Test func textModelsAreReadAndDumpsWritten() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "m.onnx")
        let text = try Qdqc.run(["print", input])
        let textPath = try workspace.write(Data(text.standardOutput.utf8), to: "m.onnxtxt")
        let dumps = workspace.path("dumps")
        let convert = try Qdqc.run([
            textPath, "-o", workspace.path("out.onnx"), "--print-ir-tree-dir", dumps, "--passes",
            "eliminate-dead-code,topological-sort",
        ])
        #expect(convert.status == 0, "\(convert.standardError)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dumps).sorted()
        #expect(files == ["00-input.onnxtxt", "01-eliminate-dead-code.onnxtxt", "02-topological-sort.onnxtxt"])
        let reread = try Qdqc.run(["print", dumps + "/01-eliminate-dead-code.onnxtxt"])
        #expect(reread.status == 0, "\(reread.standardError)")
        #expect(!reread.standardOutput.contains("Neg"))
    }

    @Test(arguments: CorruptInput.allCases)
    func corruptInputGivesOneErrorLineAndNoOutput(_ input: CorruptInput) throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let path = try input.prepare(in: workspace)
        for command in [[path, "-o", workspace.path("out.onnx")], ["print", path]] {
            let outcome = try Qdqc.run(command)
            #expect(outcome.status == 1, "\(input): \(outcome.standardError)")
            #expect(outcome.errorLines.count == 1, "\(input): \(outcome.standardError)")
            let line = outcome.errorLines.first ?? ""
            #expect(line.hasPrefix("error: \(path)"), "\(input): \(line)")
            #expect(line.contains(input.expectedFragment), "\(input): \(line)")
            #expect(outcome.standardOutput.isEmpty)
            #expect(!workspace.exists("out.onnx"), "\(input): an output file was written")
        }
    }

    /// `-o` is optional (a run without it writes nothing, as when rerunning a reproducer); the model is not.
    @Test func missingModelArgumentIsAUsageError() throws {
        let outcome = try Qdqc.run(["-o", "out.onnx"])
        #expect(outcome.status == 64)
        #expect(outcome.errorLines.count == 1)
        #expect(outcome.standardError.hasPrefix("error: "))
    }

    @Test func anUnwritableDumpDirectoryIsAnErrorNamingIt() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        try workspace.write(Data(), to: "plain-file")
        let dumps = workspace.path("plain-file/dumps")
        let outcome = try Qdqc.run([
            input, "-o", workspace.path("out.onnx"), "--print-ir-tree-dir", dumps, "--passes",
            "eliminate-dead-code,topological-sort",
        ])
        #expect(outcome.status == 1)
        #expect(outcome.errorLines == ["error: \(dumps): cannot write IR dump: cannot create the directory"])
        #expect(!workspace.exists("out.onnx"))
    }

    @Test func aFailedWriteLeavesNoFile() throws {
        let workspace = try TemporaryDirectory(prefix: "qdqc-cli")
        defer { workspace.remove() }
        let input = try workspace.write(OnnxFixtures.smallModel(), to: "in.onnx")
        let target = workspace.path("missing-folder/out.onnx")
        let outcome = try Qdqc.run([input, "-o", target, "--passes", "eliminate-dead-code,topological-sort"])
        #expect(outcome.status == 1)
        #expect(outcome.errorLines.count == 1)
        #expect(outcome.errorLines.first?.hasPrefix("error: \(target)") == true, "\(outcome.standardError)")
        #expect(workspace.contents() == ["in.onnx"])
    }
}
