#!/usr/bin/env python3
"""Weight-only int4 quantization of a decoder LM: qdqc versus ONNX Runtime's MatMulNBitsQuantizer, in one run.

usage (from the repository root, after `bash .ci/setup`; ORT's GPTQ and HQQ also need torch, which the
locked .venv does not have: `.venv/bin/pip install torch`, else their rows say "No module named 'torch'"):

    swift build -c release --product qdqc
    .venv/bin/python Tests/Benchmarks/weight_only_bench.py [--qdqc .build/release/qdqc (or $QDQC_BINARY)]
        [--model-dir /tmp/llm/whisper_base_decoder_lm] [--methods ort-rtn,ort-gptq,ort-hqq,qdqc-rtn,qdqc-awq,qdqc-gptq]
        [--matrix [--blocks 32,128] [--schemes sym,asym] [--lm-head with,without]]
        [--calib-samples 64] [--eval-limit 32] [--runs 10] [--ort-rtn-format qdq|qoperator]
        [--out FILE] [--json FILE] [--markdown docs/benchmarks.md] [--keep DIR]

The model is the Whisper-base text decoder LM that ../shared/llm/whisper_base_decoder/make_model.py builds
(model_prefill.onnx: input_ids int64[1,128] -> logits [1,128,51865]; calib/ and eval/ .npz with input_ids).

Configurations. The headline set (the default) is int4, symmetric, block 128, every MatMul including the LM
head (/proj_out/MatMul), one row per method:

- ORT RTN:   MatMulNBitsQuantizer with DefaultWeightOnlyQuantConfig (its "default" round-to-nearest), once in
             QDQ format (blocked DequantizeLinear -> MatMul, as qdqc writes) and once in QOperator format
             (MatMulNBits, ORT's default); --ort-rtn-format qdq or qoperator keeps one. The two formats do
             not quantize alike (different MLAS routines), so both rows are shown;
- ORT GPTQ:  GPTQWeightOnlyQuantConfig(actorder=True, percdamp=0.01), calibrated on the same --calib-samples
             calib/ samples through a CalibrationDataReader (QOperator MatMulNBits: its only format);
- ORT HQQ:   HQQWeightOnlyQuantConfig (QOperator MatMulNBits, its only format; HQQ is asymmetric by
             construction -- its zero point is what it optimises -- so its rows say "asym (HQQ)");
- qdqc rtn|awq|gptq: `qdqc MODEL -o OUT --activations none --weights int4 --block-size B --weight-method M
             --target ort [--calib-data CALIB --calib-samples N] [--weights uint4 --asymmetric-weights]
             [--exclude-nodes proj_out]`.

--matrix adds, for the cheap methods (ORT RTN, ORT HQQ, qdqc rtn, qdqc awq), every combination of --blocks,
--schemes and --lm-head ("without" = the LM head left in float: nodes_to_exclude=['/proj_out/MatMul'] for ORT,
--exclude-nodes 'proj_out' for qdqc). --methods restricts both sets.

Each quantizer runs in its own child process (this script's `ort-quantize` subcommand for ORT): wall time and
peak resident memory (GNU time's %M) are its own, and the 1-minute load average is read before and after.
Then, for the float model and every output, with ONNX Runtime on the CPU (2 threads, ORT_ENABLE_ALL, so
DequantizeLinear+MatMul pairs fuse):

- perplexity over all --eval-limit eval/ sequences: exp(mean NLL) of the 124 text tokens of each, i.e.
  targets input_ids[:, 4:] predicted from logits[:, 3:127] (as ../shared/llm/README.md defines it; float 118.1);
- the relative perplexity increase over float, and the fraction of ORT RTN's loss (ppl - float) at the same
  setting (against ORT RTN's QOperator row when it ran, its default format, else its QDQ row);
- size on disk (MiB, the .onnx and any external data), the MatMulNBits nodes in ONNX Runtime's optimized graph
  (optimized_model_filepath at ORT_ENABLE_ALL), and the median latency of one 128-token forward (--runs runs
  interleaved across all models so that load drift hits all alike).

Check: for every setting where both ORT RTN in QDQ format and qdqc rtn ran, the int4 weights, scales and zero
points of each MatMul's DequantizeLinear are compared, weight by weight (identical integers and bit-identical
scales; an all-zero block, where ORT writes scale 0 and qdqc 1, is counted apart).

Prints markdown tables; --out writes them to a file, --markdown rewrites only the "## Weight-only" section of
that file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Python"))
sys.path.insert(0, HERE)

SECTION = "## Weight-only int4 on a decoder LM (issue 13)"
LM_HEAD_NODE = "/proj_out/MatMul"
LM_HEAD_REGEX = "proj_out"
PROMPT = 4  # prompt-prefix tokens: targets input_ids[:, 4:], predicted from logits[:, 3:-1]

METHODS = ["ort-rtn", "ort-gptq", "ort-hqq", "qdqc-rtn", "qdqc-awq", "qdqc-gptq"]
CHEAP = ["ort-rtn", "ort-hqq", "qdqc-rtn", "qdqc-awq"]
LABELS = {"ort-rtn": "ORT RTN", "ort-gptq": "ORT GPTQ act-order", "ort-hqq": "ORT HQQ",
          "qdqc-rtn": "qdqc rtn", "qdqc-awq": "qdqc awq", "qdqc-gptq": "qdqc gptq"}


# ----------------------------------------------------------------------------------------------- child: ORT


def ort_quantize_main(argv) -> int:
    """Child process: quantize with ONNX Runtime's MatMulNBitsQuantizer and save; prints a JSON line."""
    parser = argparse.ArgumentParser(prog="weight_only_bench.py ort-quantize")
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--algo", choices=["rtn", "gptq", "hqq"], required=True)
    parser.add_argument("--block-size", type=int, default=128)
    parser.add_argument("--asymmetric", action="store_true")
    parser.add_argument("--exclude", action="append", default=[], help="node name to leave in float")
    parser.add_argument("--format", choices=["qdq", "qoperator"], default="qdq", help="RTN only")
    parser.add_argument("--calib", help="folder of .npz samples (GPTQ)")
    parser.add_argument("--calib-samples", type=int, default=64)
    parser.add_argument("--no-actorder", action="store_true")
    args = parser.parse_args(argv)

    import glob

    import numpy as np
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat
    from onnxruntime.quantization.matmul_nbits_quantizer import (
        DefaultWeightOnlyQuantConfig,
        GPTQWeightOnlyQuantConfig,
        HQQWeightOnlyQuantConfig,
        MatMulNBitsQuantizer,
    )

    class Reader(CalibrationDataReader):
        def __init__(self, samples):
            self.samples = samples
            self.index = 0

        def get_next(self):
            if self.index >= len(self.samples):
                return None
            self.index += 1
            return self.samples[self.index - 1]

    class Quantizer(MatMulNBitsQuantizer):
        """MatMulNBitsQuantizer whose GPTQ path also honours nodes_to_exclude (upstream applies it only to RTN)."""

        def _generate_q4_node_config(self):
            config = super()._generate_q4_node_config()
            for name in self.nodes_to_exclude:
                config[name] = "fp32"
            return config

    symmetric = not args.asymmetric
    formats = {"qdq": QuantFormat.QDQ, "qoperator": QuantFormat.QOperator}
    fmt_used = "QOperator MatMulNBits"
    if args.algo == "rtn":
        config = DefaultWeightOnlyQuantConfig(block_size=args.block_size, is_symmetric=symmetric, bits=4,
                                              quant_format=formats[args.format], op_types_to_quantize=("MatMul",))
        fmt_used = "QDQ" if args.format == "qdq" else fmt_used
    elif args.algo == "hqq":
        symmetric = False  # HQQ has no symmetric form (ORT's own CLI forces symmetric=False too)
        config = HQQWeightOnlyQuantConfig(block_size=args.block_size, bits=4, op_types_to_quantize=("MatMul",))
    else:
        paths = sorted(glob.glob(os.path.join(args.calib, "*.npz")))[: args.calib_samples]
        samples = []
        for path in paths:
            with np.load(path) as data:
                samples.append({"input_ids": data["input_ids"]})
        config = GPTQWeightOnlyQuantConfig(calibration_data_reader=Reader(samples), percdamp=0.01, block_size=128,
                                           actorder=not args.no_actorder, mse=False, perchannel=True,
                                           op_types_to_quantize=("MatMul",))
    model = onnx.load(args.model)
    quantizer = Quantizer(model, bits=4, block_size=args.block_size, is_symmetric=symmetric,
                          nodes_to_exclude=args.exclude, algo_config=config)
    quantizer.process()
    quantizer.model.save_model_to_file(args.out, use_external_data_format=False)
    print(json.dumps({"format": fmt_used, "symmetric": symmetric}))
    return 0


