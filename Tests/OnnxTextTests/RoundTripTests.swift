import Foundation
import OnnxIR
import OnnxText
import Testing

@Suite struct RoundTripTests {
    private let printer = TextPrinter(options: TextPrintOptions(largeTensors: .inline))

    @Test func printParsePrintIsAFixpoint() throws {
        let first = try printer.print(try SampleModels.everything()).text
        let second = try printer.print(try TextParser.parseModel(first)).text
        #expect(first == second)
        #expect(first.contains("\"onnx::Conv_123\""))
        #expect(first.contains("\"StatefulPartitionedCall:0\""))
        #expect(first.contains("\"x.1\""))
        #expect(first.contains("\"/layer/Add_output_0\""))
    }

    @Test func parsedModelKeepsHeaderAndFunctions() throws {
        let model = try TextParser.parseModel(try printer.print(try SampleModels.everything()).text)
        #expect(model.irVersion == 10)
        #expect(
            model.opsetImports == [
                OpsetImport(domain: "", version: 21), OpsetImport(domain: "com.example", version: 1),
            ])
        #expect(model.producerName == "qdqc \"tests\"")
        #expect(model.producerVersion == "1.0")
        #expect(model.domain == "org.example")
        #expect(model.modelVersion == 3)
        #expect(model.docString == "a model\nwith two lines")
        #expect(model.metadataProps == [KeyValue("key", "value \\ backslash")])
        #expect(model.functions.count == 2)
        let function = try #require(model.functions.first)
        #expect(function.name == "ScaledLeakyRelu")
        #expect(function.domain == "com.example")
        #expect(function.overload == "v2")
        #expect(function.docString == "scales, then leaks")
        #expect(function.attributeNames == ["alpha"])
        #expect(function.attributeDefaults.first?.name == "beta")
        #expect(function.attributeDefaults.first?.float == 0.5)
        #expect(function.body.inputs.first?.type == .tensor(.float, Shape([.symbolic("N")])))
        #expect(function.body.valueInfo.map(\.name) == ["scaled"])
        let leaky = try #require(function.body.nodes.last)
        #expect(leaky.attribute("alpha")?.refAttrName == "alpha")
        #expect(leaky.attribute("alpha")?.value.attributeType == .float)
        let call = try #require(model.graph.nodes.first { $0.opType == "ScaledLeakyRelu" })
        #expect(call.domain == "com.example")
        #expect(call.overload == "v2")
        try Verifier().verify(model)
    }

    @Test func typesSurvive() throws {
        let model = try TextParser.parseModel(try printer.print(try SampleModels.everything()).text)
        let types = Dictionary(uniqueKeysWithValues: model.graph.inputs.map { ($0.name, $0.type) })
        #expect(types["x"] == .tensor(.float, Shape([.symbolic("N"), .known(3)])))
        #expect(types["cond"] == .tensor(.bool, Shape([])))
        #expect(types["x.1"] == .tensor(.float, Shape([.unknown, .symbolic("batch size"), .known(-1)])))
        #expect(types["float"] == .tensor(.float, nil))
        #expect(types["sequence"] == ValueType(.sequence(.tensor(.float, Shape(static: [2])))))
        #expect(types["mapping"] == ValueType(.map(keyType: .int64, valueType: .tensor(.float, Shape([])))))
        #expect(types["maybe"] == ValueType(.optional(.tensor(.int64, Shape(static: [1])))))
        #expect(types["sparse"] == ValueType(.sparseTensor(elementType: .float, shape: Shape(static: [4, 4]))))
        #expect(types["blob"] == ValueType(.opaque(domain: "com.example", name: "Blob")))
        #expect(types["untyped"] == .some(nil))
        #expect(model.graph.valueInfo.map(\.name) == ["/layer/Add_output_0"])
    }

    @Test func everyElementTypeKeepsItsBytes() throws {
        let model = try TextParser.parseModel(try printer.print(try SampleModels.everything()).text)
        let parsed = Dictionary(uniqueKeysWithValues: model.graph.initializers.map { ($0.name, $0.initializer) })
        for original in try SampleModels.initializers() {
            let name = try #require(original.name)
            let tensor = try #require(parsed[name] ?? nil, "initializer \(name) missing")
            #expect(tensor.dataType == original.dataType, "\(name)")
            #expect(tensor.dims == original.dims, "\(name)")
            if original.dataType == .string {
                guard case .strings(let expected) = original.storage, case .strings(let actual) = tensor.storage else {
                    Issue.record("\(name): string storage expected")
                    continue
                }
                #expect(actual == expected)
            } else {
                #expect(try tensor.rawBytes() == original.rawBytes(), "\(name)")
            }
        }
    }

    @Test func specialFloatsKeepTheirBits() throws {
        let text = try printer.print(try SampleModels.everything()).text
        #expect(text.contains("-0.0"))
        #expect(text.contains("-inf"))
        #expect(text.contains("-nan"))
        let model = try TextParser.parseModel(text)
        let w = try #require(model.graph.value(named: "w")?.initializer)
        let bits = try w.rawBytes().withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
        #expect(bits == SampleModels.specialFloats.map(\.bitPattern))
        let node = try #require(model.graph.nodes.first { $0.opType == "Everything" })
        #expect(node.attribute("neg0")?.float?.bitPattern == (-0.0 as Float).bitPattern)
        #expect(node.attribute("pinf")?.float == .infinity)
        #expect(node.attribute("minf")?.float == -.infinity)
        #expect(node.attribute("nanv")?.float?.isNaN == true)
        #expect(node.attribute("f")?.float == 1e-7)
        #expect(
            node.attribute("floats")?.floats?.map(\.bitPattern)
                == ([1.5, -0.0, .infinity, .nan] as [Float]).map(\.bitPattern))
    }

    @Test func everyAttributeKindSurvives() throws {
        let model = try TextParser.parseModel(try printer.print(try SampleModels.everything()).text)
        let node = try #require(model.graph.nodes.first { $0.opType == "Everything" })
        #expect(node.name == "every attribute")
        #expect(node.attribute("i")?.int == -5)
        #expect(node.attribute("s")?.string == "he said \"hi\" \\ bye")
        #expect(node.attribute("ints")?.ints == [1, -2, 3])
        #expect(node.attribute("strings")?.value.attributeType == .strings)
        #expect(try node.attribute("t")?.tensor?.rawBytes() == Data([Float(1.5), -2].withUnsafeBytes { Data($0) }))
        #expect(node.attribute("t")?.tensor?.name == nil, "quoted tensor names in attributes are left out")
        #expect(node.attribute("t2")?.tensor?.name == "tconst")
        #expect(node.attribute("t3")?.tensor?.dims == [])
        if case .tensors(let tensors) = node.attribute("tensors")?.value {
            #expect(tensors.map(\.dataType) == [.int64, .int32])
        } else {
            Issue.record("tensors attribute lost its kind")
        }
        #expect(node.attribute("tp")?.value.attributeType == .typeProto)
        if case .types(let types) = node.attribute("tps")?.value {
            #expect(types == [.tensor(.int64, Shape([])), ValueType(.sequence(.tensor(.float, nil)))])
        } else {
            Issue.record("type_protos attribute lost its kind")
        }
        #expect(node.attribute("empty_ints")?.ints == [])
        #expect(node.attribute("empty_strings")?.value.attributeType == .strings)
        #expect(node.attribute("empty_graphs")?.value.attributeType == .graphs)
        let dropout = try #require(model.graph.nodes.first { $0.opType == "Dropout" })
        #expect(dropout.outputs.count == 2)
        #expect(dropout.outputs[1] == nil)
        let clip = try #require(model.graph.nodes.first { $0.opType == "Clip" })
        #expect(clip.inputs.count == 3)
        #expect(clip.inputs[1] == nil)
        let sink = try #require(model.graph.nodes.first { $0.opType == "Sink" })
        #expect(sink.outputs.isEmpty)
    }

    @Test func subgraphCapturesResolveToOuterValues() throws {
        let model = try TextParser.parseModel(try printer.print(try SampleModels.everything()).text)
        let graph = model.graph
        let ifNode = try #require(graph.nodes.first { $0.opType == "If" })
        let thenBranch = try #require(ifNode.attribute("then_branch")?.subgraphs.first)
        #expect(thenBranch.name == "then_branch", "names onnx's parser cannot read are rewritten")
        #expect(thenBranch.parentNode === ifNode)
        let captured = try #require(thenBranch.nodes.first?.inputs.first ?? nil)
        #expect(captured === graph.value(named: "/layer/Add_output_0"))
        let loop = try #require(graph.nodes.first { $0.opType == "Loop" })
        let body = try #require(loop.attribute("body")?.subgraphs.first)
        #expect(body.inputs.map(\.name) == ["iteration", "cond_in", "carried"])
        #expect(body.initializers.map(\.name) == ["step"])
        let sum = try #require(body.nodes.first { $0.outputs.first??.name == "sum" })
        #expect(sum.inputs[1] === graph.value(named: "StatefulPartitionedCall:0"))
        let multi = try #require(graph.nodes.first { $0.opType == "Multi" })
        #expect(multi.attribute("branches")?.subgraphs.map(\.name) == ["g_nan_first", "g_float"])
    }

    @Test func onnxParserReadsOurText() throws {
        guard PythonRun.interpreter != nil else { throw TestSetupError(description: "no Python venv") }
        let text = try printer.print(try SampleModels.everything()).text
        let rejection = try PythonRun.onnxParserRejection(of: text)
        #expect(rejection == nil, "\(rejection ?? "")")
    }

    @Test func onnxParserSeesTheSameValues() throws {
        let text = try printer.print(try SampleModels.everything()).text
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("model.onnxtxt")
        try text.write(to: file, atomically: false, encoding: .utf8)
        let script = """
            import onnx.parser, onnx.numpy_helper as nh, sys, json
            m = onnx.parser.parse_model(sys.stdin.read())
            inits = {t.name: t for t in m.graph.initializer}
            w = nh.to_array(inits["w"]).view("uint32").tolist()
            node = [n for n in m.graph.node if n.op_type == "Everything"][0]
            attrs = {a.name: a for a in node.attribute}
            print(json.dumps({"w": w, "shape": nh.to_array(inits["shape"]).tolist(),
                "words": [s.decode() for s in inits["words"].string_data],
                "s": attrs["s"].s.decode(), "graph": m.graph.name, "functions": [f.name for f in m.functions],
                "inputs": [i.name for i in m.graph.input]}))
            """
        let run = try PythonRun.run(script, input: file)
        #expect(run.status == 0, "\(run.errors)")
        let data = try #require(run.output.data(using: .utf8))
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((result["w"] as? [UInt32]) == SampleModels.specialFloats.map(\.bitPattern))
        #expect((result["shape"] as? [Int64]) == [-1, Int64.min])
        #expect((result["words"] as? [String]) == ["plain", "quote \" and \\ back", "line\nbreak"])
        #expect((result["s"] as? String) == "he said \"hi\" \\ bye")
        #expect((result["graph"] as? String) == "main graph")
        #expect((result["functions"] as? [String]) == ["ScaledLeakyRelu", "Twice"])
        #expect((result["inputs"] as? [String])?.contains("onnx::Conv_123") == true)
    }

    @Test func singleGraphPrintsAndParses() throws {
        let model = try SampleModels.withLargeTensors()
        let text = try printer.print(model.graph).text
        let graph = try TextParser.parseGraph(text)
        #expect(graph.name == "large")
        #expect(graph.nodes.map(\.opType) == ["Constant", "Add"])
        #expect(try printer.print(graph).text == text)
    }
}
