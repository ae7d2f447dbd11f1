import Calibration
import Foundation
import Testing

/// Other tools' calibration caches: TensorRT's written and read back, TensorRT's documented layout, ONNX Runtime's
/// text form, and one-line errors naming the file and line.
@Suite struct CalibrationCacheTests {
    static func read(_ text: String, path: String = "c.cache") throws -> CalibrationCache {
        try CalibrationCache(data: Data(text.utf8), path: path)
    }

    @Test func aTensorRTCacheWrittenByQdqcReadsBackEqual() throws {
        let ranges: [String: CalibrationRange] = [
            "input": CalibrationRange(min: -2.5, max: 1), "conv1_out": CalibrationRange(min: 0, max: 6.283),
            "a:b": CalibrationRange(min: -0.001, max: 0.002), "zero": CalibrationRange(min: 0, max: 0),
        ]
        let text = CalibrationCache.tensorRTText(ranges: ranges)
        let cache = try Self.read(text)
        #expect(cache.format == .tensorRT)
        #expect(
            CalibrationCache.tensorRTScales(ranges: cache.ranges) == CalibrationCache.tensorRTScales(ranges: ranges))
        #expect(CalibrationCache.tensorRTText(ranges: cache.ranges) == text)
        // Many scales, so that the ones whose amax = scale * 127 misses by an ulp are among them.
        var many: [String: CalibrationRange] = [:]
        var value: Float = 1e-6
        for index in 0..<2000 {
            many["t\(index)"] = CalibrationRange(min: -value, max: value / 2)
            value *= 1.013
        }
        let reread = try Self.read(CalibrationCache.tensorRTText(ranges: many))
        #expect(CalibrationCache.tensorRTScales(ranges: reread.ranges) == CalibrationCache.tensorRTScales(ranges: many))
    }

    @Test func aCacheInTensorRTsDocumentedLayoutIsRead() throws {
        // Header TRT-<version>-<calibrator>, then "<tensor>: <big-endian float32 bits of the scale>".
        let cache = try Self.read(
            "TRT-8601-EntropyCalibration2\ninput: 3c010204\nconv1/Relu:0: 3d4ccccd\nlogits: 00000000\n")
        #expect(cache.format == .tensorRT)
        let scales = CalibrationCache.tensorRTScales(ranges: cache.ranges)
        #expect(scales == ["input": Float(bitPattern: 0x3c01_0204), "conv1/Relu:0": 0.05, "logits": 0])
        #expect(cache.ranges["conv1/Relu:0"]?.min == -(cache.ranges["conv1/Relu:0"]?.max ?? 0))
    }

    @Test func onnxRuntimesTextFormIsReadAsSymmetricRanges() throws {
        let cache = try Self.read("c1 7.883232116699219\nx 2.5695114135742188\n")
        #expect(cache.format == .onnxRuntimeText)
        #expect(cache.ranges["x"] == CalibrationRange(min: -2.5695114135742188, max: 2.5695114135742188))
    }

    @Test func onnxRuntimesJSONIsReadInBothLayouts() throws {
        let entry =
            "{\"lowest\": {\"data\": [-1.5], \"dtype\": \"float32\", \"CLS\": \"numpy.array\"}, "
            + "\"highest\": 2.25, \"CLS\": \"TensorData\"}"
        let table = try Self.read("{\"x\": \(entry)}")
        let saved = try Self.read("{\"CLS\": \"TensorsData\", \"data\": {\"x\": \(entry)}, \"smooth_quant\": false}")
        #expect(table.ranges == ["x": CalibrationRange(min: -1.5, max: 2.25)])
        #expect(saved.ranges == table.ranges)
        #expect(saved.format == .onnxRuntimeJSON)
    }

    @Test func badCachesGiveOneLineErrorsNamingFileAndLine() {
        let cases: [(String, String)] = [
            (
                "TRT-8601-EntropyCalibration2\ninput: 3c010204\nconv1 3d4ccccd\n",
                "c.cache:3: expected '<tensor>: <8 hex"
            ),
            ("TRT-8601-EntropyCalibration2\ninput: 3c01020\n", "c.cache:2: expected"),
            ("TRT-8601-EntropyCalibration2\ninput: 7f800000\n", "c.cache:2: tensor 'input': scale inf"),
            ("TRT-8601-EntropyCalibration2\ninput: 7fc00000\n", "c.cache:2: tensor 'input': scale nan"),
            ("TRT-8601-EntropyCalibration2\ninput: bf800000\n", "c.cache:2: tensor 'input': scale -1.0"),
            ("TRT-eight-EntropyCalibration2\ninput: 3c010204\n", "c.cache:1: unknown header 'TRT-eight-"),
            ("TRT-8601\ninput: 3c010204\n", "c.cache:1: unknown header"),
            ("x 1.0\ny\n", "c.cache:2: expected '<tensor> <value>'"),
            ("x 1.0\ny nan\n", "c.cache:2: tensor 'y': value nan is not finite"),
            ("{\"x\": {\"lowest\": 1}}", "c.cache: tensor 'x': 'highest' must be a finite number"),
            ("{\"x\": {\"lowest\": 2, \"highest\": 1}}", "c.cache: tensor 'x': lowest 2.0 exceeds highest 1.0"),
            ("{\"x\": ", "c.cache: not a JSON object"),
            ("\u{0}\u{0}\u{0}\u{0}", "c.cache: flatbuffer: no TrtTable"),
        ]
        for (text, fragment) in cases {
            do {
                _ = try Self.read(text)
                Issue.record("\(text.debugDescription) was accepted")
            } catch {
                #expect("\(error)".hasPrefix(fragment), "\(text.debugDescription): \(error)")
                #expect(!"\(error)".contains("\n"))
            }
        }
    }
}