# ----------------------------------------------------------------------------------------------- configurations


def configurations(args) -> list[dict]:
    wanted = args.methods.split(",")
    unknown = [m for m in wanted if m not in METHODS]
    if unknown:
        raise SystemExit(f"weight_only_bench: unknown --methods {unknown}; choose from {','.join(METHODS)}")
    formats = args.ort_rtn_format.split(",")
    if not formats or any(f not in ("qdq", "qoperator") for f in formats):
        raise SystemExit("weight_only_bench: --ort-rtn-format takes qdq, qoperator or qdq,qoperator")

    def expand(config):  # ORT RTN once per format asked for
        if config["method"] != "ort-rtn":
            return [config]
        return [{**config, "format": f} for f in formats]

    configs = [c for m in METHODS if m in wanted
               for c in expand({"method": m, "block": 128, "sym": True, "head": True})]
    if args.matrix:
        for block in (int(b) for b in args.blocks.split(",")):
            for scheme in args.schemes.split(","):
                for head in args.lm_head.split(","):
                    for method in CHEAP:
                        if method not in wanted:
                            continue
                        config = {"method": method, "block": block, "sym": scheme == "sym", "head": head == "with"}
                        if method == "ort-hqq" and (config["sym"] or any(
                                c["method"] == method and c["block"] == block and c["head"] == config["head"]
                                for c in configs)):
                            continue  # HQQ is asymmetric only: one row per block and LM head choice
                        for expanded in expand(config):
                            if expanded not in configs:
                                configs.append(expanded)
    return configs


