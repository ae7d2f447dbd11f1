import COnnxProto
import CProtobufC
import Foundation
import OnnxIR

/// Converts an IR model into a tree of protobuf-c structs ready to pack.
///
/// Everything lives in `arena` and stays valid as long as this encoder does.
/// Raw tensor bytes are not copied: the structs point into the tensors' `Data`.
final class ProtoEncoder {
    /// Owns every struct, string and array of the tree.
    let arena = CArena()
    /// Tensor conversion.
    let tensors: TensorEncoder
    private let types: TypeEncoder
    private let errorPath: String
    // Whether size alone may move a tensor to the side file: true in the main graph and its
    // subgraphs, the tensors `onnx.load` itself reads back from external data.
    private var externalizable = true

    /// Creates an encoder; `sink` receives large or previously external tensors, `errorPath` names errors.
    init(errorPath: String, sink: ExternalDataSink?) {
        self.errorPath = errorPath
        tensors = TensorEncoder(arena: arena, sink: sink, errorPath: errorPath)
        types = TypeEncoder(arena: arena)
    }

    /// Converts a whole model.
    func modelProto(_ model: Model) throws -> UnsafeMutablePointer<Onnx__ModelProto> {
        let proto: UnsafeMutablePointer<Onnx__ModelProto> = arena.message(onnx__model_proto__init)
        if let irVersion = model.irVersion { (proto.pointee.has_ir_version, proto.pointee.ir_version) = (1, irVersion) }
        (proto.pointee.n_opset_import, proto.pointee.opset_import) = opsetImports(model.opsetImports)
        proto.pointee.producer_name = arena.cString(model.producerName)
        proto.pointee.producer_version = arena.cString(model.producerVersion)
        proto.pointee.domain = arena.cString(model.domain)
        if let version = model.modelVersion {
            (proto.pointee.has_model_version, proto.pointee.model_version) = (1, version)
        }
        proto.pointee.doc_string = arena.cString(model.docString)
        externalizable = true
        proto.pointee.graph = try graphProto(model.graph)
        (proto.pointee.n_metadata_props, proto.pointee.metadata_props) = tensors.keyValues(model.metadataProps)
        externalizable = false
        (proto.pointee.n_training_info, proto.pointee.training_info) = arena.pointerArray(
            try model.trainingInfo.map(trainingInfoProto))
        (proto.pointee.n_functions, proto.pointee.functions) = arena.pointerArray(
            try model.functions.map(functionProto))
        (proto.pointee.n_configuration, proto.pointee.configuration) = arena.pointerArray(
            model.configurations.map(configurationProto))
        // What qdqc writes must read back: the reader refuses nesting past `WireDepthCheck.limit`.
        guard MessageDepth.isWithinLimit(UnsafePointer(ProtoMessage.header(proto)), limit: WireDepthCheck.limit) else {
            throw OnnxIOError(
                path: errorPath,
                reason: .invalidModel(
                    "graphs and types nest more than \(WireDepthCheck.limit) protobuf levels deep, which no reader "
                        + "(qdqc's, or protobuf's by default) accepts"))
        }
        return proto
    }

    /// Converts a graph and everything in it.
    func graphProto(_ graph: Graph) throws -> UnsafeMutablePointer<Onnx__GraphProto> {
        let proto: UnsafeMutablePointer<Onnx__GraphProto> = arena.message(onnx__graph_proto__init)
        (proto.pointee.n_node, proto.pointee.node) = arena.pointerArray(try graph.nodes.map(nodeProto))
        proto.pointee.name = arena.cString(graph.name)
        (proto.pointee.n_initializer, proto.pointee.initializer) = arena.pointerArray(
            try graph.initializers.compactMap { value in
                try value.initializer.map {
                    try tensors.tensorProto($0, name: storedName(value, $0.name), externalizable: externalizable)
                }
            })
        (proto.pointee.n_sparse_initializer, proto.pointee.sparse_initializer) = arena.pointerArray(
            try graph.sparseInitializers.compactMap { value in
                try value.sparseInitializer.map {
                    try tensors.sparseProto($0, name: storedName(value, $0.name), externalizable: false)
                }
            })
        proto.pointee.doc_string = arena.cString(graph.docString)
        (proto.pointee.n_input, proto.pointee.input) = arena.pointerArray(graph.inputs.map(valueInfoProto))
        (proto.pointee.n_output, proto.pointee.output) = arena.pointerArray(graph.outputs.map(valueInfoProto))
        (proto.pointee.n_value_info, proto.pointee.value_info) = arena.pointerArray(graph.valueInfo.map(valueInfoProto))
        (proto.pointee.n_quantization_annotation, proto.pointee.quantization_annotation) = arena.pointerArray(
            graph.quantizationAnnotations.map(annotationProto))
        (proto.pointee.n_metadata_props, proto.pointee.metadata_props) = tensors.keyValues(graph.metadataProps)
        return proto
    }

