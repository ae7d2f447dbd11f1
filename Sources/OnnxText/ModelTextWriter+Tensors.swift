import Foundation
import OnnxIR

extension ModelTextWriter {
    /// A tensor's data as written after its type: an element list, or an external-data reference.
    struct TensorData {
        var text: String
        var isReference: Bool
    }

    /// The data of `tensor` placed as the options say: inline, elided, or in the sidecar.
    ///
    /// Tensors that are already references keep them when their bytes cannot be read
    /// (no loader, or an earlier elision); string tensors are always inline, as ONNX
    /// keeps string data out of external files.
    mutating func tensorData(_ tensor: Tensor, label: String) throws -> TensorData {
        guard let count = ElementCount.of(tensor.dims) else {
            throw TextPrintError.invalidTensor(tensor: label, reason: "shape \(tensor.dims) has no element count")
        }
        let isLarge = tensor.dataType != .string && count > options.largeTensorThreshold
        if case .external(let external) = tensor.storage {
            return try externalTensorData(tensor, external, isLarge: isLarge, label: label)
        }
        if case .none = tensor.storage { return TensorData(text: "{}", isReference: false) }
        if isLarge {
            switch options.largeTensors {
            case .inline:
                break
            case .elide:
                let length = ElementCount.bytes(elements: count, of: tensor.dataType)
                return TensorData(text: Self.elidedReference(byteCount: length), isReference: true)
            case .sidecar(let fileName):
                let bytes = try checkedBytes(of: tensor, count: count, label: label)
                return TensorData(text: appendToSidecar(bytes, fileName: fileName), isReference: true)
            }
        }
        return TensorData(text: try TensorTextEncoder.literal(of: tensor, name: label), isReference: false)
    }

    private mutating func externalTensorData(
        _ tensor: Tensor, _ external: ExternalData, isLarge: Bool, label: String
    ) throws -> TensorData {
        let keepReference = TensorData(text: Self.reference(external.entries), isReference: true)
        if external.location == TextSyntax.elidedLocation { return keepReference }
        if isLarge {
            switch options.largeTensors {
            case .inline:
                break
            case .elide:
                let count = ElementCount.of(tensor.dims) ?? 0
                let length = external.length ?? ElementCount.bytes(elements: count, of: tensor.dataType)
                return TensorData(text: Self.elidedReference(byteCount: length), isReference: true)
            case .sidecar(let fileName):
                guard external.source != nil else {
                    throw TextPrintError.unreadableTensor(
                        tensor: label,
                        reason: "its external data '\(external.location ?? "")' is not bound to a folder")
                }
                let bytes = try checkedBytes(of: tensor, count: ElementCount.of(tensor.dims) ?? 0, label: label)
                return TensorData(text: appendToSidecar(bytes, fileName: fileName), isReference: true)
            }
        }
        guard external.source != nil else { return keepReference }
        return TensorData(text: try TensorTextEncoder.literal(of: tensor, name: label), isReference: false)
    }

    /// The tensor's raw bytes, checked against its type and shape.
    private func checkedBytes(of tensor: Tensor, count: Int, label: String) throws -> Data {
        let bytes: Data
        do {
            bytes = try tensor.rawBytes()
        } catch {
            throw TextPrintError.unreadableTensor(tensor: label, reason: "\(error)")
        }
        let expected = ElementCount.bytes(elements: count, of: tensor.dataType)
        guard bytes.count == expected else {
            throw TextPrintError.invalidTensor(
                tensor: label,
                reason: "holds \(bytes.count) bytes but \(tensor.dataType)\(tensor.dims) needs \(expected ?? 0)")
        }
        return bytes
    }

    /// Appends `bytes` at the next 64-byte boundary and returns the reference to them.
    private mutating func appendToSidecar(_ bytes: Data, fileName: String) -> String {
        let padding = (64 - sidecar.count % 64) % 64
        if padding > 0 { sidecar.append(Data(count: padding)) }
        let offset = sidecar.count
        sidecar.append(bytes)
        wroteSidecar = true
        return Self.reference([
            KeyValue("location", fileName), KeyValue("offset", String(offset)),
            KeyValue("length", String(bytes.count)),
        ])
    }

    static func elidedReference(byteCount: Int?) -> String {
        var entries = [KeyValue("location", TextSyntax.elidedLocation)]
        if let byteCount { entries.append(KeyValue("length", String(byteCount))) }
        return reference(entries)
    }

    /// `["location": "file.bin", "offset": "0", ...]`, which both parsers read as external data.
    static func reference(_ entries: [KeyValue]) -> String { keyValueList(entries) }
}
