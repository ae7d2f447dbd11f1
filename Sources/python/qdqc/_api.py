"""quantize, compare and run: the qdqc commands as Python functions."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Union

import numpy as np

from ._runner import QdqcError, option_arguments, run_binary
from ._samples import write_samples

if TYPE_CHECKING:
    import onnx

__all__ = ["CompareResult", "QuantizeResult", "Report", "compare", "quantize", "run"]

PathLike = Union[str, "os.PathLike[str]"]
ModelLike = Union[PathLike, "onnx.ModelProto"]
Samples = Union[PathLike, Iterable[Mapping[str, np.ndarray]]]


@dataclass(frozen=True)
class Report:
    """The report of one quantization (``--report``; schemas/report.schema.json), its main figures as fields."""

    pipeline: list[str]
    """The passes that ran, in order."""
    quantized_tensors: list[str]
    """Names of the tensors that got a quantization decision marked quantized."""
    output_sqnr_db: dict[str, float]
    """SQNR in dB of each graph output against the float model, when an evaluation ran."""
    gate: dict[str, Any] | None
    """The accuracy gate's verdict (``--min-sqnr``, ``--max-drop``, ...), when one was asked for."""
    raw: dict[str, Any] = field(repr=False)
    """The whole JSON report."""

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> "Report":
        """Reads the JSON report qdqc writes."""
        evaluation = document.get("evaluation") or {}
        return cls(
            pipeline=[name for name in str(document.get("pipeline", "")).split(",") if name],
            quantized_tensors=[t["tensor"] for t in document.get("tensors", []) if t.get("quantized") and "tensor" in t],
            output_sqnr_db={o["output"]: o["sqnr"] for o in evaluation.get("outputs", []) if "sqnr" in o},
            gate=document.get("gate"),
            raw=document,
        )


@dataclass(frozen=True)
class QuantizeResult:
    """What :func:`quantize` returns; unpacks as ``model, report = qdqc.quantize(...)``."""

    model: "onnx.ModelProto | str"
    """The quantized model, or the path it was written to when ``output`` was given."""
    report: Report
    """The report of the run."""

    def __iter__(self) -> Iterator[Any]:
        yield self.model
        yield self.report


@dataclass(frozen=True)
class CompareResult:
    """What :func:`compare` returns: per-tensor errors of a quantized model against its float model."""

    samples: int
    """How many samples both models ran."""
    tensors: list[dict[str, Any]]
    """One entry per compared tensor: ``tensor``, ``kind``, ``sqnr``, ``cosine``, ``maxAbsError``, ..."""
    raw: dict[str, Any] = field(repr=False)
    """The whole JSON result (``qdqc compare --json``)."""

    def sqnr(self, tensor: str) -> float:
        """The SQNR in dB of ``tensor``; KeyError when it was not compared."""
        for entry in self.tensors:
            if entry.get("tensor") == tensor:
                return float(entry["sqnr"])
        raise KeyError(tensor)


def quantize(
    model: ModelLike,
    output: PathLike | None = None,
    *,
    calibration: Samples | None = None,
    evaluation: Samples | None = None,
    target: str | None = None,
    progress: bool = True,
    **options: Any,
) -> QuantizeResult:
    """Quantizes ``model`` as ``qdqc MODEL -o OUTPUT`` does.

    ``model`` is a path or an ``onnx.ModelProto``. ``calibration`` and ``evaluation`` are a path
    qdqc reads (a .npz, a folder of samples) or any iterable of ``{input name: numpy array}``
    dicts, written one at a time to a temporary folder that is removed afterwards. Every other
    keyword is a qdqc option, underscores for dashes: ``weight_method="awq"`` is
    ``--weight-method awq``, ``equalize=True`` is ``--equalize``, a list repeats the option.

    Returns the quantized ``onnx.ModelProto`` (or, with ``output``, its path) and the report.
    Raises :class:`QdqcError` with qdqc's message and exit status; when the accuracy gate fails
    (status 3) the error's ``report`` holds the report.
    """
    with tempfile.TemporaryDirectory(prefix="qdqc-") as scratch:
        arguments = [_model_path(model, scratch, "model"), "-o"]
        written = os.fspath(output) if output is not None else os.path.join(scratch, "quantized.onnx")
        report_path = os.path.join(scratch, "report.json")
        arguments += [written, "--report", report_path]
        if calibration is not None:
            arguments += ["--calib-data", _samples_path(calibration, scratch, "calibration")]
        if evaluation is not None:
            arguments += ["--eval-data", _samples_path(evaluation, scratch, "evaluation")]
        if target is not None:
            arguments += ["--target", target]
        arguments += option_arguments(options)
        if not progress:
            arguments.append("--quiet")
        try:
            _run_in(scratch, arguments, progress=progress)
        except QdqcError as error:
            if os.path.exists(report_path):
                error.report = Report.from_json(_read_json(report_path))
            raise
        report = Report.from_json(_read_json(report_path))
        if output is not None:
            return QuantizeResult(written, report)
        import onnx

        return QuantizeResult(onnx.load(written), report)