    /// The name an initializer is written under: its value's name, unless both were absent.
    private func storedName(_ value: Value, _ tensorName: String?) -> String? {
        tensorName == nil && value.name.isEmpty ? nil : value.name
    }

    private func nodeProto(_ node: Node) throws -> UnsafeMutablePointer<Onnx__NodeProto>? {
        let proto: UnsafeMutablePointer<Onnx__NodeProto> = arena.message(onnx__node_proto__init)
        (proto.pointee.n_input, proto.pointee.input) = arena.cStrings(node.inputs.map { $0?.name ?? "" })
        (proto.pointee.n_output, proto.pointee.output) = arena.cStrings(node.outputs.map { $0?.name ?? "" })
        proto.pointee.name = arena.cString(node.name)
        proto.pointee.op_type = arena.cString(node.opType)
        proto.pointee.domain = arena.cString(node.domainField)
        proto.pointee.overload = arena.cString(node.overload)
        (proto.pointee.n_attribute, proto.pointee.attribute) = arena.pointerArray(
            try node.attributes.map(attributeProto))
        proto.pointee.doc_string = arena.cString(node.docString)
        (proto.pointee.n_metadata_props, proto.pointee.metadata_props) = tensors.keyValues(node.metadataProps)
        (proto.pointee.n_device_configurations, proto.pointee.device_configurations) = arena.pointerArray(
            try node.deviceConfigurations.enumerated().map { index, message in
                try deviceConfigurationProto(message, node: node, index: index)
            })
        return proto
    }

    private func deviceConfigurationProto(_ message: EncodedMessage, node: Node, index: Int) throws
        -> UnsafeMutablePointer<Onnx__NodeDeviceConfigurationProto>?
    {
        let proto = try message.bytes.withUnsafeBytes {
            try ProtoMessage.unpack(
                $0, initializer: onnx__node_device_configuration_proto__init,
                what: "NodeDeviceConfigurationProto (node '\(node.displayName)', device configuration \(index))",
                path: errorPath)
        }
        arena.onRelease { ProtoMessage.free(proto) }
        return proto
    }

    private func attributeProto(_ attribute: Attribute) throws -> UnsafeMutablePointer<Onnx__AttributeProto>? {
        let proto: UnsafeMutablePointer<Onnx__AttributeProto> = arena.message(onnx__attribute_proto__init)
        proto.pointee.name = arena.cString(attribute.name)
        proto.pointee.ref_attr_name = arena.cString(attribute.refAttrName)
        proto.pointee.doc_string = arena.cString(attribute.docString)
        if attribute.hasTypeField {
            proto.pointee.has_type = 1
            proto.pointee.type = Onnx__AttributeProto__AttributeType(
                rawValue: UInt32(bitPattern: attribute.value.attributeType.rawValue))
        }
        try setValue(proto, attribute.value)
        return proto
    }

    private func setValue(_ proto: UnsafeMutablePointer<Onnx__AttributeProto>, _ value: AttributeValue) throws {
        switch value {
        case .float(let number): (proto.pointee.has_f, proto.pointee.f) = (1, number)
        case .int(let number): (proto.pointee.has_i, proto.pointee.i) = (1, number)
        case .string(let bytes): (proto.pointee.has_s, proto.pointee.s) = (1, arena.binary(bytes))
        case .tensor(let tensor):
            proto.pointee.t = try tensors.tensorProto(tensor, name: tensor.name, externalizable: externalizable)
        case .graph(let graph): proto.pointee.g = try graphProto(graph)
        case .sparseTensor(let sparse):
            proto.pointee.sparse_tensor = try tensors.sparseProto(sparse, name: sparse.name, externalizable: false)
        case .type(let type): proto.pointee.tp = types.typeProto(type)
        case .floats(let numbers): (proto.pointee.n_floats, proto.pointee.floats) = arena.copy(numbers)
        case .ints(let numbers): (proto.pointee.n_ints, proto.pointee.ints) = arena.copy(numbers)
        case .strings(let list): (proto.pointee.n_strings, proto.pointee.strings) = arena.copy(list.map(arena.binary))
        case .tensors(let list):
            (proto.pointee.n_tensors, proto.pointee.tensors) = arena.pointerArray(
                try list.map { try tensors.tensorProto($0, name: $0.name, externalizable: externalizable) })
        case .graphs(let list):
            (proto.pointee.n_graphs, proto.pointee.graphs) = arena.pointerArray(try list.map(graphProto))
        case .sparseTensors(let list):
            (proto.pointee.n_sparse_tensors, proto.pointee.sparse_tensors) = arena.pointerArray(
                try list.map { try tensors.sparseProto($0, name: $0.name, externalizable: false) })
        case .types(let list):
            (proto.pointee.n_type_protos, proto.pointee.type_protos) = arena.pointerArray(list.map(types.typeProto))
        case .valueless:
            break
        }
    }

