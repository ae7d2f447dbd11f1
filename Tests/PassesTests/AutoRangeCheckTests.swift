import Testing

@testable import Passes

/// `AutoRangeCheck`'s rule: the auto ranges stay only when no output is worse with them than with minmax.
@Suite struct AutoRangeCheckTests {
    @Test func aLossOnOneOutputRejectsAutoEvenWhenThePooledErrorIsLower() {
        // A large state output gains 10 dB, the small probability next to it loses 0.4 dB: pooled, auto
        // would win (noise 0.1 + 0.011 against 1 + 0.01).
        let verdict = AutoRangeCheck.verdict(
            outputs: ["probability", "state"], signal: ["probability": 1, "state": 1000],
            autoNoise: ["probability": 0.011, "state": 0.1], minMaxNoise: ["probability": 0.01, "state": 1])
        #expect(verdict.worseOutput == "probability")
        #expect(abs(verdict.autoSQNR - 19.586) < 1e-3)
        #expect(abs(verdict.minMaxSQNR - 20) < 1e-9)
    }

    @Test func autoStaysWhenEveryOutputIsAtLeastAsGood() {
        let verdict = AutoRangeCheck.verdict(
            outputs: ["a", "b", "unmeasured"], signal: ["a": 4, "b": 9],
            autoNoise: ["a": 0.04, "b": 0], minMaxNoise: ["a": 0.04, "b": 0.09])
        #expect(verdict.worseOutput == nil)
        #expect(abs(verdict.autoSQNR - 20) < 1e-9)
        #expect(abs(verdict.minMaxSQNR - 20) < 1e-9)
    }
}
