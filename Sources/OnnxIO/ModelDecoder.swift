import COnnxProto
import OnnxIR

/// Converts an unpacked `ModelProto` into an IR `Model`.
enum ModelDecoder {
    /// Converts `proto`; errors name `path`.
    static func model(_ proto: UnsafeMutablePointer<Onnx__ModelProto>, path: String) throws -> Model {
        let fields = proto.pointee
        guard let graphProto = fields.graph else { throw OnnxIOError(path: path, reason: .missingGraph) }
        do {
            let main = try GraphDecoder(graph: graphProto, outer: nil)
            let graph = try main.finish()
            return Model(
                graph: graph,
                irVersion: CFields.optional(fields.has_ir_version, fields.ir_version),
                opsetImports: opsetImports(fields.n_opset_import, fields.opset_import),
                producerName: CFields.string(fields.producer_name),
                producerVersion: CFields.string(fields.producer_version),
                domain: CFields.string(fields.domain),
                modelVersion: CFields.optional(fields.has_model_version, fields.model_version),
                docString: CFields.string(fields.doc_string),
                metadataProps: CFields.keyValues(fields.n_metadata_props, fields.metadata_props),
                trainingInfo: try CFields.messages(fields.n_training_info, fields.training_info).map {
                    try trainingInfo($0, main: main)
                },
                functions: try CFields.messages(fields.n_functions, fields.functions).map(function),
                configurations: CFields.messages(fields.n_configuration, fields.configuration).map(configuration))
        } catch let error as IRError {
            throw OnnxIOError(path: path, reason: .invalidModel(error.description))
        }
    }

    private static func trainingInfo(_ proto: UnsafeMutablePointer<Onnx__TrainingInfoProto>, main: GraphDecoder)
        throws -> TrainingInfo
    {
        let fields = proto.pointee
        // Training graphs read the main graph's initializers, so the main graph is their outer scope.
        return TrainingInfo(
            initialization: try fields.initialization.map { try GraphDecoder(graph: $0, outer: main).finish() },
            algorithm: try fields.algorithm.map { try GraphDecoder(graph: $0, outer: main).finish() },
            initializationBinding: CFields.keyValues(fields.n_initialization_binding, fields.initialization_binding),
            updateBinding: CFields.keyValues(fields.n_update_binding, fields.update_binding))
    }

    private static func function(_ proto: UnsafeMutablePointer<Onnx__FunctionProto>) throws -> Function {
        let fields = proto.pointee
        let decoder = try GraphDecoder(functionBody: proto)
        let body = try decoder.finish()
        let defaults = try CFields.messages(fields.n_attribute_proto, fields.attribute_proto).map { attribute in
            // Default values stand alone: a graph in one sees no scope around it.
            let scope = GraphDecoder.standalone()
            let decoded = try scope.attribute(attribute)
            _ = try scope.finish()
            return decoded
        }
        return Function(
            name: CFields.string(fields.name), domain: CFields.string(fields.domain),
            overload: CFields.string(fields.overload),
            attributeNames: CFields.strings(fields.n_attribute, fields.attribute), attributeDefaults: defaults,
            body: body, opsetImports: opsetImports(fields.n_opset_import, fields.opset_import),
            docString: CFields.string(fields.doc_string),
            metadataProps: CFields.keyValues(fields.n_metadata_props, fields.metadata_props))
    }

    private static func configuration(_ proto: UnsafeMutablePointer<Onnx__DeviceConfigurationProto>)
        -> DeviceConfiguration
    {
        let fields = proto.pointee
        return DeviceConfiguration(
            name: CFields.string(fields.name), numDevices: CFields.optional(fields.has_num_devices, fields.num_devices),
            devices: CFields.strings(fields.n_device, fields.device))
    }

    private static func opsetImports(
        _ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__OperatorSetIdProto>?>?
    ) -> [OpsetImport] {
        CFields.messages(count, pointer).map {
            OpsetImport(domainField: CFields.string($0.pointee.domain), version: $0.pointee.version)
        }
    }
}
