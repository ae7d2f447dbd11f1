import OnnxIR
import Quantization
import Testing

/// Formats (types, ranges, opsets) and the per-operator weight axes.
@Suite struct FormatAndLayoutTests {
    @Test func formatsMapToOnnxTypesAndBack() {
        let expected: [QuantFormat: DataType] = [
            .int8: .int8, .uint8: .uint8, .int16: .int16, .uint16: .uint16, .int4: .int4, .uint4: .uint4,
            .float8e4m3fn: .float8e4m3fn, .float8e5m2: .float8e5m2, .int2: .int2, .uint2: .uint2,
            .float4e2m1: .float4e2m1,
        ]
        for format in QuantFormat.allCases {
            #expect(format.dataType == expected[format])
            #expect(QuantFormat(dataType: format.dataType) == format)
            #expect(format.dataType.name == format.rawValue)
            #expect(format.dataType.bitWidth == format.bitWidth)
        }
        #expect(QuantFormat(dataType: .float) == nil)
        #expect(QuantFormat(rawValue: "int8") == .int8)
    }

    @Test func integerRanges() {
        #expect(QuantFormat.int8.integerRange() == -128...127)
        #expect(QuantFormat.int8.integerRange(.restricted) == -127...127)
        #expect(QuantFormat.int8.integerRange(.reduced) == -64...64)
        #expect(QuantFormat.uint8.integerRange() == 0...255)
        #expect(QuantFormat.uint8.integerRange(.restricted) == 0...255)
        #expect(QuantFormat.uint8.integerRange(.reduced) == 0...127)
        #expect(QuantFormat.int16.integerRange(.restricted) == -32767...32767)
        #expect(QuantFormat.uint16.integerRange() == 0...65535)
        #expect(QuantFormat.int4.integerRange() == -8...7)
        #expect(QuantFormat.int4.integerRange(.restricted) == -7...7)
        #expect(QuantFormat.int4.integerRange(.reduced) == -4...3)
        #expect(QuantFormat.uint4.integerRange() == 0...15)
        #expect(QuantFormat.float8e4m3fn.integerRange() == nil)
        #expect(QuantFormat.int2.integerRange() == -2...1)
        #expect(QuantFormat.uint2.integerRange() == 0...3)
        #expect(QuantFormat.float4e2m1.integerRange() == nil)
        #expect(QuantFormat.float4e2m1.minimumOpset(for: .perChannel(axis: 0)) == 23)
        #expect(QuantFormat.int2.minimumOpset(for: .perBlock(axis: 0, blockSize: 8)) == 25)
    }

    @Test func schemeConventions() {
        #expect(QuantScheme.onnxRuntime(format: .int8, symmetric: true).integerRange == -127...127)
        #expect(QuantScheme.onnxRuntime(format: .int8, symmetric: false).integerRange == -128...127)
        #expect(QuantScheme.onnxRuntime(format: .int4, symmetric: true).integerRange == -8...7)
        #expect(QuantScheme.onnxRuntime(format: .int16, symmetric: true).integerRange == -32767...32767)
        #expect(QuantScheme.onnxRuntime(format: .uint8, symmetric: true, reduceRange: true).integerRange == 0...127)
        #expect(QuantScheme.tensorRT(format: .int8).integerRange == -127...127)
        #expect(QuantScheme.tensorRT(format: .int4).integerRange == -7...7)
        #expect(QuantScheme.tensorRT(format: .int8).symmetric)
        #expect(QuantScheme.onnxRuntimeWeightsAreSymmetric(.int8))
        #expect(!QuantScheme.onnxRuntimeWeightsAreSymmetric(.uint8))
        #expect(QuantScheme.onnxRuntimeWeightsAreSymmetric(.float8e4m3fn))
    }

