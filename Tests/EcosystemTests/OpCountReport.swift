import Foundation

/// The JSON line `compare_float_models.py` prints: op-type counts of both models.
struct OpCountReport {
    /// Op type to node count in the original model.
    let original: [String: Int]
    /// Op type to node count in the rewritten model.
    let rewritten: [String: Int]

    /// Parses the script's standard output (one JSON object).
    init(json: String) throws {
        struct Payload: Decodable {
            let originalOps: [String: Int]
            let rewrittenOps: [String: Int]
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let payload = try decoder.decode(Payload.self, from: Data(json.utf8))
        original = payload.originalOps
        rewritten = payload.rewrittenOps
    }
}
