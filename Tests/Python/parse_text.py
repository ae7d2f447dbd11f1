"""Reads ONNX textual syntax with onnx.parser, optionally comparing to a model.

usage: parse_text.py TEXT_FILE [--compare MODEL]

TEXT_FILE is what `qdqc print` wrote. onnx.parser.parse_model must accept it.
With --compare, the parsed model must equal onnx.load(MODEL) except for what
ONNX's textual syntax cannot carry, which is normalized away on both sides:

- doc_string of graphs, nodes and value infos: the syntax has no place for them
  (onnx.printer drops them too); the model's own doc_string IS compared;
- node domain "" versus no domain: the parser always writes domain "" while
  onnx.helper leaves the field unset; both mean the default ONNX domain;
- how tensor data is encoded (raw_data versus float_data/int32_data/...): the
  syntax writes values, not bytes, and the parser fills the typed field. The
  values are compared instead, bit for bit, after numpy_helper.to_array.

Everything else (names, shapes, types, attributes, opsets, metadata, every
weight bit) must match. Exit status 0 on success; otherwise 1 with the reason.
"""

import argparse
import ast
import sys

import numpy as np
import onnx
import onnx.parser
from onnx import AttributeProto, numpy_helper

from model_diff import first_difference

_TENSOR_DATA_FIELDS = (
    "raw_data", "float_data", "int32_data", "string_data", "int64_data", "double_data", "uint64_data",
)


def normalize_tensor(tensor, path, values):
    """Records the tensor's decoded values under path and clears its encoding."""
    array = numpy_helper.to_array(tensor)
    values[path] = (array.dtype.str, array.shape, array.tobytes() if array.dtype != object else list(array.flat))
    for field in _TENSOR_DATA_FIELDS:
        tensor.ClearField(field)


def normalize_graph(graph, path, values):
    graph.ClearField("doc_string")
    for info in list(graph.input) + list(graph.output) + list(graph.value_info):
        info.ClearField("doc_string")
    for tensor in graph.initializer:
        normalize_tensor(tensor, f"{path}.initializer[{tensor.name}]", values)
    for node in graph.node:
        normalize_node(node, f"{path}.node[{node.name or node.output[0]}]", values)


def normalize_node(node, path, values):
    node.ClearField("doc_string")
    if not node.domain:
        node.ClearField("domain")
    for attribute in node.attribute:
        attribute.ClearField("doc_string")
        where = f"{path}.{attribute.name}"
        if attribute.type == AttributeProto.TENSOR:
            normalize_tensor(attribute.t, where, values)
        for index, tensor in enumerate(attribute.tensors):
            normalize_tensor(tensor, f"{where}[{index}]", values)
        if attribute.type == AttributeProto.GRAPH:
            normalize_graph(attribute.g, where, values)
        for index, graph in enumerate(attribute.graphs):
            normalize_graph(graph, f"{where}[{index}]", values)


def normalize(model):
    values = {}
    normalize_graph(model.graph, "graph", values)
    for function in model.functions:
        for node in function.node:
            normalize_node(node, f"function[{function.name}]", values)
    return values


def compare(parsed, original):
    parsed_values, original_values = normalize(parsed), normalize(original)
    difference = first_difference(original, parsed)
    if difference:
        return f"parsed text differs from the model: {difference}"
    for path, (dtype, shape, data) in original_values.items():
        if path not in parsed_values:
            return f"{path}: tensor missing from the parsed text"
        other_dtype, other_shape, other_data = parsed_values[path]
        if (dtype, shape) != (other_dtype, other_shape):
            return f"{path}: {dtype}{list(shape)} expected, parsed {other_dtype}{list(other_shape)}"
        if data != other_data:
            return f"{path}: values differ from the model ({_first_value_difference(dtype, data, other_data)})"
    return None


def _first_value_difference(dtype, data, other):
    if isinstance(data, list):
        return "string values"
    left, right = np.frombuffer(data, dtype=dtype), np.frombuffer(other, dtype=dtype)
    index = int(np.flatnonzero(left.view(np.uint8 if left.itemsize == 1 else f"u{left.itemsize}")
                                != right.view(np.uint8 if right.itemsize == 1 else f"u{right.itemsize}"))[0])
    return f"element {index}: {left[index]!r} expected, parsed {right[index]!r}"


def readable(error):
    """onnx.parser's message, decoded from the bytes repr it arrives in, long lines cut."""
    message = str(error) or repr(error)
    if message.startswith(("b'", 'b"')):
        try:
            message = ast.literal_eval(message).decode("utf-8", errors="replace")
        except (ValueError, SyntaxError):
            pass
    lines = [line if len(line) <= 300 else line[:300] + "..." for line in message.splitlines()]
    return " | ".join(line.strip() for line in lines if line.strip())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("text_file")
    parser.add_argument("--compare")
    args = parser.parse_args()
    with open(args.text_file, encoding="utf-8") as text_file:
        text = text_file.read()
    try:
        parsed = onnx.parser.parse_model(text)
    except Exception as error:  # onnx.parser raises onnx.parser.ParseError and others
        print(f"onnx.parser rejects the text: {readable(error)}", file=sys.stderr)
        return 1
    if args.compare:
        problem = compare(parsed, onnx.load(args.compare))
        if problem:
            print(problem, file=sys.stderr)
            return 1
    print(f"parsed: {len(parsed.graph.node)} nodes, {len(parsed.graph.initializer)} initializers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
