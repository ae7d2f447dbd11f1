import Foundation
import OnnxIO
import OnnxIR
import OnnxInterpreter
import TensorFiles
import TestSupport
import Testing

/// `qdqc run` on bad samples: each a one-line error naming the tensor (and the node when a node
/// fails), exit status 1, no crash and no output file.
@Suite struct RunCommandBadInputTests {
    /// data float[3]; where float[1] → Cast(int64) "to_int" → Gather "pick_cast"; index int64[1] → Gather "pick".
    static func gatherModel() throws -> Model {
        let builder = GraphBuilder(name: "gathers")
        builder.addInput(name: "data", type: .tensor(.float, Shape(static: [3])))
        builder.addInput(name: "where", type: .tensor(.float, Shape(static: [1])))
        builder.addInput(name: "index", type: .tensor(.int64, Shape(static: [1])))
        try builder.addNode(
            opType: "Cast", domain: nil, name: "to_int", inputNames: ["where"], outputNames: ["position"],
            attributes: [.int("to", 7)])
        try builder.addNode(
            opType: "Gather", domain: nil, name: "pick_cast", inputNames: ["data", "position"], outputNames: ["y"],
            attributes: [])
        try builder.addNode(
            opType: "Gather", domain: nil, name: "pick", inputNames: ["data", "index"], outputNames: ["z"],
            attributes: [])
        builder.addOutput(name: "y", type: nil)
        builder.addOutput(name: "z", type: nil)
        return Model(graph: try builder.finish(), opsetImports: [OpsetImport(domain: "", version: 17)])
    }

    /// A sample with the given arrays, each a float or int64 tensor.
    struct Sample {
        var data: Tensor? = .floats([1, 2, 3], dims: [3], name: "data")
        var location: Tensor? = .floats([2], dims: [1], name: "where")
        var index: Tensor? = Tensor.int64s([0], dims: [1], name: "index")

        var arrays: [String: Tensor] {
            var arrays: [String: Tensor] = [:]
            if let data { arrays["data"] = data }
            if let location { arrays["where"] = location }
            if let index { arrays["index"] = index }
            return arrays
        }
    }

    /// What a bad sample must produce: text the one error line contains.
    static let cases: [(String, Sample, [String])] = [
        ("wrong shape", Sample(data: .floats([1, 2, 3, 4], dims: [4], name: "data")), ["'data'", "[4]"]),
        ("wrong dtype", Sample(index: .floats([0], dims: [1], name: "index")), ["'index'", "int64"]),
        ("missing input", Sample(index: nil), ["'index'", "is missing"]),
        ("NaN index", Sample(location: .floats([.nan], dims: [1], name: "where")), ["'pick_cast'", "'position'"]),
        ("out-of-range Gather index", Sample(index: .int64s([3], dims: [1], name: "index")), ["'pick'", "'index'"]),
    ]

    @Test func theGoodSampleRuns() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-run-good")
        defer { scratch.remove() }
        let model = scratch.file("gathers.onnx")
        try ModelWriter.write(try Self.gatherModel(), to: model.path)
        let sample = scratch.file("good.npz")
        try NpzWriter.write(Sample().arrays, to: sample.path)
        let output = scratch.file("out.npz")
        let run = try Qdqc.run(["run", model.path, "--data", sample.path, "-o", output.path, "--quiet"])
        #expect(run.succeeded, "\(run.summary)")
        #expect(FileManager.default.fileExists(atPath: output.path))
    }

    @Test(arguments: cases.indices) func badSampleIsAOneLineError(index: Int) throws {
        let (label, sample, fragments) = Self.cases[index]
        let scratch = try TemporaryDirectory(prefix: "qdqc-run-bad")
        defer { scratch.remove() }
        let model = scratch.file("gathers.onnx")
        try ModelWriter.write(try Self.gatherModel(), to: model.path)
        let samplePath = scratch.file("bad.npz")
        try NpzWriter.write(sample.arrays, to: samplePath.path)
        let output = scratch.file("out.npz")
        let run = try Qdqc.run(["run", model.path, "--data", samplePath.path, "-o", output.path])
        #expect(run.exitedNormally, "\(label): qdqc crashed\n\(run.summary)")
        #expect(run.status == 1, "\(label)\n\(run.summary)")
        let lines = run.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(label): expected one error line\n\(run.summary)")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("error: "), "\(label): \(line)")
        for fragment in fragments { #expect(line.contains(fragment), "\(label): '\(fragment)' not in: \(line)") }
        #expect(!FileManager.default.fileExists(atPath: output.path), "\(label): an output file was left")
    }

    @Test(arguments: cases.indices) func badSampleIsAnErrorInTheLibrary(index: Int) throws {
        let (_, sample, fragments) = Self.cases[index]
        let interpreter = try Interpreter(model: Self.gatherModel(), name: "gathers.onnx")
        #expect {
            try interpreter.run(tensors: sample.arrays)
        } throws: { error in
            let text = "\(error)"
            return !text.contains("\n") && fragments.allSatisfy(text.contains)
        }
    }
}
