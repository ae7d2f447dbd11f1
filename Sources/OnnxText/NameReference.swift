/// A value name used in the text (a node input or a graph output) and where it was written.
struct NameReference {
    var name: String
    var offset: Int
}
