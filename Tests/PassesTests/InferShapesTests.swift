import OnnxIR
import OnnxText
import Passes
import Testing

@Suite struct InferShapesTests {
    private func run(_ text: String) throws -> (Model, PassResult) {
        let model = try TextParser.parseModel(text)
        let result = try InferShapesPass(options: [:]).run(on: model, context: PassContext())
        return (model, result)
    }

    private func header(_ opset: Int = 17) -> String { "<\n ir_version: 8,\n opset_import: [\"\" : \(opset)]\n>\n" }

    @Test func incompatibleBroadcastNamesTheNodeAndShapes() throws {
        let text = header() + "g (float[3,4] a, float[5] b) => (float[3,4] y) {\n [X] y = Add (a, b)\n}"
        #expect(throws: ShapeInferenceError(node: "X", opType: "Add", message: "cannot broadcast [3,4] with [5]")) {
            try run(text)
        }
        do {
            _ = try run(text)
        } catch {
            #expect("\(error)" == "node 'X' (Add): cannot broadcast [3,4] with [5]")
        }
    }

    @Test func aDeclaredTypeIsNeverContradicted() throws {
        let text = header() + "g (float[3,4] a) => (float[3,5] y) {\n y = Relu (a)\n}"
        do {
            _ = try run(text)
            Issue.record("a contradiction was accepted")
        } catch let error as ShapeInferenceError {
            #expect(
                error.description == "node 'Relu -> y' (Relu): value 'y' is declared float[3,5] but inferred float[3,4]"
            )
        }
        let wrongType = header() + "g (float[3,4] a) => (int64[3,4] y) {\n y = Relu (a)\n}"
        #expect(throws: ShapeInferenceError.self) { try run(wrongType) }
    }

    @Test func statisticsCountTypedAndUnknownValues() throws {
        let text =
            header() + "g (float[N,4] a) => (float[N,4] y) {\n h = Relu (a)\n u = Custom (h)\n y = Relu (h)\n}"
        let (model, result) = try run(text)
        #expect(result.changed)
        #expect(result.statistics == ["typed-values": 1, "unknown-values": 1])
        #expect(model.graph.valueInfo.map(\.name) == ["h"])
        #expect(model.graph.value(named: "u")?.type == nil)
    }

    @Test func aSecondRunChangesNothing() throws {
        let text = header() + "g (float[N,3,8,8] a, float[4,3,3,3] w) => (y) {\n c = Conv (a, w)\n y = Relu (c)\n}"
        let (model, first) = try run(text)
        #expect(first.changed)
        #expect(
            model.graph.outputs.first?.type
                == .tensor(.float, Shape([.symbolic("N"), .known(4), .known(6), .known(6)])))
        let second = try InferShapesPass(options: [:]).run(on: model, context: PassContext())
        #expect(!second.changed)
        #expect(second.statistics["typed-values"] == 0)
    }

    @Test func negativeDeclaredSizesAreUnknownAndGetRefined() throws {
        let model = try TextParser.parseModel(header() + "g (float[2,4] a) => (y) {\n y = Relu (a)\n}")
        model.graph.outputs.first?.type = .tensor(.float, Shape([.known(-1), .known(4)]))
        let result = try InferShapesPass(options: [:]).run(on: model, context: PassContext())
        #expect(result.changed)
        #expect(model.graph.outputs.first?.type == .tensor(.float, Shape(static: [2, 4])))
    }

    @Test func badAttributesAreErrorsNotCrashes() throws {
        let hugeStride =
            header() + "g (float[1,1,8,8] a) => (y) {\n y = MaxPool <kernel_shape = [2, 2], strides = [0, 1]> (a)\n}"
        #expect(throws: ShapeInferenceError.self) { try run(hugeStride) }
        let badPerm = header() + "g (float[2,3] a) => (y) {\n y = Transpose <perm = [0, 0]> (a)\n}"
        #expect(throws: ShapeInferenceError.self) { try run(badPerm) }
        let badAxis = header() + "g (float[2,3] a) => (y) {\n y = Softmax (a)\n z = Concat <axis = 7> (a, a)\n}"
        #expect(throws: ShapeInferenceError.self) { try run(badAxis) }
        let badReshape = header() + "g (float[2,3] a) => (y)\n <int64[2] s = {4, -1}>\n{\n y = Reshape (a, s)\n}"
        #expect(throws: ShapeInferenceError.self) { try run(badReshape) }
    }

    @Test func extremeSliceBoundsDoNotOverflow() throws {
        let text =
            header()
            + "g (float[10] a) => (y)\n <int64[1] s = {-9223372036854775808}, int64[1] e = {9223372036854775807}, "
            + "int64[1] ax = {0}, int64[1] st = {-9223372036854775808}>\n{\n y = Slice (a, e, s, ax, st)\n}"
        let (model, _) = try run(text)
        // From the last element backwards with a step of -2^63: one element.
        #expect(model.graph.outputs.first?.type == .tensor(.float, Shape(static: [1])))
    }

    @Test func castBeforeOpset6NamesItsType() throws {
        let text = header(5) + "g (float[2] a) => (y) {\n y = Cast <to = \"FLOAT16\"> (a)\n}"
        let (model, _) = try run(text)
        #expect(model.graph.outputs.first?.type == .tensor(.float16, Shape(static: [2])))
    }

    @Test(arguments: [
        "y = Reshape (x, s)", "y = Expand (x, s)", "y = ConstantOfShape (s)",
    ])
    func aHugeDeclaredShapeInputIsAnErrorNotAnAllocation(node: String) throws {
        // The shape input's declared length is the output's rank: 2^62 (and 2^31) used to be allocated.
        for length in ["4611686018427387904", "2147483648"] {
            let text = header() + "g (float[4] x, int64[\(length)] s) => (y) {\n \(node)\n}"
            do {
                _ = try run(text)
                Issue.record("\(node) with int64[\(length)] was accepted")
            } catch let error as ShapeInferenceError {
                #expect(error.description.contains("shape input 's' is declared with \(length) elements"))
            }
        }
        // An initializer's dims declare its length the same way, whatever data it holds.
        let initializer = header() + "g (float[4] x) => (y)\n <int64[2] s = {2, 2}>\n{\n \(node)\n}"
        let model = try TextParser.parseModel(initializer)
        if let shape = model.graph.initializers.first {
            shape.initializer?.dims = [Int64(1) << 62]
            shape.type = .tensor(.int64, Shape(static: [Int64(1) << 62]))
        }
        #expect(throws: ShapeInferenceError.self) {
            try InferShapesPass(options: [:]).run(on: model, context: PassContext())
        }
    }

    @Test func aDeclaredRankUpToTheLimitIsKept() throws {
        let text = header() + "g (float[4] x, int64[\(InferShapesPass.maximumRank)] s) => (y) {\n y = Reshape (x, s)\n}"
        let (model, _) = try run(text)
        #expect(model.graph.outputs.first?.shape?.rank == InferShapesPass.maximumRank)
    }

    @Test func splitSizesPastInt64AreAnError() throws {
        let sizes = "int64[2] sp = {4611686018427387904, 4611686018427387904}"
        let text = header() + "g (float[4] x) => (y, z)\n <\(sizes)>\n{\n y, z = Split (x, sp)\n}"
        do {
            _ = try run(text)
            Issue.record("split sizes adding up past Int64 were accepted")
        } catch let error as ShapeInferenceError {
            #expect(error.description.hasSuffix("does not add up to 4"))
        }
        let negative = header() + "g (float[4] x) => (y, z)\n <int64[2] sp = {6, -2}>\n{\n y, z = Split (x, sp)\n}"
        #expect(throws: ShapeInferenceError.self) { try run(negative) }
    }

    @Test func aWrongDeclaredIntermediateShapeGivesWayToInferenceWithARemark() throws {
        // An exporter wrote value_info for 'h' that contradicts the operators (the OCR model of issue 16).
        let text =
            header() + "g (float[2,3] a) => (float[2,3] y)\n <float[1,seqlen] h>\n{\n h = Relu (a)\n y = Relu (h)\n}"
        let model = try TextParser.parseModel(text)
        var remarks: [String] = []
        _ = try InferShapesPass(options: [:]).run(on: model, context: PassContext(remark: { remarks.append($0) }))
        #expect(model.graph.valueInfo.first { $0.name == "h" }?.type == .tensor(.float, Shape(static: [2, 3])))
        #expect(
            remarks == [
                "infer-shapes: value 'h' is declared float[1,seqlen] but inferred float[2,3]; the declaration is a "
                    + "hint, the inferred shape is kept"
            ])
        // A different element type is not a hint gone wrong: still an error.
        let wrongType =
            header() + "g (float[2,3] a) => (float[2,3] y)\n <int64[2,3] h>\n{\n h = Relu (a)\n y = Relu (h)\n}"
        #expect(throws: ShapeInferenceError.self) { try run(wrongType) }
    }
}
