"""Checkpoint files: one `torch.save` of a trainer's state, read back without arbitrary pickle.

`Trainer.save` / `Trainer.load` call these. Files are read with ``torch.load(weights_only=True)``,
which accepts only tensors and plain containers, so opening a checkpoint cannot run code.

A file is the bytes of ``torch.save(state)`` followed by a trailer: ``TRAILER`` and the sha256
(hex) of those bytes. `load` checks it before unpickling anything, so a single flipped byte
anywhere in the file is reported, never loaded.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import torch

__all__ = ["save", "load", "FORMAT", "REQUIRED_KEYS", "TRAILER"]

FORMAT = "gan-course-checkpoint-1"
REQUIRED_KEYS = ("G", "D", "opt_G", "opt_D", "config", "history", "step", "rng", "torch_rng",
                 "fixed_z")


TRAILER = b"\ngan-course-sha256:"
_HEX = 64  # characters of a sha256 in hex


def save(state: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write ``state`` (a `Trainer.state_dict()`) to ``path``, atomically; returns the path.

    A failed write leaves neither a half-written checkpoint nor a temporary file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    payload = buffer.getvalue()
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(payload + TRAILER + hashlib.sha256(payload).hexdigest().encode())
        os.replace(tmp, path)  # a crash mid-write never leaves a half-written checkpoint
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
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
    blob = path.read_bytes()
    cut = len(blob) - len(TRAILER) - _HEX
    if cut < 0 or blob[cut:cut + len(TRAILER)] != TRAILER:
        raise ValueError(f"could not read checkpoint {path}: the file is corrupt or not a "
                         "gan-course checkpoint (no checksum at its end)")
    payload, stored = blob[:cut], blob[cut + len(TRAILER):].decode("ascii", "replace")
    if hashlib.sha256(payload).hexdigest() != stored:
        raise ValueError(f"checkpoint {path} is corrupt: its sha256 does not match the one stored "
                         "with it (a damaged copy or disk?); save it again")
    try:
        state = torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True)
    except Exception as err:  # a valid checksum over a foreign or blocked payload
        raise ValueError(f"could not read checkpoint {path}: it holds something a checkpoint "
                         f"does not ({type(err).__name__}: {err})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path} is not a gan-course checkpoint (expected format {FORMAT!r})")
    missing = [k for k in REQUIRED_KEYS if k not in state]
    if missing:
        raise ValueError(f"checkpoint {path} lacks {missing}; it was written by another version")
    return state
