import Foundation
import OnnxIO
import OnnxIR
import TestSupport
import Testing

/// W8A8 on small random-weight decoders (`Tests/Python/make_decoders.py`: GPT-style with an additive causal
/// mask of -1e4, Llama-style with RMSNorm, rotary embeddings and grouped-query attention): whatever the
/// target, the quantized decoder passes `onnx.checker`, runs in ONNX Runtime and stays close to the float
/// model (the masked Softmax inputs stay float; see insert-qdq's README).
@Suite struct DecoderActivationTests {
    @Test(arguments: ["gpt", "llama"], ["tensorrt", "ort"])
    func w8a8DecoderRunsInOnnxRuntime(model: String, target: String) throws {
        let folder = try TemporaryDirectory(prefix: "w8a8-\(model)-\(target)")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let float = folder.file("\(model).onnx").path
        let output = folder.file("\(model).w8a8.onnx").path
        let calib = folder.file("calib").path
        let run = try Qdqc.run([float, "-o", output, "--target", target, "--calib-data", calib, "--quiet"])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let result = try QuantizedModelTests.check(
            quantized: output, float: float, samples: calib, limit: 4, level: "all")
        let sqnr = (result["sqnr_db"] as? [String: Double])?.values.first ?? -.infinity
        #expect(sqnr > 15, "\(model) \(target): logits SQNR \(sqnr) dB against float")
    }

    /// SmoothQuant folds every factor on both decoders (pre-LN LayerNormalization and written-out RMSNorm
    /// before Q/K/V and the MLP, the SiLU-gated product into the up projection, grouped-query attention's
    /// output into the value projection): the quantized model has exactly the float model's Mul nodes.
    @Test(arguments: ["gpt", "llama"])
    func smoothQuantAddsNoMulToADecoder(model: String) throws {
        let folder = try TemporaryDirectory(prefix: "sq-\(model)")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let float = folder.file("\(model).onnx").path
        let output = folder.file("\(model).sq.onnx").path
        let run = try Qdqc.run([float, "-o", output, "--calib-data", folder.file("calib").path, "--smooth-quant"])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        #expect(!run.standardError.contains("inserted a Mul"), "\(run.standardError)")
        let muls = { (path: String) in try ModelReader.read(path: path).graph.nodes.filter { $0.opType == "Mul" }.count
        }
        #expect(try muls(output) == muls(float))
        let result = try QuantizedModelTests.check(
            quantized: output, float: float, samples: folder.file("calib").path, limit: 4, level: "all")
        let sqnr = (result["sqnr_db"] as? [String: Double])?.values.first ?? -.infinity
        #expect(sqnr > 15, "\(model): logits SQNR \(sqnr) dB against float")

        // `qdqc compare` reports the tensors SmoothQuant divided by s apart, by their own quantization's SQNR.
        let compare = try Qdqc.run(
            ["compare", float, output, "--data", folder.file("calib").path, "--samples", "2", "--json", "--quiet"])
        try #require(compare.succeeded, "\(compare.summary)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(compare.standardOutput.utf8)) as? [String: Any])
        let rescaled = try #require(object["rescaledTensors"] as? [[String: Any]])
        let compared = Set(((object["tensors"] as? [[String: Any]]) ?? []).compactMap { $0["tensor"] as? String })
        #expect(!rescaled.isEmpty)
        for row in rescaled {
            let name = row["tensor"] as? String ?? ""
            #expect(!compared.contains(name), "\(name) is both rescaled and compared")
            #expect(row["ownQuantizationSQNR"] is Double, "\(name): no own SQNR")
        }
    }

