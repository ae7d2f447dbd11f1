import OnnxIR
import OnnxText

/// Finds tensors whose data a text dump left out, so a model read from such text fails early and clearly.
public enum ElidedTensorCheck {
    /// Throws the parser's `ElidedTensorError` for the first elided tensor in any graph of `model`.
    ///
    /// The text parser gives elided tensors a loader that throws that error; other
    /// external tensors get their loader only later, from `ExternalDataBinder`.
    public static func rejectElidedTensors(in model: Model) throws {
        var graphs = [model.graph] + model.functions.map(\.body)
        graphs += model.trainingInfo.flatMap { [$0.initialization, $0.algorithm].compactMap { $0 } }
        for graph in graphs {
            try check(graph)
        }
    }

    private static func check(_ graph: Graph) throws {
        for value in graph.initializers {
            if let tensor = value.initializer { try probe(tensor) }
        }
        for node in graph.nodes {
            for attribute in node.attributes {
                switch attribute.value {
                case .tensor(let tensor): try probe(tensor)
                case .tensors(let tensors): try tensors.forEach(probe)
                default: break
                }
            }
            for subgraph in node.subgraphs { try check(subgraph) }
        }
    }

    private static func probe(_ tensor: Tensor) throws {
        guard case .external(let reference) = tensor.storage, let source = reference.source else { return }
        do {
            _ = try source.bytes()
        } catch let elided as ElidedTensorError {
            throw elided
        } catch {
            // Other loaders are checked when the model's external data is bound.
        }
    }
}
