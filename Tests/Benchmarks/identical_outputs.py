#!/usr/bin/env python3
"""Shows that two builds of qdqc write byte-identical models and reports.

Runs the qdqc of a base revision and the qdqc of the work tree on every model of
../shared/models with the four configurations users run most (the default pipeline and
--target ort, each with and without --smooth-quant=auto), each time with a report, and
compares the outputs byte for byte: the quantized model, the calibration table
(--calib-table) and the report. Reports are compared after removing only the fields
that are wall times (`seconds` of each pass and `verifierSeconds`); everything else,
key order and formatting included, must be the same bytes. Then `qdqc run --all` on
each model's eval/ samples: the interpreter's outputs, byte for byte.

    python3 Tests/Benchmarks/identical_outputs.py --base de27090            # builds the base
    python3 Tests/Benchmarks/identical_outputs.py --base-binary OLD --new-binary NEW
    python3 Tests/Benchmarks/identical_outputs.py --base-binary Q --new-binary Q --base-jobs 1 --new-jobs 2

With --bounded, outputs that differ are measured instead of only flagged, for a change that
reassociates float sums (2026-12-07: the interpreter's own GEMM in place of OpenBLAS): the
models must have the same graph, the same initializer names, types and shapes, float tensors
(scales) within a relative 1e-4 and integer tensors (quantized weights, zero points, int32 biases)
differing in at most 0.1 % of their elements, each by at most 1 or, for a large integer (an int32
bias, the float bias divided by a product of two scales), by at most a relative 1e-4; calibration tables and reports the same JSON with
every number within a relative 1e-4 (a range's min and max relative to the larger of their
magnitudes; a zero point within 1); `qdqc run` outputs at an SQNR of at least 100 dB against each other. The reports'
measures of a quantized model's accuracy (`evaluation`: SQNR, cosine, errors; SmoothQuant's
`errorWith...` per layer) are printed and not bounded: they measure models whose codes differ in
a few elements (a last-bit change in a scale rounds a value the other way), and a model whose
outputs hang on a few samples moves by more than those codes' share suggests. Each line reports
the largest difference of each kind it found.

Both binaries run with the same arguments and the same output paths, so the command line
recorded in a report is the same; `--base-jobs`/`--new-jobs` add `--jobs N` to one side's
conversions and `run --all` (samples at once), and the reports are then compared without it.
Exit status 0 when everything is identical, 1 otherwise.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGURATIONS = {
    "default": [],
    "default-smoothquant": ["--smooth-quant=auto"],
    "ort": ["--target", "ort"],
    "ort-smoothquant": ["--target", "ort", "--smooth-quant=auto"],
}
TIMING_FIELD = re.compile(r'^\s*"(seconds|verifierSeconds)" : [0-9.eE+-]+,?\n', re.MULTILINE)
# `--jobs N` as a report records the command line: one argument per JSON string, or words in one string.
JOBS_ARGUMENT = re.compile(r'(,\s*"--jobs",\s*"[0-9]+")|( --jobs [0-9]+)')


def models_root():
    for candidate in (os.path.join(os.path.dirname(ROOT), "shared", "models"), "/work/shared/models"):
        if os.path.isdir(candidate):
            return candidate
    sys.exit("no ../shared/models beside the repository")


def build_base(revision, scratch):
    """Builds qdqc at `revision` in a temporary git worktree and returns the binary's path."""
    tree = os.path.join(scratch, "base")
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", tree, revision], check=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "qdqc"], cwd=tree, check=True)
    return os.path.join(tree, ".build", "release", "qdqc")


def without_timings(report_bytes):
    """The report's text with the wall-time fields (and only those) removed."""
    text = report_bytes.decode("utf-8")
    json.loads(text)  # a report must be JSON whatever else
    return JOBS_ARGUMENT.sub("", TIMING_FIELD.sub("", text))


def relative(a, b):
    """|a - b| relative to the larger magnitude (0 when both are 0)."""
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


# Fields that hash bytes which may differ (a SmoothQuant-scaled float model): compared by presence only.
HASH_KEYS = {"sha256"}


