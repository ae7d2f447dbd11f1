#!/usr/bin/env python3
"""Packs a release qdqc binary and the Python package into a wheel (called by .ci/build-wheel).

usage: python3 .ci/wheel.py --binary BIN --package Sources/python/qdqc --out DIR

What goes in, and why:
- qdqc/ (the Python package) and qdqc/_bin/qdqc (the binary, stripped);
- qdqc/_lib/: every shared library the binary loads except glibc's own (libc, libm, libpthread,
  libdl, librt, the loader), which is the only thing the wheel expects of the system. That includes
  libstdc++ and libgcc_s: qdqc runs as its own process, so its copies never meet a Python
  extension's. The binary finds them through its DT_RPATH `$ORIGIN/../_lib`, which (unlike a
  RUNPATH) also serves the libraries' own dependencies;
- the platform tag manylinux_2_N_x86_64, N the newest GLIBC_2.N symbol version that the binary or
  a bundled library references (the glibc it needs, read from the files, not assumed);
- shell completions (bash, zsh, fish) and a man page made from the binary's argument parser,
  installed under the environment's share/ folder by pip;
- a console script `qdqc` that replaces the Python process with the binary.
Standard library only: the wheel is written with zipfile, no build backend needed. Files are
stored in sorted order with a fixed timestamp, so the same inputs give the same wheel.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile

# glibc's own libraries: present on every glibc system, never bundled.
SYSTEM_LIBRARIES = {
    "linux-vdso.so.1", "ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2",
    "librt.so.1", "libutil.so.1", "libresolv.so.2",
}


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(1)


def shared_libraries(binary: str) -> dict[str, str]:
    """soname → resolved path of every library `binary` loads (transitively), as ldd reports it."""
    environment = dict(os.environ, LD_LIBRARY_PATH="")
    listing = subprocess.run(["ldd", binary], capture_output=True, text=True, env=environment)
    if listing.returncode != 0:
        fail(f"{binary}: ldd failed: {listing.stderr.strip()}")
    libraries = {}
    for line in listing.stdout.splitlines():
        match = re.match(r"\s*(\S+)\s+=>\s+(\S+)\s+\(", line)
        if match:
            libraries[match.group(1)] = match.group(2)
        elif "not found" in line:
            fail(f"{binary}: {line.strip()}")
        else:
            bare = re.match(r"\s*(\S+)\s+\(", line)
            if bare:
                libraries[os.path.basename(bare.group(1))] = bare.group(1)
    return libraries


def newest_glibc(paths: list[str]) -> tuple[int, int]:
    """The newest GLIBC_X.Y symbol version any of `paths` references."""
    newest = (2, 17)
    for path in paths:
        dump = subprocess.run(["objdump", "-T", path], capture_output=True, text=True, check=True).stdout
        for major, minor in re.findall(r"GLIBC_(\d+)\.(\d+)", dump):
            newest = max(newest, (int(major), int(minor)))
    return newest


def roff(text: str) -> str:
    """`text` safe in a man page: backslashes and dashes escaped, no line starting with a control character."""
    escaped = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line.startswith((".", "'")) else line for line in escaped.splitlines())


def man_page(help_json: dict, version: str, date: str) -> str:
    """A man(7) page from the argument parser's `--experimental-dump-help` description."""
    root = help_json["command"]
    lines = [
        f'.TH QDQC 1 "{date}" "qdqc {version}" "User Commands"',
        ".SH NAME",
        f"qdqc \\- {roff(root.get('abstract', ''))}",
        ".SH SYNOPSIS",
        ".B qdqc",
        "[\\fISUBCOMMAND\\fR] [\\fIOPTIONS\\fR]",
    ]
    if root.get("discussion"):
        lines += [".SH DESCRIPTION", roff(root["discussion"])]

    def options(command: dict) -> list[str]:
        out = []
        for argument in command.get("arguments", []):
            if not argument.get("shouldDisplay", True):
                continue
            names = [("-" if n["kind"] == "short" else "--") + n["name"] for n in argument.get("names", [])]
            if argument.get("kind") == "positional":
                head = f"\\fI{roff(argument.get('valueName', 'value'))}\\fR"
            else:
                head = ", ".join(f"\\fB{roff(name)}\\fR" for name in names)
                if argument.get("kind") == "option":
                    head += f" \\fI{roff(argument.get('valueName', 'value'))}\\fR"
            out += [".TP", head, roff(argument.get("abstract", "")) or "\\&"]
            if argument.get("discussion"):
                out += [".IP", roff(argument["discussion"])]
        return out

    lines += [".SH OPTIONS"] + options(root)
    subcommands = [c for c in root.get("subcommands", []) if c.get("commandName") != "help"]
    if subcommands:
        lines.append(".SH SUBCOMMANDS")
        for command in subcommands:
            lines += [f".SS qdqc {roff(command['commandName'])}", roff(command.get("abstract", ""))]
            if command.get("discussion"):
                lines += [".PP", roff(command["discussion"])]
            lines += options(command)
    lines += [
        ".SH EXIT STATUS",
        "0 success, 1 error, 3 the accuracy gate failed, 64 usage error.",
        ".SH SEE ALSO",
        "The Python module: python3 \\-c 'import qdqc; help(qdqc)'",
    ]
    return "\n".join(lines) + "\n"


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--package", required=True, help="the Python package folder (Sources/python/qdqc)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if not os.path.isfile(args.binary):
        fail(f"{args.binary}: no such binary (build it first)")

    libraries = shared_libraries(args.binary)
    toolchain = [path for path in libraries.values() if "/swift/" in path]
    if toolchain:
        fail(f"{args.binary}: loads the Swift runtime from {toolchain[0]}: build with --static-swift-stdlib")
    bundled = {name: path for name, path in libraries.items() if name not in SYSTEM_LIBRARIES}

    with tempfile.TemporaryDirectory(prefix="qdqc-wheel-") as stage:
        package = os.path.join(stage, "qdqc")
        shutil.copytree(args.package, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        os.makedirs(os.path.join(package, "_bin"))
        os.makedirs(os.path.join(package, "_lib"))
        binary = os.path.join(package, "_bin", "qdqc")
        shutil.copyfile(args.binary, binary)
        subprocess.run(["strip", "--strip-unneeded", binary], check=True)
        os.chmod(binary, 0o755)
        for name, path in sorted(bundled.items()):
            target = os.path.join(package, "_lib", name)
            shutil.copyfile(os.path.realpath(path), target)
            subprocess.run(["strip", "--strip-unneeded", target], check=True)
            os.chmod(target, 0o644)

        # The staged binary must load every bundled library from _lib, not from the system.
        for name, path in shared_libraries(binary).items():
            if name in bundled and os.path.dirname(os.path.realpath(path)) != os.path.join(package, "_lib"):
                fail(f"staged binary loads {name} from {path}, not from the wheel's _lib (rpath?)")

        glibc = newest_glibc([binary] + [os.path.join(package, "_lib", name) for name in bundled])
        tag = f"py3-none-manylinux_{glibc[0]}_{glibc[1]}_x86_64"
        version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.strip()
        if not re.fullmatch(r"\d+(\.\d+)*", version):
            fail(f"qdqc --version printed {version!r}, not a version number")
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
        if epoch == 0:
            committed = subprocess.run(["git", "log", "-1", "--format=%ct"], capture_output=True, text=True)
            epoch = int(committed.stdout.strip() or time.time())
        date = time.strftime("%Y-%m-%d", time.gmtime(epoch))

        files: dict[str, tuple[bytes, int]] = {}
        for root, _, names in os.walk(stage):
            for name in names:
                path = os.path.join(root, name)
                relative = os.path.relpath(path, stage)
                with open(path, "rb") as handle:
                    files[relative] = (handle.read(), stat.S_IMODE(os.stat(path).st_mode))

        data = f"qdqc-{version}.data/data/share"
        for shell, where in [
            ("bash", "bash-completion/completions/qdqc"),
            ("zsh", "zsh/site-functions/_qdqc"),
            ("fish", "fish/vendor_completions.d/qdqc.fish"),
        ]:
            script = subprocess.run(
                [binary, "--generate-completion-script", shell], capture_output=True, check=True).stdout
            files[f"{data}/{where}"] = (script, 0o644)
        dumped = subprocess.run([binary, "--experimental-dump-help"], capture_output=True, text=True, check=True)
        files[f"{data}/man/man1/qdqc.1"] = (man_page(json.loads(dumped.stdout), version, date).encode(), 0o644)

        info = f"qdqc-{version}.dist-info"
        files[f"{info}/METADATA"] = ("\n".join([
            "Metadata-Version: 2.1",
            "Name: qdqc",
            f"Version: {version}",
            "Summary: Turns float ONNX models into explicitly quantized (QuantizeLinear/DequantizeLinear) ones.",
            "License: Apache-2.0",
            "Requires-Python: >=3.9",
            "Requires-Dist: numpy",
            "Requires-Dist: onnx",
            "Provides-Extra: progress",
            "Requires-Dist: tqdm; extra == \"progress\"",
            "",
            "qdqc quantizes ONNX models for ONNX Runtime, TensorRT and other engines. This wheel carries the",
            "qdqc command (a self-contained binary) and the `qdqc` Python module (quantize, compare, run).",
            "",
        ]).encode(), 0o644)
        files[f"{info}/WHEEL"] = (
            f"Wheel-Version: 1.0\nGenerator: qdqc .ci/wheel.py\nRoot-Is-Purelib: false\nTag: {tag}\n".encode(), 0o644)
        files[f"{info}/entry_points.txt"] = (b"[console_scripts]\nqdqc = qdqc._cli:main\n", 0o644)
        record = [f"{name},{record_hash(content)},{len(content)}" for name, (content, _) in sorted(files.items())]
        record.append(f"{info}/RECORD,,")
        files[f"{info}/RECORD"] = (("\n".join(record) + "\n").encode(), 0o644)

        os.makedirs(args.out, exist_ok=True)
        wheel = os.path.join(args.out, f"qdqc-{version}-{tag}.whl")
        partial = wheel + ".partial"
        stamp = time.gmtime(max(epoch, 315532800))[:6]
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            # dist-info last, as the wheel spec recommends.
            for name in sorted(files, key=lambda n: (n.startswith(info), n)):
                content, mode = files[name]
                entry = zipfile.ZipInfo(name, date_time=stamp)
                entry.external_attr = (stat.S_IFREG | mode) << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, content)
        os.replace(partial, wheel)
    print(wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
