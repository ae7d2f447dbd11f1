import Foundation
import OnnxIR
import OnnxText
import Testing

/// What the syntax cannot hold: printing throws naming it, or (for names) falls back to forms qdqc reads.
@Suite struct PrinterLimitsTests {
    private func model(_ configure: (GraphBuilder) throws -> Void) throws -> Model {
        let builder = GraphBuilder(name: "g")
        try configure(builder)
        return Model(graph: try builder.finish(), irVersion: 10, opsetImports: [OpsetImport(domain: "", version: 21)])
    }

    @Test func sparseInitializersAreRefused() throws {
        let values = Tensor.floats([1], dims: [1], name: "s")
        let model = try model { builder in
            builder.addSparseInitializer(SparseTensor(values: values, indices: nil, dims: [4]))
        }
        #expect(throws: TextPrintError.self) { try TextPrinter().print(model) }
        #expect(throws: TextPrintError.self) { try TextPrinter().print(model.graph) }
    }

    @Test func trainingInfoIsRefused() throws {
        let model = try model { _ in }
        model.trainingInfo = [
            TrainingInfo(initialization: nil, algorithm: nil, initializationBinding: [], updateBinding: [])
        ]
        let error = #expect(throws: TextPrintError.self) { try TextPrinter().print(model) }
        #expect(error?.description.contains("training_info") == true)
    }

    @Test func valuelessAttributeIsRefused() throws {
        let model = try model { builder in
            try builder.addNode(
                opType: "Foo", domain: "", name: "n", inputNames: [], outputNames: ["y"],
                attributes: [Attribute("a", .valueless(.int))])
        }
        let error = #expect(throws: TextPrintError.self) { try TextPrinter().print(model) }
        #expect(
            error?.description
                == "cannot print as ONNX text: attribute 'a' of node 'n' has no value and refers to no function attribute"
        )
    }

    @Test func rawDataOfTheWrongSizeIsRefused() throws {
        let model = try model { builder in
            builder.addInitializer(Tensor(name: "w", dataType: .float, dims: [3], storage: .raw(Data([1, 2, 3]))))
        }
        let error = #expect(throws: TextPrintError.self) { try TextPrinter().print(model) }
        #expect(error == .invalidTensor(tensor: "w", reason: "holds 3 bytes but float[3] needs 12"))
    }

    @Test func unusualOperatorAndDomainNamesRoundTripThroughQdqc() throws {
        let model = try model { builder in
            let node = try builder.addNode(
                opType: "My Op", domain: "com.my-company", name: nil, inputNames: [], outputNames: ["y"],
                attributes: [Attribute("not an identifier", .int(1))])
            node.overload = "v-2"
        }
        model.opsetImports.append(OpsetImport(domain: "com.my-company", version: 1))
        let text = try TextPrinter().print(model).text
        #expect(text.contains("y = \"com.my-company\".\"My Op\":\"v-2\" <\"not an identifier\": int = 1> ()"))
        let parsed = try TextParser.parseModel(text)
        let node = try #require(parsed.graph.nodes.first)
        #expect(node.domain == "com.my-company")
        #expect(node.opType == "My Op")
        #expect(node.overload == "v-2")
        #expect(node.attribute("not an identifier")?.int == 1)
        #expect(try TextPrinter().print(parsed).text == text)
    }

    @Test func typesWithoutATextFormAreLeftOut() throws {
        let model = try model { builder in
            builder.addInput(name: "no_element_type", type: ValueType(.tensor(elementType: nil, shape: nil)))
            builder.addInput(name: "unknown_number", type: .tensor(DataType(rawValue: 99), nil))
            builder.addInput(name: "empty", type: ValueType(.none))
            builder.addInput(name: "dotted", type: ValueType(.opaque(domain: nil, name: "a.b")))
        }
        let text = try TextPrinter().print(model).text
        #expect(text.contains("g (no_element_type, unknown_number, empty, opaque(a.b) dotted) => ()"))
        let parsed = try TextParser.parseModel(text)
        #expect(parsed.graph.inputs.last?.type == ValueType(.opaque(domain: nil, name: "a.b")))
    }
}