def json_difference(old, new, path="$"):
    """{kind: (largest difference, its path)} between the numbers of two JSON values; raises on another difference.

    Kinds: "relative" for every number but the accuracy measures (a `min` and a `max` side by side
    relative to the larger of their magnitudes), and for the accuracy measures under `evaluation`
    and `smoothing`: "sqnr dB" (absolute), "cosine" (absolute) and "measure" (relative).
    """
    found = {}

    def note(kind, value, where):
        if value > found.get(kind, (-1.0, ""))[0]:
            found[kind] = (value, where)

    def walk(old, new, path, accuracy):
        if isinstance(old, dict) and isinstance(new, dict):
            if list(old) != list(new):
                raise ValueError(f"{path}: keys differ")
            bounds = [old.get("min"), old.get("max"), new.get("min"), new.get("max")]
            span = max(abs(v) for v in bounds) if all(isinstance(v, (int, float)) for v in bounds) else None
            for key in old:
                if key in HASH_KEYS and isinstance(old[key], str) and isinstance(new[key], str):
                    continue
                if span and key in ("min", "max") and not accuracy:
                    note("relative", abs(old[key] - new[key]) / span, f"{path}.{key}")
                    continue
                walk(old[key], new[key], f"{path}.{key}", accuracy or key in ("evaluation", "smoothing"))
            return
        if isinstance(old, list) and isinstance(new, list):
            if len(old) != len(new):
                raise ValueError(f"{path}: {len(old)} vs {len(new)} entries")
            for i, (a, b) in enumerate(zip(old, new)):
                walk(a, b, f"{path}[{i}]", accuracy)
            return
        numbers = (int, float)
        if isinstance(old, numbers) and isinstance(new, numbers) and not isinstance(old, bool):
            key = path.rsplit(".", 1)[-1]
            if accuracy and key == "sqnr":
                note("sqnr dB", abs(old - new), path)
            elif accuracy and key == "cosine":
                note("cosine", abs(old - new), path)
            elif accuracy and isinstance(old, float):
                note("measure", relative(float(old), float(new)), path)
            elif ".zeroPoints[" in path:
                note("zero point", abs(old - new), path)
            else:
                note("relative", relative(float(old), float(new)), path)
            return
        if old != new:
            raise ValueError(f"{path}: {old!r} vs {new!r}")

    walk(old, new, path, False)
    return found


# The largest difference json_difference may find of each kind; accuracy measures are reported only.
JSON_BOUNDS = {
    "relative": 1e-4, "zero point": 1, "sqnr dB": float("inf"), "cosine": float("inf"), "measure": float("inf"),
}


def model_difference(old_bytes, new_bytes):
    """(largest relative float difference, largest integer difference over what it may be, share of integers that differ).

    An integer may differ by 1, or by a relative 1e-4 when that is more (int32 biases).
    """
    import numpy as np
    import onnx
    from onnx import numpy_helper
    old, new = onnx.load_from_string(old_bytes), onnx.load_from_string(new_bytes)
    old_nodes = [(n.op_type, list(n.input), list(n.output), [a.SerializeToString() for a in n.attribute])
                 for n in old.graph.node]
    new_nodes = [(n.op_type, list(n.input), list(n.output), [a.SerializeToString() for a in n.attribute])
                 for n in new.graph.node]
    if old_nodes != new_nodes:
        raise ValueError("graphs differ")
    old_tensors = {t.name: numpy_helper.to_array(t) for t in old.graph.initializer}
    new_tensors = {t.name: numpy_helper.to_array(t) for t in new.graph.initializer}
    if list(old_tensors) != list(new_tensors):
        raise ValueError("initializer names differ")
    worst_float, worst_integer, changed, integers = 0.0, 0, 0, 0
    for name, a in old_tensors.items():
        b = new_tensors[name]
        if a.dtype != b.dtype or a.shape != b.shape:
            raise ValueError(f"initializer {name}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}")
        if np.issubdtype(a.dtype, np.integer):
            delta = np.abs(a.astype(np.int64) - b.astype(np.int64))
            # An int32 bias moves with its scales: beyond 1 only in proportion to its size.
            allowed = np.maximum(1.0, 1e-4 * np.maximum(np.abs(a.astype(np.float64)), np.abs(b.astype(np.float64))))
            worst_integer = max(worst_integer, float((delta / allowed).max(initial=0)))
            changed += int(np.count_nonzero(delta))
            integers += a.size
        elif np.issubdtype(a.dtype, np.floating):
            x, y = a.astype(np.float64), b.astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                # Equal elements (the same infinity, NaN and NaN) differ by nothing.
                same = (x == y) | (np.isnan(x) & np.isnan(y))
                ratio = np.where(same, 0.0, np.abs(x - y) / np.maximum(np.abs(x), np.abs(y)))
            worst_float = max(worst_float, float(ratio.max(initial=0)))
        elif a.tobytes() != b.tobytes():
            raise ValueError(f"initializer {name} ({a.dtype}) differs")
    return worst_float, worst_integer, changed / max(integers, 1)


