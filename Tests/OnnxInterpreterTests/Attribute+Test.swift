import OnnxIR

/// Short constructors for node attributes in tests.
extension Attribute {
    /// An int attribute.
    static func int(_ name: String, _ value: Int) -> Attribute { Attribute(name, .int(Int64(value))) }
    /// An ints attribute.
    static func ints(_ name: String, _ values: [Int]) -> Attribute { Attribute(name, .ints(values.map { Int64($0) })) }
    /// A float attribute.
    static func float(_ name: String, _ value: Float) -> Attribute { Attribute(name, .float(value)) }
    /// A string attribute.
    static func string(_ name: String, _ value: String) -> Attribute { Attribute(name, .string(Array(value.utf8))) }

    /// A strings attribute.
    static func strings(_ name: String, _ values: [String]) -> Attribute {
        Attribute(name, .strings(values.map { Array($0.utf8) }))
    }
}