    /// The products of the causal self-attention (Q·Kᵀ and P·V, MatMuls of two activations) stay float by
    /// default and get pairs with `--causal-attention quantize`; the projections are quantized either way.
    @Test(arguments: ["gpt", "llama"], ["float", "quantize"])
    func causalAttentionProducts(model: String, choice: String) throws {
        let folder = try TemporaryDirectory(prefix: "causal-\(model)-\(choice)")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let output = folder.file("\(model).w8a8.onnx").path
        var arguments = [folder.file("\(model).onnx").path, "-o", output, "--calib-data", folder.file("calib").path]
        if choice == "quantize" { arguments += ["--causal-attention", "quantize"] }
        let run = try Qdqc.run(arguments + ["--quiet"])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let graph = try ModelReader.read(path: output).graph
        let dequantized = { (value: Value?) in value?.producer?.opType == "DequantizeLinear" }
        // What a MatMul input is before its QuantizeLinear/DequantizeLinear pair, if it has one.
        let source = { (value: Value?) -> Value? in
            guard dequantized(value), let quantized = value?.producer?.inputs.first ?? nil else { return value }
            if quantized.isConstant { return quantized }
            return quantized.producer?.opType == "QuantizeLinear" ? quantized.producer?.inputs.first ?? nil : quantized
        }
        let products = graph.nodes.filter { node in
            node.opType == "MatMul" && node.inputs.allSatisfy { source($0).map { !$0.isConstant } ?? false }
        }
        #expect(products.count == 4, "\(model): two layers, two products each: \(products.map(\.displayName))")
        for product in products {
            let quantized = product.inputs.allSatisfy { dequantized($0) }
            #expect(quantized == (choice == "quantize"), "\(model) \(choice): '\(product.displayName)'")
        }
        let projections = graph.nodes.filter { node in node.opType == "MatMul" && !products.contains { $0 === node } }
        #expect(!projections.isEmpty)
        for projection in projections {
            #expect(projection.inputs.allSatisfy { dequantized($0) }, "\(model): '\(projection.displayName)'")
        }
    }
}

/// Dynamic activation scales (`--activation-scales`, the dynamic-qdq pass) on the same decoders: the output
/// runs in ONNX Runtime close to float, and qdqc's interpreter computes what ONNX Runtime computes.
@Suite struct DynamicActivationTests {
    @Test(
        arguments: ["gpt", "llama"],
        [
            ("dynamic-per-token", "int8", 25.0), ("dynamic-per-tensor", "uint8", 20.0),
            ("dynamic-per-token", "float8e4m3fn", 15.0),
        ])
    func dynamicDecoderRunsEverywhere(model: String, mode: (scales: String, format: String, sqnr: Double)) throws {
        let folder = try TemporaryDirectory(prefix: "dynamic-\(model)-\(mode.format)")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let float = folder.file("\(model).onnx").path
        let output = folder.file("\(model).dynamic.onnx").path
        let calib = folder.file("calib").path
        let run = try Qdqc.run([
            float, "-o", output, "--activation-scales", mode.scales, "--activations", mode.format, "--target", "ort",
            "--quiet",
        ])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let result = try QuantizedModelTests.check(
            quantized: output, float: float, samples: calib, limit: 4, level: "all")
        let sqnr = (result["sqnr_db"] as? [String: Double])?.values.first ?? -.infinity
        #expect(sqnr > mode.sqnr, "\(model) \(mode): logits SQNR \(sqnr) dB against float")
        // Scales computed at run time carry LayerNormalization's last-bit differences into an occasional code.
        try WeightOnlyDecoderTests.expectInterpreterAgrees(
            model: output, folder: folder, oracle: .onnxRuntime(minimumSQNR: 30))
    }

    /// Without calibration data, and with the flags that do not apply refused in one line.
    /// `--weights none` with quantized activations: every MatMul weight stays a float initializer (no
    /// DequantizeLinear reads one), activations get pairs, and the model runs in ONNX Runtime.
    @Test(arguments: [["--calib-data", "{calib}"], ["--activation-scales", "dynamic-per-token"]])
    func floatWeightsWithQuantizedActivations(flags: [String]) throws {
        let folder = try TemporaryDirectory(prefix: "float-weights")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let float = folder.file("llama.onnx").path
        let output = folder.file("llama.a8.onnx").path
        let calib = folder.file("calib").path
        let run = try Qdqc.run(
            [float, "-o", output, "--weights", "none", "--quiet"] + flags.map { $0 == "{calib}" ? calib : $0 })
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        let graph = try ModelReader.read(path: output).graph
        let dequantized = graph.nodes.filter { $0.opType == "DequantizeLinear" }
        #expect(!dequantized.isEmpty, "no activation was quantized")
        for node in dequantized {
            #expect(node.inputs.first??.initializer == nil, "\(node.displayName) dequantizes a constant")
        }
        let result = try QuantizedModelTests.check(
            quantized: output, float: float, samples: calib, limit: 4, level: "all")
        let sqnr = (result["sqnr_db"] as? [String: Double])?.values.first ?? -.infinity
        #expect(sqnr > 20, "\(flags): logits SQNR \(sqnr) dB against float")
    }

