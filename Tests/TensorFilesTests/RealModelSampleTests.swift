import Foundation
import OnnxIO
import OnnxIR
import Testing

@testable import TensorFiles

/// Every calibration sample of real models reads and fits the inputs that /work/shared/models/manifest.json describes.
@Suite struct RealModelSampleTests {
    static let modelsFolder = "/work/shared/models"

    /// The inputs of `model` as the manifest lists them (`"name": ["float32", [1, 3, 48, 192]]`).
    static func manifestInputs(_ model: String) throws -> [InputSpec] {
        let data = try Data(contentsOf: URL(fileURLWithPath: modelsFolder + "/manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let entry = try #require(manifest[model] as? [String: Any])
        let inputs = try #require((entry["data"] as? [String: Any])?["inputs"] as? [String: [Any]])
        let types: [String: DataType] = ["float32": .float, "int32": .int32, "int64": .int64]
        return try inputs.map { name, description in
            let type = try #require(types[description.first as? String ?? ""])
            let sizes = try #require(description.last as? [Int])
            return InputSpec(name: name, elementType: type, shape: Shape(static: sizes.map(Int64.init)))
        }
    }

    @Test(arguments: ["magika_v3_3", "all_minilm_l6_v2", "silero_vad_lstm"])
    func everyCalibrationSampleFitsTheModel(model: String) throws {
        let validator = SampleValidator(required: try Self.manifestInputs(model))
        let dataset = try SampleDataset.open(path: "\(Self.modelsFolder)/\(model)/calib")
        #expect(dataset.layout == .npzFolder)
        #expect(dataset.count == 128)
        #expect(dataset.sampleNames.first == "0000" && dataset.sampleNames.last == "0127")
        for index in 0..<dataset.count {
            let sample = try dataset.sample(at: index)
            try validator.validate(sample)
            for tensor in sample.inputs.values {
                _ = try tensor.floatValues()
            }
        }
    }

    @Test(arguments: ["magika_v3_3", "all_minilm_l6_v2"])
    func calibrationSamplesFitTheGraphInputs(model: String) throws {
        let graph = try ModelReader.read(path: "\(Self.modelsFolder)/\(model)/model.onnx").graph
        let validator = SampleValidator(graph: graph)
        #expect(Set(validator.required.map(\.name)) == Set(try Self.manifestInputs(model).map(\.name)))
        let dataset = try SampleDataset.open(path: "\(Self.modelsFolder)/\(model)/calib", limit: 16)
        for index in 0..<dataset.count { try validator.validate(dataset.sample(at: index)) }
    }

    @Test func valuesMatchNumpy() throws {
        let path = "\(Self.modelsFolder)/all_minilm_l6_v2/calib/0005.npz"
        let output = try Python.run(
            "import sys, numpy as np; z = np.load(sys.argv[1]); "
                + "print(' '.join(f'{k}={int(z[k].sum())}' for k in sorted(z.files)))", [path])
        let sample = try SampleDataset.open(path: path).sample(at: 0)
        let sums = try sample.inputs.keys.sorted().map { key in
            "\(key)=\(try sample.inputs[key]?.int64Values().reduce(0, +) ?? -1)"
        }
        #expect(sums.joined(separator: " ") == output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
