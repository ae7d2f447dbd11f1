import Foundation
import OnnxIO
import OnnxIR

/// Small models with external data, and model files whose external location is whatever a test needs.
enum ExternalDataFixture {
    /// Deterministic bytes of a given size.
    static func bytes(_ count: Int, seed: UInt8 = 0) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
    }

    /// `x -> Add(w_big) -> Mul(w_small) -> y` with a 4096-byte and a 16-byte initializer.
    static func model() throws -> Model {
        let builder = GraphBuilder(name: "g")
        builder.addInput(name: "x", type: .tensor(.float, Shape(static: [1024])))
        builder.addInitializer(Tensor(name: "w_big", dataType: .float, dims: [1024], storage: .raw(bytes(4096))))
        builder.addInitializer(
            Tensor(name: "w_small", dataType: .float, dims: [4], storage: .raw(bytes(16, seed: 7))))
        try builder.addNode(
            opType: "Add", domain: nil, name: "add", inputNames: ["x", "w_big"], outputNames: ["a"], attributes: [])
        try builder.addNode(
            opType: "Mul", domain: nil, name: "mul", inputNames: ["a", "w_small"], outputNames: ["y"], attributes: [])
        builder.addOutput(name: "y", type: .tensor(.float, Shape(static: [1024])))
        return Model(graph: try builder.finish(), irVersion: 10, opsetImports: [OpsetImport(domain: "", version: 21)])
    }

    /// Writes `model()` into `folder` as `model.onnx` whose big tensor's location reads `location`;
    /// the side file is written under a placeholder name of the same length and returned.
    ///
    /// The location is patched into the encoded bytes, which works because protobuf
    /// strings of equal length encode to equal lengths.
    @discardableResult
    static func writeModel(in folder: String, location: String) throws -> (model: String, sideFile: String) {
        let placeholder = String(repeating: "p", count: location.utf8.count)
        let modelPath = folder + "/model.onnx"
        try ModelWriter.write(
            try model(), to: modelPath, options: ModelWriteOptions(externalDataFile: placeholder))
        let written = try Data(contentsOf: URL(fileURLWithPath: modelPath))
        let patched = replacing(Data(placeholder.utf8), with: Data(location.utf8), in: written)
        try patched.write(to: URL(fileURLWithPath: modelPath))
        return (modelPath, folder + "/" + placeholder)
    }

    private static func replacing(_ old: Data, with new: Data, in data: Data) -> Data {
        var result = data
        var searchStart = result.startIndex
        while let range = result.range(of: old, in: searchStart..<result.endIndex) {
            result.replaceSubrange(range, with: new)
            searchStart = range.lowerBound + new.count
        }
        return result
    }
}
