/// Typed, path-aware access to the members of one JSON object in a calibration table.
///
/// A thin layer over a `KeyedDecodingContainer`: JSONDecoder reports a number that does not fit
/// its type without a coding path (as "not valid JSON"), so every member is decoded here and
/// a failure becomes a `CalibrationTableCoding.Failure` naming the member's path.
struct FieldReader {
    private let container: KeyedDecodingContainer<FieldKey>

    /// Reads the object `decoder` holds (the document's root).
    init(_ decoder: any Decoder) throws {
        do {
            container = try decoder.container(keyedBy: FieldKey.self)
        } catch {
            throw CalibrationTableCoding.Failure(message: "\(FieldKey.text(decoder.codingPath)): expected an object")
        }
    }

    private init(container: KeyedDecodingContainer<FieldKey>) {
        self.container = container
    }

    /// The path of member `name`.
    func path(_ name: String) -> String { FieldKey.text(container.codingPath + [FieldKey(stringValue: name)]) }

    /// The members' names, sorted.
    var names: [String] { container.allKeys.map(\.stringValue).sorted() }

    /// Whether member `name` is present.
    func has(_ name: String) -> Bool { container.contains(FieldKey(stringValue: name)) }

    /// Throws if the object has a member outside `allowed`.
    func onlyKeys(_ allowed: Set<String>) throws {
        if let extra = names.first(where: { !allowed.contains($0) }) {
            throw CalibrationTableCoding.Failure(message: "\(path(extra)): unknown field")
        }
    }

    private func mismatch(_ name: String, _ expected: String) -> CalibrationTableCoding.Failure {
        CalibrationTableCoding.Failure(message: "\(path(name)): expected \(expected)")
    }

    /// The key of member `name`; throws "name: missing" if there is none.
    private func key(_ name: String) throws -> FieldKey {
        let key = FieldKey(stringValue: name)
        guard container.contains(key) else { throw CalibrationTableCoding.Failure(message: "\(path(name)): missing") }
        return key
    }

    /// Member `name` decoded as `type`; any decoding failure throws "name: expected `expected`".
    private func decode<Value: Decodable>(_ type: Value.Type, _ name: String, expected: String) throws -> Value {
        let key = try key(name)
        do {
            return try container.decode(type, forKey: key)
        } catch {
            throw mismatch(name, expected)
        }
    }

    /// Member `name` as `type`, or nil if it is missing or of another type.
    func decodeIfPossible<Value: Decodable>(_ type: Value.Type, _ name: String) -> Value? {
        try? container.decode(type, forKey: FieldKey(stringValue: name))
    }

    /// Member `name` as an object.
    func object(_ name: String) throws -> FieldReader {
        let key = try key(name)
        do {
            return FieldReader(container: try container.nestedContainer(keyedBy: FieldKey.self, forKey: key))
        } catch {
            throw mismatch(name, "an object")
        }
    }

    /// Member `name` decoded as `type` through its own `init(from:)`, whose `Failure`s pass through unchanged.
    func nested<Value: Decodable>(_ name: String, as type: Value.Type) throws -> Value {
        let key = try key(name)
        do {
            return try container.decode(type, forKey: key)
        } catch let failure as CalibrationTableCoding.Failure {
            throw failure
        } catch {
            throw mismatch(name, "an object")
        }
    }

    /// Member `name` as a string.
    func string(_ name: String) throws -> String {
        try decode(String.self, name, expected: "a string")
    }

    /// Member `name` as an integer no smaller than `minimum`.
    func integer(_ name: String, minimum: Int = .min) throws -> Int {
        let number = try decode(Int.self, name, expected: "an integer")
        guard number >= minimum else { throw mismatch(name, "an integer >= \(minimum)") }
        return number
    }

    /// Member `name` as a finite double.
    func double(_ name: String) throws -> Double {
        try decode(Double.self, name, expected: "a finite number")
    }

    /// Member `name` as a finite float32.
    func float(_ name: String) throws -> Float {
        try decode(Float.self, name, expected: "a finite float32 number")
    }

    /// Member `name` as a non-negative 64-bit counter.
    func counter(_ name: String) throws -> UInt64 {
        try decode(UInt64.self, name, expected: "an integer >= 0")
    }

    /// Member `name` as an array of non-negative 64-bit counters.
    func counters(_ name: String) throws -> [UInt64] {
        try decode([UInt64].self, name, expected: "an array of integers >= 0")
    }

    /// Member `name` as a boolean.
    func bool(_ name: String) throws -> Bool {
        try decode(Bool.self, name, expected: "true or false")
    }

    /// Member `name` as an array of finite float32 numbers.
    func floats(_ name: String) throws -> [Float] {
        let key = try key(name)
        var items: UnkeyedDecodingContainer
        do {
            items = try container.nestedUnkeyedContainer(forKey: key)
        } catch {
            throw mismatch(name, "an array of numbers")
        }
        var values: [Float] = []
        values.reserveCapacity(items.count ?? 0)
        while !items.isAtEnd {
            do {
                values.append(try items.decode(Float.self))
            } catch {
                throw mismatch("\(name)[\(values.count)]", "a finite float32 number")
            }
        }
        return values
    }

    /// Members `minimum` and `maximum` as a range with min <= max.
    func range(minimum: String, maximum: String) throws -> CalibrationRange {
        let low = try float(minimum)
        let high = try float(maximum)
        guard low <= high else { throw mismatch(minimum, "a value <= \(maximum) (\(high)), got \(low)") }
        return CalibrationRange(min: low, max: high)
    }
}
