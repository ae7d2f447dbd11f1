import Calibration
import Testing

/// Per-channel magnitudes for SmoothQuant.
@Suite struct ChannelAbsMaxObserverTests {
    /// A 2×3×2 tensor (batch, channel, width) whose channel c holds ±(c+1)·k.
    private let values: [Float] = [1, -2, 3, 4, -5, 6, -7, 8, 9, -10, 11, -12]

    @Test func maximumPerChannelAlongAnAxis() throws {
        var observer = ChannelAbsMaxObserver(axis: 1)
        try Feed.batch(&observer, values, shape: [2, 3, 2])
        let result = try observer.result()
        #expect(result.channelAbsMax == ChannelAbsMax(axis: 1, values: [8, 10, 12]))
        #expect(result.observed == CalibrationRange(min: -12, max: 11))
    }

    @Test func negativeAxisCountsFromTheEnd() throws {
        var observer = ChannelAbsMaxObserver(axis: -1)
        try Feed.batch(&observer, values, shape: [2, 3, 2])
        try Feed.batch(&observer, [100, .nan, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], shape: [2, 3, 2])
        let result = try observer.result()
        #expect(result.channelAbsMax == ChannelAbsMax(axis: 2, values: [100, 12]))
        #expect(result.counts.nan == 1)
    }

    @Test func channelCountMustStayTheSame() throws {
        var observer = ChannelAbsMaxObserver(axis: 1)
        try Feed.batch(&observer, values, shape: [2, 3, 2])
        #expect(throws: CalibrationError.self) { try Feed.batch(&observer, values, shape: [2, 2, 3]) }
        #expect(throws: CalibrationError.self) { try Feed.batch(&observer, values, shape: [12]) }
    }

    @Test func storageIsOneNumberPerChannel() throws {
        var observer = ChannelAbsMaxObserver(axis: 1)
        try Feed.batch(&observer, values, shape: [2, 3, 2])
        let once = observer.storedNumberCount
        for _ in 0..<50 { try Feed.batch(&observer, values, shape: [2, 3, 2]) }
        #expect(observer.storedNumberCount == once)
    }
}
