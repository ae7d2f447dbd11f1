"""The ``qdqc`` console command of the wheel: hands the process over to the bundled binary."""

from __future__ import annotations

import os
import sys

from ._runner import QdqcError, binary_path


def main() -> None:
    """Replaces this process with the qdqc binary, passing every argument through."""
    try:
        binary = binary_path()
    except QdqcError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    os.execv(binary, [binary, *sys.argv[1:]])
