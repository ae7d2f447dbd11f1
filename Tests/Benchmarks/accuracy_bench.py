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

With --side-by-side, per model (default target, one setting): ONNX Runtime's `quantize_static` (QDQ, per-channel
int8, --calib-limit samples) with each of MinMax, Entropy and Percentile (each in a child process with its address
space capped at --ort-memory-gb, since its histogram calibrators exhaust memory on some models), and six qdqc
conversions: default (minmax), `--calib-method auto`, `--weight-method gptq` (GPTQ-int8), `--weight-method gptaq`
(GPTAQ-int8), every technique on (`--calib-method auto --weight-method gptaq --equalize --bias-correction`), and
`--tune` (the techniques chosen
per model on calib/ samples N..N+16, held back from calibration; the table gives the chosen flags). Per output its
SQNR on eval/ and the model's task metric (TASK_METRICS), in the subsection "### W8A8 side by side with ONNX Runtime
(issue 17)". The JSON (--json) is rewritten after every model, so an interrupted run keeps what it measured;
--only, --variants and --skip-ort run a part, and --from-json A.json,B.json renders the merged tables.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

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
SIDE_SUBSECTION = "### W8A8 side by side with ONNX Runtime (issue 17)"
SIDE_VARIANTS = [
    ("default", []),
    ("auto", ["--calib-method", "auto"]),
    ("GPTQ-int8", ["--weight-method", "gptq"]),
    ("GPTAQ-int8", ["--weight-method", "gptaq"]),
    ("all on", ["--calib-method", "auto", "--weight-method", "gptaq", "--equalize", "--bias-correction"]),
    ("tuned", ["--tune"]),
]
# --tune measures its candidates on this many calib/ samples after the first --calib-limit (held back from
# calibration; --tune-eval-samples), never on eval/, which the table measures on.
TUNE_EVAL_SAMPLES = 16
ORT_METHODS = ["minmax", "entropy", "percentile"]


def text_mask_iou(reference, actual, threshold=0.3):
    """Intersection over union of the pixels above DBNet's binarization threshold (0.3), over all samples."""
    inter = union = 0
    for r, a in zip(reference, actual):
        r, a = np.asarray(r) > threshold, np.asarray(a) > threshold
        inter += int(np.logical_and(r, a).sum())
        union += int(np.logical_or(r, a).sum())
    return inter / union if union else 1.0


def decision_agreement(reference, actual, threshold=0.5):
    """Fraction of samples whose speech decision (probability above 0.5) is the same."""
    same = [bool(np.all((np.asarray(r) > threshold) == (np.asarray(a) > threshold))) for r, a in zip(reference, actual)]
    return float(np.mean(same)) if same else float("nan")


# model: (output, metric name, function of (reference outputs, quantized outputs)), as the shared models' README
# states each model's task.
TASK_METRICS = {
    "ppocr_mobile_v2_cls": ("save_infer_model/scale_0.tmp_1", "top-1 agreement", lambda r, a: qm.top1_agreement(r, a)),
    "ppocr_v4_det": ("sigmoid_0.tmp_0", "text-mask IoU", text_mask_iou),
    "silero_vad_lstm": ("speech_probs", "speech decision agreement", decision_agreement),
    "magika_v3_3": ("target_label", "top-1 agreement", lambda r, a: qm.top1_agreement(r, a)),
    "open_nsfw": ("4195", "top-1 agreement", lambda r, a: qm.top1_agreement(r, a)),
    "all_minilm_l6_v2": ("sentence_embedding", "embedding cosine", lambda r, a: qm.cosine(r, a)),
}


def convert(qdqc, model, out, calib, calib_limit, setting, flags, timeout=None):
    """Runs one conversion; returns (seconds, counters) or raises with qdqc's error (a missed accuracy gate
    with --keep-on-failure still wrote the model and is not an error here)."""
    # --tune runs many pipelines and refuses --pass-statistics.
    statistics = [] if "--tune" in flags else ["--pass-statistics"]
    command = [qdqc, model, "-o", out, "--calib-data", calib, "--calib-samples", str(calib_limit),
               "--quiet"] + statistics + setting + flags
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
                                                   "--eval-samples", str(args.mixed_eval_samples)]
                                       + args.mixed_flags.split())]
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
                    quantized = qm.run_outputs(
                        qb.with_outputs(out, logits, scratch, tag), samples,
                        disabled=args.ort_disabled_optimizers.split(",") if args.ort_disabled_optimizers else ())
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


