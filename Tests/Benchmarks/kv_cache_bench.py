#!/usr/bin/env python3
"""A quantized KV cache on a decoder LM with past (issue 14): perplexity through the cache, greedy tokens,
quantizer time and peak memory, and the cache's memory, in one run.

usage (from the repository root, after `bash .ci/setup` and `swift build -c release --product qdqc`):

    .venv/bin/python Tests/Benchmarks/kv_cache_bench.py [--qdqc .build/release/qdqc]
        [--model-dir /tmp/llm/whisper_base_decoder_lm] [--configs NAME,...] [--calib-samples 64]
        [--eval-limit 32] [--prompts 8] [--steps 128] [--interpreter-prompts 1] [--out FILE]

The model is `model_kv.onnx` of the Whisper-base text decoder LM (../shared/llm/whisper_base_decoder/make_model.py):
`past_key_values.{0..5}.key|value` float32 [batch, 8, past, 64] in, `present.*` out, 448 positions.

Perplexity is measured **through the cache**, in ONNX Runtime (CPU): each eval sequence (4 prompt tokens + 124 text
tokens) runs as a prefill of its 4 prompt tokens, then one token per step (teacher forced: the step's input is the
sequence's next token, not the model's guess), the presents kept as ORT values in their own type (int8/FP8) and fed
back as the pasts. The perplexity of the 124 text tokens (targets input_ids[:, 4:] from the logits of positions
3..126) is then the one the prefill model gives for float (118.1 on all 32), with every text token's keys and values
read back from the quantized cache from the next step on.

Greedy: for the first --prompts eval sequences, a prompt of their first 8 tokens, then --steps greedy tokens, in ORT,
never picking Whisper's special tokens (ids from 50257: else every continuation ends in end-of-text repeats),
compared with the float model's tokens (how many differ); for --interpreter-prompts of
them the quantized model's loop also runs in qdqc's interpreter (`qdqc run --generate`), compared with ORT's
at float activations (`session.qdq_matmulnbits_accuracy_level` 0: ORT's default quantizes the activations of
int4 weights to int8 inside MatMulNBits, which the graph does not say).

Configurations (--configs picks some); every qdqc run uses --calib-data calib/ --calib-samples N:
- float:       model_kv.onnx as it is (float32 cache);
- kv8-head / kv8-tensor / kv8-channel: --kv-cache int8 --activations none --weights none, per head / tensor /
               per-channel keys;
- fp8-head:    --kv-cache float8e4m3fn (per head);
- w4:          --activations none --weights int4 --block-size 128 --weight-method awq (float cache);
- w4-kv8 / w4-fp8: the same with --kv-cache int8 / float8e4m3fn.
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Python"))

CACHE_ONLY = ["--activations", "none", "--weights", "none"]
W4 = ["--activations", "none", "--weights", "int4", "--block-size", "128", "--weight-method", "awq"]
CONFIGS = {
    "float": None,
    "kv8-head": ["--kv-cache", "int8"] + CACHE_ONLY,
    "kv8-tensor": ["--kv-cache", "int8", "--kv-cache-granularity", "tensor"] + CACHE_ONLY,
    "kv8-channel": ["--kv-cache", "int8", "--kv-cache-granularity", "channel"] + CACHE_ONLY,
    "fp8-head": ["--kv-cache", "float8e4m3fn"] + CACHE_ONLY,
    "w4": W4,
    "w4-kv8": W4 + ["--kv-cache", "int8"],
    "w4-fp8": W4 + ["--kv-cache", "float8e4m3fn"],
}


def cache_bytes_per_token(path):
    import onnx
    from onnx import TensorProto
    model = onnx.load(path, load_external_data=False)
    size = {TensorProto.FLOAT: 4, TensorProto.INT8: 1, TensorProto.FLOAT8E4M3FN: 1}
    total = 0
    for value in model.graph.input:
        if value.name.startswith("past_key_values"):
            t = value.type.tensor_type
            dims = [d.dim_value for d in t.shape.dim]
            total += dims[1] * dims[3] * size[t.elem_type]
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qdqc", default=os.environ.get("QDQC_BINARY", ".build/release/qdqc"))
    parser.add_argument("--model-dir", default="/tmp/llm/whisper_base_decoder_lm")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--calib-samples", type=int, default=64)
    parser.add_argument("--eval-limit", type=int, default=32)
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--steps", type=int, default=128)
    parser.add_argument("--interpreter-prompts", type=int, default=1)
    parser.add_argument("--suppress-tokens-from", type=int, default=50257,
                        help="greedy picks ids below this (Whisper's special tokens start at 50257)")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    import numpy as np
    import kv_cache_check as check

    model = os.path.join(args.model_dir, "model_kv.onnx")
    calib = os.path.join(args.model_dir, "calib")
    evals = sorted(glob.glob(os.path.join(args.model_dir, "eval", "*.npz")))[: args.eval_limit]
    scratch = tempfile.mkdtemp(prefix="kv_cache_bench_")
    prompts = []
    for index, path in enumerate(evals[: args.prompts]):
        prompt = os.path.join(scratch, f"prompt{index}.npz")
        np.savez(prompt, input_ids=np.load(path)["input_ids"][:, :8])
        prompts.append(prompt)

    def through_cache(path):
        loop = check.Loop(path)
        nll, count = 0.0, 0
        for sample in evals:
            ids = np.load(sample)["input_ids"]
            cache = loop.empty(1)
            chunks = [loop.step(cache, ids[:, :4])]
            for t in range(4, ids.shape[1] - 1):
                chunks.append(loop.step(cache, ids[:, t:t + 1]))
            logits = np.concatenate(chunks, axis=1).astype(np.float64)
            logits -= logits.max(-1, keepdims=True)
            logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
            picked = np.take_along_axis(logp[:, 3:127], ids[:, 4:, None], -1)
            nll -= picked.sum()
            count += picked.size
        return float(np.exp(nll / count))

    def greedy(path, prompts=prompts, float_activations=False):
        loop = check.Loop(path, float_activations=float_activations)
        result = []
        for prompt in prompts:
            ids = np.load(prompt)["input_ids"]
            cache = loop.empty(1)
            logits = loop.step(cache, ids)
            tokens = []
            for index in range(args.steps):
                nxt = logits[:, -1, :args.suppress_tokens_from].argmax(-1)
                tokens.append(int(nxt[0]))
                if index + 1 < args.steps:
                    logits = loop.step(cache, nxt[:, None])
            result.append(tokens)
        return result

    rows = []
    float_tokens = None
    for config in [name for name in args.configs.split(",") if name]:
        flags = CONFIGS[config]
        record = {"config": config}
        path = model
        if flags is not None:
            path = os.path.join(scratch, config + ".onnx")
            rss = os.path.join(scratch, config + ".rss")
            start = time.perf_counter()
            run = subprocess.run(
                ["/usr/bin/time", "-f", "%M", "-o", rss, args.qdqc, model, "-o", path, "--quiet", "--calib-data",
                 calib, "--calib-samples", str(args.calib_samples)] + flags, capture_output=True, text=True)
            record["seconds"] = time.perf_counter() - start
            if run.returncode != 0:
                record["error"] = (run.stderr.strip().splitlines() or ["?"])[-1]
                rows.append(record)
                print(json.dumps(record), flush=True)
                continue
            record["peak_mb"] = int(open(rss).read().split()[-1]) / 1024
        record["cache_bytes_per_token"] = cache_bytes_per_token(path)
        start = time.perf_counter()
        record["perplexity"] = through_cache(path)
        record["perplexity_seconds"] = time.perf_counter() - start
        tokens = greedy(path)
        if float_tokens is None and config == "float":
            float_tokens = tokens
        if float_tokens is not None:
            record["differing_tokens"] = sum(a != b for x, y in zip(tokens, float_tokens) for a, b in zip(x, y))
            record["identical_prompts"] = sum(x == y for x, y in zip(tokens, float_tokens))
        if flags is not None and "--kv-cache" in flags:
            # The interpreter runs the graph's semantics: compare it with ORT's session at float activations
            # (ORT's default MatMulNBits quantizes the activations of int4 weights to int8 inside the kernel).
            exact = greedy(path, prompts[: args.interpreter_prompts], float_activations=True)
            agree = 0
            for index, prompt in enumerate(prompts[: args.interpreter_prompts]):
                out = os.path.join(scratch, f"{config}.generated{index}.npz")
                start = time.perf_counter()
                run = subprocess.run([args.qdqc, "run", path, "--data", prompt, "--generate", str(args.steps), "-o",
                                      out, "--quiet", "--suppress-tokens-from", str(args.suppress_tokens_from)], capture_output=True, text=True)
                record["interpreter_seconds"] = time.perf_counter() - start
                if run.returncode != 0:
                    record["interpreter_error"] = run.stderr.strip()[-200:]
                    continue
                generated = np.load(out)["tokens"][0, 8:].tolist()
                agree += int(generated == exact[index])
            record["interpreter_matches_ort"] = f"{agree}/{min(args.interpreter_prompts, len(prompts))}"
        rows.append(record)
        print(json.dumps(record), flush=True)

    base = next((r["perplexity"] for r in rows if r["config"] == "float" and "perplexity" in r), None)
    total = args.steps * len(prompts)
    lines = [f"Run {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs; {len(evals)} eval "
             f"sequences through the cache, {args.calib_samples} calibration sequences, {len(prompts)} prompts × "
             f"{args.steps} greedy tokens.", "",
             "| configuration | perplexity (cache path) | Δ vs float | time s | peak MB | cache KiB/token | "
             "cache MiB at 448 tokens | greedy tokens ≠ float | interpreter = ORT |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['config']} | failed: {r['error'][:120]} | | | | | | | |")
            continue
        delta = f"{100 * (r['perplexity'] / base - 1):+.2f} %" if base and r["config"] != "float" else "—"
        lines.append(
            f"| {r['config']} | {r['perplexity']:.2f} | {delta} | {r.get('seconds', 0):.1f} | "
            f"{r.get('peak_mb', 0):.0f} | {r['cache_bytes_per_token'] / 1024:.1f} | "
            f"{r['cache_bytes_per_token'] * 448 / 2**20:.2f} | {r.get('differing_tokens', '?')} of {total} "
            f"({r.get('identical_prompts', '?')}/{len(prompts)} prompts identical) | "
            f"{r.get('interpreter_matches_ort', '—')} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text)
    json.dump(rows, open(os.path.join(scratch, "records.json"), "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