    @Test func minimumOpsets() {
        #expect(QuantFormat.int8.minimumOpset(for: .perTensor) == 10)
        #expect(QuantFormat.uint8.minimumOpset(for: .perChannel(axis: 0)) == 13)
        #expect(QuantFormat.int8.minimumOpset(for: .perBlock(axis: 0, blockSize: 32)) == 21)
        #expect(QuantFormat.float8e4m3fn.minimumOpset(for: .perTensor) == 19)
        #expect(QuantFormat.float8e5m2.minimumOpset(for: .perChannel(axis: 1)) == 19)
        #expect(QuantFormat.float8e4m3fn.minimumOpset(for: .perBlock(axis: 1, blockSize: 16)) == 21)
        for format in [QuantFormat.int16, .uint16, .int4, .uint4] {
            #expect(format.minimumOpset(for: .perTensor) == 21)
        }
    }

    @Test func weightAxesPerOperator() throws {
        #expect(try WeightLayout.conv(weightRank: 4) == WeightLayout(channelAxis: 0, reductionAxis: 1))
        #expect(try WeightLayout.conv(weightRank: 3).perChannel == .perChannel(axis: 0))
        let deconv = try WeightLayout.convTranspose(weightRank: 4, group: 2)
        #expect(deconv.channelAxis == 1 && deconv.reductionAxis == 0 && deconv.channelRepeat == 2)
        #expect(WeightLayout.gemm(transB: false).perChannel == .perChannel(axis: 1))
        #expect(WeightLayout.gemm(transB: true).perChannel == .perChannel(axis: 0))
        #expect(WeightLayout.gemm(transB: false).perBlock(blockSize: 32) == .perBlock(axis: 0, blockSize: 32))
        #expect(try WeightLayout.matMul(weightRank: 2).perChannel == .perChannel(axis: 1))
        #expect(try WeightLayout.matMul(weightRank: 3) == WeightLayout(channelAxis: 2, reductionAxis: 1))
        #expect(throws: QuantizationError.self) { try WeightLayout.matMul(weightRank: 1) }
        #expect(throws: QuantizationError.self) { try WeightLayout.conv(weightRank: 2) }
        #expect(throws: QuantizationError.self) { try WeightLayout.convTranspose(weightRank: 4, group: 0) }
    }

    @Test func groupedConvTransposeScalesServeEveryGroup() throws {
        // ConvTranspose weight [C=4, M/group=3, 1, 1] with group 2: output channel o uses scale o % 3.
        let values = (0..<12).map { Float($0 + 1) }
        let weight = Tensor.floats(values, dims: [4, 3, 1, 1], name: "deconv.weight")
        let layout = try WeightLayout.convTranspose(weightRank: 4, group: 2)
        let quantized = try WeightQuantizer.quantize(
            weight, scheme: .tensorRT(format: .int8), granularity: layout.perChannel)
        #expect(quantized.params.scales.count == 3)
        let bias = Tensor.floats([1, 1, 1, 1, 1, 1], dims: [6], name: "deconv.bias")
        let quantizedBias = try BiasQuantizer.quantize(bias, inputScale: 1, weightScales: quantized.params.scales)
        #expect(quantizedBias.scales.count == 6)
        #expect(Array(quantizedBias.scales[0..<3]) == Array(quantizedBias.scales[3..<6]))
    }

    @Test func parameterSetValidation() throws {
        #expect(throws: QuantizationError.self) {
            try QuantParamSet(
                format: .int8, granularity: .perChannel(axis: 0), tensorShape: [2, 2], scales: [1], zeroPoints: [0],
                tensor: "w")
        }
        #expect(throws: QuantizationError.self) {
            try QuantParamSet(
                format: .int8, granularity: .perTensor, tensorShape: [2], scales: [0], zeroPoints: [0], tensor: "w")
        }
        let set = try QuantParamSet(
            format: .uint8, granularity: .perBlock(axis: 1, blockSize: 3), tensorShape: [2, 7],
            scales: [1, 2, 3, 4, 5, 6], zeroPoints: [0, 1, 2, 3, 4, 5], tensor: "w")
        #expect(set.parameterShape == [2, 3])
        #expect(set.params(at: 4)?.scale == 5 && set.params(at: 4)?.zeroPoint == 4)
        #expect(set.params(at: 6) == nil)
        #expect(!set.zeroPointsAreZero)
        let raised = try set.replacingScales([2, 2, 3, 4, 5, 6], tensor: "w")
        #expect(raised.scales[0] == 2 && raised.zeroPoints == set.zeroPoints)
    }
}
