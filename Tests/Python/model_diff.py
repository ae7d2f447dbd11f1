"""Finds where two protobuf messages differ, without printing whole tensors.

Shared by the ecosystem test scripts: when two models are not equal, the test
failure should name the first differing field (e.g.
graph.initializer[3].raw_data) instead of dumping hundreds of megabytes.
"""

from google.protobuf.message import Message


def first_difference(expected, actual, path="model"):
    """Returns a one-line description of the first difference, or None if equal."""
    if isinstance(expected, Message):
        if type(expected) is not type(actual):
            return f"{path}: message types differ"
        expected_fields = {field.name: value for field, value in expected.ListFields()}
        actual_fields = {field.name: value for field, value in actual.ListFields()}
        for name in sorted(set(expected_fields) | set(actual_fields)):
            if name not in actual_fields:
                return f"{path}.{name}: missing in actual (expected {_short(expected_fields[name])})"
            if name not in expected_fields:
                return f"{path}.{name}: unexpected in actual ({_short(actual_fields[name])})"
            found = first_difference(expected_fields[name], actual_fields[name], f"{path}.{name}")
            if found:
                return found
        if expected != actual:
            return f"{path}: messages differ in unknown fields"
        return None
    if hasattr(expected, "__len__") and not isinstance(expected, (str, bytes)):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} entries expected, {len(actual)} found"
        for index, (left, right) in enumerate(zip(expected, actual)):
            found = first_difference(left, right, f"{path}[{index}]")
            if found:
                return found
        return None
    if expected != actual:
        return f"{path}: expected {_short(expected)}, found {_short(actual)}"
    return None


def _short(value):
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
