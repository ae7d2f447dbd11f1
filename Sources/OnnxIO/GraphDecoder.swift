import COnnxProto
import CProtobufC
import Foundation
import OnnxIR

/// Builds one IR graph (or function body) from its unpacked struct through `GraphBuilder`.
///
/// Nested graphs get their own decoder whose builder sees this one as the outer
/// scope. Names are resolved only when the whole outermost graph is in place
/// (`finish()`), so a subgraph may capture a value its parent defines further
/// down; the `Verifier` reports such ordering problems by name.
final class GraphDecoder {
    /// The builder that owns the graph.
    let builder: GraphBuilder
    private var children: [GraphDecoder] = []

    private init(name: String?, outer: GraphDecoder?) {
        builder = GraphBuilder(name: name, outer: outer?.builder)
    }

    /// Starts decoding `proto`; call `finish()` on the outermost decoder when every part is added.
    convenience init(graph proto: UnsafeMutablePointer<Onnx__GraphProto>, outer: GraphDecoder?) throws {
        let fields = proto.pointee
        self.init(name: CFields.string(fields.name), outer: outer)
        let graph = builder.graph
        graph.docString = CFields.string(fields.doc_string)
        for input in CFields.messages(fields.n_input, fields.input) {
            let info = Self.valueInfo(input)
            builder.addInput(name: info.name, type: info.type, docString: info.docString, metadata: info.metadata)
        }
        for initializer in CFields.messages(fields.n_initializer, fields.initializer) {
            builder.addInitializer(TensorDecoder.tensor(initializer))
        }
        for sparse in CFields.messages(fields.n_sparse_initializer, fields.sparse_initializer) {
            builder.addSparseInitializer(TensorDecoder.sparseTensor(sparse))
        }
        for node in CFields.messages(fields.n_node, fields.node) { try addNode(node) }
        for output in CFields.messages(fields.n_output, fields.output) {
            let info = Self.valueInfo(output)
            builder.addOutput(name: info.name, type: info.type, docString: info.docString, metadata: info.metadata)
        }
        for entry in CFields.messages(fields.n_value_info, fields.value_info) {
            let info = Self.valueInfo(entry)
            builder.addValueInfo(name: info.name, type: info.type, docString: info.docString, metadata: info.metadata)
        }
        graph.quantizationAnnotations = CFields.messages(
            fields.n_quantization_annotation, fields.quantization_annotation
        ).map {
            TensorAnnotation(
                tensorName: CFields.string($0.pointee.tensor_name),
                quantParameterTensorNames: CFields.keyValues(
                    $0.pointee.n_quant_parameter_tensor_names, $0.pointee.quant_parameter_tensor_names))
        }
        graph.metadataProps = CFields.keyValues(fields.n_metadata_props, fields.metadata_props)
    }

    /// Starts decoding a function's body: untyped inputs and outputs by name, nodes and value_info.
    convenience init(functionBody proto: UnsafeMutablePointer<Onnx__FunctionProto>) throws {
        let fields = proto.pointee
        self.init(name: nil, outer: nil)
        for input in CFields.strings(fields.n_input, fields.input) { builder.addInput(name: input, type: nil) }
        for node in CFields.messages(fields.n_node, fields.node) { try addNode(node) }
        for output in CFields.strings(fields.n_output, fields.output) { builder.addOutput(name: output, type: nil) }
        for entry in CFields.messages(fields.n_value_info, fields.value_info) {
            let info = Self.valueInfo(entry)
            builder.addValueInfo(name: info.name, type: info.type, docString: info.docString, metadata: info.metadata)
        }
    }

    /// A decoder with an empty graph, for attribute values that stand alone (function attribute defaults).
    static func standalone() -> GraphDecoder { GraphDecoder(name: nil, outer: nil) }

    /// Resolves every name in this graph and the graphs nested in it.
    func finish() throws -> Graph {
        let graph = try builder.finish()
        for child in children { _ = try child.finish() }
        return graph
    }

    /// Converts an attribute; its subgraphs become children of this decoder.
    func attribute(_ proto: UnsafeMutablePointer<Onnx__AttributeProto>) throws -> Attribute {
        let fields = proto.pointee
        let refAttrName = CFields.string(fields.ref_attr_name)
        let declared = fields.has_type != 0 ? AttributeType(rawValue: Int32(bitPattern: fields.type.rawValue)) : nil
        let type = declared ?? Self.inferredType(fields)
        return Attribute(
            CFields.string(fields.name) ?? "", try value(fields, type: type, isReference: refAttrName != nil),
            refAttrName: refAttrName, docString: CFields.string(fields.doc_string),
            hasTypeField: declared != nil)
    }