def config_key(config) -> str:
    return (f"{config['method']}{'_' + config['format'] if 'format' in config else ''}_b{config['block']}"
            f"_{'sym' if config['sym'] else 'asym'}_{'head' if config['head'] else 'nohead'}")


def command_for(config, args, model, calib, out) -> list[str]:
    method = config["method"]
    if method.startswith("ort-"):
        command = [sys.executable, os.path.abspath(__file__), "ort-quantize", model, out,
                   "--algo", method[4:], "--block-size", str(config["block"])]
        if not config["sym"]:
            command.append("--asymmetric")
        if not config["head"]:
            command += ["--exclude", LM_HEAD_NODE]
        if method == "ort-rtn":
            command += ["--format", config["format"]]
        if method == "ort-gptq":
            command += ["--calib", calib, "--calib-samples", str(args.calib_samples)]
        return command
    command = [args.qdqc, model, "-o", out, "--activations", "none",
               "--weights", "int4" if config["sym"] else "uint4", "--block-size", str(config["block"]),
               "--weight-method", method[5:], "--target", "ort", "--quiet"]
    if not config["sym"]:
        command.append("--asymmetric-weights")
    if method != "qdqc-rtn":
        command += ["--calib-data", calib, "--calib-samples", str(args.calib_samples)]
    if not config["head"]:
        command += ["--exclude-nodes", LM_HEAD_REGEX]
    return command


# ----------------------------------------------------------------------------------------------- measurements


def load1() -> float:
    return os.getloadavg()[0]


def size_mib(path: str) -> float:
    """The .onnx file and the external data files it names, in MiB."""
    import onnx

    total = os.path.getsize(path)
    model = onnx.load(path, load_external_data=False)
    locations = set()
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                locations.add(entry.value)
    for location in locations:
        full = os.path.join(os.path.dirname(path), location)
        if os.path.exists(full):
            total += os.path.getsize(full)
    return total / (1 << 20)


def session(path, optimized=None, threads=2):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if optimized:
        options.optimized_model_filepath = optimized
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def optimized_op_counts(optimized: str) -> dict:
    import onnx

    counts: dict[str, int] = {}
    model = onnx.load(optimized, load_external_data=False)
    for node in model.graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts


def evaluate(path: str, samples, scratch: str) -> dict:
    """Perplexity over the samples, ORT's optimized-graph op counts, size on disk."""
    import numpy as np

    optimized = os.path.join(scratch, "optimized_" + os.path.basename(path))
    start = time.perf_counter()
    sess = session(path, optimized=optimized)
    nll_sum, count = 0.0, 0
    for sample in samples:
        ids = sample["input_ids"]
        logits = sess.run(["logits"], {"input_ids": ids})[0][0, PROMPT - 1:-1].astype(np.float64)
        targets = ids[0, PROMPT:]
        top = logits.max(axis=-1, keepdims=True)
        log_z = np.log(np.exp(logits - top).sum(axis=-1)) + top[:, 0]
        nll = log_z - logits[np.arange(len(targets)), targets]
        nll_sum += float(nll.sum())
        count += len(targets)
    del sess
    counts = optimized_op_counts(optimized)
    for leftover in (optimized, optimized + ".data"):
        if os.path.exists(leftover):
            os.remove(leftover)
    return {"perplexity": float(np.exp(nll_sum / count)), "tokens": count,
            "matmulnbits": counts.get("MatMulNBits", 0), "dequantize_linear": counts.get("DequantizeLinear", 0),
            "matmul": counts.get("MatMul", 0) + counts.get("FusedMatMul", 0),
            "size_mib": size_mib(path), "eval_seconds": time.perf_counter() - start, "op_counts": counts}


