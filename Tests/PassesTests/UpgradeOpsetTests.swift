import Foundation
import OnnxIO
import OnnxIR
import OnnxText
import Passes
import TestSupport
import Testing

/// `upgrade-opset` and `OpsetUpgrader`: refusals, the IR version, and ONNX Runtime agreeing before and after.
@Suite struct UpgradeOpsetTests {
    private func model(opset: Int64, ir: Int64 = 7, _ body: String) throws -> Model {
        try TextParser.parseModel("<\n ir_version: \(ir),\n opset_import: [\"\" : \(opset)]\n>\n" + body)
    }

    private func conversionError(_ text: String, opset: Int64, to target: Int64) throws -> String? {
        let model = try model(opset: opset, text)
        do {
            try OpsetUpgrader.upgrade(model, to: target)
            return nil
        } catch let error as OpsetUpgradeError {
            return error.description
        }
    }

    @Test func raisesTheOpsetAndTheIRVersion() throws {
        let model = try model(opset: 11, ir: 6, "g (float[2,3] x) => (float[2,3] y) {\n y = Relu (x)\n}")
        let summary = try OpsetUpgrader.upgrade(model, to: 21)
        #expect(model.opsetVersion(for: "") == 21)
        #expect(model.irVersion == 10)
        #expect(summary.changed)
        #expect(summary.rewrittenNodes.isEmpty)
        #expect(summary.statistics == ["from-opset": 11, "to-opset": 21])
    }

    @Test func neverLowersTheOpset() throws {
        let model = try model(opset: 17, ir: 8, "g (float[2,3] x) => (float[2,3] y) {\n y = Softmax <axis = 0> (x)\n}")
        var remarks: [String] = []
        let result = try UpgradeOpsetPass(options: ["to": "13"]).run(
            on: model, context: PassContext(remark: { remarks.append($0) }))
        #expect(!result.changed)
        #expect(model.opsetVersion(for: "") == 17)
        #expect(remarks.count == 1)
    }

    @Test func rejectsOpsetsOutsideTheKnownRange() throws {
        #expect(throws: PassError.self) { try UpgradeOpsetPass(options: ["to": "99"]) }
        #expect(throws: PassError.self) { try UpgradeOpsetPass(options: ["to": "x"]) }
        let old = try model(opset: 6, ir: 3, "g (float[2] x) => (float[2] y) {\n y = Relu (x)\n}")
        #expect(throws: OpsetUpgradeError.sourceTooOld(opset: 6, oldest: 7)) {
            try OpsetUpgrader.upgrade(old, to: 13)
        }
    }

    @Test func namesTheNodeItCannotConvert() throws {
        let spatial = try conversionError(
            "g (float[1,2,3] x, float[2,3] s) => (float[1,2,3] y) {\n"
                + " y = BatchNormalization <spatial = 0, epsilon = 0.001> (x, s, s, s, s)\n}", opset: 8, to: 9)
        #expect(spatial?.contains("'BatchNormalization -> y' (BatchNormalization) to opset 9") == true)
        #expect(spatial?.contains("spatial=0") == true)

        let tfHalfPixel = try conversionError(
            "g (float[1,1,2,2] x, float[4] s) => (float[1,1,4,4] y) {\n"
                + " y = Resize <coordinate_transformation_mode = \"tf_half_pixel_for_nn\"> (x, s, s)\n}", opset: 11,
            to: 13)
        #expect(tfHalfPixel?.contains("tf_half_pixel_for_nn") == true)

        let dynamicScales = try conversionError(
            "g (float[1,1,2,2] x, float[4] s) => (float[1,1,4,4] y) {\n y = Resize (x, s)\n}", opset: 10, to: 11)
        #expect(dynamicScales?.contains("not constant") == true)

        let unknownChannels = try conversionError(
            "g (float[1,C,2,2] x) => (float[1,C,2,2] y) <float[2] s = {1, 2}, float[2] b = {0, 0}> {\n"
                + " y = GroupNormalization <num_groups = 2> (x, s, b)\n}", opset: 18, to: 21)
        #expect(unknownChannels?.contains("channel count") == true)

        let experimental = try conversionError(
            "g (float[1,1,2,2] x) => (float[1,1,2,2] y) {\n y = ImageScaler <scale = 2.0> (x)\n}", opset: 8, to: 13)
        #expect(experimental?.contains("experimental") == true)
    }

    @Test func keepsTheMeaningOfEveryGoldenCaseInOnnxRuntime() throws {
        let folder = Repository.passesDirectory.appendingPathComponent("upgrade-opset/cases")
        let cases = Repository.folders(in: folder)
        #expect(!cases.isEmpty, "no cases under \(folder.path)")
        let scratch = try TemporaryDirectory(prefix: "qdqc-passes")
        defer { scratch.remove() }
        var checked = 0
        for directory in cases {
            let model = try TextParser.parseModel(
                try Repository.read(directory.appendingPathComponent("input.onnxtxt")))
            let name = directory.lastPathComponent
            // ONNX Runtime cannot run a custom domain, nor (in its inference build) a BatchNormalization
            // naming training outputs; those cases are covered by their golden output alone.
            guard model.graph.allNodes().allSatisfy({ OpsetImport.isDefaultDomain($0.domain) }),
                name != "batchnorm-outputs"
            else { continue }
            let before = scratch.file("\(name)-before.onnx").path
            let after = scratch.file("\(name)-after.onnx").path
            try ModelWriter.write(model, to: before)
            let pipelineText = try Repository.read(directory.appendingPathComponent("pipeline.txt"))
            let manager = try PassManager(
                pipeline: try Pipeline.parse(pipelineText), options: PassManagerOptions(diagnostics: .discard))
            _ = try manager.run(on: model)
            try ModelWriter.write(model, to: after)
            let result = try Python.runScript("opset_upgrade_check.py", [before, after])
            #expect(result.succeeded, "\(name): \(result.summary)")
            checked += 1
        }
        #expect(checked >= 8)
    }
}
