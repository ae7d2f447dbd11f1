"""Calibration and evaluation samples given from Python, written one at a time where qdqc reads them."""

from __future__ import annotations

import os
from typing import Iterable, Mapping

import numpy as np

from ._runner import QdqcError

__all__ = ["write_samples"]


def write_samples(samples: Iterable[Mapping[str, np.ndarray]], folder: str, what: str) -> int:
    """Writes each sample of ``samples`` as ``folder/NNNNNN.npz`` and returns how many there were.

    One sample is in memory at a time, so a generator of any length keeps memory flat. A sample that
    is not a mapping of names to arrays, or an exception from the generator, is a :class:`QdqcError`
    naming the sample (the generator's own exception is its ``__cause__``).
    """
    count = 0
    iterator = iter(samples)
    while True:
        try:
            sample = next(iterator)
        except StopIteration:
            break
        except Exception as error:
            raise QdqcError(f"{what} sample {count}: the iterable raised {type(error).__name__}: {error}") from error
        if not isinstance(sample, Mapping) or not sample:
            raise QdqcError(f"{what} sample {count}: expected a dict of input name to numpy array, got {type(sample).__name__}")
        arrays = {}
        for name, value in sample.items():
            if not isinstance(name, str):
                raise QdqcError(f"{what} sample {count}: input names must be strings, got {name!r}")
            array = np.asarray(value)
            if array.dtype == object:
                raise QdqcError(f"{what} sample {count}: input '{name}' is not a numeric array")
            arrays[name] = array
        np.savez(os.path.join(folder, f"{count:06d}.npz"), **arrays)
        count += 1
    if count == 0:
        raise QdqcError(f"{what}: the iterable gave no samples")
    return count
