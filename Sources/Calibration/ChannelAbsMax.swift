/// The largest finite magnitude of each channel along one axis (what SmoothQuant needs of an activation).
public struct ChannelAbsMax: Equatable, Sendable {
    /// The channel axis, non-negative.
    public var axis: Int
    /// One value per channel; 0 for a channel without finite values.
    public var values: [Float]

    /// Creates the statistics.
    public init(axis: Int, values: [Float]) {
        self.axis = axis
        self.values = values
    }
}
