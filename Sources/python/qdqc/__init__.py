"""qdqc from Python: quantize ONNX models, compare them and run them with qdqc's interpreter.

A thin layer over the ``qdqc`` binary that the wheel carries (``qdqc/_bin/qdqc``)::

    import qdqc
    result = qdqc.quantize("model.onnx", calibration=samples(), target="ort")
    onnx_model, report = result
    print(report.output_sqnr_db)

Every failure of the binary is raised as :class:`QdqcError` with qdqc's own one-line message
and its exit status (3: the accuracy gate failed).
"""

from ._api import CompareResult, QuantizeResult, Report, compare, quantize, run
from ._runner import QdqcError, binary_path, version

__all__ = [
    "CompareResult",
    "QdqcError",
    "QuantizeResult",
    "Report",
    "binary_path",
    "compare",
    "quantize",
    "run",
    "version",
]
