import Foundation
import Passes
import TestSupport
import Testing

/// `insert-qdq` decides the opset its formats need, from its options and from its config file.
@Suite struct InsertQDQOpsetTests {
    @Test(arguments: [
        ("upgrade-opset,calibrate,insert-qdq", "upgrade-opset,calibrate,insert-qdq"),
        ("upgrade-opset,insert-qdq{target=ort}", "upgrade-opset,insert-qdq{target=ort}"),
        (
            "upgrade-opset,insert-qdq{activations=float8e4m3fn}",
            "upgrade-opset{to=19},insert-qdq{activations=float8e4m3fn}"
        ),
        ("upgrade-opset,insert-qdq{weights=int4}", "upgrade-opset{to=21},insert-qdq{weights=int4}"),
        ("upgrade-opset,insert-qdq{block-size=32}", "upgrade-opset{to=21},insert-qdq{block-size=32}"),
        ("upgrade-opset{to=13},insert-qdq{weights=int4}", "upgrade-opset{to=13},insert-qdq{weights=int4}"),
        ("insert-qdq{weights=int4}", "insert-qdq{weights=int4}"),
    ])
    func formatsRaiseUpgradeOpset(_ text: String, _ expected: String) throws {
        var pipeline = try Pipeline.parse(text)
        try pipeline.raiseOpsetForInsertQDQ()
        #expect(pipeline.description == expected)
    }

    @Test func aFormatInTheConfigFileRaisesUpgradeOpsetToo() throws {
        let folder = try TemporaryDirectory(prefix: "qdqc-opset")
        defer { folder.remove() }
        let config = try folder.write(
            Data(#"{"version": 1, "tensors": {"x": {"format": "int16"}}}"#.utf8), to: "config.json")
        var pipeline = try Pipeline.parse("upgrade-opset,calibrate,insert-qdq{target=ort,config=\"\(config)\"}")
        let pass = try #require(try PassRegistry().makePass(pipeline.elements[2]) as? InsertQDQPass)
        #expect(pass.requiredOpset == 21)
        try pipeline.raiseOpsetForInsertQDQ()
        #expect(pipeline.elements[0].description == "upgrade-opset{to=21}")
    }
}
