#!/usr/bin/env python3
"""Installs the qdqc wheel into a fresh venv and uses it as a user without a Swift toolchain would.

usage: wheel_check.py WHEEL LOCK EXAMPLES SCRATCH

- The venv is new (python3 -m venv) and gets only onnx and numpy with their dependencies, from the
  repository's lock (exact versions, hashes required), then the wheel itself with --no-deps.
- The installed binary must load nothing from the Swift toolchain or the system's C libraries:
  `ldd` with an empty LD_LIBRARY_PATH shows every library outside glibc inside the wheel. Then
  everything below runs in a mount namespace (unshare) where /opt/swift is empty and the system's
  OpenBLAS, protobuf-c, gfortran and quadmath files are /dev/null, so a library the wheel forgot
  fails the run instead of being found on the machine.
- There: the `qdqc` command on the bundled example model; `qdqc.quantize` with a Python generator as
  calibration; `qdqc.compare`; `qdqc.run`; bad input from Python (a wrong dtype, a missing input
  name, a generator that raises midway) raises qdqc.QdqcError with qdqc's message, and nothing is
  left in the temporary folder; the man page and the completions are installed.
Prints one line per check; exits non-zero at the first failure.
"""

import json
import os
import re
import shutil
import subprocess
import sys

WHEEL, LOCK, EXAMPLES, SCRATCH = sys.argv[1:5]
# onnx's own dependencies with it: a user's `pip install onnx numpy` brings these.
PACKAGES = {"numpy", "onnx", "protobuf", "typing-extensions", "ml-dtypes"}
GLIBC = {"linux-vdso.so.1", "ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2",
         "librt.so.1", "libutil.so.1", "libresolv.so.2"}
HIDDEN = ["libopenblas.so.0", "libprotobuf-c.so.1", "libgfortran.so.5", "libquadmath.so.0"]


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", flush=True)
        sys.exit(1)
    print(f"ok: {message}", flush=True)


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def locked_subset(lock, names, out):
    """The lock's entries (requirement line and its --hash lines) for `names`, written to `out`."""
    entries, current = [], None
    for line in open(lock, encoding="utf-8"):
        match = re.match(r"^([A-Za-z0-9_.-]+)==", line)
        if match:
            current = match.group(1).lower().replace("_", "-") in names
        elif not line.startswith((" ", "\t")):
            current = None
        if current:
            entries.append(line)
    with open(out, "w", encoding="utf-8") as handle:
        handle.writelines(entries)
    return sum(1 for line in entries if "==" in line)


