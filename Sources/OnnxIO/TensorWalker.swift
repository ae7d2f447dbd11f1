import OnnxIR

/// Visits every tensor a model holds, letting the visitor change it in place.
///
/// Covers initializers (dense and sparse), node attributes, nested graphs,
/// training graphs and functions (bodies and attribute defaults).
enum TensorWalker {
    /// Calls `visit` on every tensor of `model`.
    static func rewriteTensors(in model: Model, _ visit: (inout Tensor) throws -> Void) rethrows {
        try rewriteTensors(in: model.graph, visit)
        for info in model.trainingInfo {
            for graph in [info.initialization, info.algorithm].compactMap({ $0 }) {
                try rewriteTensors(in: graph, visit)
            }
        }
        for function in model.functions {
            try rewriteTensors(in: function.body, visit)
            function.attributeDefaults = try function.attributeDefaults.map { try rewritten($0, visit) }
        }
    }

    /// Calls `visit` on every tensor of `graph` and the graphs nested in it.
    static func rewriteTensors(in graph: Graph, _ visit: (inout Tensor) throws -> Void) rethrows {
        for value in graph.initializers {
            guard var tensor = value.initializer else { continue }
            try visit(&tensor)
            value.initializer = tensor
        }
        for value in graph.sparseInitializers {
            guard var sparse = value.sparseInitializer else { continue }
            try rewrite(&sparse, visit)
            value.sparseInitializer = sparse
        }
        for node in graph.nodes where !node.attributes.isEmpty {
            node.attributes = try node.attributes.map { try rewritten($0, visit) }
        }
    }

    private static func rewritten(_ attribute: Attribute, _ visit: (inout Tensor) throws -> Void) rethrows
        -> Attribute
    {
        var result = attribute
        switch attribute.value {
        case .tensor(var tensor):
            try visit(&tensor)
            result.value = .tensor(tensor)
        case .tensors(var tensors):
            for index in tensors.indices { try visit(&tensors[index]) }
            result.value = .tensors(tensors)
        case .sparseTensor(var sparse):
            try rewrite(&sparse, visit)
            result.value = .sparseTensor(sparse)
        case .sparseTensors(var list):
            for index in list.indices { try rewrite(&list[index], visit) }
            result.value = .sparseTensors(list)
        case .graph(let graph):
            try rewriteTensors(in: graph, visit)
        case .graphs(let graphs):
            for graph in graphs { try rewriteTensors(in: graph, visit) }
        default:
            break
        }
        return result
    }

    private static func rewrite(_ sparse: inout SparseTensor, _ visit: (inout Tensor) throws -> Void) rethrows {
        if var values = sparse.values {
            try visit(&values)
            sparse.values = values
        }
        if var indices = sparse.indices {
            try visit(&indices)
            sparse.indices = indices
        }
    }
}
