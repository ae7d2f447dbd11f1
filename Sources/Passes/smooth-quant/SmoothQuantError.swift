/// Why `smooth-quant` could not run.
public enum SmoothQuantError: Error, CustomStringConvertible, Equatable {
    /// The pipeline was run without calibration samples.
    case noCalibrationData
    /// An activation did not have the channel count its layers expect.
    case channelMismatch(tensor: String, expected: Int, observed: Int)
    /// A node the rewrite relies on lost an output or an input on the way (a bug, not bad input).
    case inconsistentGraph(node: String)

    /// One line naming the problem.
    public var description: String {
        switch self {
        case .noCalibrationData:
            return "smooth-quant needs calibration samples (--calib-data) to measure activation ranges"
        case .channelMismatch(let tensor, let expected, let observed):
            return "smooth-quant: activation '\(tensor)' has \(observed) channels, its weight layers expect \(expected)"
        case .inconsistentGraph(let node):
            return "smooth-quant: node '\(node)' changed while it was being smoothed"
        }
    }
}
