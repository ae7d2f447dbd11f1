import Foundation
import OnnxText
import Passes
import Testing

@Suite struct ZZRecordUpgradeGoldens {
    @Test func record() throws {
        let folder = Repository.passesDirectory.appendingPathComponent("upgrade-opset/cases")
        for directory in Repository.folders(in: folder) {
            let model = try TextParser.parseModel(try Repository.read(directory.appendingPathComponent("input.onnxtxt")))
            let pipeline = try Pipeline.parse(try Repository.read(directory.appendingPathComponent("pipeline.txt")))
            let manager = try PassManager(pipeline: pipeline, options: PassManagerOptions(diagnostics: .discard))
            do {
                _ = try manager.run(on: model)
                try TextPrinter().print(model).text.write(
                    to: directory.appendingPathComponent("expected.onnxtxt"), atomically: true, encoding: .utf8)
            } catch {
                Issue.record("\(directory.lastPathComponent): \(error)")
            }
        }
    }
}