def compare(
    float_model: ModelLike,
    quantized_model: ModelLike,
    *,
    data: Samples,
    progress: bool = True,
    **options: Any,
) -> CompareResult:
    """Compares a quantized model with its float model tensor by tensor (``qdqc compare --json``).

    ``data`` is a path or an iterable of sample dicts, as for :func:`quantize`; other keywords are
    ``qdqc compare`` options (``samples=8``, ``html="where.html"``, ``perplexity="input_ids"``).
    """
    with tempfile.TemporaryDirectory(prefix="qdqc-") as scratch:
        arguments = [
            "compare",
            _model_path(float_model, scratch, "float"),
            _model_path(quantized_model, scratch, "quantized"),
            "--data",
            _samples_path(data, scratch, "comparison"),
            "--json",
        ]
        arguments += option_arguments(options)
        if not progress:
            arguments.append("--quiet")
        completed = _run_in(scratch, arguments, progress=progress)
        try:
            document = json.loads(completed.stdout)
        except ValueError as error:
            raise QdqcError(f"qdqc compare printed no JSON result: {error}") from error
        return CompareResult(samples=int(document.get("samples", 0)), tensors=list(document.get("tensors", [])), raw=document)


def run(model: ModelLike, inputs: Mapping[str, np.ndarray] | PathLike, **options: Any) -> dict[str, np.ndarray]:
    """Runs ``model`` once in qdqc's reference interpreter and returns its outputs by name.

    ``inputs`` is a dict of input name to numpy array, or the path of a sample (.npz or sample folder).
    Other keywords are ``qdqc run`` options (``generate=32`` for a greedy decoding loop).
    """
    with tempfile.TemporaryDirectory(prefix="qdqc-") as scratch:
        if isinstance(inputs, (str, os.PathLike)):
            sample = os.fspath(inputs)
        else:
            sample = os.path.join(scratch, "inputs")
            os.mkdir(sample)
            write_samples([inputs], sample, "run")
            sample = os.path.join(sample, "000000.npz")
        written = os.path.join(scratch, "outputs.npz")
        arguments = ["run", _model_path(model, scratch, "model"), "--data", sample, "-o", written, "--quiet"]
        _run_in(scratch, arguments + option_arguments(options), progress=False)
        with np.load(written) as outputs:
            return {name: outputs[name] for name in outputs.files}


def _run_in(scratch: str, arguments: list[str], progress: bool) -> Any:
    """Runs qdqc; its error message names what the caller gave, not the temporary files made of it."""
    try:
        return run_binary(arguments, progress=progress)
    except QdqcError as error:
        message = re.sub(
            re.escape(scratch) + r"/(\w+)/(\d+)\.npz: sample '\d+'",
            lambda m: f"{m.group(1)} sample {int(m.group(2))}",
            error.message,
        )
        message = message.replace(os.path.join(scratch, "quantized.onnx") + " not written", "no model returned")
        message = re.sub(
            re.escape(scratch) + r"/(\w+)\.onnx",
            lambda m: "<onnx.ModelProto>" if m.group(1) == "model" else f"<{m.group(1)} onnx.ModelProto>",
            message,
        )
        error.message = message
        error.args = (message,)
        raise


def _model_path(model: ModelLike, scratch: str, stem: str) -> str:
    if isinstance(model, (str, os.PathLike)):
        return os.fspath(model)
    import onnx

    if not isinstance(model, onnx.ModelProto):
        raise QdqcError(f"expected a path or an onnx.ModelProto for the {stem} model, got {type(model).__name__}")
    path = os.path.join(scratch, stem + ".onnx")
    # Protobuf cannot serialize a message over 2 GiB: larger models keep their weights beside it.
    large = sum(len(t.raw_data) for t in model.graph.initializer) > (1 << 30)
    onnx.save_model(model, path, save_as_external_data=large, location=stem + ".onnx.data" if large else None)
    return path


def _samples_path(samples: Samples, scratch: str, what: str) -> str:
    if isinstance(samples, (str, os.PathLike)):
        return os.fspath(samples)
    if isinstance(samples, Mapping):
        samples = [samples]
    folder = os.path.join(scratch, what)
    os.mkdir(folder)
    write_samples(samples, folder, what)
    return folder


def _read_json(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
