"""Builds random-weight models with If, Loop and Scan whose weights sit inside the bodies, with samples.

usage: make_control_flow.py KIND OUT_DIR [WIDTH SAMPLES]     (KIND: if | loop | scan; default 8, 16)

Writes OUT_DIR/KIND.onnx, OUT_DIR/calib/ and OUT_DIR/eval/ (SAMPLES .npz samples each, seeded); the golden
cases of passes/insert-qdq/cases/*-body were made with WIDTH 2 and SAMPLES 4. Every model has
weights inside a body (initializers and Constant nodes), a body reading a value computed outside it (a
capture), and a nested body:

- if:   h = MatMul(x, W0); If(mean(h) > 0): then = Relu(MatMul(h, Wt)) followed by an inner If that no
        sample takes (its then branch never runs), else = Tanh(MatMul(h, Constant We)); y = MatMul(., Wout).
- loop: a Loop of 3 iterations carrying s: s' = Tanh(MatMul(s, Wb) + MatMul(x, Win)) where Wb is a body
        initializer and Win is captured; inside, an If on the iteration's parity applies MatMul(s', Wa) or
        Relu(s'); the scan output stacks s'.
- scan: a Scan over x[T, 4, 8] with state h: h' = Tanh(MatMul(x_t, Constant Wx) + MatMul(h, Wh)) where Wh
        is captured from the outer graph; outputs the final h and the stacked h'.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

WIDTH = 8
# Rows of every activation: TensorRT keeps a matrix-vector product (one row) in float.
ROWS = 4
SAMPLES = 16


def weight(rng, name, shape=None):
    shape = shape or (WIDTH, WIDTH)
    return numpy_helper.from_array((rng.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32), name)


def constant_node(rng, output):
    return helper.make_node("Constant", [], [output], name=output + "_const", value=weight(rng, output + "_value"))


def tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def if_model(rng):
    inner_then = helper.make_graph(
        [
            helper.make_node("MatMul", ["t_relu", "Wn"], ["n_mm"], name="inner_then_mm"),
            helper.make_node("Relu", ["n_mm"], ["n_relu"], name="inner_then_relu"),
        ],
        "inner_then", [], [tensor("n_relu", [ROWS, WIDTH])], [weight(rng, "Wn")])
    inner_else = helper.make_graph(
        [helper.make_node("Sigmoid", ["t_relu"], ["n_sig"], name="inner_else_sigmoid")],
        "inner_else", [], [tensor("n_sig", [ROWS, WIDTH])])
    then_branch = helper.make_graph(
        [
            helper.make_node("MatMul", ["h", "Wt"], ["t_mm"], name="then_mm"),
            helper.make_node("Relu", ["t_mm"], ["t_relu"], name="then_relu"),
            helper.make_node("ReduceMax", ["t_relu"], ["t_max"], name="then_max", keepdims=0),
            helper.make_node("Greater", ["t_max", "huge"], ["t_cond"], name="then_cond"),
            helper.make_node("If", ["t_cond"], ["t_out"], name="inner_if", then_branch=inner_then,
                             else_branch=inner_else),
        ],
        "then_branch", [], [tensor("t_out", [ROWS, WIDTH])], [weight(rng, "Wt")])
    else_branch = helper.make_graph(
        [
            constant_node(rng, "We"),
            helper.make_node("MatMul", ["h", "We"], ["e_mm"], name="else_mm"),
            helper.make_node("Tanh", ["e_mm"], ["e_out"], name="else_tanh"),
        ],
        "else_branch", [], [tensor("e_out", [ROWS, WIDTH])])
    nodes = [
        helper.make_node("MatMul", ["x", "W0"], ["h"], name="mm0"),
        helper.make_node("ReduceMean", ["h"], ["h_mean"], name="mean", keepdims=0),
        helper.make_node("Greater", ["h_mean", "zero"], ["cond"], name="cond"),
        helper.make_node("If", ["cond"], ["branch"], name="gate", then_branch=then_branch, else_branch=else_branch),
        helper.make_node("MatMul", ["branch", "Wout"], ["y"], name="mm_out"),
    ]
    initializers = [
        weight(rng, "W0"), weight(rng, "Wout"),
        numpy_helper.from_array(np.array(0, np.float32), "zero"),
        numpy_helper.from_array(np.array(1e6, np.float32), "huge"),
    ]
    graph = helper.make_graph(nodes, "if_model", [tensor("x", [ROWS, WIDTH])], [tensor("y", [ROWS, WIDTH])], initializers)
    return graph, lambda: {"x": rng.standard_normal((ROWS, WIDTH)).astype(np.float32)}


def loop_model(rng):
    parity_then = helper.make_graph(
        [helper.make_node("MatMul", ["s_new", "Wa"], ["p_mm"], name="parity_mm")],
        "parity_then", [], [tensor("p_mm", [ROWS, WIDTH])], [weight(rng, "Wa")])
    parity_else = helper.make_graph(
        [helper.make_node("Relu", ["s_new"], ["p_relu"], name="parity_relu")],
        "parity_else", [], [tensor("p_relu", [ROWS, WIDTH])])
    body = helper.make_graph(
        [
            helper.make_node("MatMul", ["s_in", "Wb"], ["b_mm"], name="body_mm"),
            helper.make_node("MatMul", ["x", "Win"], ["b_in"], name="body_in_mm"),
            helper.make_node("Add", ["b_mm", "b_in"], ["b_sum"], name="body_add"),
            helper.make_node("Tanh", ["b_sum"], ["s_new"], name="body_tanh"),
            helper.make_node("Mod", ["iter", "two"], ["iter_mod"], name="body_mod"),
            helper.make_node("Equal", ["iter_mod", "zero_i"], ["even"], name="body_even"),
            helper.make_node("If", ["even"], ["s_out"], name="parity_if", then_branch=parity_then,
                             else_branch=parity_else),
            helper.make_node("Identity", ["cond_in"], ["cond_out"], name="body_cond"),
        ],
        "loop_body",
        [helper.make_tensor_value_info("iter", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []), tensor("s_in", [ROWS, WIDTH])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), tensor("s_out", [ROWS, WIDTH]),
         tensor("s_new", [ROWS, WIDTH])],
        [weight(rng, "Wb"), numpy_helper.from_array(np.array(2, np.int64), "two"),
         numpy_helper.from_array(np.array(0, np.int64), "zero_i")])
    nodes = [
        helper.make_node("MatMul", ["x", "W0"], ["s0"], name="mm0"),
        helper.make_node("Loop", ["trips", "go", "s0"], ["s_final", "s_all"], name="steps", body=body),
        helper.make_node("MatMul", ["s_final", "Wout"], ["y"], name="mm_out"),
    ]
    initializers = [
        weight(rng, "W0"), weight(rng, "Win"), weight(rng, "Wout"),
        numpy_helper.from_array(np.array(3, np.int64), "trips"),
        numpy_helper.from_array(np.array(True), "go"),
    ]
    graph = helper.make_graph(
        nodes, "loop_model", [tensor("x", [ROWS, WIDTH])],
        [tensor("y", [ROWS, WIDTH]), tensor("s_all", [3, ROWS, WIDTH])], initializers)
    return graph, lambda: {"x": rng.standard_normal((ROWS, WIDTH)).astype(np.float32)}


def scan_model(rng):
    steps = 4
    body = helper.make_graph(
        [
            constant_node(rng, "Wx"),
            helper.make_node("MatMul", ["x_t", "Wx"], ["c_x"], name="cell_x"),
            helper.make_node("MatMul", ["h_in", "Wh"], ["c_h"], name="cell_h"),
            helper.make_node("Add", ["c_x", "c_h"], ["c_sum"], name="cell_add"),
            helper.make_node("Tanh", ["c_sum"], ["h_out"], name="cell_tanh"),
            helper.make_node("Identity", ["h_out"], ["y_t"], name="cell_emit"),
        ],
        "scan_body", [tensor("h_in", [ROWS, WIDTH]), tensor("x_t", [ROWS, WIDTH])],
        [tensor("h_out", [ROWS, WIDTH]), tensor("y_t", [ROWS, WIDTH])])
    nodes = [
        helper.make_node("MatMul", ["h0_raw", "W0"], ["h0"], name="mm0"),
        helper.make_node("Scan", ["h0", "xs"], ["h_last", "ys"], name="rnn", body=body, num_scan_inputs=1),
        helper.make_node("MatMul", ["h_last", "Wout"], ["y"], name="mm_out"),
    ]
    initializers = [weight(rng, "W0"), weight(rng, "Wh"), weight(rng, "Wout")]
    graph = helper.make_graph(
        nodes, "scan_model", [tensor("h0_raw", [ROWS, WIDTH]), tensor("xs", [steps, ROWS, WIDTH])],
        [tensor("y", [ROWS, WIDTH]), tensor("ys", [steps, ROWS, WIDTH])], initializers)
    return graph, lambda: {
        "h0_raw": rng.standard_normal((ROWS, WIDTH)).astype(np.float32),
        "xs": rng.standard_normal((steps, ROWS, WIDTH)).astype(np.float32),
    }


def main():
    global WIDTH, SAMPLES
    kind, out_dir = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        WIDTH, SAMPLES = int(sys.argv[3]), int(sys.argv[4])
    rng = np.random.default_rng({"if": 1, "loop": 2, "scan": 3}[kind])
    graph, sample = {"if": if_model, "loop": loop_model, "scan": scan_model}[kind](rng)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model, full_check=True)
    os.makedirs(out_dir, exist_ok=True)
    onnx.save(model, os.path.join(out_dir, kind + ".onnx"))
    for folder in ("calib", "eval"):
        os.makedirs(os.path.join(out_dir, folder), exist_ok=True)
        for index in range(SAMPLES):
            np.savez(os.path.join(out_dir, folder, f"{index:03d}.npz"), **sample())


if __name__ == "__main__":
    main()
