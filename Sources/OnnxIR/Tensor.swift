import Foundation

/// A constant tensor: an initializer, an attribute value or a literal.
///
/// A value type; its bytes are shared (copy on write), so copying a `Tensor`
/// never copies weights.
public struct Tensor: Sendable {
    /// The name; for initializers, the name of the value it defines.
    public var name: String?
    /// The element type.
    public var dataType: DataType
    /// The shape; empty for a scalar.
    public var dims: [Int64]
    /// Where the elements are, in the form the file used.
    public var storage: TensorStorage {
        // New bytes are not the mapped ones: a copy of a spilled tensor given other bytes is spilled anew.
        didSet { mappedPages = nil }
    }
    /// Documentation.
    public var docString: String?
    /// `segment` of a tensor split across messages: begin and end, each optional.
    public var segment: TensorSegment?
    /// Metadata entries.
    public var metadataProps: [KeyValue]
    /// `data_location` exactly as written, nil when the field was absent.
    public var dataLocationField: Int32?
    /// Set when `storage` holds bytes mapped from a file by a `TensorSpill`: gives their resident pages back.
    ///
    /// Not part of the tensor's value (the model file never sees it); changing `storage` clears it, and a
    /// tensor rebuilt from these bytes without it still reads them, only its pages are not given back.
    public var mappedPages: MappedPages?

    /// Creates a tensor.
    public init(
        name: String? = nil, dataType: DataType, dims: [Int64], storage: TensorStorage,
        docString: String? = nil, segment: TensorSegment? = nil, metadataProps: [KeyValue] = [],
        dataLocationField: Int32? = nil
    ) {
        self.name = name
        self.dataType = dataType
        self.dims = dims
        self.storage = storage
        self.docString = docString
        self.segment = segment
        self.metadataProps = metadataProps
        self.dataLocationField = dataLocationField
    }

    /// Number of elements (the product of `dims`; 1 for a scalar).
    public var elementCount: Int { dims.reduce(1) { $0 * Int($1) } }

    /// Whether the elements live in a side file.
    public var isExternal: Bool {
        if case .external = storage { return true }
        return false
    }

    /// Whether the bytes are memory-mapped from a file (a side file, or a spill) and can give their pages back.
    public var hasMappedBytes: Bool { isExternal || mappedPages != nil }

    /// Gives the resident pages of a memory-mapped tensor (external, or spilled) back after its bytes were read;
    /// other tensors are unaffected. See `LazyBytes.releaseResidentPages()`.
    public func releaseResidentPages() {
        if case .external(let external) = storage { external.source?.releaseResidentPages() }
        mappedPages?.releaseResidentPages()
    }

    /// A float32 tensor from values, stored as `raw_data`.
    public static func floats(_ values: [Float], dims: [Int64], name: String? = nil) -> Tensor {
        Tensor(name: name, dataType: .float, dims: dims, storage: .raw(values.withUnsafeBytes { Data($0) }))
    }

    /// An int64 tensor from values, stored as `raw_data`.
    public static func int64s(_ values: [Int64], dims: [Int64], name: String? = nil) -> Tensor {
        Tensor(name: name, dataType: .int64, dims: dims, storage: .raw(values.withUnsafeBytes { Data($0) }))
    }

    /// The elements as little-endian packed bytes, whatever field holds them.
    ///
    /// Raw and external storage return their bytes without copying; typed lists
    /// are converted once. Strings have no byte form and throw.
    public func rawBytes() throws -> Data {
        switch storage {
        case .none:
            return Data()
        case .raw(let data):
            return data
        case .external(let external):
            guard let source = external.source else {
                throw IRError.externalDataUnavailable(tensor: name ?? "", location: external.location ?? "")
            }
            return try source.bytes()
        case .floats(let values):
            return values.withUnsafeBytes { Data($0) }
        case .doubles(let values):
            return values.withUnsafeBytes { Data($0) }
        case .int64s(let values):
            return values.withUnsafeBytes { Data($0) }
        case .uint64s(let values):
            if dataType == .uint32 { return values.map { UInt32(truncatingIfNeeded: $0) }.withUnsafeBytes { Data($0) } }
            return values.withUnsafeBytes { Data($0) }
        case .int32s(let values):
            return try Self.packInt32Field(values, as: dataType, tensor: name ?? "")
        case .strings:
            throw IRError.invalidTensor(tensor: name ?? "", reason: "string tensors have no byte form")
        }
    }

    /// Packs `int32_data` entries (one element or bit pattern each) into `raw_data` form.
    private static func packInt32Field(_ values: [Int32], as type: DataType, tensor: String) throws -> Data {
        guard let bits = type.bitWidth else {
            throw IRError.invalidTensor(tensor: tensor, reason: "int32_data for type \(type)")
        }
        switch bits {
        case 32:
            return values.withUnsafeBytes { Data($0) }
        case 16:
            return values.map { UInt16(truncatingIfNeeded: $0) }.withUnsafeBytes { Data($0) }
        case 8:
            return Data(values.map { UInt8(truncatingIfNeeded: $0) })
        case 4:
            // ONNX stores 4-bit types two per int32_data entry, already packed.
            return Data(values.map { UInt8(truncatingIfNeeded: $0) })
        case 2:
            return Data(values.map { UInt8(truncatingIfNeeded: $0) })
        default:
            throw IRError.invalidTensor(tensor: tensor, reason: "int32_data for type \(type)")
        }
    }
}
