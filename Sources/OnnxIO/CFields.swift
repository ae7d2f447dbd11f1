import COnnxProto
import CProtobufC
import Foundation
import OnnxIR

/// Reads fields of unpacked protobuf-c structs into Swift values.
enum CFields {
    /// protobuf-c's shared empty string, which marks an unset string field in some generated code.
    ///
    /// The header declares it as an array of unknown size, which Swift cannot import, so it is looked up by name.
    // Constant addresses found once; pointers are not Sendable, but nothing writes these.
    nonisolated(unsafe) private static let sharedEmptyString: UnsafeRawPointer? = UnsafeRawPointer(
        dlsym(defaultSymbolScope, "protobuf_c_empty_string"))

    #if os(Linux)
        // RTLD_DEFAULT
        nonisolated(unsafe) private static let defaultSymbolScope = UnsafeMutableRawPointer(bitPattern: 0)
    #else
        // RTLD_DEFAULT
        nonisolated(unsafe) private static let defaultSymbolScope = UnsafeMutableRawPointer(bitPattern: -2)
    #endif

    /// An optional string field: nil when unset (NULL or protobuf-c's shared empty default).
    static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer, UnsafeRawPointer(pointer) != sharedEmptyString else { return nil }
        return String(cString: pointer)
    }

    /// A repeated string field.
    static func strings(_ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard let pointer else { return [] }
        return (0..<count).map { index in pointer[index].map { String(cString: $0) } ?? "" }
    }

    /// A repeated scalar field, copied in one go.
    static func array<Element>(_ count: Int, _ pointer: UnsafeMutablePointer<Element>?) -> [Element] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// The non-NULL entries of a repeated message field.
    static func messages<Message>(
        _ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Message>?>?
    ) -> [UnsafeMutablePointer<Message>] {
        guard let pointer else { return [] }
        return (0..<count).compactMap { pointer[$0] }
    }

    /// A `bytes` value, copied.
    static func bytes(_ binary: ProtobufCBinaryData) -> [UInt8] {
        guard let data = binary.data, binary.len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: binary.len))
    }

    /// A repeated `StringStringEntryProto` field.
    static func keyValues(
        _ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?
    ) -> [KeyValue] {
        messages(count, pointer).map { KeyValue(string($0.pointee.key) ?? "", string($0.pointee.value) ?? "") }
    }

    /// A scalar field with a `has_` flag: nil when the flag is clear.
    static func optional<Value>(_ has: protobuf_c_boolean, _ value: Value) -> Value? { has != 0 ? value : nil }
}
