import Testing

@testable import Evaluation

/// Which raises the mixed-precision search counts as free (tried together in one run) and which it weighs by MACs.
@Suite struct MixedPrecisionStateTests {
    private static func tensor(_ name: String, position: Int, layers: [String], macs: Int) -> TensorSensitivity {
        TensorSensitivity(
            tensor: name, kind: .activation, node: nil, opType: "Add", position: position, ownSQNR: nil,
            quantizedAloneSQNR: 20, floatAloneSQNR: 25, gain: 1, outputs: [], layers: layers, macs: macs,
            elements: 1)
    }

    private static func state(maxWideFraction: Double = 0.5) -> MixedPrecisionState {
        let report = SensitivityReport(
            data: "d", firstSample: 0, endSample: 1, outputs: [],
            tensors: [
                tensor("residual", position: 0, layers: [], macs: 0),
                tensor("x", position: 1, layers: ["mm"], macs: 100),
                tensor("w", position: 2, layers: ["mm"], macs: 100),
                tensor("y", position: 3, layers: ["mm2"], macs: 300),
            ],
            skipped: [], layerMACs: ["mm": 100, "mm2": 300], seconds: 0)
        return MixedPrecisionState(sensitivity: report, widenable: ["residual"], maxWideFraction: maxWideFraction)
    }

    @Test func onlyTensorsThatWidenNoFurtherLayerAreFree() throws {
        var state = Self.state()
        let gains = ["residual": 1.0, "x": 1.0, "w": 1.0, "y": 1.0]
        #expect(state.free(gains: gains, excluding: []).map(\.tensor) == ["residual"])
        #expect(state.free(gains: gains, excluding: []).first?.precision == .wide, "a 16-bit pair first")
        let x = try #require(state.next(gains: ["x": 1.0], excluding: []))
        state.raise(x, gain: 1, worstAfter: 0)
        // `mm` runs wide now, so its weight costs nothing more; `y` would widen `mm2`.
        #expect(state.free(gains: gains, excluding: []).map(\.tensor) == ["residual", "w"])
        #expect(state.free(gains: gains, excluding: ["residual"]).map(\.tensor) == ["w"])
    }

    @Test func aGainBelowTheMinimumIsNotFree() {
        let state = Self.state()
        #expect(state.free(gains: ["residual": MixedPrecisionSearch.minimumGain / 2], excluding: []).isEmpty)
    }
}
