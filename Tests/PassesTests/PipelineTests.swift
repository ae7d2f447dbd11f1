import Passes
import Testing

@Suite struct PipelineTests {
    @Test(arguments: [
        "",
        "eliminate-dead-code",
        "eliminate-dead-code,topological-sort",
        "a,b{key=value,k2=v2},c",
        "smooth-quant{alpha=0.5},calibrate{method=entropy,data=calib/set-1}",
        "p{path=\"with space\",empty=\"\",quote=\"a\\\"b\\\\c\"}",
    ])
    func canonicalTextPrintsBackUnchanged(_ text: String) throws {
        #expect(try Pipeline.parse(text).description == text)
    }

    @Test func blanksCommentsAndUnneededQuotesAreDropped() throws {
        let text = """
            # the cleanup recipe
            eliminate-dead-code { initializers = "false" } ,
              topological-sort   # sort last
            """
        let pipeline = try Pipeline.parse(text)
        #expect(pipeline.description == "eliminate-dead-code{initializers=false},topological-sort")
        #expect(pipeline.elements.map(\.passArgument) == ["eliminate-dead-code", "topological-sort"])
        #expect(pipeline.elements[0].optionValues == ["initializers": "false"])
        #expect(pipeline.elements[1].location == SourceLocation(line: 3, column: 3))
    }

    @Test func optionOrderIsKept() throws {
        let pipeline = try Pipeline.parse("p{z=1,a=2}")
        #expect(pipeline.elements[0].options.map(\.key) == ["z", "a"])
    }

    @Test func suffixGivesTheRestOfThePipeline() throws {
        let pipeline = try Pipeline.parse("a,b{k=v},c")
        #expect(pipeline.suffix(from: 1).description == "b{k=v},c")
        #expect(pipeline.suffix(from: 3).isEmpty)
    }

    @Test(arguments: [
        ("a,,b", 3, "expected a pass name"),
        ("a,", 3, "expected a pass name after ','"),
        (",a", 1, "expected a pass name"),
        ("a b", 3, "expected ',' between passes"),
        ("a{", 3, "expected an option name"),
        ("a{}", 3, "leave out '{}'"),
        ("a{k}", 4, "expected '=' after option name 'k'"),
        ("a{k=}", 5, "expected a value"),
        ("a{k=v", 6, "expected '}' to close the options of 'a'"),
        ("a{k=v w}", 7, "expected ',' or '}'"),
        ("a{k=1,k=2}", 7, "option 'k' is given twice"),
        ("a{k=\"open}", 5, "unterminated quoted value"),
        ("a{k=\"x\\n\"}", 8, "only"),
    ])
    func malformedTextNamesTheColumn(_ text: String, _ column: Int, _ message: String) {
        do {
            _ = try Pipeline.parse(text)
            Issue.record("'\(text)' parsed")
        } catch let error as PipelineError {
            #expect(error.location?.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.hasPrefix("column \(column): "))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func errorsPastTheFirstLineGiveTheLine() {
        let parseError = #expect(throws: PipelineError.self) { try Pipeline.parse("a,\n  {") }
        #expect(parseError?.location == SourceLocation(line: 2, column: 3))
        #expect(parseError?.description.hasPrefix("line 2, column 3: expected a pass name") == true)
        let error = PipelineError(location: SourceLocation(line: 2, column: 3), message: "m")
        #expect(error.description == "line 2, column 3: m")
    }
}
