"""Checkpoint files: one `torch.save` of a trainer's state, read back without arbitrary pickle.

`Trainer.save` / `Trainer.load` call these. Files are read with ``torch.load(weights_only=True)``,
which accepts only tensors and plain containers, so opening a checkpoint cannot run code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

__all__ = ["save", "load", "FORMAT", "REQUIRED_KEYS"]

FORMAT = "gan-course-checkpoint-1"
REQUIRED_KEYS = ("G", "D", "opt_G", "opt_D", "config", "history", "step", "rng", "torch_rng",
                 "fixed_z")


def save(state: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write ``state`` (a `Trainer.state_dict()`) to ``path``, atomically; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a crash mid-write never leaves a half-written checkpoint
    return path


def load(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by `save`, checking that it is one.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a readable gan-course checkpoint (says what is wrong).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for truncated or foreign files
        raise ValueError(f"could not read checkpoint {path}: the file is corrupt or not a "
                         f"torch checkpoint ({type(err).__name__}: {str(err)[:200]})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path} is not a gan-course checkpoint (expected format {FORMAT!r})")
    missing = [k for k in REQUIRED_KEYS if k not in state]
    if missing:
        raise ValueError(f"checkpoint {path} lacks {missing}; it was written by another version")
    return state