def outputs_sqnr(old_files, new_files):
    """The lowest SQNR in dB of any output tensor of the new run against the old one."""
    import io
    import numpy as np
    worst = float("inf")
    for name, old_bytes in old_files.items():
        old, new = np.load(io.BytesIO(old_bytes)), np.load(io.BytesIO(new_files[name]))
        for key in old.files:
            a, b = old[key].astype(np.float64), new[key].astype(np.float64)
            noise = float(np.sum((a - b) ** 2))
            if noise > 0:
                worst = min(worst, 10 * np.log10(max(float(np.sum(a ** 2)), 1e-300) / noise))
    return worst


def bounded_verdict(old, new):
    """For --bounded: the measured differences of one conversion, and whether they are within the bounds."""
    notes, within = [], True
    if old[2] != new[2]:
        worst_float, worst_integer, share = model_difference(old[2], new[2])
        notes.append(f"model: scales rel {worst_float:.1e}, integers {worst_integer:.2f} of their allowance, "
                     f"{share:.4%} of them")
        within &= worst_float <= 1e-4 and worst_integer <= 1 and share <= 1e-3
    for label, index in (("table", 4), ("report", 3)):
        if old[index] != new[index]:
            # Reports come without their timing fields, which can leave a comma before a closing bracket.
            parse = lambda text: json.loads(re.sub(r",(\s*[}\]])", r"\1", text if isinstance(text, str) else text.decode()))
            for kind, (value, where) in sorted(json_difference(parse(old[index]), parse(new[index])).items()):
                if value > 0:
                    notes.append(f"{label}: {kind} {value:.1e} at {where}")
                within &= value <= JSON_BOUNDS[kind]
    return within, "; ".join(notes)


def jobs_arguments(jobs):
    """`--jobs N`, or nothing when `jobs` is None (the binary's default)."""
    return [] if jobs is None else ["--jobs", str(jobs)]


def run(binary, model_dir, arguments, workdir):
    """Runs one conversion in `workdir`; returns (exit status, stderr, model bytes, report text, table bytes)."""
    for name in ("model.q.onnx", "report.json", "table.json"):
        path = os.path.join(workdir, name)
        if os.path.exists(path):
            os.remove(path)
    command = [binary, os.path.join(model_dir, "model.onnx"), "-o", "model.q.onnx",
               "--calib-data", os.path.join(model_dir, "calib"), "--report", "report.json",
               "--calib-table", "table.json"] + arguments
    result = subprocess.run(command, cwd=workdir, capture_output=True)
    model = open(os.path.join(workdir, "model.q.onnx"), "rb").read() if os.path.exists(
        os.path.join(workdir, "model.q.onnx")) else None
    report = without_timings(open(os.path.join(workdir, "report.json"), "rb").read()) if os.path.exists(
        os.path.join(workdir, "report.json")) else None
    table_path = os.path.join(workdir, "table.json")
    table = open(table_path, "rb").read() if os.path.exists(table_path) else None
    return result.returncode, result.stderr.decode("utf-8", "replace").strip(), model, report, table


