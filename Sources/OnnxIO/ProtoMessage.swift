import COnnxProto
import CProtobufC
import Foundation

/// The one funnel for protobuf-c calls: unpack with a depth check, free, pack.
enum ProtoMessage {
    /// Unpacks `bytes` as the message type `initializer` (a generated `..._init`) initializes; the caller frees
    /// it with `free`.
    ///
    /// - Parameters:
    ///   - what: names the expected message in errors ("ONNX model", "TensorProto").
    ///   - path: the file the bytes came from, for errors.
    static func unpack<Message>(
        _ bytes: UnsafeRawBufferPointer, initializer: (UnsafeMutablePointer<Message>?) -> Void, what: String,
        path: String
    ) throws -> UnsafeMutablePointer<Message> {
        let descriptor = self.descriptor(initializer)
        guard WireDepthCheck.isWithinLimit(bytes, descriptor: descriptor) else {
            throw OnnxIOError(path: path, reason: .nestingTooDeep(limit: WireDepthCheck.limit))
        }
        var placeholder: UInt8 = 0
        let message = withUnsafePointer(to: &placeholder) { fallback in
            protobuf_c_message_unpack(
                descriptor, nil, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? fallback)
        }
        guard let message else {
            throw OnnxIOError(
                path: path,
                reason: .notProtobuf(
                    message: "not a valid \(what): the protobuf data is truncated, corrupt or of another kind"))
        }
        return UnsafeMutableRawPointer(message).assumingMemoryBound(to: Message.self)
    }

    /// The descriptor of the message type `initializer` initializes.
    ///
    /// Swift copies imported C constants, so `&onnx__model_proto__descriptor` would not
    /// be the address protobuf-c compares against; an initialized message holds the real one.
    static func descriptor<Message>(_ initializer: (UnsafeMutablePointer<Message>?) -> Void)
        -> UnsafePointer<ProtobufCMessageDescriptor>
    {
        let message = UnsafeMutablePointer<Message>.allocate(capacity: 1)
        defer { message.deallocate() }
        initializer(message)
        return header(message).pointee.descriptor
    }

    /// Frees a message `unpack` returned.
    static func free<Message>(_ message: UnsafeMutablePointer<Message>) {
        protobuf_c_message_free_unpacked(
            UnsafeMutableRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self), nil)
    }

    /// The message header of a generated struct.
    static func header<Message>(_ message: UnsafeMutablePointer<Message>) -> UnsafeMutablePointer<ProtobufCMessage> {
        UnsafeMutableRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self)
    }

    /// The encoded size of `message`.
    static func packedSize<Message>(_ message: UnsafeMutablePointer<Message>) -> Int {
        protobuf_c_message_get_packed_size(header(message))
    }

    /// Streams `message`'s encoding to `append` in pieces (a large `bytes` field, such as a tensor's
    /// `raw_data`, arrives as one piece pointing at the field's own bytes); nothing is buffered whole.
    static func pack<Message>(_ message: UnsafeMutablePointer<Message>, to append: (UnsafeRawBufferPointer) -> Void) {
        withoutActuallyEscaping(append) { append in
            let receiver = PieceReceiver(append)
            let headerSize = MemoryLayout<ProtobufCBuffer>.stride
            let bridge = UnsafeMutableRawPointer.allocate(
                byteCount: headerSize + MemoryLayout<UnsafeRawPointer>.stride, alignment: 16)
            defer { bridge.deallocate() }
            // protobuf-c hands the ProtobufCBuffer pointer back to the callback; the receiver's
            // address sits right after it, the C idiom of a struct that embeds the buffer.
            bridge.storeBytes(of: ProtobufCBuffer(append: PieceReceiver.appendFromC), as: ProtobufCBuffer.self)
            bridge.storeBytes(
                of: UnsafeRawPointer(Unmanaged.passUnretained(receiver).toOpaque()), toByteOffset: headerSize,
                as: UnsafeRawPointer.self)
            withExtendedLifetime(receiver) {
                _ = protobuf_c_message_pack_to_buffer(
                    header(message), bridge.assumingMemoryBound(to: ProtobufCBuffer.self))
            }
        }
    }

    /// `message` encoded into a new `Data`.
    static func pack<Message>(_ message: UnsafeMutablePointer<Message>) -> Data {
        let size = packedSize(message)
        guard size > 0 else { return Data() }
        var data = Data(count: size)
        data.withUnsafeMutableBytes { buffer in
            _ = protobuf_c_message_pack(header(message), buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return data
    }
}

/// Holds the closure protobuf-c's streaming packer calls through `ProtobufCBuffer.append`.
private final class PieceReceiver {
    let append: (UnsafeRawBufferPointer) -> Void

    init(_ append: @escaping (UnsafeRawBufferPointer) -> Void) { self.append = append }

    /// protobuf-c's `ProtobufCBuffer.append` signature.
    typealias AppendFunction =
        @convention(c) (UnsafeMutablePointer<ProtobufCBuffer>?, Int, UnsafePointer<UInt8>?) -> Void

    static let appendFromC: AppendFunction = { buffer, length, data in
        guard let buffer, let data else { return }
        let context = UnsafeRawPointer(buffer).load(
            fromByteOffset: MemoryLayout<ProtobufCBuffer>.stride, as: UnsafeRawPointer.self)
        let receiver = Unmanaged<PieceReceiver>.fromOpaque(context).takeUnretainedValue()
        receiver.append(UnsafeRawBufferPointer(start: data, count: length))
    }
}
