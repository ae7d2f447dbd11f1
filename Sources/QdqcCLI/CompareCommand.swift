import ArgumentParser
import Calibration
import Evaluation
import Foundation
import ModelFiles
import OnnxIO

/// `qdqc compare FLOAT QUANT --data PATH`: per-tensor SQNR of a quantized model against its float model.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Measure, tensor by tensor, how far a quantized (QDQ) model is from its float model.",
        discussion: """
            Runs both models in qdqc's interpreter on the samples of --data, matches each DequantizeLinear \
            output (and each dequantized weight) of QUANT to the float tensor it stands for, and prints \
            per-tensor SQNR in dB (worst first), cosine similarity and maximum absolute error. Works on any \
            QDQ model, including ONNX Runtime's quantize_static output (its _QuantizeLinear_Input, \
            _DequantizeLinear_Output and _quantized names are understood). --json prints the same as JSON; \
            --html FILE writes a self-contained page with SQNR along graph depth. --sensitivity adds, per \
            quantized tensor, the worst output's SQNR with that tensor quantized alone and with it alone left \
            float (table, JSON and HTML). With --perplexity INPUT it \
            also prints both models' next-token perplexity over the token ids of INPUT and its relative \
            increase. See docs/report.md.
            """)

    @Argument(help: ArgumentHelp("The float model (.onnx or .onnxtxt).", valueName: "float"))
    var floatModel: String

    @Argument(help: ArgumentHelp("The quantized (QDQ) model.", valueName: "quant"))
    var quantizedModel: String

    @Option(
        help: ArgumentHelp(
            "The samples: a .npz, a folder of .npz, a stacked .npz, a folder of .npy folders, or ONNX test data.",
            valueName: "path"))
    var data: String

    @Option(help: ArgumentHelp("Use at most this many samples (default: all).", valueName: "n"))
    var samples: Int?

    @Flag(help: "Print the result as JSON on standard output instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Also write a self-contained HTML page with a chart and the table.", valueName: "file"))
    var html: String?

    @Option(help: ArgumentHelp("Print only the N worst tensors in the table.", valueName: "n"))
    var top: Int?

    @Flag(help: "Print nothing but the result and errors (no progress).")
    var quiet = false

    @OptionGroup var perplexity: PerplexityOptions

    @Flag(
        help: ArgumentHelp(
            "Also measure each quantized tensor's effect on the outputs: the worst output's SQNR with the tensor "
                + "quantized alone, and with it alone left float."))
    var sensitivity = false

    mutating func validate() throws {
        if let samples, samples < 1 { throw ValidationError("--samples must be at least 1") }
        if let top, top < 1 { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        let float = try ModelFile.read(path: floatModel)
        let quantized = try ModelFile.read(path: quantizedModel)
        let comparator: ModelComparator
        var meter: PerplexityMeter?
        do {
            comparator = try ModelComparator(
                float: float, floatName: floatModel, quantized: quantized, quantizedName: quantizedModel)
            meter = try perplexity.settings.map {
                try PerplexityMeter(
                    settings: $0, float: float, floatName: floatModel, quantized: quantized,
                    quantizedName: quantizedModel)
            }
        } catch let error as PerplexityError {
            // Names the model file itself.
            throw error
        } catch let error as CompareError {
            throw CLIError(path: quantizedModel, error)
        } catch {
            throw CLIError(path: floatModel, error)
        }
        let samples: CalibrationSamples
        do {
            samples = try CalibrationSamples(
                model: float, source: CalibrationDataSource(origin: .files(path: data), sampleLimit: self.samples))
        } catch {
            throw CLIError(path: data, error)
        }
        var result: ModelComparison
        let progress = ProgressRenderer(quiet: quiet)
        do {
            defer { progress.finish() }
            let runner = CalibrationRunner(samples: samples, task: "compare", progress: progress.update)
            result = try comparator.compare(
                runner: runner, floatModel: floatModel, quantizedModel: quantizedModel, data: data
            ) { sample, floatOutputs, quantizedOutputs in
                try meter?.add(sample: sample, floatOutputs: floatOutputs, quantizedOutputs: quantizedOutputs)
            }
            result.perplexity = try meter?.result()
            if sensitivity {
                let analysis = try SensitivityAnalysis(
                    float: float, floatName: floatModel, quantized: quantized, quantizedName: quantizedModel)
                let sensitivityRunner = CalibrationRunner(
                    samples: samples, task: "sensitivity", progress: progress.update)
                result.sensitivity = try analysis.analyze(
                    runner: sensitivityRunner, indices: 0..<samples.count, data: data)
            }
        } catch let error as PerplexityError {
            // Names the tensor and the data file or model itself.
            throw error
        } catch {
            throw CLIError(path: data, error)
        }
        if let html {
            do {
                try AtomicFile.write(Data(ComparisonHTML(result: result).text.utf8), to: html)
            } catch {
                throw CLIError(path: html, error)
            }
        }
        if json {
            StandardOutput.write(String(decoding: try ReportJSON.encode(result), as: UTF8.self))
        } else {
            StandardOutput.write(ComparisonTable(result: result, limit: top).text)
        }
        if let html, !quiet { StandardError.write("wrote \(html)\n") }
    }
}