def ort_child(model, out, calib, limit, method, memory_gb, timeout):
    """ONNX Runtime's quantize_static in a child process whose address space is capped; returns None or the error."""
    import resource

    def cap():
        limit_bytes = int(memory_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    command = [sys.executable, os.path.join(ROOT, "Tests", "Python", "quant_metrics.py"), "ort-quantize", model, out,
               "--calib", calib, "--limit", str(limit), "--method", method]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, preexec_fn=cap)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout} s"
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["failed"]
        return lines[-1][:160]
    return None


def scored(name, reference, quantized, logits):
    """Per output SQNR (dB) and the task metric of `name`."""
    sqnr = {(f"logits {output}" if output in logits else output): qm.sqnr_db(reference[output], quantized[output])
            for output in reference if output in quantized}
    task = None
    if name in TASK_METRICS:
        output, _, metric = TASK_METRICS[name]
        if output in reference and output in quantized:
            task = float(metric(reference[output], quantized[output]))
    return {"sqnr": sqnr, "task": task}


def side_by_side(args):
    """The --side-by-side measurements: ORT's three methods and qdqc's four variants per model."""
    models = sorted(name for name in os.listdir(args.models)
                    if os.path.exists(os.path.join(args.models, name, "model.onnx")))
    if args.only:
        models = [name for name in args.only.split(",") if name in models]
    results = []
    with tempfile.TemporaryDirectory(prefix="accuracy-side-") as scratch:
        for name in models:
            folder = os.path.join(args.models, name)
            model = os.path.join(folder, "model.onnx")
            calib = qb.subset_folder(os.path.join(folder, "calib"), args.calib_limit, os.path.join(scratch, name))
            samples = qm.load_samples(os.path.join(folder, "eval"), args.eval_limit)
            logits = qb.logit_tensors(model)
            reference = qm.run_outputs(qb.with_outputs(model, logits, scratch, f"{name}-float"), samples)
            row = {"model": name, "ort": {}, "qdqc": {}}
            for method in ([] if args.skip_ort else ORT_METHODS):
                out = os.path.join(scratch, f"{name}-ort-{method}.onnx")
                start = time.monotonic()
                error = ort_child(model, out, calib, args.calib_limit, method, args.ort_memory_gb, args.timeout)
                seconds = time.monotonic() - start
                if error is None:
                    try:
                        quantized = qm.run_outputs(qb.with_outputs(out, logits, scratch, f"{name}-ort-{method}"),
                                                   samples)
                        row["ort"][method] = {"seconds": seconds, **scored(name, reference, quantized, logits)}
                    except Exception as failure:  # ONNX Runtime refusing its own output is a result
                        error = f"ONNX Runtime: {str(failure).splitlines()[0][:160]}"
                if error is not None:
                    row["ort"][method] = {"error": error}
                print(f"{name} ORT {method}: {row['ort'][method]}", file=sys.stderr)
            for label, flags in SIDE_VARIANTS:
                if args.variants and label not in args.variants.split(","):
                    continue
                out = os.path.join(scratch, f"{name}-qdqc-{len(row['qdqc'])}.onnx")
                report = os.path.join(scratch, f"{name}-qdqc-{len(row['qdqc'])}.json")
                source = calib
                if "--tune" in flags:
                    # The whole calib/ folder: calibration takes the first --calib-limit, the search the next ones.
                    source = os.path.join(folder, "calib")
                    flags = flags + ["--eval-samples", str(args.tune_eval_samples), "--report", report]
                try:
                    seconds, counters = convert(args.qdqc, model, out, source, args.calib_limit, [], flags,
                                                args.timeout)
                except RuntimeError as error:
                    row["qdqc"][label] = {"error": str(error).splitlines()[-1][:160]}
                    print(f"{name} qdqc {label}: {error}", file=sys.stderr)
                    continue
                tag = os.path.splitext(os.path.basename(out))[0]
                quantized = qm.run_outputs(qb.with_outputs(out, logits, scratch, tag), samples)
                row["qdqc"][label] = {"seconds": seconds, **scored(name, reference, quantized, logits)}
                if "--tune" in flags:
                    with open(report) as handle:
                        tuning = json.load(handle)["tuning"]
                    row["qdqc"][label]["chosen"] = " ".join(tuning["chosenFlags"])
                    row["qdqc"][label]["conversions"] = tuning["conversions"]
                    row["qdqc"][label]["trials"] = [
                        {"flags": " ".join(t["flags"]), "worst": t.get("worstSQNR"), "seconds": t.get("seconds"),
                         "skipped": t.get("skipped")} for t in tuning["trials"]]
                print(f"{name} qdqc {label}: {row['qdqc'][label]}", file=sys.stderr)
            results.append(row)
            if args.json:
                with open(args.json, "w") as handle:
                    json.dump({"load": args.load, "results": qm._finite(results)}, handle, indent=1)
    return results


