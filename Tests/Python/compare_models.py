"""Checks that qdqc's output equals its input as ONNX sees it.

usage: compare_models.py EXPECTED ACTUAL [--expect-external LOCATION]
                         [--expect-inline-below BYTES] [--no-full-check]

Both files are read with onnx.load, which also loads external data, and must be
equal as protobuf messages. Then onnx.checker.check_model runs on ACTUAL's path
(the path form, which works past 2 GiB) with full_check. If the checker rejects
ACTUAL but rejects EXPECTED with the same message too, that is a property of the
input model, not of qdqc: it is reported on stdout and accepted.

--expect-external LOCATION: ACTUAL must keep at least one initializer in the
    side file LOCATION (relative to ACTUAL's folder), and that file must exist.
    LOCATION "*" accepts any side file name.
--expect-inline-below BYTES: initializers whose data is smaller than BYTES must
    stay inside ACTUAL.

Exit status 0 on success; otherwise 1 with one line per problem on stderr.
"""

import argparse
import os
import sys

import onnx
from onnx import TensorProto

from model_diff import first_difference


def external_locations(model):
    locations = {}
    for tensor in model.graph.initializer:
        if tensor.data_location == TensorProto.EXTERNAL:
            entries = {entry.key: entry.value for entry in tensor.external_data}
            locations[tensor.name] = entries.get("location", "")
    return locations


def check_layout(args, problems):
    skeleton = onnx.load(args.actual, load_external_data=False)
    locations = external_locations(skeleton)
    folder = os.path.dirname(os.path.abspath(args.actual))
    if args.expect_external is not None:
        wanted = [name for name, location in locations.items() if args.expect_external in ("*", location)]
        if not wanted:
            problems.append(f"no initializer is stored in external file {args.expect_external!r} (found {locations})")
        for location in set(locations.values()):
            if not os.path.isfile(os.path.join(folder, location)):
                problems.append(f"external data file {location!r} does not exist beside {args.actual}")
    if args.expect_inline_below is not None:
        expected = onnx.load(args.expected, load_external_data=True)
        for tensor in expected.graph.initializer:
            size = len(tensor.raw_data)
            if tensor.HasField("raw_data") and size < args.expect_inline_below and tensor.name in locations:
                problems.append(f"initializer {tensor.name!r} ({size} bytes) was moved to external data")


def check_with_checker(args, problems):
    try:
        onnx.checker.check_model(args.actual, full_check=args.full_check)
    except Exception as error:  # the checker raises several exception types
        message = str(error).replace(args.actual, "<model>")
        try:
            onnx.checker.check_model(args.expected, full_check=args.full_check)
        except Exception as original:
            if str(original).replace(args.expected, "<model>") == message:
                print(f"note: onnx.checker rejects the input the same way: {message.splitlines()[0]}")
                return
        problems.append(f"onnx.checker rejects {args.actual}: {message.splitlines()[0] if message else error!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("expected")
    parser.add_argument("actual")
    parser.add_argument("--expect-external")
    parser.add_argument("--expect-inline-below", type=int)
    parser.add_argument("--no-full-check", dest="full_check", action="store_false")
    args = parser.parse_args()

    problems = []
    expected = onnx.load(args.expected)
    try:
        actual = onnx.load(args.actual)
    except Exception as error:  # onnx.load raises DecodeError, ValidationError, OSError, ...
        print(f"onnx.load cannot read {args.actual}: {error}", file=sys.stderr)
        return 1
    if expected != actual:
        problems.append(f"models differ: {first_difference(expected, actual) or 'unknown difference'}")
    del expected, actual  # large models: free before the checker loads its own copy
    check_layout(args, problems)
    check_with_checker(args, problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
