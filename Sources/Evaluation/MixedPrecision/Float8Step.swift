import Foundation
import OnnxIR
import OnnxInterpreter
import Passes
import Quantization

/// The FP8 E4M3 form of an int8/uint8 pair (`SitePrecision.float8`, `--mixed-fp8`): the same tensor on an
/// 8-bit float grid over the same range.
///
/// An int8 grid spaces its steps evenly, so a heavy-tailed tensor (a spectrum's magnitude, an activation with
/// outlier channels) keeps few of them where most of its values lie; E4M3 keeps a relative error of at most
/// 2^-4 from 2^-6 of its scale up to 448 times it. Both are 8 bits: a layer whose operands are all E4M3 runs an
/// FP8 GEMM (TensorRT on Ada, Hopper and later), so the step makes nothing wide. An activation's scale is the
/// largest magnitude its 8-bit pair represents over 448, the range TensorRT and ModelOpt give FP8; a weight's
/// comes from the float model's weight (`sourceValues`), per tensor or per channel along its DequantizeLinear's
/// axis.
enum Float8Step {
    /// The opset float8 QuantizeLinear/DequantizeLinear need.
    static let opset: Int64 = 19

    /// The codec of the step's grid.
    static let codec = Float8Codec.e4m3fn

    /// The FP8 scale for the pair `quantize` writes; nil unless it writes int8 or uint8 per tensor with constant
    /// parameters.
    static func activationScale(of quantize: Node, name: String) -> Float? {
        guard quantize.opType == "QuantizeLinear", quantize.inputs.count > 1,
            let scale = quantize.inputs[1]?.initializer, scale.dataType == .float, scale.elementCount == 1,
            let narrow = WideQuantization.narrowType(of: quantize), narrow == .int8 || narrow == .uint8,
            let step = try? NDArray(tensor: scale).floatValues().first
        else { return nil }
        var zeroPoint: Float = 0
        if quantize.inputs.count > 2, let value = quantize.inputs[2] {
            guard let tensor = value.initializer, let zero = try? NDArray(tensor: tensor).floatValues().first else {
                return nil
            }
            zeroPoint = zero
        }
        // A symmetric int8 pair (zero point 0) is calibrated to ±127 steps; its -128 is not part of the range.
        let lowest: Float = narrow == .uint8 ? 0 : (zeroPoint == 0 ? -127 : -128)
        let highest: Float = narrow == .uint8 ? 255 : 127
        let amax = max((lowest - zeroPoint).magnitude, (highest - zeroPoint).magnitude) * step
        return try? QuantParams.float8(amax: amax, format: .float8e4m3fn, tensor: name).scale
    }

    /// `activationScale` and a zero point of +0, as new initializers of `graph`.
    static func activationParameters(of quantize: Node, in graph: Graph, name: String) -> (
        scale: Value, zeroPoint: Value
    )? {
        guard let scale = activationScale(of: quantize, name: name) else { return nil }
        return (
            graph.addInitializer(Tensor.floats([scale], dims: []), name: graph.uniqueName(name + "_scale_fp8")),
            graph.addInitializer(zeroPoints(dims: []), name: graph.uniqueName(name + "_zero_point_fp8"))
        )
    }

    /// Where the scales of an 8-bit integer weight's DequantizeLinear run: `channels` slices of `inner`
    /// consecutive elements, repeating (one slice for a per-tensor scale).
    private struct Layout {
        var codes: Tensor
        var scales: [Float]
        var zeroPoints: [Float]
        var scaleDims: [Int64]
        var channels: Int
        var inner: Int

        func channel(_ index: Int) -> Int { (index / inner) % channels }
    }

