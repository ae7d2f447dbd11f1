import Foundation
import OnnxIO
import OnnxIR
import Testing

@Suite struct SyntheticRoundTripTests {
    /// Serializes, reads back and serializes again.
    private func roundTrip() throws -> (first: Data, second: Data, model: Model) {
        let first = try ModelWriter.serialize(try SyntheticModel.make())
        let model = try ModelReader.read(data: first, path: "synthetic.onnx", baseDirectory: nil)
        return (first, try ModelWriter.serialize(model), model)
    }

    @Test func theSyntheticModelIsValid() throws {
        try Verifier().verify(try SyntheticModel.make())
    }

    @Test func serializingTwiceGivesIdenticalBytes() throws {
        let (first, second, model) = try roundTrip()
        #expect(first == second)
        try Verifier().verify(model)
    }

    @Test func modelFieldsKeepTheirValuesAndPresence() throws {
        let model = try roundTrip().model
        #expect(model.irVersion == 10)
        #expect(model.producerName == "")
        #expect(model.producerVersion == "1.0")
        #expect(model.docString == nil)
        #expect(model.domain == "org.example")
        #expect(model.modelVersion == 7)
        #expect(model.opsetImports.map(\.domainField) == ["", nil, "com.example"])
        #expect(model.opsetImports.map(\.version) == [21, 1, 1])
        #expect(model.metadataProps == [KeyValue("author", "tests"), KeyValue("empty", "")])
        #expect(
            model.configurations == [
                DeviceConfiguration(name: "cfg", numDevices: 2, devices: ["gpu0", "gpu1"]),
                DeviceConfiguration(name: nil, numDevices: nil, devices: []),
            ])
    }

    @Test func graphFieldsSurvive() throws {
        let graph = try roundTrip().model.graph
        #expect(graph.name == "main")
        #expect(graph.docString == "main graph")
        #expect(graph.metadataProps == [KeyValue("graph-key", "graph-value")])
        #expect(
            graph.inputs.map(\.name) == ["x", "seq", "map", "opt", "sparse_in", "opaque", "untyped", "no_case", "bias"])
        let x = try #require(graph.inputs.first)
        #expect(x.docString == "the input")
        #expect(x.metadataProps == [KeyValue("input-key", "v")])
        #expect(x.type?.denotation == "TENSOR")
        #expect(
            x.type?.tensorShape?.dimensions == [
                Dimension(.symbolic("N"), denotation: "DATA_BATCH"), .known(3), .unknown, .symbolic(""),
            ])
        #expect(graph.inputs[1].type == ValueType(.sequence(.tensor(.int64, nil))))
        #expect(graph.inputs[2].type == ValueType(.map(keyType: .string, valueType: .tensor(.float, Shape([])))))
        #expect(graph.inputs[3].type == ValueType(.optional(ValueType(.optional(nil)))))
        #expect(graph.inputs[4].type == ValueType(.sparseTensor(elementType: .float, shape: Shape(static: [4]))))
        #expect(graph.inputs[5].type == ValueType(.opaque(domain: "d", name: nil)))
        #expect(graph.inputs[6].type == nil)
        #expect(graph.inputs[7].type == ValueType(.none))
        #expect(graph.outputs.map(\.name) == ["y", "z"])
        #expect(graph.outputs[0].docString == "the output")
        #expect(graph.valueInfo.map(\.name) == ["t"])
        #expect(graph.valueInfo.first?.docString == "between")
        #expect(graph.quantizationAnnotations.count == 2)
        #expect(graph.quantizationAnnotations.first?.quantParameterTensorNames == [KeyValue("SCALE_TENSOR", "scale")])
        #expect(graph.sparseInitializers.map(\.name) == ["sparse_w"])
        #expect(graph.sparseInitializers.first?.sparseInitializer?.dims == [4])
    }

    @Test func initializersKeepTheirStorageForm() throws {
        let graph = try roundTrip().model.graph
        let expected = SyntheticModel.tensors()
        #expect(graph.initializers.count == expected.count)
        #expect(graph.inputs.last?.initializer != nil, "the input named like an initializer gets it as default")
        for (value, original) in zip(graph.initializers, expected) {
            let tensor = try #require(value.initializer)
            #expect(tensor.name == original.name)
            #expect(tensor.dataType == original.dataType)
            #expect(tensor.dims == original.dims)
            #expect(tensor.docString == original.docString)
            #expect(tensor.segment == original.segment)
            #expect(tensor.metadataProps == original.metadataProps)
            #expect(tensor.dataLocationField == original.dataLocationField)
            #expect(StorageForm(tensor.storage) == StorageForm(original.storage), "\(original.name ?? "")")
        }
    }

    @Test func everyAttributeKindSurvives() throws {
        let graph = try roundTrip().model.graph
        let node = try #require(graph.node(named: "everything"))
        #expect(node.domainField == "com.example")
        #expect(node.overload == "v2")
        #expect(node.docString == "node doc")
        #expect(node.metadataProps == [KeyValue("node-key", "node-value")])
        #expect(node.inputs.map { $0?.name } == ["x", nil, "bias"])
        #expect(node.outputs.map { $0?.name } == ["t", nil])
        #expect(node.deviceConfigurations.map(\.bytes) == [SyntheticModel.deviceConfigurationBytes, Data()])
        #expect(node.attribute("f")?.float == 0.25)
        #expect(node.attribute("f")?.docString == "a float")
        #expect(node.attribute("i")?.int == -3)
        #expect(node.attribute("s")?.value.attributeType == .string)
        #expect(node.attribute("empty_s")?.value.attributeType == .string)
        #expect(node.attribute("t")?.tensor?.name == "attr_t")
        #expect(node.attribute("sp")?.value.attributeType == .sparseTensor)
        #expect(node.attribute("tp")?.value.attributeType == .typeProto)
        #expect(node.attribute("fs")?.floats == [1, 2])
        #expect(node.attribute("is")?.ints == [1, -1])
        #expect(node.attribute("ss")?.value.attributeType == .strings)
        #expect(node.attribute("ts")?.value.attributeType == .tensors)
        #expect(node.attribute("sps")?.value.attributeType == .sparseTensors)
        #expect(node.attribute("tps")?.value.attributeType == .typeProtos)
        #expect(node.attribute("empty_ints")?.ints == [])
        #expect(node.attribute("untyped_old_style")?.hasTypeField == false)
        #expect(node.attribute("untyped_old_style")?.int == 5)
        #expect(node.attribute("unknown_kind")?.value.attributeType == AttributeType(rawValue: 42))
        let call = try #require(graph.node(named: "call"))
        #expect(call.domainField == "com.example")
        let constant = try #require(graph.node(named: "cond"))
        #expect(constant.domainField == nil)
    }

    @Test func subgraphsCaptureOuterValues() throws {
        let graph = try roundTrip().model.graph
        let branch = try #require(graph.node(named: "branch"))
        #expect(branch.subgraphs.map(\.name) == ["then", "else", "body"])
        let thenBranch = branch.subgraphs[0]
        let t = try #require(graph.node(named: "everything")?.outputs.first ?? nil)
        #expect(thenBranch.nodes.first?.inputs.first ?? nil === t)
        #expect(t.uses.contains { $0.node === thenBranch.nodes.first })
        let body = branch.subgraphs[2]
        #expect(body.nodes.first?.inputs.last ?? nil === graph.inputs.last)
        #expect(thenBranch.parentGraph === graph)
    }

    @Test func functionsAndTrainingInfoSurvive() throws {
        let model = try roundTrip().model
        let function = try #require(model.functions.first)
        #expect(function.name == "Square")
        #expect(function.domain == "com.example")
        #expect(function.overload == "v2")
        #expect(function.attributeNames == ["alpha"])
        #expect(function.attributeDefaults.first?.ints == [1, 2])
        #expect(function.body.inputs.map(\.name) == ["a"])
        #expect(function.body.inputs.first?.type == nil)
        #expect(function.body.outputs.map(\.name) == ["sq"])
        #expect(function.body.valueInfo.map(\.name) == ["sq"])
        #expect(function.opsetImports == [OpsetImport(domain: "", version: 21)])
        #expect(function.docString == "squares")
        #expect(function.metadataProps == [KeyValue("f", "g")])
        let reference = try #require(function.body.nodes.first?.attribute("scale"))
        #expect(reference.refAttrName == "alpha")
        #expect(reference.value.attributeType == .float)
        let info = try #require(model.trainingInfo.first)
        #expect(info.initialization?.name == "init")
        #expect(info.algorithm == nil)
        #expect(info.initializationBinding == [KeyValue("bias", "bias_init")])
    }

    @Test func largeRawDataSurvivesWriteAndRead() throws {
        // Large raw data is written straight from the tensor's own buffer; check the bytes arrive intact.
        let data = Data((0..<4096).map { UInt8($0 % 256) })
        let builder = GraphBuilder(name: "g")
        builder.addInitializer(Tensor(name: "w", dataType: .uint8, dims: [4096], storage: .raw(data)))
        builder.addOutput(name: "w", type: nil)
        let model = Model(graph: try builder.finish(), irVersion: 10)
        let read = try ModelReader.read(data: try ModelWriter.serialize(model), path: "m", baseDirectory: nil)
        #expect(try read.graph.initializers.first?.initializer?.rawBytes() == data)
    }
}

/// The storage case and its contents, comparable.
private enum StorageForm: Equatable {
    case none, raw(Data), floats([Float]), int32s([Int32]), int64s([Int64]), doubles([Double]), uint64s([UInt64])
    case strings([[UInt8]]), external([KeyValue])

    init(_ storage: TensorStorage) {
        switch storage {
        case .none: self = .none
        case .raw(let data): self = .raw(data)
        case .floats(let values): self = .floats(values)
        case .int32s(let values): self = .int32s(values)
        case .int64s(let values): self = .int64s(values)
        case .doubles(let values): self = .doubles(values)
        case .uint64s(let values): self = .uint64s(values)
        case .strings(let values): self = .strings(values)
        case .external(let external): self = .external(external.entries)
        }
    }
}