def merged(earlier, later):
    """The rows of two --json runs, per model: the later run's ORT methods and qdqc variants replace the earlier's."""
    rows = {row["model"]: row for row in earlier}
    for row in later:
        old = rows.setdefault(row["model"], {"model": row["model"], "ort": {}, "qdqc": {}})
        old["ort"].update(row["ort"])
        old["qdqc"].update(row["qdqc"])
    return list(rows.values())


def primary(variant):
    """The worst output SQNR of a variant (what "best of ORT's methods" ranks by); -inf for a failed one."""
    values = [v for v in variant.get("sqnr", {}).values() if isinstance(v, (int, float)) and math.isfinite(v)]
    return min(values) if values else -math.inf


def side_table(results) -> list[str]:
    names = {"default": "qdqc default", "auto": "--calib-method auto"}
    columns = [names.get(label, label) for label, _ in SIDE_VARIANTS]
    header = ("| model | output | ORT best (method) dB | " + " | ".join(f"{c} dB" for c in columns)
              + " | tuned − ORT best |")
    lines = [header, "|" + "---|" * (len(columns) + 4)]
    task_lines = ["| model | task metric | ORT best | " + " | ".join(columns) + " |",
                  "|" + "---|" * (len(columns) + 3)]
    chosen_lines = ["| model | setting --tune chose | conversions | seconds |", "|---|---|---|---|"]
    for row in results:
        ort_ok = {m: v for m, v in row["ort"].items() if "sqnr" in v}
        best_method = max(ort_ok, key=lambda m: primary(ort_ok[m])) if ort_ok else None
        best = ort_ok.get(best_method, {})
        failed = ", ".join(f"{m}: {v['error']}" for m, v in row["ort"].items() if "error" in v)
        default = row["qdqc"].get("default", {})
        outputs = list(default.get("sqnr", {})) or list(best.get("sqnr", {}))
        for output in outputs:
            def value(variant):
                if "error" in variant:
                    return "failed"
                number = variant.get("sqnr", {}).get(output)
                if number is None:
                    return "—"
                return f"{number:.1f}" if isinstance(number, (int, float)) else str(number)
            ort_cell = f"{value(best)} ({best_method})" if best_method else "failed"
            cells = [value(row["qdqc"].get(label, {"error": ""})) for label, _ in SIDE_VARIANTS]
            both = [best.get("sqnr", {}).get(output), row["qdqc"].get("tuned", {}).get("sqnr", {}).get(output)]
            numeric = all(isinstance(v, (int, float)) and math.isfinite(v) for v in both)
            gap = f"{both[1] - both[0]:+.1f}" if numeric else "—"
            lines.append(f"| {row['model']} | {output} | {ort_cell} | " + " | ".join(cells) + f" | {gap} |")
        if failed:
            lines.append(f"| {row['model']} | (ORT failures) | {failed} |" + " |" * (len(columns) + 1))
        tuned = row["qdqc"].get("tuned", {})
        if "chosen" in tuned:
            chosen_lines.append(f"| {row['model']} | `{tuned['chosen']}` | {tuned['conversions']} | "
                                f"{tuned['seconds']:.0f} |")
        if row["model"] in TASK_METRICS:
            metric = TASK_METRICS[row["model"]][1]

            def task(variant):
                if "error" in variant:
                    return "failed"
                return "—" if variant.get("task") is None else f"{variant['task']:.3f}"
            task_lines.append(f"| {row['model']} | {metric} | {task(best) if best_method else 'failed'} | "
                              + " | ".join(task(row["qdqc"].get(label, {"error": ""})) for label, _ in SIDE_VARIANTS)
                              + " |")
    return lines + [""] + task_lines + [""] + chosen_lines