    private func valueInfoProto(_ value: Value) -> UnsafeMutablePointer<Onnx__ValueInfoProto>? {
        let proto: UnsafeMutablePointer<Onnx__ValueInfoProto> = arena.message(onnx__value_info_proto__init)
        proto.pointee.name = arena.cString(value.name)
        proto.pointee.type = value.type.map(types.typeProto)
        proto.pointee.doc_string = arena.cString(value.docString)
        (proto.pointee.n_metadata_props, proto.pointee.metadata_props) = tensors.keyValues(value.metadataProps)
        return proto
    }

    private func annotationProto(_ annotation: TensorAnnotation) -> UnsafeMutablePointer<Onnx__TensorAnnotation>? {
        let proto: UnsafeMutablePointer<Onnx__TensorAnnotation> = arena.message(onnx__tensor_annotation__init)
        proto.pointee.tensor_name = arena.cString(annotation.tensorName)
        (proto.pointee.n_quant_parameter_tensor_names, proto.pointee.quant_parameter_tensor_names) = tensors.keyValues(
            annotation.quantParameterTensorNames)
        return proto
    }

    private func trainingInfoProto(_ info: TrainingInfo) throws -> UnsafeMutablePointer<Onnx__TrainingInfoProto>? {
        let proto: UnsafeMutablePointer<Onnx__TrainingInfoProto> = arena.message(onnx__training_info_proto__init)
        proto.pointee.initialization = try info.initialization.map(graphProto)
        proto.pointee.algorithm = try info.algorithm.map(graphProto)
        (proto.pointee.n_initialization_binding, proto.pointee.initialization_binding) = tensors.keyValues(
            info.initializationBinding)
        (proto.pointee.n_update_binding, proto.pointee.update_binding) = tensors.keyValues(info.updateBinding)
        return proto
    }

    private func functionProto(_ function: Function) throws -> UnsafeMutablePointer<Onnx__FunctionProto>? {
        let proto: UnsafeMutablePointer<Onnx__FunctionProto> = arena.message(onnx__function_proto__init)
        let body = function.body
        proto.pointee.name = arena.cString(function.name)
        (proto.pointee.n_input, proto.pointee.input) = arena.cStrings(body.inputs.map(\.name))
        (proto.pointee.n_output, proto.pointee.output) = arena.cStrings(body.outputs.map(\.name))
        (proto.pointee.n_attribute, proto.pointee.attribute) = arena.cStrings(function.attributeNames)
        (proto.pointee.n_attribute_proto, proto.pointee.attribute_proto) = arena.pointerArray(
            try function.attributeDefaults.map(attributeProto))
        (proto.pointee.n_node, proto.pointee.node) = arena.pointerArray(try body.nodes.map(nodeProto))
        proto.pointee.doc_string = arena.cString(function.docString)
        (proto.pointee.n_opset_import, proto.pointee.opset_import) = opsetImports(function.opsetImports)
        proto.pointee.domain = arena.cString(function.domain)
        proto.pointee.overload = arena.cString(function.overload)
        (proto.pointee.n_value_info, proto.pointee.value_info) = arena.pointerArray(body.valueInfo.map(valueInfoProto))
        (proto.pointee.n_metadata_props, proto.pointee.metadata_props) = tensors.keyValues(function.metadataProps)
        return proto
    }

    private func configurationProto(_ configuration: DeviceConfiguration)
        -> UnsafeMutablePointer<Onnx__DeviceConfigurationProto>?
    {
        let proto: UnsafeMutablePointer<Onnx__DeviceConfigurationProto> = arena.message(
            onnx__device_configuration_proto__init)
        proto.pointee.name = arena.cString(configuration.name)
        if let count = configuration.numDevices {
            (proto.pointee.has_num_devices, proto.pointee.num_devices) = (1, count)
        }
        (proto.pointee.n_device, proto.pointee.device) = arena.cStrings(configuration.devices)
        return proto
    }

    private func opsetImports(_ imports: [OpsetImport]) -> (
        Int, UnsafeMutablePointer<UnsafeMutablePointer<Onnx__OperatorSetIdProto>?>?
    ) {
        arena.pointerArray(
            imports.map { entry in
                let proto: UnsafeMutablePointer<Onnx__OperatorSetIdProto> = arena.message(
                    onnx__operator_set_id_proto__init)
                proto.pointee.domain = arena.cString(entry.domainField)
                (proto.pointee.has_version, proto.pointee.version) = (1, entry.version)
                return proto
            })
    }
}
