/// Sees every tensor a node produces (and every graph input) as the graph runs.
///
/// Called on the thread that runs the model, right after the producing node finished.
/// Throwing stops the run and the error reaches the caller of `Interpreter.run`.
public typealias TensorObserver = (ObservedTensor) throws -> Void
