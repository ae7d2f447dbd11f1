import OnnxText
import Testing

@testable import Evaluation

/// Which tensors `TuningMeter` ranks beside the graph outputs.
@Suite struct TuningMeterTests {
    @Test func theInputOfASoftmaxOrSigmoidOutputIsMeasuredThroughReshapesButNotAnotherOutput() throws {
        let model = try TextParser.parseModel(
            """
            <
               ir_version: 8,
               opset_import: ["" : 17]
            >
            g (float[1,4] x) => (float[1,4] probs, float[1,4] gate, float[1,4] raw, float[1,4] plain)
               <int64[2] shape = {1, 4}>
            {
               z = Add (x, x)
               s = Softmax (z)
               probs = Reshape (s, shape)
               raw = Mul (x, x)
               gate = Sigmoid (raw)
               plain = Relu (x)
            }
            """)
        #expect(TuningMeter.logits(of: model.graph) == ["z"], "raw is a graph output already: measured as one")
    }
}
