import Foundation
import OnnxIR
import OnnxText
import Testing

@Suite struct ParseErrorTests {
    private func error(parsing text: String) -> TextParseError? {
        do {
            _ = try TextParser.parseModel(text)
            return nil
        } catch let error as TextParseError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test func missingArrowNamesLineAndColumn() throws {
        let text = """
            <ir_version: 8, opset_import: ["" : 17]>
            g (float x) -> (float y) {
               y = Relu (x)
            }
            """
        let error = try #require(self.error(parsing: text))
        #expect(error.line == 2)
        #expect(error.column == 13)
        #expect(error.description.hasPrefix("line 2, column 13: expected '=>'"))
    }

    @Test func undefinedValueIsReportedWhereItIsUsed() throws {
        let text = """
            <ir_version: 8, opset_import: ["" : 17]>
            g (float x) => (float y) {
               t = Relu (x)
               y = Add (t, "missing.value")
            }
            """
        let error = try #require(self.error(parsing: text))
        #expect(error.line == 4)
        #expect(error.column == 16)
        #expect(error.message == "value 'missing.value' is not defined")
    }

    @Test func undefinedOutputIsReported() throws {
        let error = try #require(self.error(parsing: "g (float x) => (float nowhere) {\n   y = Relu (x)\n}"))
        #expect(error.line == 1)
        #expect(error.column == 23)
    }

    @Test func unterminatedStringPointsAtItsStart() throws {
        let error = try #require(self.error(parsing: "<producer_name: \"oops>\ng () => () {}"))
        #expect(error.line == 1)
        #expect(error.column == 17)
        #expect(error.message == "string literal is not closed")
    }

    @Test func tensorWithTooFewValues() throws {
        let text = "g () => (w) \n   <float[2,2] w = {1, 2, 3}>\n{\n}"
        let error = try #require(self.error(parsing: text))
        #expect(error.line == 2)
        #expect(error.message == "tensor 'w' has 3 values but float[2,2] needs 4 values")
    }

    @Test func valueOutOfRangeForItsType() throws {
        let error = try #require(self.error(parsing: "g () => (w) <int8[2] w = {1, 300}> {}"))
        #expect(error.column == 30)
        #expect(error.message == "300 is out of range for int8")
    }

    @Test func unknownTypesAndAttributeTypes() throws {
        #expect(
            self.error(parsing: "g (floot x) => () {}")?.message == "expected ')' to close the graph inputs, found 'x'")
        let attribute = try #require(self.error(parsing: "g () => () {\n y = Foo <a: intz = 1> ()\n}"))
        #expect(attribute.line == 2)
        #expect(attribute.message == "unknown attribute type 'intz'")
        let mismatch = try #require(self.error(parsing: "g () => () {\n y = Foo <a: int = 1.5> ()\n}"))
        #expect(mismatch.message == "attribute 'a' is declared int but its value is a float")
        let empty = try #require(self.error(parsing: "g () => () {\n y = Foo <a = []> ()\n}"))
        #expect(empty.message.hasPrefix("empty list attribute 'a' needs a type"))
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let error = try #require(self.error(parsing: "\"grüße\" () => () { y = Foo (ä) }"))
        #expect(error.line == 1)
        #expect(error.column == 29)
    }

    @Test func missingClosingBraceAtTheEnd() throws {
        let error = try #require(self.error(parsing: "g () => () {\n  y = Constant <value: int = 1> ()\n"))
        #expect(error.line == 3)
        #expect(error.message == "expected '}' to close graph 'g'")
    }

    @Test func trailingTextAfterAGraph() throws {
        #expect(throws: TextParseError.self) { try TextParser.parseGraph("g () => () {} extra") }
    }

    @Test func integerOverflow() throws {
        let error = try #require(self.error(parsing: "<ir_version: 99999999999999999999> g () => () {}"))
        #expect(error.message == "integer '99999999999999999999' is out of range")
    }
}

@Suite struct HostileInputTests {
    @Test func deepNestingIsRefusedNotCrashed() throws {
        let type = String(repeating: "seq(", count: 100_000) + "float" + String(repeating: ")", count: 100_000)
        #expect(throws: TextParseError.self) { try TextParser.parseModel("g (\(type) x) => () {}") }
        var graph = "g () => () { y = Foo () }"
        for _ in 0..<300 { graph = "g () => () { y = If () <b: graph = \(graph)> }" }
        #expect(throws: TextParseError.self) { try TextParser.parseModel(graph) }
    }

    @Test func hugeShapesAreRefused() throws {
        #expect(throws: TextParseError.self) {
            try TextParser.parseModel("g () => (w) <float[9223372036854775807,4] w = {1}> {}")
        }
        #expect(throws: TextParseError.self) {
            try TextParser.parseModel("g () => (w) <complex64[4611686018427387904] w = {1}> {}")
        }
    }

    @Test func truncatedTextsThrow() throws {
        let text = try TextPrinter(options: TextPrintOptions(largeTensors: .inline)).print(
            try SampleModels.everything()
        ).text
        let bytes = Array(text.utf8)
        var cut = 0
        while cut < bytes.count {
            let prefix = String(decoding: bytes[0..<cut], as: UTF8.self)
            // A cut just after a closing brace may leave a complete model (without the later functions).
            if !prefix.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("}") {
                #expect(throws: (any Error).self, "prefix of \(cut) bytes") { try TextParser.parseModel(prefix) }
            }
            cut += 97
        }
    }

    @Test(arguments: [("uint8", "-1"), ("uint8", "256"), ("int8", "200"), ("int8", "-129"), ("int16", "40000")])
    func anIntegerLiteralOutOfItsTypesRangeIsAnError(type: String, literal: String) throws {
        // These used to be stored as wrapped bit patterns (`uint8 {-1}` became 255).
        let text =
            "<ir_version: 8, opset_import: [\"\" : 17]>\ng (float x) => (float y)\n <\(type)[1] q = {\(literal)}>\n"
            + "{\n y = Relu (x)\n}"
        let error = #expect(throws: TextParseError.self) { try TextParser.parseModel(text) }
        #expect(
            error?.description.contains("\(literal) is out of range for \(type)") == true,
            "\(String(describing: error))")
    }

    @Test func integerLiteralsAtTheEndsOfTheirRangesAreKept() throws {
        let text =
            "<ir_version: 8, opset_import: [\"\" : 17]>\ng (float x) => (float y)\n"
            + " <uint8[2] u = {0, 255}, int8[2] s = {-128, 127}>\n{\n y = Relu (x)\n}"
        let model = try TextParser.parseModel(text)
        #expect(
            try model.graph.initializers.map { try $0.initializer?.rawBytes() } == [Data([0, 255]), Data([128, 127])])
    }
}
