import CProtobufC

/// Measures how deep messages nest in protobuf bytes before protobuf-c unpacks them.
///
/// protobuf-c unpacks nested messages recursively with no limit, so a small
/// hostile file could exhaust the stack; this walk follows only fields the
/// descriptors declare as messages and gives up past `limit` (protobuf's own
/// default of 100). Malformed bytes end the walk quietly: protobuf-c rejects them.
struct WireDepthCheck {
    /// The deepest nesting accepted.
    static let limit = 100

    /// Whether `bytes`, read as `descriptor`'s message, nests no deeper than `limit`.
    static func isWithinLimit(
        _ bytes: UnsafeRawBufferPointer, descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    ) -> Bool {
        guard let start = bytes.baseAddress else { return true }
        return scan(start.assumingMemoryBound(to: UInt8.self), count: bytes.count, descriptor, depth: 1)
    }

    private static func scan(
        _ bytes: UnsafePointer<UInt8>, count: Int, _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        depth: Int
    ) -> Bool {
        if depth > limit { return false }
        var index = 0
        while index < count {
            guard let key = varint(bytes, count, &index) else { return true }
            switch key & 7 {
            case 0:
                guard varint(bytes, count, &index) != nil else { return true }
            case 1:
                index += 8
            case 5:
                index += 4
            case 2:
                guard let length = varint(bytes, count, &index), length <= UInt64(count - index) else { return true }
                let size = Int(length)
                if let nested = messageDescriptor(of: key >> 3, in: descriptor),
                    !scan(bytes + index, count: size, nested, depth: depth + 1)
                {
                    return false
                }
                index += size
            default:
                return true
            }
        }
        return true
    }

    private static func messageDescriptor(
        of number: UInt64, in descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    ) -> UnsafePointer<ProtobufCMessageDescriptor>? {
        guard number > 0, number <= UInt64(UInt32.max),
            let field = protobuf_c_message_descriptor_get_field(descriptor, UInt32(number)),
            field.pointee.type == PROTOBUF_C_TYPE_MESSAGE, let nested = field.pointee.descriptor
        else { return nil }
        return nested.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
    }

    private static func varint(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ index: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < count, shift < 64 {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }
}
