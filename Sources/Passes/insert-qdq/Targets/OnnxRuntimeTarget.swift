import Calibration
import Quantization

extension QuantizationTarget {
    /// ONNX Runtime's QDQ conventions (its `quantize_static` QDQ registry), so that the CPU graph optimizer
    /// fuses the pairs into QLinearConv, QLinearMatMul, QGemm, QLinearAdd and friends.
    public static let onnxRuntime = QuantizationTarget(
        name: "ort",
        summary: "ONNX Runtime QDQ: uint8 asymmetric activations, int8 symmetric per-channel weights, int32 "
            + "bias; inputs and outputs of the ops its CPU optimizer fuses, shared scales through shape ops.",
        activationFormats: [.uint8, .int8, .uint16, .int16, .float8e4m3fn],
        weightFormats: [.int8, .uint8, .int16, .uint16, .int4, .uint4, .float8e4m3fn],
        symmetricActivationsByDefault: false,
        allowsAsymmetricActivations: true,
        perChannelByDefault: true,
        reducesWeightRangeByDefault: true,
        scaleConvention: .onnxRuntime,
        placements: onnxRuntimePlacements,
        quantizesResidualAddSide: false,
        quantizesGraphOutputs: true,
        dequantizesForAllConsumers: true,
        quantizesBiasToInt32: true,
        raisesWeightScalesForBias: true,
        rangeNarrowingActivations: ["Relu", "Clip"],
        fixedOutputRanges: ["Softmax": CalibrationRange(min: 0, max: 1)],
        keepsMatrixVectorProductsInFloat: false,
        smallConvolutionWork: 0,
        fusingConsumers: Set(onnxRuntimePlacements.keys),
        fusingProducers: Set(onnxRuntimePlacements.keys),
        allowsAsymmetricWeights: true,
        allowsNegativeWeightScales: true,
        lowBitScaleRule: .extreme)

    /// ONNX Runtime's QDQ registry, without the normalization ops no CPU kernel fuses.
    private static let onnxRuntimePlacements: [String: OpPlacement] = {
        var table: [String: OpPlacement] = [
            "Conv": OpPlacement(
                inputs: [0, 1], weightInput: 1, weightLayout: .conv, biasInput: 2, quantizeOutputs: true),
            "ConvTranspose": OpPlacement(
                inputs: [0, 1], weightInput: 1, weightLayout: .convTranspose, biasInput: 2, quantizeOutputs: true),
            "Gemm": OpPlacement(
                inputs: [0, 1], weightInput: 1, weightLayout: .gemm, biasInput: 2, quantizeOutputs: true),
            "MatMul": OpPlacement(inputs: [0, 1], weightInput: 1, weightLayout: .matMul, quantizeOutputs: true),
            "Add": OpPlacement(inputs: nil, quantizeOutputs: true),
            "Mul": OpPlacement(inputs: nil, quantizeOutputs: true),
            "Concat": OpPlacement(inputs: nil, quantizeOutputs: true),
            "Where": OpPlacement(inputs: [1, 2], quantizeOutputs: true),
        ]
        for op in ["Relu", "Clip", "Sigmoid", "LeakyRelu", "GlobalAveragePool", "Softmax"] {
            table[op] = OpPlacement(inputs: [0], quantizeOutputs: true)
        }
        for op in [
            "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Resize", "MaxPool", "AveragePool", "Slice",
            "Gather", "GatherElements", "Split",
        ] {
            table[op] = OpPlacement(inputs: [], quantizeOutputs: true, sharesInputParameters: true)
        }
        return table
    }()
}
