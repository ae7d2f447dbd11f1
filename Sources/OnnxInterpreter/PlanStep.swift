import OnnxIR

/// One scheduled node (or fused group of nodes): its kernel and where its inputs and outputs live in the frame.
struct PlanStep {
    /// The node (of a fused group, the one whose output the group produces).
    let node: Node
    /// The values the kernel takes, in order (the node's inputs, or a fused group's).
    let inputs: [Value?]
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
