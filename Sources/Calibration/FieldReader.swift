/// Typed, path-aware access to the members of one JSON object in a calibration table.
struct FieldReader {
    /// The object's members.
    let members: [String: JSONValue]
    /// The object's path from the root ("" for the root, "tensors.x" below).
    let prefix: String

    /// Reads `value`, which must be an object.
    init(_ value: JSONValue, path: String) throws {
        guard case .object(let members) = value else {
            throw CalibrationTableCoding.Failure(message: "\(path.isEmpty ? "document" : path): expected an object")
        }
        self.members = members
        self.prefix = path
    }

    /// The path of member `name`.
    func path(_ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }

    /// Whether member `name` is present.
    func has(_ name: String) -> Bool { members[name] != nil }

    /// Throws if the object has a member outside `allowed`.
    func onlyKeys(_ allowed: Set<String>) throws {
        if let extra = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw CalibrationTableCoding.Failure(message: "\(path(extra)): unknown field")
        }
    }

    private func value(_ name: String) throws -> JSONValue {
        guard let value = members[name] else {
            throw CalibrationTableCoding.Failure(message: "\(path(name)): missing")
        }
        return value
    }

    private func mismatch(_ name: String, _ expected: String) -> CalibrationTableCoding.Failure {
        CalibrationTableCoding.Failure(message: "\(path(name)): expected \(expected)")
    }

    /// Member `name` as an object.
    func object(_ name: String) throws -> FieldReader {
        try FieldReader(try value(name), path: path(name))
    }

    /// Member `name` as a string.
    func string(_ name: String) throws -> String {
        guard case .string(let text) = try value(name) else { throw mismatch(name, "a string") }
        return text
    }

    /// Member `name` as an integer no smaller than `minimum`.
    func integer(_ name: String, minimum: Int = .min) throws -> Int {
        guard case .number(let text) = try value(name), let number = Int(text) else {
            throw mismatch(name, "an integer")
        }
        guard number >= minimum else { throw mismatch(name, "an integer >= \(minimum)") }
        return number
    }

    /// Member `name` as a finite double.
    func double(_ name: String) throws -> Double {
        guard case .number(let text) = try value(name), let number = Double(text), number.isFinite else {
            throw mismatch(name, "a finite number")
        }
        return number
    }

    /// Member `name` as a finite float32.
    func float(_ name: String) throws -> Float {
        try Self.float(try value(name)) ?? { throw mismatch(name, "a finite float32 number") }()
    }

    /// Member `name` as an array of finite float32 numbers.
    func floats(_ name: String) throws -> [Float] {
        guard case .array(let items) = try value(name) else { throw mismatch(name, "an array of numbers") }
        return try items.enumerated().map { index, item in
            guard let number = Self.float(item) else { throw mismatch("\(name)[\(index)]", "a finite float32 number") }
            return number
        }
    }

    /// Members `minimum` and `maximum` as a range with min <= max.
    func range(minimum: String, maximum: String) throws -> CalibrationRange {
        let low = try float(minimum)
        let high = try float(maximum)
        guard low <= high else { throw mismatch(minimum, "a value <= \(maximum) (\(high)), got \(low)") }
        return CalibrationRange(min: low, max: high)
    }

    private static func float(_ value: JSONValue) -> Float? {
        guard case .number(let text) = value, let number = Float(text), number.isFinite else { return nil }
        return number
    }
}
