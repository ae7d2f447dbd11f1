import Calibration
import Quantization

/// A placement profile: where and how `insert-qdq` quantizes for one engine, as a table of data.
///
/// Adding an engine means adding a value (see `Targets/`) and listing it in `all`; the pass reads
/// only these fields, so it never needs to change for a new target.
public struct QuantizationTarget: Sendable {
    /// The name used by `--target` and `insert-qdq{target=...}`.
    public var name: String
    /// One line for `qdqc list-targets`.
    public var summary: String
    /// The activation formats the engine consumes, the default first.
    public var activationFormats: [QuantFormat]
    /// The weight formats the engine consumes, the default first.
    public var weightFormats: [QuantFormat]
    /// Whether activations are symmetric unless the user says otherwise.
    public var symmetricActivationsByDefault: Bool
    /// Whether the engine accepts asymmetric activations (a non-zero zero point).
    public var allowsAsymmetricActivations: Bool
    /// Whether weights are per channel unless the user says otherwise.
    public var perChannelByDefault: Bool
    /// Whether 8-bit integer weights use ONNX Runtime's reduced 7-bit range unless the user says otherwise.
    public var reducesWeightRangeByDefault: Bool
    /// How scales are computed from ranges.
    public var scaleConvention: ScaleConvention
    /// The table: op type → where its pairs go. Op types not listed stay in float.
    public var placements: [String: OpPlacement]
    /// Quantize one side of an `Add` whose other side is the output of a quantized Conv/ConvTranspose, so the
    /// engine fuses the addition into that convolution (TensorRT's residual rule).
    public var quantizesResidualAddSide: Bool
    /// Whether a graph output may be the output of a DequantizeLinear.
    public var quantizesGraphOutputs: Bool
    /// Whether every consumer of a quantized tensor reads the DequantizeLinear (ONNX Runtime), or only the
    /// consumers whose placement asked for it (TensorRT).
    public var dequantizesForAllConsumers: Bool
    /// Whether Conv/ConvTranspose/Gemm biases become int32 with scale `s_input * s_weight`.
    public var quantizesBiasToInt32: Bool
    /// Whether weight scales are raised, as ONNX Runtime does, until the int32 bias cannot overflow.
    public var raisesWeightScalesForBias: Bool
    /// Ops (Relu, Clip) whose single-consumer input takes the op's output range, so that with an asymmetric
    /// range `cleanup-qdq` can remove the op exactly (ONNX Runtime's `adjust_tensor_ranges`).
    public var rangeNarrowingActivations: Set<String>
    /// Output ranges known without calibration (Softmax: [0, 1]).
    public var fixedOutputRanges: [String: CalibrationRange]
    /// Whether a MatMul whose left operand is a single row (GEMV) stays in float.
    public var keepsMatrixVectorProductsInFloat: Bool
    /// A Conv whose work per output pixel, `C_in/group * kernel elements * C_out`, is below this stays in float
    /// (0: none).
    public var smallConvolutionWork: Int
    /// Ops that consume a DequantizeLinear output in a fused integer kernel (`cleanup-qdq` keeps pairs
    /// feeding them).
    public var fusingConsumers: Set<String>
    /// Ops whose output QuantizeLinear is fused into their kernel (`cleanup-qdq` keeps pairs after them).
    public var fusingProducers: Set<String>
    /// Whether weight-only low-bit weights may have zero points (asymmetric grids).
    public var allowsAsymmetricWeights: Bool
    /// Whether weight scales may be negative (`LowBitGrid.SymmetricRule.extreme`).
    public var allowsNegativeWeightScales: Bool
    /// The symmetric grid rule `quantize-weights` uses unless told otherwise.
    public var lowBitScaleRule: LowBitGrid.SymmetricRule