def run_outputs(binary, model_dir, workdir, extra):
    """Runs every eval/ sample through `qdqc run --all`; returns (exit status, {file: bytes})."""
    out = os.path.join(workdir, "outputs")
    shutil.rmtree(out, ignore_errors=True)
    command = [binary, "run", os.path.join(model_dir, "model.onnx"), "--data", os.path.join(model_dir, "eval"),
               "--all", "-o", out, "--quiet"] + extra
    status = subprocess.run(command, cwd=workdir, capture_output=True).returncode
    files = {}
    for folder, _, names in os.walk(out):
        for name in names:
            path = os.path.join(folder, name)
            files[os.path.relpath(path, out)] = open(path, "rb").read()
    return status, files


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help="git revision to build and compare against")
    parser.add_argument("--base-binary", help="an already built qdqc to compare against")
    parser.add_argument("--new-binary", default=os.path.join(ROOT, ".build", "release", "qdqc"))
    parser.add_argument("--models", nargs="*", help="model folder names (default: all)")
    parser.add_argument("--configurations", nargs="*", choices=sorted(CONFIGURATIONS),
                        help="conversion configurations to compare (default: all four)")
    parser.add_argument("--base-jobs", type=int, help="--jobs N for the base binary's runs (default: its own)")
    parser.add_argument("--new-jobs", type=int, help="--jobs N for the new binary's runs (default: its own)")
    parser.add_argument("--bounded", action="store_true",
                        help="measure differing outputs and accept those within the bounds above")
    args = parser.parse_args()
    if not (args.base or args.base_binary):
        parser.error("give --base REVISION or --base-binary PATH")
    scratch = tempfile.mkdtemp(prefix="qdqc-identical-")
    try:
        # Absolute paths: the conversions run inside a scratch folder.
        base_binary = os.path.abspath(args.base_binary or build_base(args.base, scratch))
        new_binary = os.path.abspath(args.new_binary)
        root = models_root()
        names = args.models or sorted(n for n in os.listdir(root) if os.path.isfile(os.path.join(root, n, "model.onnx")))
        workdir = os.path.join(scratch, "run")
        os.makedirs(workdir)
        differences = 0
        for name in names:
            for label, arguments in CONFIGURATIONS.items():
                if args.configurations and label not in args.configurations:
                    continue
                old = run(base_binary, os.path.join(root, name), arguments + jobs_arguments(args.base_jobs), workdir)
                new = run(new_binary, os.path.join(root, name), arguments + jobs_arguments(args.new_jobs), workdir)
                problems = []
                if old[0] != new[0]:
                    problems.append(f"exit {old[0]} vs {new[0]} ({old[1] or new[1]})")
                if args.bounded and old[0] == new[0] and old[2] is not None and new[2] is not None:
                    try:
                        within, notes = bounded_verdict(old, new)
                    except ValueError as error:
                        within, notes = False, str(error)
                    verdict = ("identical" if not notes else f"bounded ({notes})") if within else f"beyond: {notes}"
                    differences += not within
                    print(f"{name:22} {label:20} {verdict}", flush=True)
                    continue
                if old[2] != new[2]:
                    problems.append("models differ")
                if old[3] != new[3]:
                    problems.append("reports differ")
                if old[4] != new[4]:
                    problems.append("calibration tables differ")
                if old[2] is None:
                    problems.append(f"no model written ({old[1]})")
                verdict = "identical" if not problems else "; ".join(problems)
                differences += bool(problems)
                print(f"{name:22} {label:20} {verdict}", flush=True)
            old_status, old_files = run_outputs(
                base_binary, os.path.join(root, name), workdir, jobs_arguments(args.base_jobs))
            new_status, new_files = run_outputs(
                new_binary, os.path.join(root, name), workdir, jobs_arguments(args.new_jobs))
            problems = []
            if old_status != new_status or old_status != 0:
                problems.append(f"exit {old_status} vs {new_status}")
            if args.bounded and not problems and old_files != new_files and set(old_files) == set(new_files):
                sqnr = outputs_sqnr(old_files, new_files)
                within = sqnr >= 100
                differences += not within
                verdict = f"bounded (outputs SQNR ≥ {sqnr:.1f} dB)" if within else f"beyond: outputs SQNR {sqnr:.1f} dB"
                print(f"{name:22} {'run eval/':20} {verdict}", flush=True)
                continue
            if old_files != new_files:
                problems.append(f"{sum(old_files.get(k) != new_files.get(k) for k in set(old_files) | set(new_files))}"
                                f" of {len(old_files)} output files differ")
            verdict = "identical" if not problems else "; ".join(problems)
            differences += bool(problems)
            print(f"{name:22} {'run eval/':20} {verdict}", flush=True)
        checks = len(names) * (len(args.configurations or CONFIGURATIONS) + 1)
        print(f"{checks - differences} {'identical or within bounds' if args.bounded else 'identical'}, "
              f"{differences} different")
        return 1 if differences else 0
    finally:
        if args.base and not args.base_binary:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", os.path.join(scratch, "base")])
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
