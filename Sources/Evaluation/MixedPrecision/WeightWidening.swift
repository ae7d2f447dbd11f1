import OnnxIR
import OnnxInterpreter
import Passes
import Quantization

/// The 8-bit step of a weight stored in fewer bits (`SitePrecision.wide` for a weight): the float model's weight
/// rounded to int8 on the same axis and blocks as its DequantizeLinear, by the rounding `quantize-weights` uses
/// (`LowBitMatrix.roundToNearest`) on a symmetric grid with `scale = max|w| / 127` per block (float32 scales,
/// no zero point: a grid every target takes).
///
/// The weights that step: int4/uint4, int2/uint2 and float4e2m1 codes with float32 scales, MXFP4 (E8M0 scales
/// read as float32), and NVFP4 (FP8 block scales dequantized by the tensor's float32 scale, a DequantizeLinear
/// that then goes unused and is removed). The 8-bit MX formats are 8 bits already and step to float. An int4
/// weight raised to int8 costs twice its code bytes and takes 48 dB (8 bits) off its rounding noise; float
/// would cost eight times.
enum WeightWidening {
    /// The element types that have an 8-bit step.
    static let narrowTypes: Set<DataType> = [.int4, .uint4, .int2, .uint2, .float4e2m1]

    /// The int8 grid of the step.
    static func grid() throws -> LowBitGrid { try LowBitGrid(format: .int8, symmetric: true, rule: .restricted) }

    /// Where a DequantizeLinear's blocks run: the weight as a `[rows, columns]` matrix (rows: the reduction
    /// axis), and the block size along it.
    private struct Layout {
        var shape: [Int]
        var rows: Int
        var columns: Int
        var blockSize: Int
        var blocked: Bool
        var transposed: Bool
    }

    /// The int8 tensors that would replace the 4-bit codes `dequantize` reads, from `floatWeight` (named `name`
    /// in messages); nil when `dequantize` does not read a 4-bit constant through a float32 scale per block or
    /// per output channel of a matrix (nothing to step to).
    static func tensors(replacing dequantize: Node, floatWeight: Tensor, name: String) throws
        -> DequantizedWeightTensors?
    {
        guard let layout = layout(of: dequantize), floatWeight.dims.map({ Int($0) }) == layout.shape else {
            return nil
        }
        let stored: [Float]
        do {
            stored = try NDArray(tensor: floatWeight).floatValues()
        } catch {
            throw CompareError.unreadable(tensor: name, model: "float model", reason: "\(error)")
        }
        let matrix = try LowBitMatrix.roundToNearest(
            LowBitMatrix.rowMajor(stored, rows: layout.rows, columns: layout.columns, transposed: layout.transposed),
            rows: layout.rows, columns: layout.columns, blockSize: layout.blockSize, grid: try grid(), tensor: name)
        return matrix.initializers(
            name: name, shape: layout.shape, transposed: layout.transposed, blockedPerChannel: layout.blocked)
    }

    /// The DequantizeLinear that reads `tensors` (added to `graph` as new initializers) with its axis and block
    /// size; `name` seeds the node's and values' names.
    static func dequantize(_ tensors: DequantizedWeightTensors, in graph: Graph, name: String) -> Node {
        Node(
            opType: "DequantizeLinear", name: graph.uniqueName(name + "_dq8", avoidingNodeNames: true),
            inputs: inputs(tensors, in: graph, name: name), outputNames: [graph.uniqueName(name + "_dq8")],
            attributes: tensors.dequantizeAttributes)
    }

    /// Stores the weights named in `weights` (float model names) of `model` as int8 instead of 4 bits: each of
    /// their DequantizeLinear nodes reads the int8 codes and scales. Returns the bytes of int8 codes written.
    /// A weight without a 4-bit DequantizeLinear to step from is an error (the search only offers those).
    static func apply(_ weights: Set<String>, to model: Model, float: Model) throws -> Int {
        guard !weights.isEmpty else { return 0 }
        let graph = model.graph
        let floatWeights = QDQGroup.floatWeights(of: float)
        var bytes = 0
        var blocked = false
        for group in QDQGroup.groups(in: model, float: float) where weights.contains(group.tensor) {
            guard group.isWeight, let weight = floatWeights[group.tensor]?.initializer,
                let tensors = try tensors(replacing: group.nodes[0], floatWeight: weight, name: group.tensor)
            else {
                throw CompareError.unreadable(
                    tensor: group.tensor, model: "quantized model", reason: "no 4-bit weight to store in 8 bits")
            }
            let inputs = inputs(tensors, in: graph, name: group.tensor)
            for node in group.nodes {
                node.setInputs(inputs)
                // An MX scale's float output type goes with it: the int8 codes' output follows the float32 scale.
                node.removeAttribute("output_dtype")
                for attribute in tensors.dequantizeAttributes { node.setAttribute(attribute) }
                if tensors.blockSize == nil { node.removeAttribute("block_size") }
            }
            bytes += tensors.weight.dims.reduce(1) { $0 * Int($1) }
            blocked = blocked || tensors.blockSize != nil
        }
        // Blocked DequantizeLinear is opset 21 (where 4-bit weights already are).
        try QDQWidening.finish(model, changed: blocked, opset: QDQWidening.opset)
        return bytes
    }

