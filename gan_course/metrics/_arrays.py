"""What every metric module shares: the accepted array types and their conversion to NumPy."""

from __future__ import annotations

import numpy as np
from torch import Tensor

ArrayLike = Tensor | np.ndarray


def to_numpy(x: ArrayLike | list | tuple, name: str) -> np.ndarray:
    """Any tensor / array -> float64 NumPy array (detached, on the CPU); NaN or inf is an error."""
    if isinstance(x, Tensor):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"expected finite values in {name}, got NaN or inf")
    return arr
