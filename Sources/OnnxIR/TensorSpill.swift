/// Takes the bytes of tensors that passes make out of memory, into a file they are read back from.
///
/// A model's root graph may hold one (`Graph.tensorSpill`): every dense initializer added to that graph or
/// to a graph nested in it goes through `spill(_:)`. A pass that quantizes every weight of a model larger
/// than memory then holds one new tensor at a time, instead of all of them until the model is written.
/// The tensor that comes back is the same tensor (same storage case, same bytes) whose bytes are mapped from
/// the file and give their resident pages back when asked (`Tensor.releaseResidentPages()`).
public protocol TensorSpill: AnyObject {
    /// `tensor` with its bytes in the spill, or `tensor` itself when it stays in memory (too small, not raw
    /// bytes, already mapped, or the spill cannot take it).
    func spill(_ tensor: Tensor) -> Tensor
}