    private static func inputs(_ tensors: DequantizedWeightTensors, in graph: Graph, name: String) -> [Value?] {
        var inputs: [Value?] = [
            graph.addInitializer(tensors.weight, name: graph.uniqueName(name + "_quantized8")),
            graph.addInitializer(tensors.scale, name: graph.uniqueName(name + "_scale8")),
        ]
        if let zeroPoint = tensors.zeroPoint {
            inputs.append(graph.addInitializer(zeroPoint, name: graph.uniqueName(name + "_zero_point8")))
        }
        return inputs
    }

    /// The layout of a narrow weight's DequantizeLinear: a blocked one along a matrix's reduction axis, or one
    /// scale per output channel; nil for anything else (per-tensor, other scales, a batched constant).
    private static func layout(of dequantize: Node) -> Layout? {
        guard dequantize.opType == "DequantizeLinear", dequantize.inputs.count >= 2,
            let codes = dequantize.inputs[0]?.initializer, narrowTypes.contains(codes.dataType),
            let scaleDims = scaleDims(of: dequantize)
        else { return nil }
        // The minval form's DequantizeLinear output is not the weight: a Reshape/Add/Reshape follows.
        if dequantize.outputs.first??.uses.contains(where: { $0.node.opType == "Reshape" }) == true { return nil }
        let shape = codes.dims.map { Int($0) }
        let rank = shape.count
        guard rank >= 2, shape.dropLast(2).allSatisfy({ $0 == 1 }), shape.allSatisfy({ $0 > 0 }) else { return nil }
        var axis = Int(dequantize.attribute("axis")?.int ?? 1)
        if axis < 0 { axis += rank }
        let blockSize = Int(dequantize.attribute("block_size")?.int ?? 0)
        let transposed: Bool
        if blockSize > 0 {
            // Blocks run along the reduction axis.
            guard axis == rank - 2 || axis == rank - 1, scaleDims.count == rank else { return nil }
            transposed = axis == rank - 1
        } else {
            // One scale per output channel, along the other axis.
            guard axis == rank - 2 || axis == rank - 1, scaleDims.count == 1, scaleDims[0] == Int64(shape[axis])
            else { return nil }
            transposed = axis == rank - 2
        }
        let rows = transposed ? shape[rank - 1] : shape[rank - 2]
        let columns = transposed ? shape[rank - 2] : shape[rank - 1]
        return Layout(
            shape: shape, rows: rows, columns: columns, blockSize: blockSize > 0 ? blockSize : rows,
            blocked: blockSize > 0, transposed: transposed)
    }

    /// The dims of a DequantizeLinear's scale when it is one the step replaces: a float32 constant, MX's E8M0
    /// constant read as float32 (`output_dtype` float), or NVFP4's FP8 E4M3 block scales dequantized by a
    /// float32 tensor scale; nil for any other.
    private static func scaleDims(of dequantize: Node) -> [Int64]? {
        guard let scale = dequantize.inputs[1] else { return nil }
        let outputType = dequantize.attribute("output_dtype")?.int
        if let tensor = scale.initializer {
            switch (tensor.dataType, outputType) {
            case (.float, nil), (.float8e8m0, Int64(DataType.float.rawValue)?): return tensor.dims
            default: return nil
            }
        }
        guard outputType == nil, let producer = scale.producer, producer.opType == "DequantizeLinear",
            producer.inputs.count == 2, producer.attribute("output_dtype") == nil,
            let blockScales = producer.inputs[0]?.initializer, blockScales.dataType == .float8e4m3fn,
            producer.inputs[1]?.initializer?.dataType == .float
        else { return nil }
        return blockScales.dims
    }
}
