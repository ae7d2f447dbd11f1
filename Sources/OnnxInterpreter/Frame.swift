/// The live values of one run of one graph: a slot per value, emptied after the value's last use.
final class Frame {
    /// The plan this frame runs.
    let plan: GraphPlan
    /// One entry per value slot of the plan.
    var slots: [NDArray?]

    /// Creates a frame holding the plan's constants.
    init(plan: GraphPlan) {
        self.plan = plan
        self.slots = plan.constantSlots
    }

    /// The current array of the value with identity `id`, if this frame has a slot for it and it is live.
    func lookup(_ id: ObjectIdentifier) -> NDArray? {
        guard let slot = plan.slotIndex[id] else { return nil }
        return slots[slot]
    }
}
