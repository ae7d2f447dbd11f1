import Foundation

/// This process's memory mappings, read from /proc/self/smaps.
enum MappedResidency {
    /// The resident bytes (`Rss:`) of the mappings whose file name `matches` accepts, and how many there are.
    static func resident(where matches: (String) -> Bool) throws -> (mappings: Int, bytes: Int) {
        // procfs files say they are empty: read to the end instead of trusting the size.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps") else { return (0, 0) }
        defer { try? handle.close() }
        let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        var inMapping = false
        var mappings = 0
        var total = 0
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), first.first?.isHexDigit == true {
                // The file name is everything from the sixth field on (it may hold spaces: " (deleted)").
                let name = fields.count > 5 ? fields[5...].joined(separator: " ") : ""
                inMapping = matches(name)
                if inMapping { mappings += 1 }
            } else if inMapping, fields.first == "Rss:", fields.count >= 2, let kilobytes = Int(fields[1]) {
                total += kilobytes * 1024
            }
        }
        return (mappings, total)
    }
}
