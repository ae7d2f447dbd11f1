/// A stretch of one padded axis: `length` output positions from `start` that read consecutive
/// input positions from `position`, or the fill value when `position` is -1.
struct PadRun: Equatable {
    /// First output position.
    let start: Int
    /// Number of output positions.
    let length: Int
    /// Input position read at `start`, or -1 for the fill.
    let position: Int

    /// `map` (input position per output position, -1 for the fill) cut into maximal runs.
    static func runs(of map: [Int]) -> [PadRun] {
        var runs: [PadRun] = []
        for (index, position) in map.enumerated() {
            if let last = runs.last {
                let continues =
                    position < 0 ? last.position < 0 : last.position >= 0 && last.position + last.length == position
                if continues {
                    runs[runs.count - 1] = PadRun(start: last.start, length: last.length + 1, position: last.position)
                    continue
                }
            }
            runs.append(PadRun(start: index, length: 1, position: position))
        }
        return runs
    }
}
