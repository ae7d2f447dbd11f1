import Foundation

/// Writes text to the process's standard output without buffering surprises.
enum StandardOutput {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
