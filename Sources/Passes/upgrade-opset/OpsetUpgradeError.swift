/// Why a model's default-domain opset could not be raised; each case names what is in the way.
public enum OpsetUpgradeError: Error, Equatable, CustomStringConvertible {
    /// The model's opset is older than the oldest one the converter starts from.
    case sourceTooOld(opset: Int64, oldest: Int64)
    /// The requested opset is newer than the newest one qdqc knows.
    case targetTooNew(opset: Int64, newest: Int64)
    /// The model has default-domain nodes but does not import the default domain.
    case missingDefaultImport(node: String)
    /// A node cannot be rewritten exactly for the newer opset.
    case cannotConvert(node: String, opType: String, toOpset: Int64, reason: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .sourceTooOld(let opset, let oldest):
            return "upgrade-opset: the model uses default-domain opset \(opset); only opset \(oldest) and later convert"
        case .targetTooNew(let opset, let newest):
            return "upgrade-opset: opset \(opset) is newer than the newest qdqc knows (\(newest))"
        case .missingDefaultImport(let node):
            return "upgrade-opset: node '\(node)' is in the default domain but the model does not import it"
        case .cannotConvert(let node, let opType, let toOpset, let reason):
            return "upgrade-opset: cannot convert node '\(node)' (\(opType)) to opset \(toOpset): \(reason)"
        }
    }
}
