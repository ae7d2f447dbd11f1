import OnnxIR

/// One scheduled node: its kernel and where its inputs and outputs live in the frame.
struct PlanStep {
    /// The node.
    let node: Node
    /// The compiled kernel.
    let kernel: Kernel
    /// Frame slot of each input, nil for omitted inputs.
    let inputSlots: [Int?]
    /// Frame slot of each output, nil for omitted outputs.
    let outputSlots: [Int?]
    /// Slots to empty before the kernel runs because this is their last use; the kernel then owns them.
    let movedInputs: [Int]
    /// Slots to empty after the kernel ran: values whose last use is here, and outputs nobody uses.
    let releasedAfter: [Int]
}
