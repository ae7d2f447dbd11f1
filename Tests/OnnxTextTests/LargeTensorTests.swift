import Foundation
import OnnxIR
import OnnxText
import Testing

@Suite struct LargeTensorTests {
    @Test func elidedTensorsAreMarkedAndThrowWhenRead() throws {
        let text = try TextPrinter().print(try SampleModels.withLargeTensors()).text
        #expect(text.contains("float[100] big = [\"location\": \"__elided__\", \"length\": \"400\"]"))
        #expect(text.contains("int32[10,7] = [\"location\": \"__elided__\", \"length\": \"280\"]"))
        #expect(text.contains("int64[3] small = {1, 2, 3}"))
        let model = try TextParser.parseModel(text)
        let big = try #require(model.graph.value(named: "big")?.initializer)
        #expect(big.isExternal)
        #expect(throws: ElidedTensorError(tensor: "big", byteCount: 400)) { try big.rawBytes() }
        let constant = try #require(model.graph.nodes.first?.attribute("value")?.tensor)
        #expect(throws: ElidedTensorError.self) { try constant.rawBytes() }
        #expect(
            try model.graph.value(named: "small")?.initializer?.rawBytes()
                == Tensor.int64s([1, 2, 3], dims: [3]).rawBytes())
    }

    @Test func elidedTextReprintsUnchangedInEveryMode() throws {
        let text = try TextPrinter().print(try SampleModels.withLargeTensors()).text
        let model = try TextParser.parseModel(text)
        for mode in [LargeTensorMode.elide, .inline, .sidecar(fileName: "x.bin")] {
            let printed = try TextPrinter(options: TextPrintOptions(largeTensors: mode)).print(model)
            #expect(printed.text == text, "\(mode)")
            #expect(printed.sidecar == nil)
        }
    }

    @Test func thresholdCountsElements() throws {
        let atThreshold = TextPrintOptions(largeTensors: .elide, largeTensorThreshold: 100)
        let text = try TextPrinter(options: atThreshold).print(try SampleModels.withLargeTensors()).text
        #expect(text.contains("float[100] big = {0.0, 0.25,"))
        let below = TextPrintOptions(largeTensors: .elide, largeTensorThreshold: 99)
        #expect(try TextPrinter(options: below).print(try SampleModels.withLargeTensors()).text.contains("__elided__"))
    }

    @Test func inlineModeWritesEveryElement() throws {
        let options = TextPrintOptions(largeTensors: .inline)
        let text = try TextPrinter(options: options).print(try SampleModels.withLargeTensors()).text
        #expect(!text.contains("location"))
        let model = try TextParser.parseModel(text)
        let big = try #require(model.graph.value(named: "big")?.initializer)
        #expect(try big.rawBytes() == Tensor.floats((0..<100).map { Float($0) * 0.25 }, dims: [100]).rawBytes())
    }

    @Test func sidecarHoldsAlignedLittleEndianBytes() throws {
        let options = TextPrintOptions(largeTensors: .sidecar(fileName: "model.bin"))
        let printed = try TextPrinter(options: options).print(try SampleModels.withLargeTensors())
        let sidecar = try #require(printed.sidecar)
        let expectedBig = try Tensor.floats((0..<100).map { Float($0) * 0.25 }, dims: [100]).rawBytes()
        let expectedConstant = (0..<70).map { Int32($0) - 35 }.withUnsafeBytes { Data($0) }
        #expect(sidecar.count == 448 + 280)
        #expect(sidecar.subdata(in: 0..<400) == expectedBig)
        #expect(sidecar.subdata(in: 448..<728) == expectedConstant)
        #expect(printed.text.contains("[\"location\": \"model.bin\", \"offset\": \"0\", \"length\": \"400\"]"))
        #expect(printed.text.contains("[\"location\": \"model.bin\", \"offset\": \"448\", \"length\": \"280\"]"))

        let model = try TextParser.parseModel(printed.text)
        let big = try #require(model.graph.value(named: "big")?.initializer)
        guard case .external(let external) = big.storage else {
            Issue.record("the sidecar tensor should read back as external data")
            return
        }
        #expect(external.location == "model.bin")
        #expect(external.offset == 0)
        #expect(external.length == 400)
        #expect(external.source == nil, "binding the bytes is ExternalDataBinder's job")
        #expect(big.dataLocationField == 1)
    }

    @Test func sidecarReprintKeepsReferencesOnceBound() throws {
        let options = TextPrintOptions(largeTensors: .sidecar(fileName: "model.bin"))
        let printed = try TextPrinter(options: options).print(try SampleModels.withLargeTensors())
        let sidecar = try #require(printed.sidecar)
        let model = try TextParser.parseModel(printed.text)
        bind(model.graph, to: sidecar)
        let again = try TextPrinter(options: options).print(model)
        #expect(again.text == printed.text)
        #expect(again.sidecar == sidecar)
        let inline = try TextPrinter(options: TextPrintOptions(largeTensors: .inline)).print(model).text
        #expect(!inline.contains("location"))
    }

    @Test func sidecarOfUnboundExternalDataThrows() throws {
        let options = TextPrintOptions(largeTensors: .sidecar(fileName: "model.bin"))
        let printed = try TextPrinter(options: options).print(try SampleModels.withLargeTensors())
        let model = try TextParser.parseModel(printed.text)
        #expect(throws: TextPrintError.self) { try TextPrinter(options: options).print(model) }
        let elided = try TextPrinter().print(model).text
        #expect(elided.contains("\"__elided__\", \"length\": \"400\""))
    }

    @Test func onnxLoadsTextWithSidecar() throws {
        let options = TextPrintOptions(largeTensors: .sidecar(fileName: "model.bin"))
        let printed = try TextPrinter(options: options).print(try SampleModels.withLargeTensors())
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try printed.text.write(
            to: folder.url.appendingPathComponent("model.onnxtxt"), atomically: false, encoding: .utf8)
        try #require(printed.sidecar).write(to: folder.url.appendingPathComponent("model.bin"))
        let script = """
            import onnx.parser, onnx.external_data_helper as ext, onnx.numpy_helper as nh, sys
            m = onnx.parser.parse_model(open(sys.argv[1] + "/model.onnxtxt").read())
            ext.load_external_data_for_model(m, sys.argv[1])
            big = nh.to_array(m.graph.initializer[0])
            const = nh.to_array(m.graph.node[0].attribute[0].t)
            print(float(big.sum()), int(const.sum()), const.shape)
            """
        let run = try PythonRun.run(script, arguments: [folder.url.path])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1237.5 -35 (10, 7)")
    }

    @Test func onnxParserReadsElidedText() throws {
        let text = try TextPrinter().print(try SampleModels.withLargeTensors()).text
        let rejection = try PythonRun.onnxParserRejection(of: text)
        #expect(rejection == nil, "\(rejection ?? "")")
    }

    /// Stands in for OnnxIO's ExternalDataBinder: gives each sidecar reference its bytes.
    private func bind(_ graph: Graph, to sidecar: Data) {
        for value in graph.initializers {
            guard let tensor = value.initializer else { continue }
            value.initializer = bound(tensor, sidecar)
        }
        for node in graph.nodes {
            node.attributes = node.attributes.map { attribute in
                guard case .tensor(let tensor) = attribute.value else { return attribute }
                var copy = attribute
                copy.value = .tensor(bound(tensor, sidecar))
                return copy
            }
        }
    }

    private func bound(_ tensor: Tensor, _ sidecar: Data) -> Tensor {
        guard case .external(var external) = tensor.storage, let offset = external.offset,
            let length = external.length
        else { return tensor }
        external.source = LazyBytes(data: sidecar.subdata(in: offset..<offset + length))
        var copy = tensor
        copy.storage = .external(external)
        return copy
    }
}
