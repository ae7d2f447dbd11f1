/// Turns a node into its kernel at plan time, checking attributes and precomputing what it can.
typealias KernelBuilder = (NodeContext) throws -> Kernel
