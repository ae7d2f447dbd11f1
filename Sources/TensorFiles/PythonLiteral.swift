/// A value of the small Python literal language that `.npy` headers are written in.
///
/// numpy writes the header with `repr` of a dict, so strings, booleans, integers,
/// tuples, lists, dicts and `None` are all the parser needs to know.
enum PythonLiteral {
    /// `'text'` or `"text"`.
    case string(String)
    /// `True` or `False`.
    case bool(Bool)
    /// An integer (a trailing Python 2 `L` is accepted).
    case integer(Int64)
    /// `(a, b)`; a one-element tuple is `(a,)`.
    case tuple([PythonLiteral])
    /// `[a, b]`.
    case list([PythonLiteral])
    /// `{key: value}` with string keys, in file order.
    case dict([(key: String, value: PythonLiteral)])
    /// `None`.
    case none

    /// The value of `key` if this is a dict that has it.
    subscript(key: String) -> PythonLiteral? {
        guard case .dict(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }
}
