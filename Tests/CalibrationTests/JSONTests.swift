import Testing

@testable import Calibration

/// The exact JSON reader and deterministic writer behind calibration tables.
@Suite struct JSONTests {
    @Test func roundTripKeepsEverything() throws {
        let value = JSONValue.object([
            "b": .array([.number("1"), .number("-0.0"), .number("1e-45"), .bool(true), .null]),
            "a": .string("quote \" backslash \\ newline \n tab \t bell \u{07} é 🙂"),
            "c": .object(["nested": .array([.object(["x": .number("3.4028235e+38")])])]),
        ])
        let text = value.serialized()
        #expect(try JSONParser.parse(Array(text.utf8)) == value)
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains("\\u0007"))
    }

    @Test func keysAreSortedByCodePoint() {
        let text = JSONValue.object(["b": .null, "B": .null, "a": .null, "é": .null]).serialized()
        let order = ["\"B\"", "\"a\"", "\"b\"", "\"é\""].compactMap { text.range(of: $0)?.lowerBound }
        #expect(order == order.sorted())
        #expect(order.count == 4)
    }

    @Test func floatsUseTheirShortestRoundTrippingText() throws {
        for value: Float in [
            0.1, .leastNonzeroMagnitude, -0.0, .greatestFiniteMagnitude, .leastNormalMagnitude, 123456.79, 2.5e-8,
        ] {
            let text = try #require(JSONValue.float(value))
            guard case .number(let digits) = text else { continue }
            #expect(Float(digits)?.bitPattern == value.bitPattern, "\(digits)")
        }
        #expect(JSONValue.float(.nan) == nil)
        #expect(JSONValue.double(.infinity) == nil)
    }

    @Test(arguments: [
        ("", "line 1, column 1: unexpected end of input"),
        ("{\"a\": 1,}", "line 1, column 9: expected a key string"),
        ("{\"a\": 1}\n x", "line 2, column 2: unexpected text after the document"),
        ("[01]", "line 1, column 3: expected ',' or ']'"),
        ("{\"a\": 1, \"a\": 2}", "line 1, column 13: duplicate key \"a\""),
        ("\"\\ud800\"", "line 1, column 8: unpaired surrogate"),
        ("[1.]", "line 1, column 4: expected a digit after '.'"),
        ("\"\u{01}\"", "line 1, column 3: control character in a string"),
        ("nul", "line 1, column 1: expected null"),
        ("[\"\\u12G4\"]", "line 1, column 5: expected four hex digits"),
    ])
    func syntaxErrorsHaveALocation(text: String, message: String) {
        do {
            _ = try JSONParser.parse(Array(text.utf8))
            Issue.record("parsed \(text)")
        } catch let failure as JSONParser.Failure {
            #expect(failure.message == message)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func deepNestingIsRejectedNotRecursedInto() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }
}
