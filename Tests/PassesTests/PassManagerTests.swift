import Calibration
import Foundation
import OnnxText
import Passes
import TestSupport
import Testing

@Suite struct PassManagerTests {
    let registryWithFailingPass = PassRegistry(passTypes: PassRegistry.builtinPassTypes + [FailingPass.self])

    @Test func treeDumpWritesNumberedFilesWithBanners() throws {
        let directory = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { directory.remove() }
        let pipeline = try Pipeline.parse("eliminate-dead-code,topological-sort")
        let manager = try PassManager(
            pipeline: pipeline, options: PassManagerOptions(irTreeDirectory: directory.url.path, diagnostics: .discard))
        try manager.run(on: try TestModels.parse(TestModels.withDeadCode))

        #expect(
            directory.contents() == [
                "00-input.onnxtxt", "01-eliminate-dead-code.onnxtxt", "02-topological-sort.onnxtxt",
            ])
        let input = try String(contentsOf: directory.file("00-input.onnxtxt"), encoding: .utf8)
        #expect(input.hasPrefix("# qdqc IR dump 00: input model, before any pass\n# pipeline: \(pipeline)\n"))
        let first = try String(contentsOf: directory.file("01-eliminate-dead-code.onnxtxt"), encoding: .utf8)
        #expect(
            first.hasPrefix(
                """
                # qdqc IR dump 01: after pass 'eliminate-dead-code' (1 of 2)
                # pipeline: eliminate-dead-code,topological-sort
                # changed: yes
                # statistics: removed-initializers=1, removed-nodes=1

                """))
        let second = try String(contentsOf: directory.file("02-topological-sort.onnxtxt"), encoding: .utf8)
        #expect(second.contains("# changed: no\n# statistics: moved-nodes=0, reordered-graphs=0\n"))
        for dump in [input, first, second] {
            #expect(throws: Never.self) { try TextParser.parseModel(dump) }
        }
        #expect(try TextParser.parseModel(first).graph.nodes.count == 1)
        #expect(try TextParser.parseModel(input).graph.nodes.count == 2)
    }

    @Test func largeTensorsGoToASidecarPerDump() throws {
        let directory = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { directory.remove() }
        let manager = try PassManager(
            pipeline: try Pipeline.parse("topological-sort"),
            options: PassManagerOptions(irTreeDirectory: directory.url.path, diagnostics: .discard))
        try manager.run(on: try TestModels.parse(TestModels.withLargeInitializer))

        #expect(
            directory.contents() == [
                "00-input.bin", "00-input.onnxtxt", "01-topological-sort.bin", "01-topological-sort.onnxtxt",
            ])
        let dump = try String(contentsOf: directory.file("01-topological-sort.onnxtxt"), encoding: .utf8)
        #expect(dump.contains("# large tensors: 01-topological-sort.bin\n"))
        #expect(dump.contains("01-topological-sort.bin"))
        let sidecar = try Data(contentsOf: directory.file("01-topological-sort.bin"))
        #expect(sidecar.count >= 400)
    }

    @Test func printAfterChangeShowsOnlyChangingPasses() throws {
        let captured = CapturedText()
        let manager = try PassManager(
            pipeline: try Pipeline.parse("eliminate-dead-code,topological-sort"),
            options: PassManagerOptions(printIRAfterChange: true, diagnostics: captured.sink))
        try manager.run(on: try TestModels.parse(TestModels.withDeadCode))
        #expect(captured.text.hasPrefix("# IR after eliminate-dead-code (changed)\n"))
        #expect(!captured.text.contains("# IR after topological-sort"))
    }

    @Test func printAfterAllShowsEveryPass() throws {
        let captured = CapturedText()
        let manager = try PassManager(
            pipeline: try Pipeline.parse("eliminate-dead-code{initializers=false},topological-sort"),
            options: PassManagerOptions(printIRAfterAll: true, diagnostics: captured.sink))
        try manager.run(on: try TestModels.parse(TestModels.withDeadCode))
        #expect(captured.text.contains("# IR after eliminate-dead-code{initializers=false} (changed)\n"))
        #expect(captured.text.contains("# IR after topological-sort (unchanged)\n"))
        let afterSort = try #require(
            captured.text.components(separatedBy: "# IR after topological-sort (unchanged)\n").last)
        #expect(try TextParser.parseModel(afterSort).graph.initializers.count == 1)
    }

    @Test func timingAndStatisticsReportEveryPass() throws {
        let captured = CapturedText()
        let manager = try PassManager(
            pipeline: try Pipeline.parse("eliminate-dead-code,topological-sort"),
            options: PassManagerOptions(passTiming: true, passStatistics: true, diagnostics: captured.sink))
        let report = try manager.run(on: try TestModels.parse(TestModels.withDeadCode))
        #expect(report.records.map(\.changed) == [true, false])
        #expect(report.records[0].statistics == ["removed-nodes": 1, "removed-initializers": 1])
        #expect(captured.text.contains("Pass execution timing report"))
        #expect(captured.text.contains("Pass statistics report"))
        #expect(
            captured.text.contains("eliminate-dead-code (changed)\n  removed-initializers: 1\n  removed-nodes: 1\n"))
        #expect(captured.text.contains("topological-sort (unchanged)\n"))
        for name in ["eliminate-dead-code", "topological-sort", "(verifier)", "Total"] {
            #expect(captured.text.contains("%)  \(name)\n"), "timing row \(name)")
        }
    }

    @Test func aThrowingPassIsNamedAndLeavesAReproducer() throws {
        let directory = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { directory.remove() }
        let pipeline = try Pipeline.parse("eliminate-dead-code,fail-on-purpose{mode=throw},topological-sort")
        let manager = try PassManager(
            pipeline: pipeline, registry: registryWithFailingPass,
            options: PassManagerOptions(irTreeDirectory: directory.url.path, diagnostics: .discard))
        let reproducerPath = directory.file("reproducer").path
        let error = #expect(throws: PassManagerError.self) {
            try manager.run(on: try TestModels.parse(TestModels.withDeadCode))
        }
        #expect(
            error
                == .passFailed(
                    element: "fail-on-purpose{mode=throw}", position: 2, count: 3, reason: "this pass always fails",
                    reproducer: reproducerPath))
        #expect(
            error?.description
                == "pass 'fail-on-purpose{mode=throw}' (2 of 3) failed: this pass always fails;"
                + " reproducer written to \(reproducerPath)")

        #expect(directory.contents() == ["00-input.onnxtxt", "01-eliminate-dead-code.onnxtxt", "reproducer"])
        let files = try FileManager.default.contentsOfDirectory(atPath: reproducerPath).sorted()
        #expect(files == ["input.onnxtxt", "pipeline"], "no table: nothing before the failing pass calibrated")
        let pipelineText = try String(contentsOfFile: reproducerPath + "/pipeline", encoding: .utf8)
        #expect(pipelineText == "fail-on-purpose{mode=throw},topological-sort\n")
        let reproducer = try String(contentsOfFile: reproducerPath + "/input.onnxtxt", encoding: .utf8)
        #expect(reproducer.contains("# failing pass: 'fail-on-purpose{mode=throw}' (2 of 3)\n"))
        #expect(reproducer.contains("# error: this pass always fails\n"))
        #expect(reproducer.contains("# remaining pipeline: fail-on-purpose{mode=throw},topological-sort\n"))
        #expect(reproducer.contains("--passes \"$(cat '\(reproducerPath)/pipeline')\"\n"))
        let reproduced = try TextParser.parseModel(reproducer)
        #expect(
            reproduced.graph.nodes.map(\.opType) == ["Relu"], "the IR before the failing pass, after dead-code removal")
    }

    @Test func aReproducerPinsTheCalibrationTableAndTheTarget() throws {
        let directory = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { directory.remove() }
        let pipeline = try Pipeline.parse("fail-on-purpose{mode=throw},insert-qdq{target=ort},cleanup-qdq")
        let manager = try PassManager(
            pipeline: pipeline, registry: registryWithFailingPass,
            options: PassManagerOptions(reproducerDirectory: directory.url.path, diagnostics: .discard))
        let session = PipelineSession()
        let table = CalibrationTable(
            modelSHA256: String(repeating: "0", count: 64), method: .minMax, options: [:], sampleCount: 1,
            qdqcVersion: "0.1.0", tensors: [:])
        session.calibrationTable = table
        session.quantizationTarget = "ort"
        #expect(throws: PassManagerError.self) {
            try manager.run(on: try TestModels.parse(TestModels.withDeadCode), context: PassContext(session: session))
        }
        let tablePath = directory.path("calibration-table.json")
        #expect(directory.contents() == ["calibration-table.json", "input.onnxtxt", "pipeline"])
        #expect(
            try String(contentsOfFile: directory.path("pipeline"), encoding: .utf8)
                == "fail-on-purpose{mode=throw},insert-qdq{target=ort,table=\(tablePath)},cleanup-qdq\n",
            "cleanup-qdq follows the insert-qdq before it, so its target=auto stays")
        #expect(try CalibrationTable.read(path: tablePath) == table)

        let late = try PassManager(
            pipeline: try Pipeline.parse("eliminate-dead-code,fail-on-purpose{mode=throw},cleanup-qdq"),
            registry: registryWithFailingPass,
            options: PassManagerOptions(reproducerDirectory: directory.url.path, diagnostics: .discard))
        let model = try TestModels.parse(TestModels.withDeadCode)
        let lateSession = PipelineSession()
        lateSession.quantizationTarget = "ort"
        #expect(throws: PassManagerError.self) { try late.run(on: model, context: PassContext(session: lateSession)) }
        let pinned = try String(contentsOfFile: directory.path("pipeline"), encoding: .utf8)
        #expect(pinned == "fail-on-purpose{mode=throw},cleanup-qdq{target=ort}\n", "the target insert-qdq had set")

        let failingInsert = try PassManager(
            pipeline: try Pipeline.parse("insert-qdq{target=ort},cleanup-qdq"),
            options: PassManagerOptions(reproducerDirectory: directory.url.path, diagnostics: .discard))
        let emptyTableSession = PipelineSession()
        emptyTableSession.calibrationTable = table
        #expect(throws: PassManagerError.self) {
            try failingInsert.run(
                on: try TestModels.parse(TestModels.withDeadCode), context: PassContext(session: emptyTableSession))
        }
        #expect(
            try String(contentsOfFile: directory.path("pipeline"), encoding: .utf8)
                == "insert-qdq{target=ort,table=\(tablePath)},cleanup-qdq\n")
    }

    @Test func aPassThatBreaksTheIRIsNamedByTheVerifier() throws {
        let manager = try PassManager(
            pipeline: try Pipeline.parse("fail-on-purpose{mode=break-ir}"), registry: registryWithFailingPass,
            options: PassManagerOptions(diagnostics: .discard))
        let error = #expect(throws: PassManagerError.self) {
            try manager.run(on: try TestModels.parse(TestModels.withDeadCode))
        }
        guard case .invalidIRAfterPass(let element, _, _, let reason, let reproducer) = error else {
            Issue.record("expected invalidIRAfterPass, got \(String(describing: error))")
            return
        }
        #expect(element == "fail-on-purpose{mode=break-ir}")
        #expect(reason.contains("stray"))
        #expect(reproducer == nil, "no dump directory, no reproducer")
    }

    @Test func theSameManagerGivesTheSameResultTwice() throws {
        let manager = try PassManager(
            pipeline: try Pipeline.parse("eliminate-dead-code,topological-sort"),
            options: PassManagerOptions(diagnostics: .discard))
        let first = try manager.run(on: try TestModels.parse(TestModels.withDeadCode))
        let second = try manager.run(on: try TestModels.parse(TestModels.withDeadCode))
        #expect(first.records.map(\.statistics) == second.records.map(\.statistics))
        #expect(first.records.map(\.changed) == second.records.map(\.changed))
    }

    @Test func emptyPipelineChangesNothing() throws {
        let model = try TestModels.parse(TestModels.withDeadCode)
        let before = try TextPrinter().print(model).text
        let report = try PassManager(pipeline: Pipeline()).run(on: model)
        #expect(report.records.isEmpty)
        #expect(try TextPrinter().print(model).text == before)
    }
}
