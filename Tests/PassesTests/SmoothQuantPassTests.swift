import Calibration
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

    private func run(_ options: [String: String], onCase name: String, inferShapes: Bool = false) throws -> (
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
        if inferShapes { _ = try InferShapesPass(options: [:]).run(on: model, context: context) }
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

    @Test func qkvShareOneFactorAndTheResidualReadsTheOriginalLayerNormalization() throws {
        let (model, result, remarks, session) = try run([:], onCase: "layernorm-qkv")
        #expect(result.statistics["smoothed-layers"] == 3)
        #expect(result.statistics["copied-producers"] == 1)
        #expect(result.statistics["restoring-muls"] == 0)
        #expect(session.smoothing.first?.layers.count == 3)
        #expect(session.smoothing.first?.restoredReaders == 0)
        #expect(session.smoothing.first?.copiedNodes == 1)
        #expect(!model.graph.nodes.contains { $0.opType == "Mul" })
        let norms = model.graph.nodes.filter { $0.opType == "LayerNormalization" }
        try #require(norms.count == 2)
        let original = try #require(norms.first { $0.outputs.first??.name == "h" })
        let copy = try #require(norms.first { $0 !== original })
        // The original keeps its constants for the residual; only the copy holds 1/s.
        #expect(original.inputs.compactMap { $0?.name } == ["x", "gamma", "beta"])
        #expect(copy.inputs.first??.name == "x")
        let matMuls = model.graph.nodes.filter { $0.opType == "MatMul" }
        #expect(matMuls.allSatisfy { $0.inputs.first??.producer === copy })
        let residual = try #require(model.graph.nodes.first { $0.opType == "Add" })
        #expect(residual.inputs.contains { $0?.producer === original })
        #expect(remarks.contains { $0.contains("read a copy of its producer (1 node(s))") })
    }

    @Test func attentionOutputFactorsReachTheValueProjectionThroughReshapeTransposeAndMatMul() throws {
        let (model, result, remarks, session) = try run([:], onCase: "attention-value", inferShapes: true)
        #expect(result.statistics["inserted-muls"] == 0)
        #expect(result.statistics["folded-through-layout"] == 1)
        #expect(!model.graph.nodes.contains { $0.opType == "Mul" })
        let dense = try #require(model.graph.nodes.first { $0.outputs.first??.name == "dense" })
        #expect(dense.inputs.first??.producer?.opType == "Reshape")
        let merged = try #require(session.smoothing.first { $0.activation == "merged" })
        #expect(merged.folding == .producerWeights)
        #expect(!remarks.contains { $0.contains("inserted a Mul") })
    }

    @Test func groupedQueryAttentionTiesTheCopiedChannelsAndFoldsIntoTheValueProjection() throws {
        let (model, result, remarks, session) = try run([:], onCase: "gqa-value", inferShapes: true)
        #expect(result.statistics["inserted-muls"] == 0)
        #expect(result.statistics["tied-activations"] == 1)
        #expect(!model.graph.nodes.contains { $0.opType == "Mul" })
        let merged = try #require(session.smoothing.first { $0.activation == "merged" })
        #expect(merged.folding == .producerWeights)
        #expect(!remarks.contains { $0.contains("inserted a Mul") })
    }

    @Test func withoutShapesTheAttentionOutputGetsAMulAndARemarkSayingWhy() throws {
        let (model, result, remarks, _) = try run([:], onCase: "attention-value")
        #expect(result.statistics["inserted-muls"] == 1)
        #expect(result.statistics["folded-through-layout"] == 0)
        let mul = try #require(model.graph.nodes.first { $0.opType == "Mul" })
        #expect(mul.inputs.first??.name == "merged")
        #expect(remarks.contains { $0.contains("reading 'merged'") && $0.contains("shapes around") })
    }

    /// Runs infer-shapes and smooth-quant on `text` with seeded random calibration samples.
    private func runInline(_ text: String) throws -> (Model, PassResult, [String]) {
        let model = try TextParser.parseModel(text)
        var remarks: [String] = []
        let context = PassContext(
            remark: { remarks.append($0) },
            calibrationData: CalibrationDataSource(origin: .random(seed: 7, sampleCount: 2)))
        _ = try InferShapesPass(options: [:]).run(on: model, context: context)
        let result = try SmoothQuantPass(options: [:]).run(on: model, context: context)
        try Verifier().verify(model)
        return (model, result, remarks.filter { !$0.contains("random samples") })
    }

    @Test func factorsAlongTheRowsOfAProductOfActivationsStopThereWithAMul() throws {
        // The Transpose turns the layer's channels into the rows of `a · b`, which come from `a`.
        let (model, result, remarks) = try runInline(
            """
            <ir_version: 8, opset_import: ["" : 17]>
            rows (float[2,3,4] a, float[2,4,3] b) => (float[2,3,2] y)
               <float[3,2] w = {1, -2, 0.5, 3, -1, 0.25}, float[3] c = {1, 2, 3}>
            {
               shifted = Add (b, c)
               product = MatMul (a, shifted)
               turned = Transpose <perm = [0, 2, 1]> (product)
               y = MatMul (turned, w)
            }
            """)
        #expect(result.statistics["inserted-muls"] == 1)
        #expect(model.graph.nodes.filter { $0.opType == "Mul" }.count == 1)
        #expect(remarks.contains { $0.contains("multiplies two activations") && $0.contains("rows") })
    }

    @Test func aReshapeThatRegroupsTheScaledAxisKeepsEachElementInPlace() throws {
        // [2, 4] -> [4, 2]: the factors of the 2 output channels repeat over the input's flat order, so they
        // widen the Add's constant to [2, 4] and end in the first MatMul's weight columns.
        let (model, result, remarks) = try runInline(
            """
            <ir_version: 8, opset_import: ["" : 17]>
            split (float[2,3] x) => (float[4,3] y)
               <float[3,4] w0 = {1, 0.5, -1, 2, 0.25, -0.5, 1, 1.5, -2, 1, 0.5, -0.25},
                float[2,3] w = {1, -2, 0.5, 3, -1, 0.25}, float[4] c = {1, 2, 3, 4}, int64[2] shape = {4, 2}>
            {
               h = MatMul (x, w0)
               shifted = Add (h, c)
               folded = Reshape (shifted, shape)
               y = MatMul (folded, w)
            }
            """)
        // The only Mul is the first layer's, whose input is a graph input.
        #expect(result.statistics["inserted-muls"] == 1)
        #expect(result.statistics["folded-through-layout"] == 1)
        #expect(model.graph.nodes.filter { $0.opType == "Mul" }.map { $0.inputs.first??.name } == ["x"])
        #expect(!remarks.contains { $0.contains("reading 'folded'") })
    }

    @Test func aReshapeToSizesThatCannotBeMatchedStopsThereWithAMul() throws {
        // [N, 4] -> [?, 2]: nothing says where the 2 output channels come from.
        let (model, result, remarks) = try runInline(
            """
            <ir_version: 8, opset_import: ["" : 17]>
            split (float[N,4] x) => (float[M,3] y)
               <float[2,3] w = {1, -2, 0.5, 3, -1, 0.25}, float[4] c = {1, 2, 3, 4}, int64[2] shape = {-1, 2}>
            {
               shifted = Add (x, c)
               folded = Reshape (shifted, shape)
               y = MatMul (folded, w)
            }
            """)
        #expect(result.statistics["inserted-muls"] == 1)
        #expect(model.graph.nodes.filter { $0.opType == "Mul" }.count == 1)
        #expect(remarks.contains { $0.contains("shapes around") || $0.contains("regroups the scaled axes") })
    }

    @Test func aGraphOutputLayerNormalizationIsCopiedRatherThanMultiplied() throws {
        let (model, result, remarks) = try runInline(
            """
            <ir_version: 8, opset_import: ["" : 17]>
            output (float[3,4] x) => (float[3,4] h, float[3,2] y)
               <float[4] gamma = {1, 2, 0.5, 1}, float[4] beta = {0, 0.5, -1, 0},
                float[4,2] w = {1, 0, 0, 1, 0.5, 0.5, 2, -1}>
            {
               h = LayerNormalization <axis = -1> (x, gamma, beta)
               y = MatMul (h, w)
            }
            """)
        #expect(result.statistics["copied-producers"] == 1)
        #expect(result.statistics["inserted-muls"] == 0)
        #expect(!model.graph.nodes.contains { $0.opType == "Mul" })
        #expect(model.graph.outputs.first?.producer?.inputs.compactMap { $0?.name } == ["x", "gamma", "beta"])
        #expect(remarks.contains { $0.contains("read a copy of its producer") })
    }

    @Test func aOneHotCastBecomesAWhereHoldingTheFactors() throws {
        let (model, result, remarks, session) = try run([:], onCase: "one-hot-cast", inferShapes: true)
        #expect(result.statistics["cast-to-where"] == 1)
        #expect(result.statistics["inserted-muls"] == 0)
        #expect(model.graph.nodes.map(\.opType) == ["Equal", "Where", "MatMul"])
        #expect(session.smoothing.map(\.folding) == [.constants])
        #expect(remarks.isEmpty)
    }

    @Test func autoTriesAlphaFromPointThreeToOneInFixedSteps() {
        let candidates = SmoothQuantAlpha.candidates
        #expect(candidates.count == 15)
        #expect(candidates.first == 0.3)
        #expect(candidates.last == 1.0)
        #expect(zip(candidates, candidates.dropFirst()).allSatisfy { abs($1 - $0 - 0.05) < 1e-12 })
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