def latencies_ms(paths: list[str], sample, runs: int, warmup: int = 2) -> list[float]:
    """Median latency of one forward of each model, the runs interleaved across the models."""
    sessions = [session(p) for p in paths]
    feed = {"input_ids": sample["input_ids"]}
    for s in sessions:
        for _ in range(warmup):
            s.run(None, feed)
    times: list[list[float]] = [[] for _ in sessions]
    for _ in range(runs):
        for index, s in enumerate(sessions):
            start = time.perf_counter()
            s.run(None, feed)
            times[index].append((time.perf_counter() - start) * 1000.0)
    return [statistics.median(t) for t in times]


# ----------------------------------------------------------------------------------------------- RTN identity


def dq_weights(path: str) -> dict:
    """{MatMul output name: (node name, q ints, scales, zero points or None, axis, block_size)} of every
    constant DequantizeLinear that feeds a MatMul (directly or through Identity/Reshape/Transpose)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    result = {}
    for node in graph.node:
        if node.op_type != "DequantizeLinear" or node.input[0] not in inits:
            continue
        value, hops = node.output[0], 0
        users = consumers.get(value, [])
        while len(users) == 1 and users[0].op_type in ("Identity", "Reshape", "Transpose") and hops < 3:
            value, hops = users[0].output[0], hops + 1
            users = consumers.get(value, [])
        matmuls = [u for u in users if u.op_type in ("MatMul", "Gemm")]
        if len(matmuls) != 1:
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        zero = numpy_helper.to_array(inits[node.input[2]]) if len(node.input) > 2 and node.input[2] else None
        result[matmuls[0].output[0]] = (matmuls[0].name, numpy_helper.to_array(inits[node.input[0]]),
                                        numpy_helper.to_array(inits[node.input[1]]), zero,
                                        attrs.get("axis", 1), attrs.get("block_size", 0))
    return result


def compare_rtn(ort_path: str, qdqc_path: str, float_path: str) -> dict:
    """Weight by weight: integers, scales and zero points of ORT's RTN QDQ output against qdqc's.

    Two known places where the definitions can disagree are counted apart, block by block: an all-zero block
    (ORT writes scale 0, qdqc 1) and a symmetric block whose extremes tie, max = -min (the scale's sign is
    the choice of which end maps to -8: the two scales are then equal but for the sign, and the integers of
    that block differ). "identical outside those" means every other block has the same integers and
    bit-identical scale and zero point. Integers that differ elsewhere are also counted by whether the float
    weight lies exactly half-way between two steps (w/scale = k + 0.5 in float32): rounding there depends on
    how the division and the rounding are done (ORT multiplies by the float32 reciprocal of the scale).
    """
    import numpy as np
    import onnx
    from onnx import numpy_helper

    float_model = onnx.load(float_path)
    float_inits = {t.name: t for t in float_model.graph.initializer}
    float_weights = {n.output[0]: n.input[1] for n in float_model.graph.node
                     if n.op_type == "MatMul" and len(n.input) > 1 and n.input[1] in float_inits}

    ort_w, qdqc_w = dq_weights(ort_path), dq_weights(qdqc_path)
    both = sorted(set(ort_w) & set(qdqc_w))
    summary = {"ort_weights": len(ort_w), "qdqc_weights": len(qdqc_w), "compared": len(both), "identical": 0,
               "identical_outside": 0, "ints_identical": 0, "scales_identical": 0, "zero_blocks": 0,
               "sign_flipped_blocks": 0, "other_scale_blocks": 0, "blocks": 0, "int_elements": 0,
               "int_elements_differing": 0, "int_elements_differing_outside": 0, "half_way_outside": 0,
               "layout_differs": 0,
               "differences": []}
    for key in both:
        name, q_o, s_o, z_o, axis_o, block_o = ort_w[key]
        _, q_q, s_q, z_q, axis_q, block_q = qdqc_w[key]
        if (q_o.shape != q_q.shape or s_o.shape != s_q.shape or axis_o != axis_q or block_o != block_q
                or q_o.ndim != 2 or axis_o != 0 or block_o <= 0):
            summary["layout_differs"] += 1
            summary["differences"].append(f"{name}: layout q{q_o.shape}/{q_q.shape} s{s_o.shape}/{s_q.shape} "
                                          f"axis {axis_o}/{axis_q} block {block_o}/{block_q}")
            continue
        q_o, q_q = q_o.astype(np.int32), q_q.astype(np.int32)
        zo = np.zeros(s_o.shape, np.int32) if z_o is None else z_o.astype(np.int32)
        zq = np.zeros(s_q.shape, np.int32) if z_q is None else z_q.astype(np.int32)
        s_o32, s_q32 = s_o.astype(np.float32), s_q.astype(np.float32)
        same_scale = (s_o32.view(np.uint32) == s_q32.view(np.uint32)) & (zo == zq)
        zero_block = (s_o32 == 0) & (s_q32 == 1)
        flipped = (s_o32 == -s_q32) & (s_o32 != 0)
        excused = zero_block | flipped
        rows = q_o.shape[0]
        excused_elements = np.repeat(excused, block_o, axis=0)[:rows]
        int_diff = q_o != q_q
        outside_ok = bool((same_scale | excused).all()) and not bool((int_diff & ~excused_elements).any())
        summary["blocks"] += s_o.size
        summary["int_elements"] += q_o.size
        summary["int_elements_differing"] += int(int_diff.sum())
        outside = int_diff & ~excused_elements
        summary["int_elements_differing_outside"] += int(outside.sum())
        if outside.any() and key in float_weights:
            weight = numpy_helper.to_array(float_inits[float_weights[key]]).astype(np.float32)
            if weight.shape == q_o.shape:
                scales = np.repeat(s_o32, block_o, axis=0)[:rows]
                with np.errstate(divide="ignore", invalid="ignore"):
                    ratio = (weight[outside] / scales[outside]).astype(np.float32)
                summary["half_way_outside"] += int((np.abs(ratio - np.trunc(ratio)) == 0.5).sum())
        summary["zero_blocks"] += int(zero_block.sum())
        summary["sign_flipped_blocks"] += int(flipped.sum())
        summary["other_scale_blocks"] += int((~same_scale & ~excused).sum())
        summary["ints_identical"] += int(not int_diff.any())
        summary["scales_identical"] += int(same_scale.all())
        summary["identical"] += int(not int_diff.any() and bool(same_scale.all()))
        summary["identical_outside"] += int(outside_ok)
        explained = outside.any() and summary["half_way_outside"] == summary["int_elements_differing_outside"]
        if not outside_ok and not (explained and bool((same_scale | excused).all())) \
                and len(summary["differences"]) < 6:
            bad = ~same_scale & ~excused
            rel = np.abs(s_o32 - s_q32) / np.maximum(np.abs(s_o32), 1e-30)
            summary["differences"].append(
                f"{name}: {int((int_diff & ~excused_elements).sum())} of {q_o.size} integers differ outside "
                f"tie/zero blocks (max |Δ| {int(np.abs(q_o - q_q)[~excused_elements].max())}), "
                f"{int(bad.sum())} of {s_o.size} "
                f"scales/zero points differ (max rel {float(rel[bad].max()) if bad.any() else 0.0:.2g})")
    return summary


# ----------------------------------------------------------------------------------------------- run & report


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "ort-quantize":
        return ort_quantize_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_qdqc = os.environ.get("QDQC_BINARY") or os.path.join(ROOT, ".build", "release", "qdqc")
    parser.add_argument("--qdqc", default=default_qdqc,
                        help="the qdqc binary (default: $QDQC_BINARY, else .build/release/qdqc)")
    parser.add_argument("--model-dir", default="/tmp/llm/whisper_base_decoder_lm",
                        help="make_model.py's output folder (model_prefill.onnx, calib/, eval/)")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"subset of {','.join(METHODS)}")
    parser.add_argument("--matrix", action="store_true",
                        help="also block x scheme x LM head for the cheap methods (" + ",".join(CHEAP) + ")")
    parser.add_argument("--blocks", default="32,128")
    parser.add_argument("--schemes", default="sym,asym")
    parser.add_argument("--lm-head", default="with,without")
    parser.add_argument("--calib-samples", type=int, default=64)
    parser.add_argument("--eval-limit", type=int, default=32)
    parser.add_argument("--runs", type=int, default=10, help="timed forwards per model for latency (median)")
    parser.add_argument("--ort-rtn-format", default="qdq,qoperator",
                        help="ORT RTN's output: qdq (DequantizeLinear+MatMul), qoperator (MatMulNBits) or both")
    parser.add_argument("--no-float", action="store_true", help="skip the float model's perplexity (use 118.1)")
    parser.add_argument("--out", help="write the markdown tables to this file")
    parser.add_argument("--json", help="write all measurements to this file")
    parser.add_argument("--markdown", help="rewrite the weight-only section of this file (docs/benchmarks.md)")
    parser.add_argument("--keep", help="keep the quantized models in this folder")
    args = parser.parse_args(argv)

    import numpy as np
    import onnxruntime

    from quantize_bench import fmt, replace_section, run_child, subset_folder

    model = os.path.join(args.model_dir, "model_prefill.onnx")
    if not os.path.exists(model):
        raise SystemExit(f"weight_only_bench: no {model}; build it with "
                         "../shared/llm/whisper_base_decoder/make_model.py --out DIR")
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="weight_only_bench_", dir=args.keep)
    calib = subset_folder(os.path.join(args.model_dir, "calib"), args.calib_samples, scratch)
    eval_paths = sorted(os.path.join(args.model_dir, "eval", n)
                        for n in os.listdir(os.path.join(args.model_dir, "eval")) if n.endswith(".npz"))
    eval_paths = eval_paths[: args.eval_limit]
    samples = []
    for path in eval_paths:
        with np.load(path) as data:
            samples.append({"input_ids": data["input_ids"].astype(np.int64)})

    environment = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                   "cpus": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version(),
                   "onnxruntime": onnxruntime.__version__, "qdqc": qdqc_version(args.qdqc)}
    try:
        import onnx

        environment["onnx"] = onnx.__version__
        import torch  # noqa: F401

        environment["torch"] = torch.__version__
    except ImportError:
        environment["torch"] = None
    print(f"weight_only_bench: {environment}", file=sys.stderr)

    configs = configurations(args)
    records = []
    for config in configs:
        out = os.path.join(scratch, config_key(config) + ".onnx")
        command = command_for(config, args, model, calib, out)
        before = load1()
        print(f"weight_only_bench: {config_key(config)}: {' '.join(command)}", file=sys.stderr, flush=True)
        if config["method"].startswith("qdqc-") and not os.path.exists(args.qdqc):
            stdout, stderr, code, rss, wall = "", f"no qdqc binary at {args.qdqc}", 127, None, None
        else:
            stdout, stderr, code, rss, wall = run_child(command)
        record = {**{k: v for k, v in config.items() if k != "format"}, "label": LABELS[config["method"]],
                  "key": config_key(config), "path": out, "ort_rtn_format": config.get("format"),
                  "seconds": wall, "peak_mb": rss, "load_before": before, "load_after": load1(),
                  "ok": code == 0 and os.path.exists(out), "command": command}
        if config["method"].startswith("ort-"):
            for line in reversed(stdout.strip().splitlines()):  # ORT's GPTQ prints its own progress too
                if line.startswith('{"format"'):
                    record.update(json.loads(line))
                    break
        else:
            record["format"] = "QDQ"
        if not record["ok"]:
            lines = [line for line in stderr.strip().splitlines() if line.strip()] or [f"exit {code}"]
            record["error"] = lines[-1][:300]
            record["stderr_tail"] = lines[-5:]
        print(f"weight_only_bench:   exit {code}, {fmt(wall)} s, {fmt(rss, 0)} MB, load {before:.2f}→"
              f"{record['load_after']:.2f}" + (f"; {record.get('error')}" if not record["ok"] else ""),
              file=sys.stderr, flush=True)
        records.append(record)

    float_record = {"label": "float", "method": "float", "path": model, "ok": True}
    to_evaluate = ([] if args.no_float else [float_record]) + [r for r in records if r["ok"]]
    for record in to_evaluate:
        before = load1()
        try:
            record.update(evaluate(record["path"], samples, scratch))
        except Exception as error:  # ORT refusing a model is a result, not a crash
            record["ok"] = False
            record["error"] = f"ONNX Runtime: {str(error).splitlines()[0][:300]}"
        record["eval_load"] = (before, load1())
        print(f"weight_only_bench: evaluated {record.get('key', 'float')}: perplexity "
              f"{fmt(record.get('perplexity'), 2)} (load {before:.2f}→{load1():.2f})", file=sys.stderr, flush=True)
    if args.no_float:
        float_record.update({"perplexity": 118.10111245771905, "size_mib": size_mib(model), "matmulnbits": 0})

    runnable = [float_record] + [r for r in records if r["ok"]]
    before = load1()
    for record, ms in zip(runnable, latencies_ms([r["path"] for r in runnable], samples[0], args.runs)):
        record["latency_ms"] = ms
    latency_load = (before, load1())

    identity = []
    for record in records:
        if record["method"] != "ort-rtn" or not record["ok"] or record.get("format") != "QDQ":
            continue
        peer = next((r for r in records if r["method"] == "qdqc-rtn" and r["ok"] and r["block"] == record["block"]
                     and r["sym"] == record["sym"] and r["head"] == record["head"]), None)
        if peer is not None:
            identity.append({"setting": setting_text(record),
                             **compare_rtn(record["path"], peer["path"], model)})

    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"environment": environment, "float": float_record, "runs": records, "rtn_identity": identity,
                       "latency_load": latency_load}, handle, indent=1, default=str)
    lines = report(float_record, records, identity, environment, latency_load, args, fmt)
    print("\n".join(lines))
    if args.out:
        with open(args.out, "w") as handle:
            handle.write("\n".join(lines) + "\n")
    if args.markdown:
        with open(args.markdown) as handle:
            text = handle.read()
        replace_section(args.markdown, text, SECTION, [SECTION, ""] + description(args) + [""] + lines + [""])
    return 0


def qdqc_version(qdqc: str):
    try:
        return subprocess.run([qdqc, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    except OSError:
        return None


def setting_text(record) -> str:
    scheme = "sym" if record["sym"] else "asym"
    if record["method"] == "ort-hqq":
        scheme = "asym (HQQ)"
    return f"block {record['block']}, {scheme}, {'with' if record['head'] else 'without'} LM head"


def report(float_record, records, identity, environment, latency_load, args, fmt) -> list[str]:
    base = float_record["perplexity"]

    def rtn_loss(record):
        peers = [r for r in records if r["method"] == "ort-rtn" and r["ok"] and r["block"] == record["block"]
                 and r["sym"] == record["sym"] and r["head"] == record["head"] and "perplexity" in r]
        # ORT's own default format (MatMulNBits) first: the one the issue quotes.
        peers.sort(key=lambda r: r.get("ort_rtn_format") != "qoperator")
        peer = peers[0] if peers else None
        if peer is None or record["method"] == "ort-rtn" or peer["perplexity"] <= base:
            return None
        return (record["perplexity"] - base) / (peer["perplexity"] - base)

    lines = [
        f"Run {environment['date']}, {environment['cpus']} CPUs; onnxruntime {environment['onnxruntime']}, "
        f"onnx {environment.get('onnx')}, torch {environment.get('torch')}, qdqc {environment.get('qdqc')}; "
        f"{args.eval_limit} eval sequences, "
        f"{args.calib_samples} calibration sequences; latency: median of {args.runs} interleaved runs, 2 threads "
        f"(load {latency_load[0]:.2f}→{latency_load[1]:.2f}).",
        "",
        "| quantizer | format | block | weights | LM head | perplexity | Δ vs float | loss / ORT RTN loss | time s "
        "| peak MB | size MiB | MatMulNBits | ORT ms | load before→after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        f"| float | — | — | float32 | float | {fmt(base, 1)} | — | — | — | — "
        f"| {fmt(float_record.get('size_mib'))} "
        f"| {float_record.get('matmulnbits', '—')} | {fmt(float_record.get('latency_ms'))} | "
        f"{eval_load_text(float_record)} |",
    ]
    for r in records:
        weights = "int4 sym" if r["sym"] and r["method"] != "ort-hqq" else "uint4 asym"
        if r["method"] == "ort-hqq":
            weights += " (HQQ)"
        head = "int4" if r["head"] else "float"
        load = f"{r['load_before']:.2f}→{r['load_after']:.2f}"
        if not r["ok"] or "perplexity" not in r:
            error = (r.get("error") or "failed").replace("|", "/")
            lines.append(f"| {r['label']} | {r.get('format', '—')} | {r['block']} | {weights} | {head} "
                         f"| failed: {error} | — | — | {fmt(r['seconds'])} | {fmt(r['peak_mb'], 0)} "
                         "| — | — | — "
                         f"| {load} |")
            continue
        increase = (r["perplexity"] / base - 1.0) * 100.0
        lines.append(f"| {r['label']} | {r.get('format', '—')} | {r['block']} | {weights} | {head} "
                     f"| {fmt(r['perplexity'], 1)} | +{fmt(increase, 1)} % | {fmt(rtn_loss(r), 2)} "
                     f"| {fmt(r['seconds'])} | {fmt(r['peak_mb'], 0)} | {fmt(r['size_mib'])} | {r['matmulnbits']} "
                     f"| {fmt(r.get('latency_ms'))} | {load} |")
    if identity:
        lines += ["", "qdqc rtn against ORT RTN (QDQ), the DequantizeLinear inputs (integers, scale, zero point) of "
                  "each MatMul's weight:", "",
                  "| setting | weights (ORT / qdqc / matched) | identical | identical outside tie and all-zero blocks "
                  "| blocks: ties max = −min (scale sign flipped) / all-zero (ORT 0, qdqc 1) / other differences "
                  "| integers differing (outside those blocks; of which w/scale exactly k+0.5) | notes |",
                  "|---|---|---|---|---|---|---|"]
        for i in identity:
            notes = "; ".join(i["differences"][:2]).replace("|", "/") or (
                "every other difference is an integer at w/scale = k+0.5 exactly" if i["half_way_outside"] else "—")
            lines.append(f"| {i['setting']} | {i['ort_weights']} / {i['qdqc_weights']} / {i['compared']} "
                         f"| {i['identical']} | {i['identical_outside']} | {i['sign_flipped_blocks']} / "
                         f"{i['zero_blocks']} / {i['other_scale_blocks']} of {i['blocks']} "
                         f"| {i['int_elements_differing']} ({i['int_elements_differing_outside']}; "
                         f"{i['half_way_outside']}) of {i['int_elements']} | {notes} |")
        if any(i["sign_flipped_blocks"] or i["zero_blocks"] or i["half_way_outside"] for i in identity):
            lines += ["", "ORT's rule: scale = (the end of larger magnitude, the minimum on a tie max = −min)/−8 "
                      "(symmetric), codes = roundf(w·(1/scale)) with the float32 reciprocal, half away from zero, "
                      "scale 0 for an all-zero block. A sign-flipped scale is a tie taken at the other end; an "
                      "integer at w/scale = k+0.5 exactly (frequent in weights that were float16) differs when "
                      "w/scale is rounded instead of w·(1/scale), which falls just short of the half."]
    return lines


def eval_load_text(record) -> str:
    load = record.get("eval_load")
    return f"{load[0]:.2f}→{load[1]:.2f} (eval)" if load else "—"


def description(args) -> list[str]:
    return [
        "What it measures: weight-only int4 quantization (activations stay float) of the Whisper-base text "
        "decoder LM (52M parameters, 6 layers, vocabulary 51,865; `../shared/llm/whisper_base_decoder/"
        "make_model.py`) by qdqc (`--activations none --weights int4 --block-size B --weight-method "
        "rtn|awq|gptq --target ort`) and by ONNX Runtime's `MatMulNBitsQuantizer` (RTN = its default "
        "algorithm, in QDQ and in its default QOperator `MatMulNBits` format; GPTQ with act-order and HQQ, "
        "which write `MatMulNBits` only), side by side "
        f"in one run. GPTQ and AWQ calibrate on the same {args.calib_samples} `calib/` sequences. Perplexity "
        f"is exp(mean NLL) of the 124 text tokens of each of {args.eval_limit} `eval/` sequences in ONNX "
        "Runtime (CPU, ORT_ENABLE_ALL); \"loss / ORT RTN loss\" is (ppl − float)/(ppl of ORT RTN − float) at "
        "the same setting (ORT RTN in its MatMulNBits format when that ran, else in QDQ). Time and peak "
        "memory (GNU time) are each quantizer's own process; MatMulNBits "
        "counts the fused kernels in ONNX Runtime's optimized graph; the load is the 1-minute load average "
        "before and after each quantizer ran (2 cores).",
        "",
        "Reproduce (from the repository root):",
        "",
        "```sh",
        "swift build -c release --product qdqc",
        ".venv/bin/pip install torch   # ORT's GPTQ and HQQ need it",
        ".venv/bin/python Tests/Benchmarks/weight_only_bench.py --matrix --markdown docs/benchmarks.md",
        "```",
    ]


if __name__ == "__main__":
    sys.exit(main())
