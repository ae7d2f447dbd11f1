import Foundation
import OnnxIR
import OnnxText
import Testing

/// The six real models in /work/shared/models, printed by onnx's printer, read by qdqc's parser,
/// printed again by qdqc's printer and read back by onnx's parser, which must see the same model.
@Suite(
    .serialized,
    .enabled(
        if: FileManager.default.fileExists(atPath: "/work/shared/models"),
        "skipped: /work/shared/models (the shared real models) is absent"))
struct SharedModelTests {
    static let modelsFolder = "/work/shared/models"

    static let models = [
        "ppocr_mobile_v2_cls", "ppocr_v4_det", "silero_vad_lstm", "magika_v3_3", "open_nsfw", "all_minilm_l6_v2",
    ]

    /// Prints the model with onnx's printer into `file` and returns counts to check the parse against.
    private static let printScript = """
        import onnx, onnx.printer, sys, json
        m = onnx.load(sys.argv[1])
        open(sys.argv[2], "w").write(onnx.printer.to_text(m))
        g = m.graph
        print(json.dumps({"nodes": len(g.node), "initializers": len(g.initializer),
            "inputs": [i.name for i in g.input], "outputs": [o.name for o in g.output],
            "value_info": len(g.value_info), "functions": len(m.functions), "opsets": len(m.opset_import)}))
        """

    /// Parses qdqc's text with onnx's parser and compares it with the original model, element by element
    /// for every tensor that was not elided; prints what differs, or "same".
    private static let compareScript = """
        import onnx, onnx.parser, onnx.numpy_helper as nh, onnx.helper as h, numpy as np, sys
        original = onnx.load(sys.argv[1])
        try:
            parsed = onnx.parser.parse_model(sys.stdin.read())
        except Exception as error:
            sys.exit(f"onnx.parser rejected qdqc's text: {error}")
        problems = []
        def same_array(a, b):
            return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
        def check_tensor(where, a, b):
            if list(a.dims) != list(b.dims) or a.data_type != b.data_type:
                problems.append(f"{where}: type or shape differs"); return
            if b.data_location == onnx.TensorProto.EXTERNAL:
                entries = {e.key: e.value for e in b.external_data}
                if entries.get("location") != "__elided__":
                    problems.append(f"{where}: unexpected external data {entries}")
                elif int(entries["length"]) != nh.to_array(a).nbytes:
                    problems.append(f"{where}: elided length {entries['length']} != {nh.to_array(a).nbytes}")
                return
            if not same_array(nh.to_array(a), nh.to_array(b)):
                problems.append(f"{where}: values differ")
        def check_graph(where, a, b):
            if [(n.op_type, n.domain, list(n.input), list(n.output)) for n in a.node] != \\
               [(n.op_type, n.domain, list(n.input), list(n.output)) for n in b.node]:
                problems.append(f"{where}: nodes differ"); return
            for kind in ("input", "output", "value_info"):
                if [(v.name, v.type) for v in getattr(a, kind)] != [(v.name, v.type) for v in getattr(b, kind)]:
                    problems.append(f"{where}: {kind} differs")
            if [t.name for t in a.initializer] != [t.name for t in b.initializer]:
                problems.append(f"{where}: initializer names differ")
            for x, y in zip(a.initializer, b.initializer):
                check_tensor(f"{where}/{x.name}", x, y)
            for na, nb in zip(a.node, b.node):
                if [t.name for t in na.attribute] != [t.name for t in nb.attribute]:
                    problems.append(f"{where}/{na.name}: attribute names differ"); continue
                for x, y in zip(na.attribute, nb.attribute):
                    label = f"{where}/{na.name}.{x.name}"
                    if x.type != y.type: problems.append(f"{label}: attribute type differs")
                    elif x.type == onnx.AttributeProto.TENSOR: check_tensor(label, x.t, y.t)
                    elif x.type == onnx.AttributeProto.GRAPH: check_graph(label, x.g, y.g)
                    elif x.type in (onnx.AttributeProto.FLOAT, onnx.AttributeProto.FLOATS):
                        fa = np.array(h.get_attribute_value(x), dtype=np.float32)
                        fb = np.array(h.get_attribute_value(y), dtype=np.float32)
                        if not same_array(fa, fb): problems.append(f"{label}: float attribute differs")
                    elif h.get_attribute_value(x) != h.get_attribute_value(y):
                        problems.append(f"{label}: attribute value differs")
        check_graph("graph", original.graph, parsed.graph)
        for key in ("ir_version", "producer_name", "producer_version", "domain", "model_version", "doc_string"):
            if getattr(original, key) != getattr(parsed, key): problems.append(f"model {key} differs")
        if [(o.domain, o.version) for o in original.opset_import] != [(o.domain, o.version) for o in parsed.opset_import]:
            problems.append("opset_import differs")
        print("same" if not problems else "\\n".join(problems[:20]))
        """

    @Test(arguments: SharedModelTests.models)
    func onnxTextParsesAndOurTextReadsBackInOnnx(model name: String) throws {
        let modelPath = "\(Self.modelsFolder)/\(name)/model.onnx"
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let onnxText = folder.url.appendingPathComponent("onnx.onnxtxt")
        let printed = try PythonRun.run(Self.printScript, arguments: [modelPath, onnxText.path])
        try #require(printed.status == 0, "onnx.printer failed: \(printed.errors)")
        let counts = try JSONSerialization.jsonObject(with: Data(printed.output.utf8)) as? [String: Any] ?? [:]

        let model = try TextParser.parseModel(try String(contentsOf: onnxText, encoding: .utf8))
        #expect(model.graph.nodes.count == counts["nodes"] as? Int)
        #expect(model.graph.initializers.count == counts["initializers"] as? Int)
        #expect(model.graph.inputs.map(\.name) == counts["inputs"] as? [String])
        #expect(model.graph.outputs.map(\.name) == counts["outputs"] as? [String])
        #expect(model.graph.valueInfo.count == counts["value_info"] as? Int)
        #expect(model.functions.count == counts["functions"] as? Int)
        #expect(model.opsetImports.count == counts["opsets"] as? Int)
        try Verifier().verify(model)

        let ourText = folder.url.appendingPathComponent("qdqc.onnxtxt")
        try TextPrinter().print(model).text.write(to: ourText, atomically: false, encoding: .utf8)
        let compared = try PythonRun.run(Self.compareScript, arguments: [modelPath], input: ourText)
        #expect(compared.status == 0, "\(compared.errors.suffix(1500))")
        #expect(compared.output.trimmingCharacters(in: .whitespacesAndNewlines) == "same")
    }
}
