#!/usr/bin/env python3
"""Out-of-core conversion (issue 19): a float32 decoder larger than 2x a memory cap, converted under that cap.

usage (from the repository root, as root on a machine with cgroup v1, after `bash .ci/setup`):

    swift build -c release --product qdqc
    .venv/bin/python Tests/Benchmarks/out_of_core_bench.py [--qdqc .build/release/qdqc] [--weights-gb 6[,1.6,...]]
        [--cap-gb 2.5] [--hidden 2048] [--ffn 8192] [--vocab 32000] [--tokens 16] [--samples 4]
        [--runs qdqc-rtn,qdqc-calibrate,qdqc-w8a8,ort-matmulnbits,ort-static] [--scratch /tmp] [--keep]

It writes, in a scratch folder, a decoder-shaped float32 model with every weight in one side file
(model.onnx.data) with Tests/Python/make_external_decoder.py, weight by weight (never more than one weight
in memory): embedding, LAYERS blocks of attention and SiLU MLP, LM head; LAYERS is chosen so the weights
come to --weights-gb. Several sizes (a comma-separated list) make several models of the same layer shapes,
one after the other (each removed before the next is written), so peak memory can be read against model
size at a fixed largest layer. Calibration data: --samples .npz files of input_ids [1, --tokens]. The side file's
pages are dropped from the page cache (posix_fadvise) before every run, so each run reads from disk and its
cgroup is charged for what it reads.

Every run is a child process placed in its own cgroup v1 memory group
(/sys/fs/cgroup/memory/qdqc_ooc_<pid>_<run>) with memory.limit_in_bytes (and memory.memsw.limit_in_bytes when
the kernel has it) set to --cap-gb. Reported per run: exit status (and whether the kernel's OOM killer
fired, memory.oom_control / memory.failcnt), wall time, the child's peak RSS (VmHWM, which counts mapped
side-file pages too, read from /proc by Tests/Python/peak_memory.py), the largest RssAnon (heap) and RssFile
(mapped files) sampled every 5 ms, and the cgroup's memory.max_usage_in_bytes (which also counts page cache the kernel
reclaims on demand, so it sits near the cap whenever more than the cap of files is read or written). The
cgroup is removed after each run, and the scratch folder at the end (unless --keep).

Runs:
- qdqc-rtn:        qdqc MODEL -o OUT --activations none --weights int4 --block-size 128 --weight-method rtn
                   --target ort (weight-only int4 RTN of every MatMul, LM head included);
- qdqc-calibrate:  qdqc calibrate MODEL --calib-data CALIB -o PART (the interpreter over the samples: W8A8
                   calibration, minmax);
- qdqc-w8a8:       qdqc MODEL -o OUT --calib-data CALIB --target ort (the whole default W8A8 pipeline:
                   preparation, calibration, insert-qdq, cleanup-qdq, writing);
- qdqc-rtn-nospill, qdqc-w8a8-nospill: the same with --no-spill (the tensors passes make stay in memory
                   until written, as before the spill existed);
- ort-matmulnbits: onnxruntime.quantization.matmul_nbits_quantizer.MatMulNBitsQuantizer (RTN, block 128,
                   symmetric, QOperator), saved with external data;
- ort-static:      onnxruntime.quantization.quantize_static (QDQ, minmax) over the same samples,
                   use_external_data_format=True.

Prints a Markdown table (with `uptime` before and after) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Python"))
from make_external_decoder import make_model, make_samples  # noqa: E402
from peak_memory import run as run_sampled  # noqa: E402

CGROUP_ROOT = "/sys/fs/cgroup/memory"


def drop_page_cache(folder):
    """Drops the page cache of the files in `folder` (written by this script, so charged outside the runs)."""
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.fsync(descriptor)
                os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(descriptor)


def write(path, value):
    with open(path, "w") as file:
        file.write(str(value))


def read(path):
    try:
        with open(path) as file:
            return file.read().strip()
    except OSError:
        return ""


def run_capped(name, command, cap_bytes, log_path):
    """Runs `command` inside a fresh memory cgroup capped at `cap_bytes`; returns a result dict."""
    group = os.path.join(CGROUP_ROOT, f"qdqc_ooc_{os.getpid()}_{name}")
    os.mkdir(group)
    try:
        write(os.path.join(group, "memory.limit_in_bytes"), cap_bytes)
        if os.path.exists(os.path.join(group, "memory.memsw.limit_in_bytes")):
            write(os.path.join(group, "memory.memsw.limit_in_bytes"), cap_bytes)
        wrapper = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', group] + command
        start = time.monotonic()
        with open(log_path, "w") as log:
            status, peak, anon, mapped = run_sampled(wrapper, stdout=log, stderr=subprocess.STDOUT)
        seconds = time.monotonic() - start
        oom_control = read(os.path.join(group, "memory.oom_control"))
        return {
            "name": name,
            "exit": status,
            "seconds": seconds,
            "peak_rss": peak,
            "peak_anon": anon,
            "peak_file": mapped,
            "cgroup_max": int(read(os.path.join(group, "memory.max_usage_in_bytes")) or 0),
            "failcnt": int(read(os.path.join(group, "memory.failcnt")) or 0),
            "oom_kill": "oom_kill 1" in oom_control or status == -9,
            "log": log_path,
        }
    finally:
        # The child has exited, so the group is empty and can go.
        for _ in range(50):
            try:
                os.rmdir(group)
                break
            except OSError:
                time.sleep(0.1)


def last_line(path):
    lines = [line for line in read(path).splitlines() if line.strip()]
    return lines[-1][:160] if lines else ""


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(path, name)) for name in os.listdir(path))


def ort_quantize(kind, model, out, calib):
    """The ORT side, run in a child: kind is matmulnbits or static."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    if kind == "matmulnbits":
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

        quantizer = MatMulNBitsQuantizer(onnx.load(model), block_size=128, is_symmetric=True)
        quantizer.process()
        quantizer.model.save_model_to_file(out, use_external_data_format=True)
        return

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.files = iter(sorted(os.listdir(calib)))

        def get_next(self):
            name = next(self.files, None)
            return None if name is None else dict(np.load(os.path.join(calib, name)))

    quantize_static(
        model,
        out,
        Reader(),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        use_external_data_format=True,
    )


