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
            if old_files != new_files:
                problems.append(f"{sum(old_files.get(k) != new_files.get(k) for k in set(old_files) | set(new_files))}"
                                f" of {len(old_files)} output files differ")
            verdict = "identical" if not problems else "; ".join(problems)
            differences += bool(problems)
            print(f"{name:22} {'run eval/':20} {verdict}", flush=True)
        checks = len(names) * (len(args.configurations or CONFIGURATIONS) + 1)
        print(f"{checks - differences} identical, {differences} different")
        return 1 if differences else 0
    finally:
        if args.base and not args.base_binary:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", os.path.join(scratch, "base")])
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
