import Foundation
import OnnxIR
import OnnxText
import Testing

/// Text in the forms onnx's printer writes and its parser accepts, including forms qdqc's printer avoids.
@Suite struct SyntaxCompatibilityTests {
    private let paddleStyle = """
        # A dump banner: pass fold-batchnorm, changed: yes
        <
           ir_version: 7,
           opset_import: ["" : 11, "com.example" : 1],  # trailing comment
           producer_name: "PaddlePaddle"
        >
        "paddle-onnx" (float[-1,3,"?","?"] x, float[2] bias = {1, 2}) => (float[-1,2] "out/0", k)
           <int32[4] axes =  {0,2,1,3}, float[2] vi_only>
        {
           "w.0" = Constant <value: tensor = float[2] "w.0" {1.5,-2}> ()
           c = Constant <value = bool {1}> ()
           s = Constant <value_float = -2.5> ()
           u = Constant <value_ints = [1, 2], value_floats: floats = [1, -0, 2.5e-3, inf, -nan]> ()
           z = com.example.Foo <f: float = 3, g = -inf, h = NaN, st = "x#y"> (, x)
           r = Relu (z) <alpha: float = 1>
           k = If (c) <then_branch: graph = "then branch" () => (float t) {
              t = Identity ("w.0")
           }, else_branch: graph = e () => (float t2) {
              t2 = Identity (bias)
           }>
           "out/0" = Add (x, "w.0")
        }
        """

    @Test func paddleStyleTextParses() throws {
        let model = try TextParser.parseModel(paddleStyle)
        let graph = model.graph
        #expect(graph.name == "paddle-onnx")
        #expect(model.producerName == "PaddlePaddle")
        #expect(
            graph.inputs.first?.type == .tensor(.float, Shape([.known(-1), .known(3), .symbolic("?"), .symbolic("?")])))
        #expect(graph.inputs.map(\.name) == ["x", "bias"])
        #expect(graph.initializers.map(\.name) == ["bias", "axes"])
        #expect(graph.value(named: "bias")?.initializer != nil)
        #expect(graph.valueInfo.map(\.name) == ["vi_only"])
        let constant = try #require(graph.nodes.first)
        #expect(constant.attribute("value")?.tensor?.name == "w.0")
        #expect(graph.nodes[2].attribute("value_float")?.float == -2.5)
        #expect(graph.nodes[3].attribute("value_ints")?.ints == [1, 2])
        let floats = try #require(graph.nodes[3].attribute("value_floats")?.floats)
        #expect(floats.count == 5)
        #expect(floats[1].sign == .minus && floats[1] == 0)
        #expect(floats[4].isNaN && floats[4].sign == .minus)
        let foo = graph.nodes[4]
        #expect(foo.domain == "com.example")
        #expect(foo.inputs.count == 2 && foo.inputs[0] == nil)
        #expect(foo.attribute("f")?.float == 3)
        #expect(foo.attribute("g")?.float == -.infinity)
        #expect(foo.attribute("h")?.float?.isNaN == true)
        #expect(foo.attribute("st")?.string == "x#y")
        #expect(graph.nodes[5].attribute("alpha")?.float == 1)
        let ifNode = graph.nodes[6]
        #expect(ifNode.attribute("then_branch")?.subgraphs.first?.name == "then branch")
        let captured = ifNode.attribute("else_branch")?.subgraphs.first?.nodes.first?.inputs.first ?? nil
        #expect(captured === graph.value(named: "bias"))
        try Verifier().verify(model)
    }

    @Test func paddleStyleTextReprintsToAFixpoint() throws {
        let printer = TextPrinter(options: TextPrintOptions(largeTensors: .inline))
        let first = try printer.print(try TextParser.parseModel(paddleStyle)).text
        #expect(try printer.print(try TextParser.parseModel(first)).text == first)
        let rejection = try PythonRun.onnxParserRejection(of: first)
        #expect(rejection == nil, "\(rejection ?? "")")
    }

    @Test func onnxPrinterOutputForHelperBuiltModelParses() throws {
        let script = """
            import onnx, onnx.helper as h, onnx.printer, numpy as np, onnx.numpy_helper as nh
            from onnx import TensorProto as T
            body = h.make_graph([h.make_node("Add", ["carried", "w"], ["out"])], "body",
                [h.make_tensor_value_info("i", T.INT64, []), h.make_tensor_value_info("cond", T.BOOL, []),
                 h.make_tensor_value_info("carried", T.FLOAT, ["N"])],
                [h.make_tensor_value_info("cond", T.BOOL, []), h.make_tensor_value_info("out", T.FLOAT, ["N"])])
            leaky = h.make_node("LeakyRelu", ["Y0"], ["Y"])
            leaky.attribute.append(h.make_attribute_ref("alpha", onnx.AttributeProto.FLOAT))
            leaky.attribute[0].ref_attr_name = "a"
            fn = h.make_function("custom", "Scale", ["X"], ["Y"],
                [h.make_node("Constant", [], ["s"], value_float=2.0),
                 h.make_node("Mul", ["X", "s"], ["Y0"]),
                 leaky], [h.make_opsetid("", 17)], attributes=["a"])
            nodes = [
                h.make_node("Loop", ["", "c", "x"], ["y"], body=body),
                h.make_node("Scale", ["y"], ["z"], domain="custom", a=0.5),
                h.make_node("Cast", ["z"], ["z16"], to=T.FLOAT16),
                h.make_node("Constant", [], ["h"], value=nh.from_array(np.array([1.5, -2], dtype=np.float16), "h")),
                h.make_node("Constant", [], ["q"], value=nh.from_array(np.array([-3, 7], dtype=np.int8), "q")),
            ]
            g = h.make_graph(nodes, "main",
                [h.make_tensor_value_info("x", T.FLOAT, ["N"]), h.make_tensor_value_info("c", T.BOOL, [])],
                [h.make_tensor_value_info("z16", T.FLOAT16, ["N"])],
                [nh.from_array(np.array([0.1, 0.2, 0.3], dtype=np.float32), "w"),
                 nh.from_array(np.array([1, 2], dtype=np.uint64), "u")],
                value_info=[h.make_tensor_value_info("y", T.FLOAT, ["N"])])
            m = h.make_model(g, opset_imports=[h.make_opsetid("", 17), h.make_opsetid("custom", 1)], functions=[fn])
            print(onnx.printer.to_text(m))
            """
        let run = try PythonRun.run(script)
        #expect(run.status == 0, "\(run.errors)")
        let model = try TextParser.parseModel(run.output)
        #expect(model.graph.nodes.map(\.opType) == ["Loop", "Scale", "Cast", "Constant", "Constant"])
        #expect(model.functions.map(\.name) == ["Scale"])
        #expect(model.functions.first?.attributeNames == ["a"])
        let leaky = try #require(model.functions.first?.body.nodes.last)
        #expect(leaky.attribute("alpha")?.refAttrName == "a")
        let half = try #require(model.graph.nodes[3].attribute("value")?.tensor)
        #expect(try half.rawBytes() == Data([0x00, 0x3E, 0x00, 0xC0]))
        let int8 = try #require(model.graph.nodes[4].attribute("value")?.tensor)
        #expect(try int8.rawBytes() == Data([0xFD, 0x07]))
        #expect(
            try model.graph.value(named: "u")?.initializer?.rawBytes() == [UInt64(1), 2].withUnsafeBytes { Data($0) })
        let body = try #require(model.graph.nodes.first?.attribute("body")?.subgraphs.first)
        #expect(body.nodes.first?.inputs[1] === model.graph.value(named: "w"))
        try Verifier().verify(model)
    }
}