def run_model(args, qdqc, cap, scratch, size_gb, models):
    """Writes the model of `size_gb` GiB, runs every run on it under the cap, removes it; returns the results."""
    folder = os.path.join(scratch, f"model_{size_gb:g}")
    os.makedirs(folder)
    started = time.monotonic()
    model, layers, weight_bytes = make_model(folder, args.hidden, args.ffn, args.vocab, int(size_gb * 2**30))
    print(f"model: {layers} layers, {weight_bytes / 2**30:.2f} GiB of float32 weights "
          f"({time.monotonic() - started:.0f} s to write)", flush=True)
    models.append({"layers": layers, "bytes": weight_bytes})
    calib = os.path.join(folder, "calib")
    make_samples(calib, args.vocab, args.tokens, args.samples)
    rtn = ["--activations", "none", "--weights", "int4", "--block-size", "128", "--weight-method", "rtn",
           "--target", "ort"]
    commands = {
        "qdqc-rtn": [qdqc, model, "-o", os.path.join(folder, "out_rtn", "model.onnx")] + rtn,
        "qdqc-rtn-nospill": [qdqc, model, "-o", os.path.join(folder, "out_rtn", "model.onnx"), "--no-spill"] + rtn,
        "qdqc-calibrate": [qdqc, "calibrate", model, "--calib-data", calib, "-o", os.path.join(folder, "part.json")],
        "qdqc-w8a8": [qdqc, model, "-o", os.path.join(folder, "out_w8a8", "model.onnx"), "--calib-data", calib,
                      "--target", "ort"],
        "qdqc-w8a8-nospill": [qdqc, model, "-o", os.path.join(folder, "out_w8a8", "model.onnx"), "--calib-data",
                              calib, "--target", "ort", "--no-spill"],
        "ort-matmulnbits": [sys.executable, os.path.abspath(__file__), "ort-quantize", "matmulnbits", model,
                            os.path.join(folder, "out_ort_nbits", "model.onnx"), calib],
        "ort-static": [sys.executable, os.path.abspath(__file__), "ort-quantize", "static", model,
                       os.path.join(folder, "out_ort_static", "model.onnx"), calib],
    }
    results = []
    outputs = ("out_rtn", "out_w8a8", "out_ort_nbits", "out_ort_static")
    for name in args.runs.split(","):
        for key in outputs:
            os.makedirs(os.path.join(folder, key), exist_ok=True)
        drop_page_cache(folder)
        result = run_capped(name, commands[name], cap, os.path.join(folder, name + ".log"))
        result["load"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        result["message"] = "" if result["exit"] == 0 else last_line(result["log"])
        result["layers"], result["model_bytes"] = layers, weight_bytes
        for key in outputs:
            path = os.path.join(folder, key)
            if result["exit"] == 0 and os.listdir(path):
                result["output_bytes"] = folder_bytes(path)
                # Anything but the model and its side file (a spill, a temporary) would be a leak.
                result["left"] = sorted(set(os.listdir(path)) - {"model.onnx", "model.onnx.data"})
            shutil.rmtree(path, ignore_errors=True)
        print(result, flush=True)
        results.append(result)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return results


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "ort-quantize":
        ort_quantize(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--qdqc", default=os.environ.get("QDQC_BINARY", ".build/release/qdqc"))
    parser.add_argument("--weights-gb", default="6.0", help="GiB of float32 weights; a comma-separated list runs each")
    parser.add_argument("--cap-gb", type=float, default=2.5)
    parser.add_argument("--hidden", type=int, default=2048)
    parser.add_argument("--ffn", type=int, default=8192)
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--tokens", type=int, default=16)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--runs", default="qdqc-rtn,qdqc-calibrate,qdqc-w8a8,ort-matmulnbits,ort-static")
    parser.add_argument("--scratch", default="/tmp")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not os.path.isdir(CGROUP_ROOT):
        sys.exit(f"error: {CGROUP_ROOT} is missing (this benchmark needs cgroup v1's memory controller, as root)")
    qdqc = os.path.abspath(args.qdqc)
    cap = int(args.cap_gb * 2**30)
    scratch = tempfile.mkdtemp(prefix="qdqc_ooc_", dir=args.scratch)
    load_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    results, models = [], []
    try:
        for size in [float(text) for text in args.weights_gb.split(",")]:
            results += run_model(args, qdqc, cap, scratch, size, models)
        load_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print()
        for model in models:
            print(f"Model: {model['layers']} decoder layers, hidden {args.hidden}, ffn {args.ffn}, vocab {args.vocab}: "
                  f"{model['bytes'] / 2**30:.2f} GiB of float32 weights in model.onnx.data; largest tensor "
                  f"{4 * args.hidden * max(args.vocab, args.ffn) / 2**20:.0f} MiB; cap {args.cap_gb} GiB "
                  f"(model = {model['bytes'] / cap:.2f} x cap); calibration {args.samples} samples of "
                  f"{args.tokens} tokens.")
        print(f"Load before: `{load_before}`; after: `{load_after}`.")
        print()
        print("| model | run | exit | wall s | peak RSS (MiB) | of which heap / mapped (MiB) | cgroup max usage (MiB) | "
              "peak RSS / model | output (MiB) | note |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for result in results:
            note = "OOM-killed by the cgroup" if result["oom_kill"] else result["message"].replace("|", "/")
            output = f"{result['output_bytes'] / 2**20:.0f}" if "output_bytes" in result else "-"
            if result.get("left"):
                note += f" left behind: {', '.join(result['left'])}"
            print(f"| {result['layers']} layers, {result['model_bytes'] / 2**30:.2f} GiB | {result['name']} | "
                  f"{result['exit']} | {result['seconds']:.0f} | {result['peak_rss'] / 2**20:.0f} | "
                  f"{result['peak_anon'] / 2**20:.0f} / {result['peak_file'] / 2**20:.0f} | "
                  f"{result['cgroup_max'] / 2**20:.0f} | {result['peak_rss'] / result['model_bytes']:.3f} | {output} | "
                  f"{note} |")
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