    /// The layout of `dequantize` when it reads int8/uint8 codes per tensor or per axis (not per block) with
    /// constant float32 scales; nil otherwise.
    private static func layout(of dequantize: Node) -> Layout? {
        guard dequantize.opType == "DequantizeLinear", dequantize.inputs.count >= 2,
            let codes = dequantize.inputs[0]?.initializer, codes.dataType == .int8 || codes.dataType == .uint8,
            let scale = dequantize.inputs[1]?.initializer, scale.dataType == .float,
            dequantize.attribute("block_size")?.int ?? 0 == 0, codes.dims.allSatisfy({ $0 > 0 }),
            let scales = try? NDArray(tensor: scale).floatValues()
        else { return nil }
        var zeroPoints = [Float](repeating: 0, count: scales.count)
        if dequantize.inputs.count > 2, let value = dequantize.inputs[2] {
            guard let tensor = value.initializer, let values = try? NDArray(tensor: tensor).floatValues(),
                values.count == scales.count
            else { return nil }
            zeroPoints = values
        }
        let shape = codes.dims.map { Int($0) }
        if scales.count == 1 {
            return Layout(
                codes: codes, scales: scales, zeroPoints: zeroPoints, scaleDims: scale.dims, channels: 1,
                inner: shape.reduce(1, *))
        }
        var axis = Int(dequantize.attribute("axis")?.int ?? 1)
        if axis < 0 { axis += shape.count }
        guard (0..<shape.count).contains(axis), scale.dims.count == 1, scales.count == shape[axis] else { return nil }
        return Layout(
            codes: codes, scales: scales, zeroPoints: zeroPoints, scaleDims: scale.dims, channels: shape[axis],
            inner: shape[(axis + 1)...].reduce(1, *))
    }

    /// The float values a weight's FP8 codes are made from: `floatWeight` (the float model's weight of that name)
    /// when it is the weight that was quantized, else the dequantized int8 codes themselves — a weight a pass
    /// rewrote (BatchNormalization folded in, rescaled by SmoothQuant or equalization) has no float counterpart,
    /// and FP8 rounding of its int8 values adds little to FP8's own. `rescaled` says SmoothQuant rescaled it; a
    /// counterpart further than `SensitivityAnalysis.weightCounterpartSQNR` from the codes is not taken either.
    /// Nil when `dequantize` does not read an 8-bit integer weight per tensor or per axis.
    static func sourceValues(of dequantize: Node, floatWeight: Tensor?, rescaled: Bool, name: String) throws
        -> [Float]?
    {
        guard let layout = layout(of: dequantize), let codes = try? NDArray(tensor: layout.codes).floatValues()
        else { return nil }
        let dequantized = codes.enumerated().map { index, code in
            let channel = layout.channel(index)
            return (code - layout.zeroPoints[channel]) * layout.scales[channel]
        }
        guard !rescaled, let floatWeight, floatWeight.dims == layout.codes.dims else { return dequantized }
        let values: [Float]
        do {
            values = try NDArray(tensor: floatWeight).floatValues()
        } catch {
            throw CompareError.unreadable(tensor: name, model: "float model", reason: "\(error)")
        }
        var sums = ErrorAccumulator()
        values.withUnsafeBufferPointer { x in
            dequantized.withUnsafeBufferPointer { sums.add(reference: x, quantized: $0) }
        }
        return sums.sqnr >= SensitivityAnalysis.weightCounterpartSQNR ? values : dequantized
    }

    /// The FP8 codes, scales and zero points that would replace the int8/uint8 codes `dequantize` reads, made
    /// from `values` (`sourceValues`; named `name` in messages), on the DequantizeLinear's axis; nil unless
    /// `dequantize` reads an 8-bit integer constant per tensor or per axis of `values`' count.
    static func weightTensors(replacing dequantize: Node, values: [Float], name: String) throws -> (
        codes: Tensor, scale: Tensor, zeroPoint: Tensor
    )? {
        guard let layout = layout(of: dequantize), layout.codes.elementCount == values.count else { return nil }
        var amax = [Float](repeating: 0, count: layout.channels)
        for (index, value) in values.enumerated() {
            amax[layout.channel(index)] = max(amax[layout.channel(index)], value.magnitude)
        }
        let scales = try amax.map { try QuantParams.float8(amax: $0, format: .float8e4m3fn, tensor: name).scale }
        let data = values.enumerated().map { index, value in codec.encode(value / scales[layout.channel(index)]) }
        return (
            Tensor(dataType: .float8e4m3fn, dims: layout.codes.dims, storage: .raw(Data(data))),
            Tensor.floats(scales, dims: layout.scaleDims), zeroPoints(dims: layout.scaleDims)
        )
    }