    private func addNode(_ proto: UnsafeMutablePointer<Onnx__NodeProto>) throws {
        let fields = proto.pointee
        let attributes = try CFields.messages(fields.n_attribute, fields.attribute).map { try attribute($0) }
        let node = try builder.addNode(
            opType: CFields.string(fields.op_type) ?? "", domain: CFields.string(fields.domain),
            name: CFields.string(fields.name), inputNames: CFields.strings(fields.n_input, fields.input),
            outputNames: CFields.strings(fields.n_output, fields.output), attributes: attributes)
        node.overload = CFields.string(fields.overload)
        node.docString = CFields.string(fields.doc_string)
        node.metadataProps = CFields.keyValues(fields.n_metadata_props, fields.metadata_props)
        node.deviceConfigurations = CFields.messages(fields.n_device_configurations, fields.device_configurations)
            .map { EncodedMessage(bytes: ProtoMessage.pack($0)) }
    }

    private func subgraph(_ proto: UnsafeMutablePointer<Onnx__GraphProto>) throws -> Graph {
        let child = try GraphDecoder(graph: proto, outer: self)
        children.append(child)
        return child.builder.graph
    }

    /// The value of an attribute of `type`; a missing value field gives `.valueless`.
    private func value(_ fields: Onnx__AttributeProto, type: AttributeType, isReference: Bool) throws
        -> AttributeValue
    {
        // A function's attribute reference carries only a type; an empty list there is "no value".
        func list<Element>(_ count: Int, _ make: () throws -> [Element], _ wrap: ([Element]) -> AttributeValue)
            rethrows -> AttributeValue
        {
            count == 0 && isReference ? .valueless(type) : wrap(try make())
        }
        switch type {
        case .float: return fields.has_f != 0 ? .float(fields.f) : .valueless(type)
        case .int: return fields.has_i != 0 ? .int(fields.i) : .valueless(type)
        case .string: return fields.has_s != 0 ? .string(CFields.bytes(fields.s)) : .valueless(type)
        case .tensor: return fields.t.map { .tensor(TensorDecoder.tensor($0)) } ?? .valueless(type)
        case .graph: return try fields.g.map { .graph(try subgraph($0)) } ?? .valueless(type)
        case .sparseTensor:
            return fields.sparse_tensor.map { .sparseTensor(TensorDecoder.sparseTensor($0)) } ?? .valueless(type)
        case .typeProto: return fields.tp.map { .type(TypeDecoder.valueType($0)) } ?? .valueless(type)
        case .floats: return list(fields.n_floats, { CFields.array(fields.n_floats, fields.floats) }, { .floats($0) })
        case .ints: return list(fields.n_ints, { CFields.array(fields.n_ints, fields.ints) }, { .ints($0) })
        case .strings:
            return list(
                fields.n_strings, { CFields.array(fields.n_strings, fields.strings).map(CFields.bytes) },
                { .strings($0) })
        case .tensors:
            return list(
                fields.n_tensors, { CFields.messages(fields.n_tensors, fields.tensors).map(TensorDecoder.tensor) },
                { .tensors($0) })
        case .graphs:
            return try list(
                fields.n_graphs, { try CFields.messages(fields.n_graphs, fields.graphs).map { try subgraph($0) } },
                { .graphs($0) })
        case .sparseTensors:
            return list(
                fields.n_sparse_tensors,
                { CFields.messages(fields.n_sparse_tensors, fields.sparse_tensors).map(TensorDecoder.sparseTensor) },
                { .sparseTensors($0) })
        case .typeProtos:
            return list(
                fields.n_type_protos,
                { CFields.messages(fields.n_type_protos, fields.type_protos).map(TypeDecoder.valueType) },
                { .types($0) })
        default:
            return .valueless(type)
        }
    }

    /// The type very old files imply by the one value field they set (they wrote no `type`).
    private static func inferredType(_ fields: Onnx__AttributeProto) -> AttributeType {
        let candidates: [(Bool, AttributeType)] = [
            (fields.has_f != 0, .float), (fields.has_i != 0, .int), (fields.has_s != 0, .string),
            (fields.t != nil, .tensor), (fields.g != nil, .graph), (fields.sparse_tensor != nil, .sparseTensor),
            (fields.tp != nil, .typeProto), (fields.n_floats > 0, .floats), (fields.n_ints > 0, .ints),
            (fields.n_strings > 0, .strings), (fields.n_tensors > 0, .tensors), (fields.n_graphs > 0, .graphs),
            (fields.n_sparse_tensors > 0, .sparseTensors), (fields.n_type_protos > 0, .typeProtos),
        ]
        return candidates.first { $0.0 }?.1 ?? .undefined
    }

    private static func valueInfo(_ proto: UnsafeMutablePointer<Onnx__ValueInfoProto>) -> (
        name: String, type: ValueType?, docString: String?, metadata: [KeyValue]
    ) {
        let fields = proto.pointee
        return (
            CFields.string(fields.name) ?? "", fields.type.map(TypeDecoder.valueType),
            CFields.string(fields.doc_string), CFields.keyValues(fields.n_metadata_props, fields.metadata_props)
        )
    }
}
