"""An independent numpy implementation of the block formats' quantization rules.

usage: block_formats_reference.py INPUT.json OUTPUT.json
INPUT: {"weight": [...], "rows": K, "columns": N, "format": name, "blockSize": B}, the weight row-major
[K, N], blocks of B consecutive rows per column. OUTPUT: {"codes": [...] element bits row-major,
"scaleCodes": [...] stored scale bits (FP8 E4M3 / E8M0) or float32 bit patterns row-major
[blocks, N], "tensorScale": float32 bits or null}.

The rules, as their definers state them:
- OCP Microscaling v1.0 (the microxcaling reference): shared_exp = floor(log2(amax)) - emax_elem, a block of
  zeros taking log2(FP32_MIN_NORMAL); clamped to [-127, 127]; elements = saturating round-to-nearest-even
  conversion of x / 2^shared_exp (emax: E2M1 2, E4M3 8, E5M2 15, INT8 0 with an implicit 2^-6 and codes
  clamped to +-127). MXINT8's scale is stored as 2^(shared_exp - 6) so the codes are plain int8.
- NVFP4 (ModelOpt's NVFP4QTensor): tensor scale = amax / (6 * 448); block scale = (amax_block / 6) / tensor
  scale (1 for a block of zeros) cast to float8_e4m3fn; elements = float4_e2m1fn(x / (block * tensor)).
- float4e2m1 with float32 scales: scale = amax_block / 6 (1 for zeros), elements = float4_e2m1fn(x / scale).
"""
import json
import sys

import ml_dtypes
import numpy as np

ELEMENTS = {
    "mxfp4": (ml_dtypes.float4_e2m1fn, 2, 6.0),
    "mxfp8e4m3": (ml_dtypes.float8_e4m3fn, 8, 448.0),
    "mxfp8e5m2": (ml_dtypes.float8_e5m2, 15, 57344.0),
}


def to_element(values, dtype, largest):
    # Clipping first makes ml_dtypes' round-to-nearest-even cast saturating, as the MX spec asks.
    return np.clip(values, -largest, largest).astype(dtype).view(np.uint8).astype(np.int64)


def main() -> int:
    case = json.load(open(sys.argv[1]))
    rows, columns, size, name = case["rows"], case["columns"], case["blockSize"], case["format"]
    w = np.array(case["weight"], dtype=np.float32).reshape(rows, columns)
    blocks = (rows + size - 1) // size
    codes = np.zeros((rows, columns), dtype=np.int64)
    scale_codes = np.zeros((blocks, columns), dtype=np.int64)
    tensor_scale = None
    if name == "nvfp4":
        tensor_scale = np.float32(np.abs(w).max()) / np.float32(6.0 * 448.0)
        if tensor_scale == 0:
            tensor_scale = np.float32(1)
    for b in range(blocks):
        block = w[b * size:(b + 1) * size]
        amax = np.abs(block).max(axis=0).astype(np.float32)
        if name in ELEMENTS or name == "mxint8":
            dtype, emax, largest = ELEMENTS.get(name, (None, 0, 127.0))
            safe = np.where(amax == 0, np.float32(2.0 ** -126), amax)
            shared = np.frexp(safe)[1].astype(np.int64) - 1 - emax
            shared = np.clip(shared, -127, 127)
            if name == "mxint8":
                shared = np.maximum(shared - 6, -127)
            scale = np.ldexp(np.float32(1), shared).astype(np.float32)
            scale_codes[b] = shared + 127
            quotient = (block / scale).astype(np.float32)
            if name == "mxint8":
                codes[b * size:(b + 1) * size] = np.clip(np.round(quotient), -127, 127).astype(np.int64)
            else:
                codes[b * size:(b + 1) * size] = to_element(quotient, dtype, largest)
        elif name == "nvfp4":
            per_block = (amax / np.float32(6.0)).astype(np.float32)
            ratio = np.where(per_block == 0, np.float32(1), per_block / tensor_scale).astype(np.float32)
            fp8 = np.clip(ratio, -448, 448).astype(ml_dtypes.float8_e4m3fn)
            bits = fp8.view(np.uint8).astype(np.int64)
            bits = np.where(bits == 0, 1, bits)
            scale_codes[b] = bits
            decoded = bits.astype(np.uint8).view(ml_dtypes.float8_e4m3fn).astype(np.float32)
            scale = (decoded * tensor_scale).astype(np.float32)
            codes[b * size:(b + 1) * size] = to_element((block / scale).astype(np.float32), ml_dtypes.float4_e2m1fn, 6.0)
        elif name == "float4e2m1":
            scale = np.where(amax == 0, np.float32(1), amax / np.float32(6.0)).astype(np.float32)
            scale_codes[b] = scale.view(np.uint32).astype(np.int64)
            codes[b * size:(b + 1) * size] = to_element((block / scale).astype(np.float32), ml_dtypes.float4_e2m1fn, 6.0)
        else:
            raise SystemExit(f"unknown format {name}")
    answer = {
        "codes": codes.ravel().tolist(),
        "scaleCodes": scale_codes.ravel().tolist(),
        "tensorScale": None if tensor_scale is None else int(np.float32(tensor_scale).view(np.uint32)),
    }
    json.dump(answer, open(sys.argv[2], "w"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
