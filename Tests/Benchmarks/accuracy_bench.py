#!/usr/bin/env python3
"""Cross-layer equalization and bias correction, or mixed precision to a target (issue 17), on each shared model.

usage (from the repository root, after `bash .ci/setup`):

    swift build -c release --product qdqc
    .venv/bin/python Tests/Benchmarks/accuracy_bench.py [--qdqc .build/release/qdqc (or $QDQC_BINARY)]
        [--models DIR] [--only NAME,NAME] [--calib-limit 64] [--eval-limit 32]
        [--settings "tensorrt;ort;ort --per-tensor"] [--markdown docs/benchmarks.md] [--json OUT]

For every model and every setting (extra qdqc flags: a target, a weight granularity), four conversions,
each `qdqc MODEL -o OUT --calib-data CALIB --calib-samples N SETTING [FLAGS]` with FLAGS one of: none,
`--equalize`, `--bias-correction`, both. Then, on eval/, the SQNR (dB) of every output against the float
model in ONNX Runtime (10·log10(Σref²/Σ(ref−q)²) over all samples; for a Softmax/Sigmoid output also
its input, the logits, as quantize_bench.py does), and the pass counters of each run
(`--pass-statistics`): pairs equalized, biases corrected. --markdown rewrites only the subsection
"### Equalization and bias correction (issue 17, in progress)" of that file (it is created at the end
of the "## Quantization" section when missing).

With --mixed, two conversions per model and setting instead: the plain one, and
`--min-sqnr 30 --mixed-precision --keep-on-failure --report R` (the search measures on --mixed-eval-samples
calibration samples after the first N, held back from calibration); the table gives both models' SQNR on
eval/, whether the target was reached on the held-back samples, how many tensors were left float, the
fraction of MACs left wide and the time, in the subsection "### Mixed precision to --min-sqnr 30 (issue 17)".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Python"))

import quant_metrics as qm  # noqa: E402
import quantize_bench as qb  # noqa: E402

PARENT = "## Quantization"
SUBSECTION = "### Equalization and bias correction (issue 17, in progress)"
VARIANTS = [("default", []), ("--equalize", ["--equalize"]), ("--bias-correction", ["--bias-correction"]),
            ("both", ["--equalize", "--bias-correction"])]
COUNTERS = ["equalized-pairs", "rescaled-channels", "corrected-layers"]
MIXED_SUBSECTION = "### Mixed precision to --min-sqnr 30 (issue 17)"
MIXED_LABEL = "--min-sqnr 30 --mixed-precision"
GATE_FAILED = 3


def convert(qdqc, model, out, calib, calib_limit, setting, flags, timeout=None):
    """Runs one conversion; returns (seconds, counters) or raises with qdqc's error (a missed accuracy gate
    with --keep-on-failure still wrote the model and is not an error here)."""
    command = [qdqc, model, "-o", out, "--calib-data", calib, "--calib-samples", str(calib_limit),
               "--pass-statistics", "--quiet"] + setting + flags
    start = time.monotonic()
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{' '.join(command)} failed:\ntimed out after {timeout} s")
    seconds = time.monotonic() - start
    kept = "--keep-on-failure" in flags and result.returncode == GATE_FAILED
    if result.returncode != 0 and not kept:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr.strip()}")
    counters = {}
    for name in COUNTERS:
        found = re.search(rf"^\s+{name}: (\d+)$", result.stderr, flags=re.MULTILINE)
        if found:
            counters[name] = int(found.group(1))
    return seconds, counters


def measure(args):
    models = sorted(name for name in os.listdir(args.models)
                    if os.path.exists(os.path.join(args.models, name, "model.onnx")))
    if args.only:
        models = [name for name in models if name in args.only.split(",")]
    settings = [setting.split() for setting in args.settings.split(";")]
    variants = VARIANTS
    if args.mixed:
        variants = [("default", []), (MIXED_LABEL, ["--min-sqnr", "30", "--mixed-precision", "--keep-on-failure",
                                                   "--eval-samples", str(args.mixed_eval_samples)])]
    results = []
    with tempfile.TemporaryDirectory(prefix="accuracy-bench-") as scratch:
        for name in models:
            folder = os.path.join(args.models, name)
            model = os.path.join(folder, "model.onnx")
            samples = qm.load_samples(os.path.join(folder, "eval"), args.eval_limit)
            # A probability output's SQNR hangs on the few samples near the decision boundary; the logits
            # (the Softmax/Sigmoid input, under its float name) weigh every sample alike.
            logits = qb.logit_tensors(model)
            reference = qm.run_outputs(qb.with_outputs(model, logits, scratch, "float"), samples)
            for setting in settings:
                row = {"model": name, "setting": " ".join(setting) or "default", "variants": {}}
                for label, flags in variants:
                    out = os.path.join(scratch, f"{name}-{len(results)}-{len(row['variants'])}.onnx")
                    report = out + ".json"
                    if label == MIXED_LABEL:
                        flags = flags + ["--report", report]
                    try:
                        seconds, counters = convert(
                            args.qdqc, model, out, os.path.join(folder, "calib"), args.calib_limit, setting, flags,
                            args.timeout)
                    except RuntimeError as error:
                        row["variants"][label] = {"error": str(error).splitlines()[-1]}
                        print(f"{name} [{row['setting']}] {label}: {error}", file=sys.stderr)
                        continue
                    tag = os.path.splitext(os.path.basename(out))[0]
                    quantized = qm.run_outputs(qb.with_outputs(out, logits, scratch, tag), samples)
                    sqnr = {(f"logits {output}" if output in logits else output):
                            qm.sqnr_db(reference[output], quantized[output]) for output in reference if output in quantized}
                    row["variants"][label] = {"seconds": seconds, "counters": counters, "sqnr": sqnr}
                    if label == MIXED_LABEL:
                        with open(report) as handle:
                            row["variants"][label]["mixed"] = json.load(handle).get("mixedPrecision")
                    shown = ", ".join(f"{k}: {v:.2f}" for k, v in sqnr.items())
                    print(f"{name} [{row['setting']}] {label}: {shown} {counters} {seconds:.1f}s", file=sys.stderr)
                results.append(row)
    return results


def cell(variant, output, baseline):
    if "error" in variant:
        return "failed"
    value = variant["sqnr"].get(output)
    if value is None:
        return "—"
    text = f"{value:.1f}"
    base = baseline.get("sqnr", {}).get(output) if baseline is not None else None
    if variant is not baseline and base is not None:
        text += f" ({value - base:+.1f})"
    return text


def markdown_table(results) -> list[str]:
    lines = ["| model | setting | output | default dB | --equalize dB | --bias-correction dB | both dB | "
             "pairs equalized / biases corrected |",
             "|---|---|---|---|---|---|---|---|"]
    for row in results:
        variants = row["variants"]
        baseline = variants.get("default")
        both = variants.get("both", {})
        counters = both.get("counters", {})
        work = f"{counters.get('equalized-pairs', '—')} / {counters.get('corrected-layers', '—')}"
        outputs = list(baseline["sqnr"]) if baseline and "sqnr" in baseline else []
        for output in outputs:
            cells = [cell(variants[label], output, baseline) if label in variants else "—" for label, _ in VARIANTS]
            lines.append(f"| {row['model']} | {row['setting']} | {output} | " + " | ".join(cells) + f" | {work} |")
    return lines


def mixed_table(results) -> list[str]:
    lines = ["| model | setting | output | default dB | --min-sqnr 30 --mixed-precision dB | target reached "
             "(held-back samples) | raised to 16 bits / float | MACs wide | seconds default / mixed |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in results:
        variants = row["variants"]
        baseline = variants.get("default")
        mixed = variants.get(MIXED_LABEL, {})
        search = mixed.get("mixed") or {}
        reached = {True: "yes", False: "no"}.get(search.get("reached"), "—")
        steps = search.get("raised", [])
        raised = (f"{sum(r.get('precision') == 'wide' for r in steps)} / "
                  f"{sum(r.get('precision', 'float') == 'float' for r in steps)}") if search else "—"
        wide = f"{100 * search['wideMACFraction']:.1f} %" if "wideMACFraction" in search else "—"
        seconds = " / ".join(f"{v['seconds']:.0f}" if "seconds" in v else "failed" for v in (baseline or {}, mixed))
        outputs = list(baseline["sqnr"]) if baseline and "sqnr" in baseline else []
        for output in outputs:
            cells = [cell(variants[label], output, baseline) if label in variants else "—"
                     for label in ("default", MIXED_LABEL)]
            lines.append(f"| {row['model']} | {row['setting']} | {output} | " + " | ".join(cells)
                         + f" | {reached} | {raised} | {wide} | {seconds} |")
    return lines


def write_markdown(path, results, args, load):
    with open(path) as handle:
        text = handle.read()
    subsection = MIXED_SUBSECTION if args.mixed else SUBSECTION
    body = [
        MIXED_SUBSECTION,
        "",
        "What it measures: static int8 conversions by qdqc of each shared model, calibrated on the first "
        f"{args.calib_limit} calib/ samples (minmax), plain and with `--min-sqnr 30 --mixed-precision` (at most "
        "10 % of the Conv/MatMul/Gemm MACs wide, the default `--max-wide-fraction`). The search measures on "
        f"calib/ samples {args.calib_limit}..{args.calib_limit + args.mixed_eval_samples} (held back from "
        "calibration; `--eval-samples " + str(args.mixed_eval_samples) + "`) and its \"target reached\" is on "
        "those; the dB columns are the output SQNR against the float model in ONNX Runtime over "
        f"{args.eval_limit} eval/ samples (10·log10(Σref²/Σ(ref−q)²)), with the change from the plain conversion "
        "in parentheses; \"logits X\" rows are the input of a Softmax/Sigmoid output. \"MACs wide\" is the "
        "fraction of MACs in layers with an operand raised (to 16 bits or float); \"raised\" counts the kept "
        "steps (a tensor widened to 16 bits and then to float counts in both).",
        "",
        "Reproduce (from the repository root):",
        "",
        "```sh",
        "swift build -c release --product qdqc",
        ".venv/bin/python Tests/Benchmarks/accuracy_bench.py --mixed --settings '" + args.settings
        + "' --markdown docs/benchmarks.md",
        "```",
        "",
        f"Machine load when the run started (`uptime`): {load}",
        "",
    ] + mixed_table(results) + [""] if args.mixed else [
        SUBSECTION,
        "",
        "What it measures: static int8 conversions by qdqc of each shared model, calibrated on the first "
        f"{args.calib_limit} calib/ samples (minmax), four ways per setting: the plain pipeline, `--equalize`, "
        "`--bias-correction`, and both. Output SQNR in dB against the float model in ONNX Runtime over "
        f"{args.eval_limit} eval/ samples (10·log10(Σref²/Σ(ref−q)²) over all samples), with the change from "
        "the plain conversion in parentheses; \"logits X\" rows are the input of the Softmax/Sigmoid making a "
        "probability output, under its float name. The last column gives the pass counters of the run with both "
        "flags (`equalized-pairs`, `corrected-layers`).",
        "",
        "Reproduce (from the repository root):",
        "",
        "```sh",
        "swift build -c release --product qdqc",
        ".venv/bin/python Tests/Benchmarks/accuracy_bench.py --markdown docs/benchmarks.md",
        "```",
        "",
        f"Machine load when the run started (`uptime`): {load}",
        "",
    ] + markdown_table(results) + [""]
    start = text.find("\n" + subsection + "\n")
    if start >= 0:
        start += 1
        following = re.search(r"^##+ ", text[start + len(subsection):], flags=re.MULTILINE)
        end = start + len(subsection) + following.start() if following else len(text)
    else:
        parent = text.find("\n" + PARENT + "\n")
        if parent < 0:
            raise SystemExit(f"{path} has no '{PARENT}' section")
        following = re.search(r"^## ", text[parent + 1 + len(PARENT):], flags=re.MULTILINE)
        start = end = parent + 1 + len(PARENT) + following.start() if following else len(text)
    new = text[:start] + "\n".join(body) + "\n" + text[end:]
    with open(path, "w") as handle:
        handle.write(new)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qdqc", default=os.environ.get("QDQC_BINARY", os.path.join(ROOT, ".build/release/qdqc")))
    parser.add_argument("--models", default=os.path.join(os.path.dirname(ROOT), "shared", "models"))
    parser.add_argument("--only", default="")
    parser.add_argument("--calib-limit", type=int, default=64)
    parser.add_argument("--eval-limit", type=int, default=32)
    parser.add_argument("--settings", default="--target tensorrt;--target ort;--target ort --per-tensor")
    parser.add_argument("--mixed", action="store_true",
                        help="plain vs --min-sqnr 30 --mixed-precision instead of the equalization variants")
    parser.add_argument("--mixed-eval-samples", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=None, help="seconds one conversion may take")
    parser.add_argument("--markdown")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    results = measure(args)
    print("\n".join(mixed_table(results) if args.mixed else markdown_table(results)))
    print(f"load at start: {load}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"load": load, "results": results}, handle, indent=1)
    if args.markdown:
        write_markdown(args.markdown, results, args, load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