venv = os.path.join(SCRATCH, "venv")
requirements = os.path.join(SCRATCH, "requirements.txt")
check(locked_subset(LOCK, PACKAGES, requirements) == len(PACKAGES), f"the lock pins {sorted(PACKAGES)}")
made = run([sys.executable, "-m", "venv", venv])
check(made.returncode == 0, f"fresh venv {venv} ({made.stderr.strip()[-200:]})")
pip = [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
installed = run(pip + ["--require-hashes", "--no-deps", "--only-binary=:all:", "-r", requirements],
                env=dict(os.environ, PIP_FIND_LINKS=""))
check(installed.returncode == 0, f"onnx and numpy from the lock ({installed.stderr.strip()[-300:]})")
installed = run(pip + ["--no-deps", "--no-index", WHEEL])
check(installed.returncode == 0, f"pip install {os.path.basename(WHEEL)} ({installed.stderr.strip()[-300:]})")
listed = run([os.path.join(venv, "bin", "python"), "-m", "pip", "list", "--format=freeze"]).stdout.lower()
names = {line.split("==")[0].replace("_", "-") for line in listed.split()}
check(names - {"pip", "setuptools"} == PACKAGES | {"qdqc"}, f"the venv holds only {sorted(PACKAGES | {'qdqc'})}: {sorted(names)}")

python = os.path.join(venv, "bin", "python")
package = run([python, "-c", "import os, qdqc; print(os.path.dirname(qdqc.__file__))"], env={"PATH": "/usr/bin:/bin"})
check(package.returncode == 0, f"import qdqc ({package.stderr.strip()[-200:]})")
package = package.stdout.strip()
binary = os.path.join(package, "_bin", "qdqc")
ldd = run(["ldd", binary], env={"LD_LIBRARY_PATH": "", "PATH": "/usr/bin:/bin"})
check(ldd.returncode == 0 and "not found" not in ldd.stdout, "ldd resolves every library")
for line in ldd.stdout.splitlines():
    match = re.match(r"\s*(\S+)\s+=>\s+(\S+)", line)
    if not match or match.group(1) in GLIBC:
        continue
    where = os.path.realpath(match.group(2))
    check(where.startswith(os.path.join(package, "_lib") + "/"), f"{match.group(1)} loads from the wheel ({where})")
check("/swift/" not in ldd.stdout, "nothing from the Swift toolchain")

share = os.path.join(venv, "share")
for path in ["man/man1/qdqc.1", "bash-completion/completions/qdqc", "zsh/site-functions/_qdqc",
             "fish/vendor_completions.d/qdqc.fish"]:
    check(os.path.getsize(os.path.join(share, path)) > 100, f"installed share/{path}")
man = open(os.path.join(share, "man/man1/qdqc.1"), encoding="utf-8").read()
check(man.startswith(".TH QDQC 1") and "calib\\-data" in man, "the man page documents --calib-data")

# The rest runs where the toolchain and the C libraries cannot be found.
hide = ["mount -t tmpfs none /opt/swift"] if os.path.isdir("/opt/swift") else []
for name in HIDDEN:
    for folder in ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu"]:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            hide.append(f"mount --bind /dev/null {os.path.realpath(path)}")
            break
check(run(["unshare", "-m", "--propagation", "private", "true"]).returncode == 0,
      "unshare -m works (a mount namespace hides the toolchain and the C libraries)")
tmp = os.path.join(SCRATCH, "tmp")
os.makedirs(tmp)
environment = {"PATH": os.path.join(venv, "bin") + ":/usr/bin:/bin", "LD_LIBRARY_PATH": "", "TMPDIR": tmp,
               "HOME": SCRATCH, "PYTHONDONTWRITEBYTECODE": "1"}


def hidden(command):
    script = " && ".join(hide + ['exec "$@"'])
    return run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", *command], env=environment)


canary = hidden(["sh", "-c", "test ! -s " + os.path.realpath("/usr/lib/x86_64-linux-gnu/libprotobuf-c.so.1")
                 + " && test -z \"$(ls -A /opt/swift 2>/dev/null)\""])
check(canary.returncode == 0, f"inside the namespace the system protobuf-c and /opt/swift are hidden ({canary.stderr.strip()})")

out = os.path.join(SCRATCH, "digits.q.onnx")
cli = hidden(["qdqc", os.path.join(EXAMPLES, "digits_cnn.onnx"), "-o", out, "--calib-data",
              os.path.join(EXAMPLES, "digits_cnn.calib"), "--quiet"])
check(cli.returncode == 0 and os.path.getsize(out) > 0, f"the qdqc command quantizes the bundled model ({cli.stderr.strip()[-300:]})")
check(hidden(["qdqc", "--version"]).stdout.strip() == os.path.basename(WHEEL).split("-")[1], "qdqc --version matches the wheel")
environment["QDQC_PROGRESS"] = "json"
progress = hidden(["qdqc", os.path.join(EXAMPLES, "digits_cnn.onnx"), "-o", out, "--calib-data",
                   os.path.join(EXAMPLES, "digits_cnn.calib")])
updates = [json.loads(line)["progress"] for line in progress.stderr.splitlines() if line.startswith('{"progress":')]
finished = [u for u in updates if u["total"] and u["completed"] == u["total"]]
check(progress.returncode == 0 and any(u["task"] and u["total"] == 32 for u in finished),
      f"QDQC_PROGRESS=json reports calibrating the 32 samples as JSON lines ({updates[-3:]})")
del environment["QDQC_PROGRESS"]

API = r'''
import glob, os, sys, tempfile
import numpy as np
import onnx
import qdqc

examples = sys.argv[1]
model = onnx.load(os.path.join(examples, "digits_cnn.onnx"))
calib = sorted(glob.glob(os.path.join(examples, "digits_cnn.calib", "*.npz")))
name = model.graph.input[0].name
produced = []

def samples():
    for path in calib[:12]:
        produced.append(path)
        yield {name: np.load(path)[name]}

quantized, report = qdqc.quantize(model, calibration=samples(), target="ort", progress=False)
assert isinstance(quantized, onnx.ModelProto), type(quantized)
onnx.checker.check_model(quantized)
ops = {node.op_type for node in quantized.graph.node}
assert {"QuantizeLinear", "DequantizeLinear"} <= ops, ops
assert len(produced) == 12, len(produced)
assert report.pipeline and "calibrate" in report.pipeline, report.pipeline
assert report.quantized_tensors, report
print("ok: qdqc.quantize with a generator:", len(report.quantized_tensors), "tensors quantized")

result = qdqc.compare(model, quantized, data=(np.load(p) for p in calib[:8]), progress=False)
assert result.samples == 8, result.samples
output = model.graph.output[0].name
assert result.sqnr(output) > 20, result.sqnr(output)
print(f"ok: qdqc.compare: output SQNR {result.sqnr(output):.1f} dB over {result.samples} samples")

outputs = qdqc.run(model, {name: np.load(calib[0])[name]})
assert outputs[output].shape[-1] == 10, outputs[output].shape
print("ok: qdqc.run")

def expect_error(call, *needles):
    try:
        call()
    except qdqc.QdqcError as error:
        text = str(error)
        assert all(n in text for n in needles), text
        assert "\n" not in error.message, error.message
        return error
    raise AssertionError("no QdqcError")

x = np.load(calib[0])[name]
expect_error(lambda: qdqc.quantize(model, calibration=[{name: x.astype(np.int32)}], progress=False), name)
print("ok: a wrong dtype names the input")
expect_error(lambda: qdqc.quantize(model, calibration=[{"nonsense": x}], progress=False), "nonsense")
print("ok: a wrong input name is named")

def broken():
    yield {name: x}
    raise RuntimeError("camera unplugged")

error = expect_error(lambda: qdqc.quantize(model, calibration=broken(), progress=False), "sample 1", "camera unplugged")
assert isinstance(error.__cause__, RuntimeError)
print("ok: a generator that raises midway")
error = expect_error(lambda: qdqc.quantize(model, calibration=samples(), min_sqnr=200, progress=False), "200")
assert error.returncode == 3 and error.report is not None and error.report.gate, (error.returncode, error.report)
print("ok: a failed accuracy gate raises with exit status 3 and the report")
expect_error(lambda: qdqc.quantize("/nonexistent/model.onnx", calibration=samples(), progress=False), "/nonexistent/model.onnx")
print("ok: a missing model is named")
left = os.listdir(tempfile.gettempdir())
assert not left, left
print("ok: nothing left in", tempfile.gettempdir())
'''
api = hidden(["python", "-c", API, EXAMPLES])
print(api.stdout, end="")
check(api.returncode == 0, f"the Python API ({api.stderr.strip()[-600:]})")
check(not os.listdir(tmp), f"no temporary files left in {tmp}")
shutil.rmtree(venv, ignore_errors=True)