    /// `weightTensors` for the weight `group` of `model`, from `sourceValues` (the float weights of `float`).
    static func weightTensors(for group: QDQGroup, float: [String: Value], rescaled: Set<String>) throws -> (
        codes: Tensor, scale: Tensor, zeroPoint: Tensor
    )? {
        guard group.isWeight,
            let values = try sourceValues(
                of: group.nodes[0], floatWeight: float[group.tensor]?.initializer,
                rescaled: rescaled.contains(group.tensor), name: group.tensor)
        else { return nil }
        return try weightTensors(replacing: group.nodes[0], values: values, name: group.tensor)
    }

    /// The DequantizeLinear reading `tensors` (added to `graph`) with `like`'s axis; `name` seeds the names.
    static func dequantize(
        _ tensors: (codes: Tensor, scale: Tensor, zeroPoint: Tensor), like: Node, in graph: Graph, name: String
    ) -> Node {
        Node(
            opType: "DequantizeLinear", name: graph.uniqueName(name + "_dq_fp8", avoidingNodeNames: true),
            inputs: weightInputs(tensors, in: graph, name: name), outputNames: [graph.uniqueName(name + "_dq_fp8")],
            attributes: like.attributes.filter { $0.name == "axis" })
    }

    /// Moves the pairs of the tensors named in `tensors` (float model names) of `model` to FP8 E4M3: an
    /// activation's QuantizeLinear and its DequantizeLinear nodes read FP8 parameters, a weight's
    /// DequantizeLinear nodes read FP8 codes made from the float weight. Raises the opset to 19. Returns how many
    /// tensors changed; a tensor without an 8-bit integer pair to move is an error (the search only offers those).
    static func apply(_ tensors: Set<String>, to model: Model, float: Model) throws -> Int {
        guard !tensors.isEmpty else { return 0 }
        let graph = model.graph
        let floatWeights = QDQGroup.floatWeights(of: float)
        let rescaled = Set(SmoothQuantPass.rescaledValues(of: model))
        var changed = 0
        for group in QDQGroup.groups(in: model, float: float) where tensors.contains(group.tensor) {
            let failure = CompareError.unreadable(
                tensor: group.tensor, model: "quantized model", reason: "no int8/uint8 pair to move to FP8")
            if group.isWeight {
                guard let fp8 = try weightTensors(for: group, float: floatWeights, rescaled: rescaled) else {
                    throw failure
                }
                let inputs = weightInputs(fp8, in: graph, name: group.tensor)
                for node in group.nodes { node.setInputs(inputs) }
            } else {
                _ = try QDQWidening.repoint(group, missing: failure) { quantize in
                    guard let parameters = activationParameters(of: quantize, in: graph, name: group.tensor) else {
                        throw failure
                    }
                    return (.float8e4m3fn, parameters.scale, parameters.zeroPoint)
                }
            }
            changed += 1
        }
        try QDQWidening.finish(model, changed: changed > 0, opset: opset)
        return changed
    }

    /// FP8 zero points (+0) of `dims`.
    private static func zeroPoints(dims: [Int64]) -> Tensor {
        Tensor(dataType: .float8e4m3fn, dims: dims, storage: .raw(Data(count: Int(dims.reduce(1, *)))))
    }

    private static func weightInputs(
        _ tensors: (codes: Tensor, scale: Tensor, zeroPoint: Tensor), in graph: Graph, name: String
    ) -> [Value?] {
        [
            graph.addInitializer(tensors.codes, name: graph.uniqueName(name + "_quantized_fp8")),
            graph.addInitializer(tensors.scale, name: graph.uniqueName(name + "_scale_fp8")),
            graph.addInitializer(tensors.zeroPoint, name: graph.uniqueName(name + "_zero_point_fp8")),
        ]
    }
}
