"""Small plumbing shared by every lesson: seeds, devices, threads and quick mode.

Nothing here is about GANs; it keeps the lessons' setup cells one line long.
"""

from __future__ import annotations

import numbers
import os
import random

import numpy as np
import torch

__all__ = [
    "seed_everything",
    "get_device",
    "set_threads",
    "quick_mode",
    "pick",
    "headless",
    "check_seed",
    "check_count",
    "MAX_SEED",
    "progress",
]

# Seeds are integers in [0, 2**32 - 1]: the range NumPy's global seed takes, exact in the
# browser's seed box (JavaScript numbers are exact up to 2**53) and within torch's.
MAX_SEED = 2**32 - 1

QUICK_ENV = "GAN_COURSE_QUICK"
HEADLESS_ENV = "GAN_COURSE_HEADLESS"
DEVICE_ENV = "GAN_COURSE_DEVICE"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's, NumPy's and torch's global generators.

    Args:
        seed: a non-negative integer.

    Returns:
        A fresh ``torch.Generator`` seeded with ``seed``, for samplers that take one.
    """
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def check_seed(seed: object, name: str = "seed") -> int:
    """``seed`` as a Python int, or a ValueError saying what a seed must be (checked before any
    generator is touched, so a bad seed changes nothing)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"expected {name}: a non-negative integer seed, at most {MAX_SEED}, "
                         f"got {seed!r}")
    return int(seed)


def check_count(value: object, name: str = "n", *, minimum: int = 1) -> int:
    """``value`` as a Python int, or a ValueError saying it must be an integer >= ``minimum``
    (sample sizes, widths: >= 1; step counts: >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"expected {name} to be {kind}, got {value!r}")
    return int(value)


def get_device(prefer: str | None = None) -> torch.device:
    """Pick where to train: ``prefer``, else $GAN_COURSE_DEVICE, else cuda > mps > cpu.

    Args:
        prefer: "cuda", "mps", "cpu" or None for automatic.
    """
    choice = prefer or os.environ.get(DEVICE_ENV) or None
    valid = ("cuda", "mps", "cpu")
    if choice is not None:
        if choice.split(":")[0] not in valid:
            raise ValueError(f"expected a device in {valid}, got {choice!r}")
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def set_threads(n: int) -> int:
    """Pin torch's intra-op CPU threads (1 and 2 threads give different bits).

    Returns the number now in use.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"expected a thread count >= 1, got {n!r}")
    torch.set_num_threads(n)
    return torch.get_num_threads()


def quick_mode() -> bool:
    """True when $GAN_COURSE_QUICK is set: tests run every notebook with tiny step counts."""
    return _env_flag(QUICK_ENV)


def pick(full, quick):
    """Return ``quick`` in quick mode and ``full`` otherwise.

    Lessons write ``steps = gc.pick(full=3000, quick=60)`` so the learner sees the real number.
    """
    return quick if quick_mode() else full


def headless() -> bool:
    """True when nobody is watching (tests, scripts): dashboards then train in the cell, blocking.

    Set by $GAN_COURSE_HEADLESS; quick mode implies it.
    """
    return _env_flag(HEADLESS_ENV) or quick_mode()


def progress(iterable, *, desc: str | None = None, total: int | None = None, **kwargs):
    """A progress bar (``tqdm.auto``) over ``iterable``, silent in quick mode (tests, nbval).

    For any loop outside a live dashboard that runs longer than about 10 s in learner mode:
    ``for step in gc.progress(range(steps), desc="training D"):``. Extra keyword arguments go
    to ``tqdm`` (``disable=`` overrides the quick-mode rule).
    """
    from tqdm.auto import tqdm  # imported here: only lessons with long loops pay for it

    kwargs.setdefault("disable", quick_mode())
    return tqdm(iterable, desc=desc, total=total, **kwargs)
