import Foundation
import Testing

/// The repository root, found from this file's path.
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// Whether protoc-c is installed (the staleness check needs it).
private let protocCAvailable = ["/usr/bin/protoc-c", "/usr/local/bin/protoc-c"].contains {
    FileManager.default.isExecutableFile(atPath: $0)
}

@Suite struct GeneratedCodeTests {
    @Test(
        "Committed protoc-c output matches schemas/onnx.proto",
        .enabled(if: protocCAvailable, "protoc-c is not installed (apt-get install protobuf-c-compiler)"))
    func generatedCodeIsFresh() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qdqc-gen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("schemas/generate.sh").path, scratch.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        for file in ["onnx.pb-c.c", "include/onnx.pb-c.h"] {
            let fresh = try Data(contentsOf: scratch.appendingPathComponent(file))
            let committed = try Data(contentsOf: repositoryRoot.appendingPathComponent("Sources/COnnxProto/\(file)"))
            #expect(fresh == committed, "Sources/COnnxProto/\(file) is stale: run schemas/generate.sh")
        }
    }
}
