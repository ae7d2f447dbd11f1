"""Finding and running the qdqc binary: arguments, progress lines, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

__all__ = ["QdqcError", "binary_path", "run_binary", "option_arguments", "version"]


class QdqcError(Exception):
    """qdqc failed: ``message`` is its one-line error, ``returncode`` its exit status (None before it ran)."""

    def __init__(self, message: str, returncode: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.returncode = returncode
        self.report: Any = None
        """The run's report when qdqc wrote one before failing (the accuracy gate, exit status 3)."""

    def __str__(self) -> str:
        return self.message if self.returncode is None else f"{self.message} (exit status {self.returncode})"


def binary_path() -> str:
    """The qdqc executable: ``$QDQC_BINARY`` when set, else the one inside this package."""
    override = os.environ.get("QDQC_BINARY")
    if override:
        return override
    bundled = Path(__file__).resolve().parent / "_bin" / "qdqc"
    if not bundled.is_file():
        raise QdqcError(f"{bundled}: the qdqc binary is missing from the package (set QDQC_BINARY to use another)")
    return str(bundled)


def version() -> str:
    """The version the binary reports (``qdqc --version``)."""
    return run_binary(["--version"], progress=False).stdout.strip()


def option_arguments(options: Mapping[str, object]) -> list[str]:
    """``{"weight_method": "awq", "equalize": True, "exclude": ["a", "b"]}`` → qdqc flags.

    Underscores become dashes; True adds a bare flag, False and None add nothing, a list or tuple
    repeats the option, anything else is written with ``str``.
    """
    arguments: list[str] = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            arguments.append(flag)
        elif isinstance(value, (list, tuple)):
            for item in value:
                arguments += [flag, str(item)]
        else:
            arguments += [flag, str(value)]
    return arguments


class Completed:
    """What a finished run printed: standard output, and standard error without the progress lines."""

    def __init__(self, stdout: str, messages: list[str]) -> None:
        self.stdout = stdout
        self.messages = messages


def run_binary(
    arguments: Sequence[str], *, progress: bool = True, on_progress: Callable[[dict], None] | None = None
) -> Completed:
    """Runs qdqc with ``arguments``; raises :class:`QdqcError` with its message when it fails.

    The binary reports progress as JSON lines (``QDQC_PROGRESS=json``); they are drawn with tqdm when
    standard error is a terminal and tqdm is installed, else dropped.
    """
    environment = dict(os.environ)
    environment["QDQC_PROGRESS"] = "json"
    command = [binary_path(), *arguments]
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=environment,
            text=True,
            errors="replace",
        )
    except OSError as error:
        raise QdqcError(f"{command[0]}: cannot start qdqc: {error.strerror}") from error
    bar = _ProgressBar() if progress and on_progress is None else None
    messages: list[str] = []
    assert process.stderr is not None and process.stdout is not None
    # Both pipes at once: a large stdout (compare --json on a big model) must not block qdqc while stderr is read.
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.append(process.stdout.read()), daemon=True)
    reader.start()
    for line in process.stderr:
        update = _progress_update(line)
        if update is None:
            messages.append(line.rstrip("\n"))
        elif on_progress is not None:
            on_progress(update)
        elif bar is not None:
            bar.show(update)
    reader.join()
    stdout = "".join(printed)
    returncode = process.wait()
    if bar is not None:
        bar.close()
    if returncode != 0:
        errors = [m for m in messages if m.strip()]
        message = errors[-1] if errors else f"qdqc exited with status {returncode}"
        raise QdqcError(message.removeprefix("error: ").strip(), returncode)
    for message in messages:
        if message.strip():
            print(message, file=sys.stderr)
    return Completed(stdout, messages)


def _progress_update(line: str) -> dict | None:
    if not line.startswith('{"progress":'):
        return None
    try:
        return json.loads(line)["progress"]
    except (ValueError, KeyError):
        return None


class _ProgressBar:
    """A tqdm bar per task when stderr is a terminal and tqdm is importable; silent otherwise."""

    def __init__(self) -> None:
        self._tqdm = None
        if sys.stderr.isatty():
            try:
                from tqdm import tqdm

                self._tqdm = tqdm
            except ImportError:
                self._tqdm = None
        self._bar = None
        self._task: str | None = None

    def show(self, update: dict) -> None:
        if self._tqdm is None:
            return
        task, completed, total = update.get("task"), update.get("completed", 0), update.get("total")
        if self._bar is None or task != self._task or completed == 0:
            self.close()
            self._bar = self._tqdm(total=total, desc=task, unit="sample")
            self._task = task
        self._bar.n = completed
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
