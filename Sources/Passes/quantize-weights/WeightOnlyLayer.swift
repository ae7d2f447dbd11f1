import OnnxIR
import Quantization

/// One layer whose constant weight `quantize-weights` may quantize: a MatMul's right operand, a Gemm's
/// `B`, or (with `gather=true`) a Gather's embedding table.
///
/// The weight is seen as a `[rows, columns]` matrix: rows are the reduction axis K (blocks run along it),
/// columns the output channels N. `transposed` weights are stored `[N, K]` (Gemm with `transB=1`, an
/// embedding table read by Gather, whose rows are looked up and whose columns are the model width).
struct WeightOnlyLayer {
    /// The layer.
    let node: Node
    /// The input index holding the weight.
    let weightInput: Int
    /// The weight value.
    let weight: Value
    /// Its shape.
    let shape: [Int]
    /// K.
    let rows: Int
    /// N.
    let columns: Int
    /// Whether the weight is stored `[N, K]`.
    let transposed: Bool
    /// The activation whose rows (last axis = K) this layer multiplies; nil for Gather and for Gemm with `transA=1`.
    let activation: Value?

    /// Why a candidate layer keeps its float weight.
    struct Refusal: Error, CustomStringConvertible {
        /// One clause.
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The layer for `node`; nil when it is not a candidate at all (another op, a product of two
    /// activations), `.failure` when it is one that cannot be quantized.
    static func make(_ node: Node, opTypes: Set<String>, gather: Bool) -> Result<WeightOnlyLayer, Refusal>? {
        guard OpsetImport.isDefaultDomain(node.domain) else { return nil }
        switch node.opType {
        case "MatMul" where opTypes.contains("MatMul"), "Gemm" where opTypes.contains("Gemm"):
            guard node.inputs.count >= 2, let input = node.inputs[0], let weight = node.inputs[1],
                !ConstantData.isConstant(input), ConstantData.isConstant(weight)
            else { return nil }
            return make(node, weightInput: 1, weight: weight, activation: input)
        case "Gather" where gather:
            guard node.inputs.count >= 2, let table = node.inputs[0], let indices = node.inputs[1],
                ConstantData.isConstant(table), !ConstantData.isConstant(indices)
            else { return nil }
            return make(node, weightInput: 0, weight: table, activation: nil)
        default:
            return nil
        }
    }

    private static func make(_ node: Node, weightInput: Int, weight: Value, activation: Value?)
        -> Result<WeightOnlyLayer, Refusal>
    {
        guard let tensor = ConstantData.tensor(of: weight) else {
            return .failure(Refusal("its weight is not constant"))
        }
        guard tensor.dataType == .float else {
            return .failure(Refusal("its weight is \(tensor.dataType), not float32"))
        }
        let shape = tensor.dims.map { Int($0) }
        guard shape.allSatisfy({ $0 > 0 }) else { return .failure(Refusal("its weight \(shape) is empty")) }
        let rank = shape.count
        switch node.opType {
        case "MatMul":
            guard rank >= 2 else { return .failure(Refusal("its right operand has rank \(rank)")) }
            guard shape.dropLast(2).allSatisfy({ $0 == 1 }) else {
                // e.g. attention memory baked in as a constant [1, heads, d, positions]: not a layer's weight.
                return .failure(Refusal("its constant operand \(shape) is batched, not a weight matrix"))
            }
            return .success(
                WeightOnlyLayer(
                    node: node, weightInput: weightInput, weight: weight, shape: shape, rows: shape[rank - 2],
                    columns: shape[rank - 1], transposed: false, activation: activation))
        case "Gemm":
            guard rank == 2 else { return .failure(Refusal("its B has rank \(rank)")) }
            let transB = intAttribute(node, "transB") != 0
            let transA = intAttribute(node, "transA") != 0
            return .success(
                WeightOnlyLayer(
                    node: node, weightInput: weightInput, weight: weight, shape: shape,
                    rows: transB ? shape[1] : shape[0], columns: transB ? shape[0] : shape[1], transposed: transB,
                    activation: transA ? nil : activation))
        default:
            guard rank == 2 else { return .failure(Refusal("its table has rank \(rank)")) }
            guard intAttribute(node, "axis") == 0 else { return .failure(Refusal("it gathers on axis 1")) }
            return .success(
                WeightOnlyLayer(
                    node: node, weightInput: weightInput, weight: weight, shape: shape, rows: shape[1],
                    columns: shape[0], transposed: true, activation: nil))
        }
    }

    private static func intAttribute(_ node: Node, _ name: String) -> Int64 {
        if case .int(let value)? = node.attribute(name)?.value { return value }
        return 0
    }
}

/// One weight and the layers that read it (a tied embedding is read by a Gather and the LM head).
struct WeightOnlyJob {
    /// The weight value.
    let weight: Value
    /// The layers, in graph order; all see the weight the same way.
    var layers: [WeightOnlyLayer]
    /// The layer input whose statistics (AWQ rows, GPTQ's `XᵀX`) apply, when measured.
    var statisticsInput: String?

    /// The first layer (they agree on shape and orientation).
    var layout: WeightOnlyLayer { layers[0] }

    /// A name for remarks: the first layer's.
    var displayName: String { layers[0].node.displayName }

    /// The activation every multiplying layer reads, when they all read the same one; nil otherwise.
    var sharedActivation: Value? {
        let multiplying = layers.filter { $0.node.opType != "Gather" }
        guard let first = multiplying.first?.activation,
            multiplying.allSatisfy({ $0.activation === first })
        else { return nil }
        return first
    }

    /// The weight as `[rows, columns]`, row-major.
    func matrix() throws -> [Float] {
        guard let tensor = ConstantData.tensor(of: weight), let values = ConstantData.floats(tensor) else {
            throw QuantizeWeightsError("quantize-weights: cannot read weight '\(weight.name)'")
        }
        let layout = self.layout
        guard values.count == layout.rows * layout.columns else {
            throw QuantizeWeightsError(
                "quantize-weights: weight '\(weight.name)' holds \(values.count) values for shape \(layout.shape)")
        }
        return LowBitMatrix.rowMajor(values, rows: layout.rows, columns: layout.columns, transposed: layout.transposed)
    }

    /// Groups `layers` by weight; a weight whose readers disagree on its orientation is refused.
    static func group(_ layers: [WeightOnlyLayer], refused: (WeightOnlyLayer, String) -> Void) -> [WeightOnlyJob] {
        var jobs: [WeightOnlyJob] = []
        var index: [ObjectIdentifier: Int] = [:]
        for layer in layers {
            let key = ObjectIdentifier(layer.weight)
            guard let position = index[key] else {
                index[key] = jobs.count
                jobs.append(WeightOnlyJob(weight: layer.weight, layers: [layer]))
                continue
            }
            guard jobs[position].layout.transposed == layer.transposed else {
                refused(
                    layer, "it reads '\(layer.weight.name)' in another orientation than '\(jobs[position].displayName)'"
                )
                continue
            }
            jobs[position].layers.append(layer)
        }
        return jobs
    }
}