def write_side_markdown(path, results, args):
    body = [
        SIDE_SUBSECTION,
        "",
        "What it measures: on each shared model, ONNX Runtime's `quantize_static` (QDQ, per-channel int8 weights, "
        "asymmetric int8 activations, after its `quant_pre_process`) with each of its methods MinMax, Entropy and "
        "Percentile (the best of them, by the worst output SQNR, is shown), and qdqc with the default target "
        "(tensorrt): the default pipeline (minmax), `--calib-method auto`, `--weight-method gptq` (GPTQ-int8), "
        "`--weight-method gptaq` (GPTAQ-int8: weights rounded for the quantized input), and "
        "every technique on (`--calib-method auto --weight-method gptaq --equalize --bias-correction`; full int8, no "
        "mixed precision), and `--tune` (the techniques chosen per model by the worst output's SQNR on calib/ "
        f"samples {args.calib_limit}..{args.calib_limit + args.tune_eval_samples}, held back from calibration; the third "
        "table gives the flags it chose), all calibrated on the first "
        f"{args.calib_limit} calib/ samples. Output SQNR in dB against the float model in ONNX Runtime over "
        f"{args.eval_limit} eval/ samples (10·log10(Σref²/Σ(ref−q)²)); \"logits X\" rows are the input of a "
        "Softmax/Sigmoid output. The second table gives each model's task metric on the same samples, against the "
        "float model's own answers (top-1 agreement for the classifiers, the IoU of the text mask at DBNet's 0.3 "
        "threshold, the speech decision at 0.5, the sentence embeddings' cosine). ONNX Runtime's runs are capped at "
        f"{args.ort_memory_gb:g} GB of address space each (its Entropy/Percentile calibrators need 20 GB on "
        "ppocr_v4_det, see the shared models' README).",
        "",
        "Reproduce (from the repository root):",
        "",
        "```sh",
        "swift build -c release --product qdqc",
        ".venv/bin/python Tests/Benchmarks/accuracy_bench.py --side-by-side --markdown docs/benchmarks.md",
        "```",
        "",
        f"Machine load when the run started (`uptime`): {args.load}",
        "",
    ] + side_table(results) + [""]
    replace_subsection(path, SIDE_SUBSECTION, body)


def replace_subsection(path, subsection, body):
    """Rewrites `subsection` of `path` up to its first hand-written "####" part or the next heading of its level
    or above (created at the end of the PARENT section when missing)."""
    with open(path) as handle:
        text = handle.read()
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
             "(held-back samples) | raised to 16 bits / float / moved to FP8 | MACs wide | seconds default / mixed |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in results:
        variants = row["variants"]
        baseline = variants.get("default")
        mixed = variants.get(MIXED_LABEL, {})
        search = mixed.get("mixed") or {}
        reached = {True: "yes", False: "no"}.get(search.get("reached"), "—")
        steps = search.get("raised", [])
        raised = (f"{sum(r.get('precision') == 'wide' for r in steps)} / "
                  f"{sum(r.get('precision', 'float') == 'float' for r in steps)} / "
                  f"{sum(r.get('precision') == 'float8' for r in steps)}") if search else "—"
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
        "steps (a tensor widened to 16 bits and then to float counts in both; a tensor moved to FP8 E4M3 by "
        "`--mixed-fp8` makes nothing wide).",
        "",
        "Reproduce (from the repository root):",
        "",
        "```sh",
        "swift build -c release --product qdqc",
        ".venv/bin/python Tests/Benchmarks/accuracy_bench.py --mixed --settings '" + args.settings
        + "'" + (f" --mixed-flags='{args.mixed_flags}'" if args.mixed_flags else "") + " --markdown docs/benchmarks.md",
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
    replace_subsection(path, subsection, body)


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
    parser.add_argument("--ort-disabled-optimizers", default="",
                        help="ONNX Runtime graph optimizers to disable when running the quantized models (e.g. "
                             "ReluQuantRewrite, which drops a Relu before an FP8 QuantizeLinear in ORT 1.32)")
    parser.add_argument("--mixed-flags", default="",
                        help="--mixed: flags for the mixed-precision conversion only (e.g. --mixed-fp8)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds one conversion may take")
    parser.add_argument("--side-by-side", action="store_true",
                        help="ORT's quantize_static (best of its methods) beside qdqc default, auto, GPTQ-int8, all on")
    parser.add_argument("--ort-memory-gb", type=float, default=6.0,
                        help="address-space cap of each quantize_static child (--side-by-side)")
    parser.add_argument("--from-json",
                        help="--side-by-side: render the tables of these earlier --json files (comma-separated; a "
                             "later file's ORT methods and qdqc variants replace an earlier one's) instead")
    parser.add_argument("--variants", default="",
                        help="--side-by-side: run only these qdqc variants (comma-separated labels, e.g. tuned)")
    parser.add_argument("--tune-eval-samples", type=int, default=TUNE_EVAL_SAMPLES,
                        help="--side-by-side: calib/ samples after --calib-limit that --tune measures on")
    parser.add_argument("--skip-ort", action="store_true",
                        help="--side-by-side: run no ONNX Runtime quantization (merge an earlier --json for it)")
    parser.add_argument("--markdown")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    args.load = load
    if args.side_by_side and args.from_json:
        results = []
        for path in args.from_json.split(","):
            with open(path) as handle:
                saved = json.load(handle)
            args.load = saved["load"]
            results = merged(results, saved["results"])
    elif args.side_by_side:
        results = side_by_side(args)
    if args.side_by_side:
        print("\n".join(side_table(results)))
        print(f"load at start: {args.load}")
        if args.markdown:
            write_side_markdown(args.markdown, results, args)
        return 0
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
