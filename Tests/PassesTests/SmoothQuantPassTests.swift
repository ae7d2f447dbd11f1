import Foundation
import OnnxIR
import OnnxText
import Passes
import TestSupport
import Testing

/// `smooth-quant`'s options, refusals, remarks, session records and pipeline placement; the golden
/// cases cover the rewrites, and a check here runs them in ONNX Runtime.
@Suite struct SmoothQuantPassTests {
    private static let casesFolder = Repository.passesDirectory.appendingPathComponent("smooth-quant/cases")

    private func run(_ options: [String: String], onCase name: String) throws -> (
        Model, PassResult, [String], PipelineSession
    ) {
        let folder = Self.casesFolder.appendingPathComponent(name)
        let model = try TextParser.parseModel(try Repository.read(folder.appendingPathComponent("input.onnxtxt")))
        var remarks: [String] = []
        let session = PipelineSession()
        let context = PassContext(
            remark: { remarks.append($0) },
            calibrationData: CalibrationDataSource(origin: .files(path: folder.appendingPathComponent("calib").path)),
            session: session)
        let result = try SmoothQuantPass(options: options).run(on: model, context: context)
        try Verifier().verify(model)
        return (model, result, remarks, session)
    }

    @Test func alphaAcceptsNumbersInTheUnitIntervalAndAuto() throws {
        #expect(try SmoothQuantPass(options: [:]).alpha == .fixed(0.5))
        #expect(try SmoothQuantPass(options: ["alpha": "0.8"]).alpha == .fixed(0.8))
        #expect(try SmoothQuantPass(options: ["alpha": "auto"]).alpha == .auto)
        for bad in ["1.5", "-0.1", "nan", "half"] {
            #expect(throws: PassError.self) { try SmoothQuantPass(options: ["alpha": bad]) }
        }
        #expect(throws: PassError.self) { try SmoothQuantPass(options: ["rows": "0"]) }
    }

    @Test func withoutCalibrationDataItIsAnError() throws {
        let model = try TextParser.parseModel(
            try Repository.read(Self.casesFolder.appendingPathComponent("layernorm/input.onnxtxt")))
        #expect(throws: SmoothQuantError.noCalibrationData) {
            try SmoothQuantPass(options: [:]).run(on: model, context: PassContext())
        }
    }

    @Test func aLayerNormalizationTakesTheFactorsWithoutAnyMul() throws {
        let (model, result, remarks, session) = try run([:], onCase: "layernorm")
        #expect(!model.graph.nodes.contains { $0.opType == "Mul" })
        #expect(result.statistics["folded-layernorm"] == 1)
        #expect(result.statistics["inserted-muls"] == 0)
        #expect(remarks.isEmpty)
        #expect(session.smoothing.map(\.folding) == [.layerNormalization])
        #expect(session.smoothing.first?.alpha == 0.5)
    }

    @Test func qkvShareOneFactorAndTheResidualGetsTheUnscaledValue() throws {
        let (model, result, remarks, session) = try run([:], onCase: "layernorm-qkv")
        #expect(result.statistics["smoothed-layers"] == 3)
        #expect(session.smoothing.first?.layers.count == 3)
        #expect(session.smoothing.first?.restoredReaders == 1)
        let matMuls = model.graph.nodes.filter { $0.opType == "MatMul" }
        #expect(matMuls.allSatisfy { $0.inputs.first??.producer?.opType == "LayerNormalization" })
        #expect(remarks.contains { $0.contains("1 other reader(s) get the unscaled value") })
    }

    @Test func aSharedWeightIsSkippedWithARemark() throws {
        let (_, result, remarks, _) = try run([:], onCase: "shared-weight")
        #expect(result.statistics["skipped-shared-weights"] == 2)
        #expect(result.statistics["smoothed-layers"] == 1)
        #expect(remarks.filter { $0.contains("its weight 'w' is shared with 1 other reader(s)") }.count == 2)
    }

    @Test func aProducerThatCannotAbsorbGetsAMulAndARemark() throws {
        let (model, result, remarks, session) = try run([:], onCase: "mul-inserted")
        #expect(result.statistics["inserted-muls"] == 1)
        #expect(model.graph.nodes.filter { $0.opType == "Mul" }.count == 1)
        #expect(session.smoothing.map(\.folding) == [.insertedMul])
        #expect(remarks.contains { $0.contains("inserted a Mul by 1/s before") })
    }

    @Test func autoRecordsTheChosenAlphaAndItsError() throws {
        let (_, result, _, session) = try run(["alpha": "auto"], onCase: "auto-alpha")
        let record = try #require(session.smoothing.first)
        let alpha = try #require(record.alpha)
        #expect(SmoothQuantAlpha.candidates.contains(alpha))
        #expect(result.statistics["alpha-percent:x"] == Int((alpha * 100).rounded()))
        let without = try #require(record.errorWithoutSmoothing)
        let with = try #require(record.errorWithSmoothing)
        #expect(with < without)
    }

    @Test func theFlagGoesBeforeCalibrationOrQuantizationOrAtTheEnd() throws {
        var full = try Pipeline.parse("fuse-layernorm,calibrate,insert-qdq")
        full.insertSmoothQuant(alpha: .auto)
        #expect(full.description == "fuse-layernorm,smooth-quant{alpha=auto},calibrate,insert-qdq")
        var noCalibrate = try Pipeline.parse("fuse-layernorm,insert-qdq")
        noCalibrate.insertSmoothQuant(alpha: .fixed(0.8))
        #expect(noCalibrate.description == "fuse-layernorm,smooth-quant{alpha=0.8},insert-qdq")
        var bare = try Pipeline.parse("fuse-layernorm")
        bare.insertSmoothQuant(alpha: .fixed(0.5))
        #expect(bare.description == "fuse-layernorm,smooth-quant{alpha=0.5}")
        var written = try Pipeline.parse("smooth-quant{alpha=0.7},calibrate")
        written.insertSmoothQuant(alpha: .auto)
        #expect(written.description == "smooth-quant{alpha=0.7},calibrate")
    }

    @Test(arguments: Repository.folders(in: casesFolder).map(\.lastPathComponent))
    func goldenCaseComputesWhatItsInputComputesInOnnxRuntime(_ name: String) throws {
        let folder = Self.casesFolder.appendingPathComponent(name)
        let check = try Python.runScript(
            "compare_text_models.py",
            ["input.onnxtxt", "expected.onnxtxt", "calib"].map { folder.appendingPathComponent($0).path })
        #expect(check.succeeded, "smooth-quant/\(name) changes the float outputs:\n\(check.summary)")
    }
}
