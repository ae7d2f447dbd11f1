#!/usr/bin/env bash
# Regenerates Sources/COnnxProto from schemas/onnx.proto with protoc-c.
# Usage: schemas/generate.sh [OUTPUT_DIR]   (default: Sources/COnnxProto)
# The test `GeneratedCodeTests` runs this into a temporary folder and fails
# when the committed files differ.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/Sources/COnnxProto}"
command -v protoc-c >/dev/null || { echo "error: protoc-c not found (apt-get install protobuf-c-compiler)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root/schemas" && protoc-c --c_out="$tmp" onnx.proto)
mkdir -p "$out/include"
# SwiftPM wants public headers in include/; the .c file includes "onnx.pb-c.h".
cp "$tmp/onnx.pb-c.h" "$out/include/onnx.pb-c.h"
cp "$tmp/onnx.pb-c.c" "$out/onnx.pb-c.c"