    @Test func dynamicFlagsAreCheckedUpFront() throws {
        let folder = try TemporaryDirectory(prefix: "dynamic-flags")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let float = folder.file("gpt.onnx").path
        let output = folder.file("out.onnx").path
        for (flags, message) in [
            (["--activation-scales", "dynamic-per-token", "--activations", "uint8"], "per tensor only"),
            (["--activation-scales", "per-token"], "is unknown"),
            (["--activation-scales", "dynamic-per-token", "--activations", "none"], "needs activations"),
            (
                ["--activation-scales", "dynamic-per-token", "--activations", "int16"],
                "cannot be quantized dynamically"
            ),
        ] {
            let run = try Qdqc.run([float, "-o", output] + flags)
            #expect(run.status == 64, "\(flags): \(run.summary)")
            #expect(run.standardError.contains(message), "\(flags): \(run.standardError)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }
}

/// W+A with the block formats: NVFP4 and MXFP4 weights (quantize-weights) under per-token int8 activations
/// (dynamic-qdq). No runtime in the venv executes FP4, so the written model is checked by `onnx.checker`
/// and qdqc's interpreter against `onnx.reference`.
@Suite struct BlockFormatActivationTests {
    @Test(arguments: ["nvfp4", "mxfp4"])
    func blockFormatWeightsWithDynamicActivations(weights: String) throws {
        let folder = try TemporaryDirectory(prefix: "w-\(weights)-a8")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let output = folder.file("llama.\(weights).onnx").path
        let run = try Qdqc.run([
            folder.file("llama.onnx").path, "-o", output, "--activation-scales", "dynamic-per-token",
            "--weights", weights, "--quiet",
        ])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        // Scales computed at run time: a last-bit difference in a product (numpy's BLAS and qdqc's GEMM
        // sum in different orders) moves an element across a rounding boundary now and then.
        try WeightOnlyDecoderTests.expectInterpreterAgrees(
            model: output, folder: folder, oracle: .onnxReference(minimumSQNR: 30))
    }

    /// MX and NVFP4 activations (`--activation-scales dynamic-per-block`): a power-of-two float8e8m0 scale per
    /// 32 elements, or FP8 scales per 16 under a tensor scale, computed in the graph (the Llama-style
    /// decoder's rows of 80 end in a short block). Checked by `onnx.checker` and against `onnx.reference`.
    @Test(arguments: ["gpt", "llama"], ["mxfp8e4m3", "mxfp8e5m2", "mxfp4", "mxint8", "nvfp4"])
    func microscalingActivations(model: String, format: String) throws {
        let folder = try TemporaryDirectory(prefix: "mx-\(model)-\(format)")
        defer { folder.remove() }
        try WeightOnlyDecoderTests.makeDecoders(in: folder)
        let output = folder.file("\(model).\(format).onnx").path
        let run = try Qdqc.run([
            folder.file("\(model).onnx").path, "-o", output, "--activation-scales", "dynamic-per-block",
            "--activations", format, "--pass-statistics",
        ])
        try #require(run.succeeded, "qdqc failed:\n\(run.summary)")
        #expect(!run.standardError.contains("keeps a float input"), "\(run.standardError)")
        try WeightOnlyDecoderTests.expectInterpreterAgrees(
            model: output, folder: folder, oracle: .onnxReference(minimumSQNR: nil))
    }
}
