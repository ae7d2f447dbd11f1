import Calibration
import Foundation

/// Draws `ProgressUpdate`s on standard error: a redrawn bar on a terminal, a few plain lines otherwise,
/// or one JSON object per line for a program that draws its own bar (`QDQC_PROGRESS=json`).
///
/// A class because the pass context's progress callback and the command share its state
/// (last drawn time, start time). Called on the thread that runs the pipeline.
final class ProgressRenderer {
    private let enabled: Bool
    private let isTerminal: Bool
    private let writesJSON: Bool
    private let clock = ContinuousClock()
    private var started: ContinuousClock.Instant?
    private var lastDrawn: ContinuousClock.Instant?
    private var lastTenth = -1
    private var barOpen = false

    /// The environment variable that asks for JSON lines, and the value that does.
    static let formatVariable = ("QDQC_PROGRESS", "json")

    /// A renderer that draws nothing when `quiet`; `QDQC_PROGRESS=json` in `environment` asks for JSON lines,
    /// else whether stderr is a terminal decides the style.
    init(
        quiet: Bool, isTerminal: Bool = isatty(STDERR_FILENO) == 1,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        enabled = !quiet
        writesJSON = environment[Self.formatVariable.0] == Self.formatVariable.1
        self.isTerminal = isTerminal && !writesJSON
    }

    /// Shows one update (the callback for `PassContext.progress`).
    func update(_ update: ProgressUpdate) {
        guard enabled else { return }
        let now = clock.now
        if update.completed == 0 || started == nil {
            // A new task starts its own rate and tenths.
            started = now
            lastTenth = -1
        }
        let done = update.total.map { update.completed >= $0 } ?? false
        if writesJSON {
            // A wrapper's bar wants every step it can get, but not thousands a second.
            guard done || update.completed == 0 || lastDrawn.map({ (now - $0).seconds >= 0.1 }) ?? true else {
                return
            }
            lastDrawn = now
            StandardError.write(Self.json(update) + "\n")
            return
        }
        if let line = text(for: update, now: now, done: done) {
            if isTerminal {
                StandardError.write("\r\u{1B}[2K" + line + (done ? "\n" : ""))
                barOpen = !done
            } else {
                StandardError.write(line + "\n")
            }
        }
    }

    /// Ends an unfinished bar with a newline, so later messages start on their own line.
    func finish() {
        if barOpen { StandardError.write("\n") }
        barOpen = false
    }

    /// The text to draw now, or nil to stay silent: a terminal redraws at most ten times a second;
    /// a log gets a line at each tenth of the total or every 5 seconds.
    private func text(for update: ProgressUpdate, now: ContinuousClock.Instant, done: Bool) -> String? {
        let sinceDrawn = lastDrawn.map { (now - $0).seconds }
        if isTerminal {
            guard done || update.completed == 0 || sinceDrawn.map({ $0 >= 0.1 }) ?? true else { return nil }
        } else {
            let tenth = update.total.map { $0 > 0 ? update.completed * 10 / $0 : 0 } ?? -1
            let newTenth = tenth > lastTenth
            guard update.completed > 0, done || newTenth || sinceDrawn.map({ $0 >= 5 }) ?? true else {
                return nil
            }
            lastTenth = max(lastTenth, tenth)
        }
        lastDrawn = now
        return Self.describe(
            task: update.task, completed: update.completed, total: update.total,
            elapsed: started.map { (now - $0).seconds } ?? 0, bar: isTerminal)
    }

    /// `calibrate [#####.....] 12/64 samples  3.4/s  0:15 left`, or without the bar for logs.
    static func describe(task: String, completed: Int, total: Int?, elapsed: Double, bar: Bool) -> String {
        var parts = [task + ":"]
        if let total, total > 0 {
            let fraction = min(1, Double(completed) / Double(total))
            if bar {
                let width = 30
                let filled = Int(fraction * Double(width))
                parts.append(
                    "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]")
            }
            parts.append("\(completed)/\(total) samples (\(Int(fraction * 100))%)")
        } else {
            parts.append("\(completed) samples")
        }
        guard completed > 0, elapsed > 0 else { return parts.joined(separator: " ") }
        let rate = Double(completed) / elapsed
        parts.append(rate >= 10 ? String(format: "%.0f/s", rate) : String(format: "%.2f/s", rate))
        if let total, completed < total, rate > 0 {
            parts.append(clockText(Double(total - completed) / rate) + " left")
        } else {
            parts.append("in " + clockText(elapsed))
        }
        return parts.joined(separator: " ")
    }

    /// `{"progress":{"task":"calibrate","completed":12,"total":64}}` (`total` null when unknown).
    static func json(_ update: ProgressUpdate) -> String {
        let task = String(decoding: (try? JSONEncoder().encode(update.task)) ?? Data("\"\"".utf8), as: UTF8.self)
        let total = update.total.map(String.init) ?? "null"
        return "{\"progress\":{\"task\":\(task),\"completed\":\(update.completed),\"total\":\(total)}}"
    }

    /// `m:ss` (or `h:mm:ss`).
    static func clockText(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))" : "\(minutes):\(twoDigits(secs))"
    }
}
