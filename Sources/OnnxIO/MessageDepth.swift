import CProtobufC

/// Measures how deep an unpacked (or about to be packed) protobuf-c message tree nests.
///
/// The writer checks what it built against `WireDepthCheck.limit` before packing: ONNX text
/// accepts deeper graph nesting than protobuf reading does, and a model that qdqc writes must be
/// one it can read back (50 nested `If`s once made a file its own reader refused).
enum MessageDepth {
    /// Whether `message` nests no deeper than `limit` (the message itself is depth 1).
    static func isWithinLimit(_ message: UnsafePointer<ProtobufCMessage>, limit: Int) -> Bool {
        within(message, depth: 1, limit: limit)
    }

    private static func within(_ message: UnsafePointer<ProtobufCMessage>, depth: Int, limit: Int) -> Bool {
        if depth > limit { return false }
        guard let descriptor = message.pointee.descriptor, let fields = descriptor.pointee.fields else { return true }
        let base = UnsafeRawPointer(message)
        for index in 0..<Int(descriptor.pointee.n_fields) {
            let field = fields[index]
            guard field.type == PROTOBUF_C_TYPE_MESSAGE else { continue }
            if field.label == PROTOBUF_C_LABEL_REPEATED {
                let count = base.load(fromByteOffset: Int(field.quantifier_offset), as: Int.self)
                guard count > 0,
                    let elements = base.load(
                        fromByteOffset: Int(field.offset), as: UnsafePointer<UnsafePointer<ProtobufCMessage>?>?.self)
                else { continue }
                for element in 0..<count {
                    if let child = elements[element], !within(child, depth: depth + 1, limit: limit) { return false }
                }
                continue
            }
            // A oneof member's pointer shares its memory with the other members: read it only when chosen.
            if field.flags & UInt32(PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue) != 0 {
                let chosen = base.load(fromByteOffset: Int(field.quantifier_offset), as: UInt32.self)
                guard chosen == field.id else { continue }
            }
            if let child = base.load(fromByteOffset: Int(field.offset), as: UnsafePointer<ProtobufCMessage>?.self),
                !within(child, depth: depth + 1, limit: limit)
            {
                return false
            }
        }
        return true
    }
}
