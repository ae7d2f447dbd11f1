/// Why two models could not be compared.
public enum CompareError: Error, CustomStringConvertible, Equatable {
    /// The two models produced differently sized tensors for a matched pair.
    case sizeMismatch(tensor: String, quantizedTensor: String, floatCount: Int, quantizedCount: Int, sample: String)
    /// A matched tensor holds values that cannot be read as numbers.
    case unreadable(tensor: String, model: String, reason: String)
    /// Nothing to compare: no Q/DQ pair or output matched.
    case nothingMatched(quantizedModel: String)
    /// No sample to run.
    case noSamples(source: String)

    /// One line naming the tensor or model.
    public var description: String {
        switch self {
        case .sizeMismatch(let tensor, let quantizedTensor, let floatCount, let quantizedCount, let sample):
            return "sample '\(sample)': float tensor '\(tensor)' has \(floatCount) elements but its quantized "
                + "counterpart '\(quantizedTensor)' has \(quantizedCount)"
        case .unreadable(let tensor, let model, let reason):
            return "\(model): tensor '\(tensor)' cannot be compared: \(reason)"
        case .nothingMatched(let quantizedModel):
            return "\(quantizedModel): no DequantizeLinear output or graph output matches a tensor of the float model"
        case .noSamples(let source):
            return "\(source): holds no sample"
        }
    }
}