    /// Creates a target.
    public init(
        name: String, summary: String, activationFormats: [QuantFormat], weightFormats: [QuantFormat],
        symmetricActivationsByDefault: Bool, allowsAsymmetricActivations: Bool, perChannelByDefault: Bool,
        reducesWeightRangeByDefault: Bool,
        scaleConvention: ScaleConvention, placements: [String: OpPlacement], quantizesResidualAddSide: Bool,
        quantizesGraphOutputs: Bool, dequantizesForAllConsumers: Bool, quantizesBiasToInt32: Bool,
        raisesWeightScalesForBias: Bool, rangeNarrowingActivations: Set<String>,
        fixedOutputRanges: [String: CalibrationRange], keepsMatrixVectorProductsInFloat: Bool,
        smallConvolutionWork: Int, fusingConsumers: Set<String>, fusingProducers: Set<String>,
        allowsAsymmetricWeights: Bool = false, allowsNegativeWeightScales: Bool = false,
        lowBitScaleRule: LowBitGrid.SymmetricRule = .full
    ) {
        self.name = name
        self.summary = summary
        self.activationFormats = activationFormats
        self.weightFormats = weightFormats
        self.symmetricActivationsByDefault = symmetricActivationsByDefault
        self.allowsAsymmetricActivations = allowsAsymmetricActivations
        self.perChannelByDefault = perChannelByDefault
        self.reducesWeightRangeByDefault = reducesWeightRangeByDefault
        self.scaleConvention = scaleConvention
        self.placements = placements
        self.quantizesResidualAddSide = quantizesResidualAddSide
        self.quantizesGraphOutputs = quantizesGraphOutputs
        self.dequantizesForAllConsumers = dequantizesForAllConsumers
        self.quantizesBiasToInt32 = quantizesBiasToInt32
        self.raisesWeightScalesForBias = raisesWeightScalesForBias
        self.rangeNarrowingActivations = rangeNarrowingActivations
        self.fixedOutputRanges = fixedOutputRanges
        self.keepsMatrixVectorProductsInFloat = keepsMatrixVectorProductsInFloat
        self.smallConvolutionWork = smallConvolutionWork
        self.fusingConsumers = fusingConsumers
        self.fusingProducers = fusingProducers
        self.allowsAsymmetricWeights = allowsAsymmetricWeights
        self.allowsNegativeWeightScales = allowsNegativeWeightScales
        self.lowBitScaleRule = lowBitScaleRule
    }

    /// Every built-in target, the default first.
    public static let all: [QuantizationTarget] = [.tensorRT, .onnxRuntime]

    /// The default target's name.
    public static var defaultName: String { all[0].name }

    /// The built-in target called `name`, if any.
    public static func named(_ name: String) -> QuantizationTarget? { all.first { $0.name == name } }

    /// Whether the engine consumes 16-bit integer activation pairs (int16 or uint16), which `--mixed-precision`
    /// may raise 8-bit activations to.
    public var consumes16BitActivations: Bool { activationFormats.contains { $0 == .int16 || $0 == .uint16 } }

    /// The default activation format.
    public var defaultActivationFormat: QuantFormat { activationFormats[0] }

    /// The default weight format.
    public var defaultWeightFormat: QuantFormat { weightFormats[0] }

    /// The scheme for activations of `format`.
    public func activationScheme(format: QuantFormat, symmetric: Bool) -> QuantScheme {
        switch scaleConvention {
        case .tensorRT: return .tensorRT(format: format)
        case .onnxRuntime: return .onnxRuntime(format: format, symmetric: symmetric)
        }
    }

    /// The scheme for weights of `format` (ONNX Runtime makes per-channel and signed weights symmetric);
    /// `reduceRange` uses ONNX Runtime's 7-bit weight range (ignored by TensorRT's convention).
    public func weightScheme(format: QuantFormat, perChannel: Bool, reduceRange: Bool = false) -> QuantScheme {
        switch scaleConvention {
        case .tensorRT:
            return .tensorRT(format: format)
        case .onnxRuntime:
            let symmetric = perChannel || QuantScheme.onnxRuntimeWeightsAreSymmetric(format)
            return .onnxRuntime(format: format, symmetric: symmetric, reduceRange: reduceRange)
        }
    }
}
