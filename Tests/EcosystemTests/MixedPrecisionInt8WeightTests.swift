import Foundation
import OnnxIO
import OnnxIR
import TestSupport
import Testing

/// A 4-bit weight `--mixed-precision` raises to 8 bits is written as a real int8 blocked DequantizeLinear: the
/// symmetric int8 rounding of the float weight (scale `max|w| / 127` per block of the same layout), which
/// onnx.checker accepts and ONNX Runtime runs with the perplexity the search measured.
@Suite struct MixedPrecisionInt8WeightTests {
    @Test func theRaisedWeightIsTheInt8RoundingOfTheFloatWeight() throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed-int8")
        defer { scratch.remove() }
        let (model, data) = try OutlierLanguageModel.write(in: scratch)
        let output = scratch.path("out.onnx")
        let run = try Qdqc.run(
            OutlierLanguageModel.mixedPrecisionArguments(
                model: model, data: data, output: output, report: scratch.path("r.json"), maxIncrease: "0.05",
                bound: "0.85") + ["--quiet"])
        try #require(run.succeeded, "\(run.summary)")

        let graph = try ModelReader.read(path: output).graph
        let dequantize = try #require(
            graph.nodes.first { $0.opType == "DequantizeLinear" && $0.inputs[0]?.initializer?.dataType == .int8 })
        #expect(dequantize.attribute("axis")?.int == 0)
        #expect(dequantize.attribute("block_size")?.int == Int64(OutlierLanguageModel.blockSize))
        #expect(dequantize.inputs.count == 2, "symmetric: no zero point")
        #expect(dequantize.outputs[0]?.uses.first?.node.name == "first", "w1's layer reads it")
        let codesTensor = try #require(dequantize.inputs[0]?.initializer)
        #expect(codesTensor.dims == [16, 8])
        let codes = try codesTensor.rawBytes().map { Int8(bitPattern: $0) }
        let scales = try #require(dequantize.inputs[1]?.initializer).rawBytes().withUnsafeBytes {
            Array($0.bindMemory(to: Float.self))
        }
        try #require(codes.count == 128 && scales.count == 32)
        // Computed here from the float weight: per block of 4 rows and column, scale max|w|/127, codes rounded
        // half away from zero from w · (1/scale).
        let weight = OutlierLanguageModel.firstWeight()
        let columns = OutlierLanguageModel.vocabulary
        for row in 0..<16 {
            for column in 0..<columns {
                let block = row / OutlierLanguageModel.blockSize
                let rows = block * OutlierLanguageModel.blockSize..<(block + 1) * OutlierLanguageModel.blockSize
                let largest = rows.map { weight[$0 * columns + column].magnitude }.max() ?? 0
                let scale = largest / 127
                let code = (weight[row * columns + column] * (1 / scale)).rounded(.toNearestOrAwayFromZero)
                let index = row * columns + column
                let stored = scales[block * columns + column]
                #expect(stored == scale, "block \(block), column \(column)")
                #expect(
                    Float(codes[index]) * stored == code * scale,
                    "w1[\(row), \(column)]: \(codes[index]) against \(code)")
            }
        }

        let check = try Python.runScript("weight_raise_check.py", [output, model, data, "input_ids", "1"])
        try #require(check.succeeded, "\(check.summary)")
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(check.standardOutput.utf8)) as? [String: Any])
        #expect(result["opset"] as? Int == 21)
        #expect(result["dequantize_types"] as? [String: Int] == ["int8": 1, "int4": 1], "\(result)")
        let mixed = try #require(
            try MixedPrecisionWideTests.json(scratch.path("r.json"))["mixedPrecision"] as? [String: Any])
        let searched = try #require(mixed["perplexityAfter"] as? Double)
        let inOnnxRuntime = try #require(result["perplexity_quantized"] as? Double)
        #expect(
            abs(inOnnxRuntime - searched) < 1e-4 * searched, "ONNX Runtime \(inOnnxRuntime), the search \(searched)")
        let float = try #require(result["perplexity_float"] as? Double)
        #expect(inOnnxRuntime <= float * 1.05)
    }

    /// The other narrow formats step to the same int8 form: int2 and FP4 codes with float32 scales, MXFP4 with
    /// its E8M0 scales and NVFP4 with its two-level ones all become int8 codes with float32 scales on the same
    /// blocks (NVFP4's scale DequantizeLinear goes with them), which onnx.checker accepts and ONNX Runtime (int2)
    /// or onnx.reference (FP4, which ONNX Runtime has no kernel for) runs with the perplexity the search measured.
    @Test(arguments: [
        (["--weights", "int2", "--block-size", "4", "--target", "ort"], 4, "onnxruntime"),
        (["--weights", "float4e2m1", "--block-size", "4"], 4, "reference"),
        (["--weights", "nvfp4"], 16, "reference"),
        (["--weights", "mxfp4"], 32, "reference"),
    ])
    func otherNarrowFormatsStepToInt8(format: [String], blockSize: Int, engine: String) throws {
        let scratch = try TemporaryDirectory(prefix: "qdqc-mixed-int8-formats")
        defer { scratch.remove() }
        let (model, data) = try OutlierLanguageModel.write(in: scratch, width: 64, outlier: 30)
        let output = scratch.path("out.onnx")
        let run = try Qdqc.run(
            [model, "-o", output, "--activations", "none"] + format + [
                "--eval-data", data, "--perplexity", "input_ids", "--max-perplexity-increase", "0.05",
                "--mixed-precision", "--max-wide-fraction", "1", "--report", scratch.path("r.json"), "--quiet",
            ])
        try #require(run.succeeded, "\(format): \(run.summary)")
        let mixed = try #require(
            try MixedPrecisionWideTests.json(scratch.path("r.json"))["mixedPrecision"] as? [String: Any])
        #expect(mixed["reached"] as? Bool == true, "\(format): \(mixed)")
        let raised = try #require(mixed["raised"] as? [[String: Any]])
        #expect(raised.first?["tensor"] as? String == "w1" && raised.first?["precision"] as? String == "wide")

        let graph = try ModelReader.read(path: output).graph
        let dequantize = try #require(
            graph.nodes.first { $0.opType == "DequantizeLinear" && $0.inputs[0]?.initializer?.dataType == .int8 })
        #expect(dequantize.outputs[0]?.uses.first?.node.name == "first", "w1's layer reads it")
        #expect(dequantize.attribute("block_size")?.int == Int64(blockSize))
        #expect(dequantize.attribute("output_dtype") == nil)
        #expect(dequantize.inputs.count == 2)
        #expect(dequantize.inputs[1]?.initializer?.dataType == .float, "float32 scales as constants")
        func dequantizations(of type: DataType) -> Int {
            graph.nodes.filter { $0.opType == "DequantizeLinear" && $0.inputs[0]?.initializer?.dataType == type }.count
        }
        #expect(
            dequantizations(of: .float8e4m3fn) == (format.contains("nvfp4") ? dequantizations(of: .float4e2m1) : 0),
            "the raised weight's NVFP4 block scales are not left behind")

        let check = try Python.runScript(
            "weight_raise_check.py", [output, model, data, "input_ids", "1", "--engine", engine])
        try #require(check.succeeded, "\(format): \(check.summary)")
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(check.standardOutput.utf8)) as? [String: Any])
        let searched = try #require(mixed["perplexityAfter"] as? Double)
        let measured = try #require(result["perplexity_quantized"] as? Double)
        #expect(abs(measured - searched) < 1e-4 * searched, "\(engine) \(measured), the search \(searched)")
    }
}
