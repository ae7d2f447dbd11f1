import Calibration
import Quantization

extension QuantizationTarget {
    /// TensorRT's explicit quantization: symmetric int8 (zero point 0), per-channel weights, per-tensor
    /// activations on the inputs of the ops TensorRT runs in int8, nothing on graph outputs.
    public static let tensorRT = QuantizationTarget(
        name: "tensorrt",
        summary: "TensorRT explicit quantization: symmetric, zero point 0, per-channel int8 weights, "
            + "Q/DQ on the inputs of Conv/ConvTranspose/MatMul/Gemm/pooling and one side of residual Adds.",
        activationFormats: [.int8, .float8e4m3fn],
        weightFormats: [.int8, .int4, .float8e4m3fn],
        symmetricActivationsByDefault: true,
        allowsAsymmetricActivations: false,
        perChannelByDefault: true,
        reducesWeightRangeByDefault: false,
        scaleConvention: .tensorRT,
        placements: [
            "Conv": OpPlacement(inputs: [0, 1], weightInput: 1, weightLayout: .conv),
            "ConvTranspose": OpPlacement(inputs: [0, 1], weightInput: 1, weightLayout: .convTranspose),
            "Gemm": OpPlacement(inputs: [0, 1], weightInput: 1, weightLayout: .gemm),
            "MatMul": OpPlacement(inputs: [0, 1], weightInput: 1, weightLayout: .matMul),
            "MaxPool": OpPlacement(inputs: [0], quantizesOnlyUnsharedInputs: true),
            "AveragePool": OpPlacement(inputs: [0], quantizesOnlyUnsharedInputs: true),
            "GlobalAveragePool": OpPlacement(inputs: [0], quantizesOnlyUnsharedInputs: true),
            "GlobalMaxPool": OpPlacement(inputs: [0], quantizesOnlyUnsharedInputs: true),
            "Concat": OpPlacement(inputs: [], sharedScaleAcrossInputs: true),
        ],
        quantizesResidualAddSide: true,
        quantizesGraphOutputs: false,
        dequantizesForAllConsumers: false,
        quantizesBiasToInt32: false,
        raisesWeightScalesForBias: false,
        rangeNarrowingActivations: [],
        fixedOutputRanges: [:],
        keepsMatrixVectorProductsInFloat: true,
        smallConvolutionWork: 256,
        fusingConsumers: [
            "Conv", "ConvTranspose", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool",
            "GlobalMaxPool", "Add", "Concat",
        ],
        fusingProducers: [],
        allowsAsymmetricWeights: false,
        allowsNegativeWeightScales: false,
        lowBitScaleRule: .full)
}
