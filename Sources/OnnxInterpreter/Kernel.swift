/// A node's compiled work: takes the inputs, returns one array per output slot (nil for omitted outputs).
typealias Kernel = (inout KernelCall) throws -> [NDArray?]
