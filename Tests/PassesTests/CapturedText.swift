import Passes

/// Collects what instrumentation writes, for tests.
final class CapturedText {
    private(set) var text = ""

    var sink: TextSink { TextSink { [self] in text += $0 } }
}
