"""Real data for the lessons: MNIST digits and, re-exported from ``toys``, the toy distributions.

MNIST comes from one of two places:

- ``"bundled"``: the 10,000 official MNIST *test* images shipped with the course as
  ``gan_course/assets/mnist_test.npz`` (uint8, about 2 MB; see ``assets/NOTICE``). Works offline.
- ``"full"``: the 60,000-image training split, downloaded once by torchvision into the cache
  folder (``$GAN_COURSE_CACHE``, else ``~/.cache/gan_course``).

``"auto"`` (the default) takes the full set when it is already on disk and the bundled one
otherwise, and says which in one printed line. Either way images come back as float32 in
[-1, 1], shape (N, 1, 28, 28), the range a tanh generator produces.

A trainer draws real batches through a *sampler*, any object with
``.sample(n, *, generator=None)``; :class:`TensorSampler` makes one from a tensor::

    images, labels = load_mnist(source="bundled")
    real = TensorSampler(images, labels)
    x_real = real.sample(64, generator=torch.Generator().manual_seed(0))  # (64, 1, 28, 28)
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from gan_course import utils

from .toys import (
    TOYS,
    ToyDistribution,
    _resolve_generator,
    drawn,
    gaussian_1d,
    grid,
    mixture_1d,
    ring,
    spiral,
)
from .toys import get as toy

__all__ = [
    "load_mnist",
    "TensorSampler",
    "cache_dir",
    "bundle_checksum",
    "BundleError",
    "CacheError",
    "BUNDLE_PATH",
    "BUNDLE_SHA256",
    "SOURCES",
    # re-exported from gan_course.toys
    "ToyDistribution",
    "gaussian_1d",
    "mixture_1d",
    "ring",
    "grid",
    "spiral",
    "drawn",
    "toy",
    "TOYS",
]

SOURCES = ("auto", "bundled", "full")
BUNDLE_PATH = Path(__file__).resolve().parent / "assets" / "mnist_test.npz"
# sha256 of the bundled arrays (see bundle_checksum); scripts/build_mnist_bundle.py reproduces it.
BUNDLE_SHA256 = "fdcd07872e38958cc2d21aa288d2bc674e64919529fa3d3ab3ee379432762d78"
CACHE_ENV = "GAN_COURSE_CACHE"
DOWNLOAD_TIMEOUT = 60.0  # seconds a download may stall before it fails with a message
REBUILD_HINT = "rebuild it with `python scripts/build_mnist_bundle.py` from the repository root"
# What torchvision's MNIST needs under <root>/MNIST/raw to load without downloading.
_TORCHVISION_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


class BundleError(ValueError):
    """The bundled MNIST file exists but cannot be read or fails its checks."""


def bundle_checksum(images: np.ndarray, labels: np.ndarray) -> str:
    """sha256 (hex) of the uint8 image and label arrays (shapes, dtypes and bytes in C order)."""
    digest = hashlib.sha256()
    for array in (images, labels):
        digest.update(str((array.shape, array.dtype.str)).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def cache_dir(root: str | os.PathLike | None = None) -> Path:
    """The folder for downloads: ``root``, else $GAN_COURSE_CACHE, else ``~/.cache/gan_course``."""
    chosen = root if root is not None else os.environ.get(CACHE_ENV) or "~/.cache/gan_course"
    return Path(chosen).expanduser()


# --------------------------------------------------------------------------- reading uint8 arrays


def _read_bundle(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The bundled uint8 arrays, decoded once per file version (lessons load MNIST often)."""
    if not path.is_file():
        raise FileNotFoundError(
            f"expected the bundled MNIST file at {path}, got nothing; {REBUILD_HINT}"
        )
    stat = path.stat()
    return _read_bundle_cached(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=2)
def _read_bundle_cached(path: str, mtime_ns: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    # mtime_ns and size are only cache keys: a rebuilt file is read again.
    try:
        with np.load(path, allow_pickle=False) as npz:
            images, labels, stored = npz["images"], npz["labels"], str(npz["sha256"])
    except Exception as err:  # a truncated zip, bad deflate data, a missing key...
        raise BundleError(
            f"could not read the bundled MNIST file {path} ({err!r}); {REBUILD_HINT}"
        ) from err
    digest = bundle_checksum(images, labels)
    if not digest == stored == BUNDLE_SHA256:
        raise BundleError(
            f"expected the bundled MNIST arrays to have sha256 {BUNDLE_SHA256}, got {digest} "
            f"(stored in the file: {stored}); the file {path} is corrupt or stale; {REBUILD_HINT}"
        )
    images.setflags(write=False)  # shared by every caller through the cache
    labels.setflags(write=False)
    return images, labels


def _full_on_disk(root: Path) -> bool:
    raw = root / "MNIST" / "raw"
    return all((raw / name).is_file() for name in _TORCHVISION_FILES)


def _read_full(root: Path, *, download: bool) -> tuple[np.ndarray, np.ndarray]:
    """The 60,000 training images (uint8) and labels through torchvision, downloading if allowed."""
    if not download and not _full_on_disk(root):
        raise FileNotFoundError(
            f"expected the full MNIST training set under {root / 'MNIST' / 'raw'}, "
            "got nothing there; "
            "call load_mnist(source='full', download=True) once (needs internet), "
            "or use source='bundled' (10,000 images, works offline)"
        )
    MNIST = _torchvision_mnist()
    if download and not _full_on_disk(root):
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(DOWNLOAD_TIMEOUT)  # a stalled mirror fails instead of hanging
        try:
            MNIST(root=str(root), train=True, download=True)
        except Exception as err:  # no network, a mirror down, a checksum mismatch...
            first_line = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
            raise RuntimeError(
                f"could not download the full MNIST training set into {root} ({first_line}); "
                "without internet use load_mnist(source='bundled') (10,000 images, works offline)"
            ) from err
        finally:
            socket.setdefaulttimeout(previous)
    return _read_full_cached(str(root))


def _torchvision_mnist():
    """torchvision's MNIST class, or an error that says what to install."""
    try:
        from torchvision.datasets import MNIST  # lazy: only the full set needs torchvision
    except ImportError as err:
        raise ImportError(
            "source='full' needs torchvision (pip install torchvision); "
            "or use source='bundled' (10,000 images, no extra package)"
        ) from err
    except RuntimeError as err:  # e.g. "operator torchvision::nms does not exist"
        raise ImportError(
            f"torchvision {_version('torchvision')} does not fit torch {torch.__version__} "
            f"({err}); install a matching pair: pip install --upgrade torch torchvision "
            "(or use source='bundled', which needs no torchvision)"
        ) from err
    return MNIST


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "(not installed)"


class CacheError(ValueError):
    """The full MNIST files in the cache exist but cannot be read."""


@functools.lru_cache(maxsize=1)
def _read_full_cached(root: str) -> tuple[np.ndarray, np.ndarray]:
    MNIST = _torchvision_mnist()
    raw = Path(root) / "MNIST" / "raw"
    try:
        dataset = MNIST(root=root, train=True, download=False)
        images, labels = dataset.data.numpy(), dataset.targets.numpy()
    except Exception as err:  # torchvision asserts on bad magic numbers and short files
        raise CacheError(
            f"the full MNIST files in {raw} are unreadable ({type(err).__name__}: {err}); delete "
            f"the folder {Path(root) / 'MNIST'} and call load_mnist(source='full') to download "
            "them again, or use source='bundled' (10,000 images, works offline)"
        ) from err
    if images.shape[1:] != (28, 28) or labels.shape != images.shape[:1]:
        raise CacheError(
            f"expected N images of 28x28 and N labels in {raw}, got {images.shape} "
            f"and {labels.shape}; delete {Path(root) / 'MNIST'} and download again"
        )
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


# --------------------------------------------------------------------------- public loaders


def load_mnist(
    *,
    source: str = "auto",
    root: str | os.PathLike | None = None,
    download: bool = True,
    limit: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Load MNIST digits as tensors ready for a GAN.

    Args:
        source: ``"bundled"`` (the 10,000 bundled test images), ``"full"`` (the 60,000
            training images via torchvision, cached under ``root``) or ``"auto"`` (full if
            already on disk, else bundled; prints one line saying which).
        root: the cache folder for the full set; default $GAN_COURSE_CACHE, else
            ``~/.cache/gan_course``. Nothing is written anywhere else.
        download: for ``"full"``, whether to download when the files are missing.
            ``"auto"`` never downloads.
        limit: keep only the first ``limit`` images (all when None or larger than the set).

    Returns:
        ``(images, labels)``: images float32 in [-1, 1] of shape (N, 1, 28, 28); labels int64
        in 0..9 of shape (N,).

    Raises:
        ValueError: for an unknown ``source`` or a bad ``limit``.
        FileNotFoundError: when the bundled file, or (with ``download=False``) the full set,
            is missing. :class:`BundleError` (a ValueError) when the bundled file is corrupt.
        RuntimeError: when the download of the full set fails.
    """
    if source not in SOURCES:
        raise ValueError(f"expected source in {SOURCES}, got {source!r}")
    if limit is not None:
        limit = utils.check_count(limit, "limit")
    cache = cache_dir(root)
    images = labels = None
    if source == "auto":
        if _full_on_disk(cache):
            try:
                images, labels = _read_full(cache, download=False)
                print(f"MNIST: using the full training set (60,000 images) found in {cache}")
            except (CacheError, ImportError) as err:
                print(f"MNIST: the full training set in {cache} cannot be used ({err}); "
                      "using the bundled test split (10,000 images) instead")
        else:
            print(
                "MNIST: using the bundled test split (10,000 images); for the full 60,000-image "
                f"training set run gc.data.load_mnist(source='full') once (downloads into {cache})"
            )
        source = "full" if images is not None else "bundled"
    if images is None and source == "full":
        images, labels = _read_full(cache, download=download)
    elif images is None:
        images, labels = _read_bundle(BUNDLE_PATH)
    images, labels = images[:limit], labels[:limit]
    # uint8 {0..255} -> float32 [-1, 1]; astype copies, so callers never touch the cache.
    x = (
        torch.from_numpy(images.astype(np.float32)).div_(127.5).sub_(1.0).unsqueeze(1)
    )  # (N, 1, 28, 28)
    y = torch.from_numpy(labels.astype(np.int64))  # (N,)
    return x, y


class TensorSampler:
    """Draws random rows (with replacement) of a data tensor: a real-data sampler for the trainer.

    Args:
        x: the data, shape (N, ...) with N >= 1, e.g. MNIST images (N, 1, 28, 28).
        labels: optional labels of shape (N,) for conditional GANs.
    """

    def __init__(self, x: Tensor, labels: Tensor | None = None) -> None:
        if not isinstance(x, Tensor) or x.dim() < 1 or x.shape[0] < 1:
            got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"expected a tensor of shape (N, ...) with N >= 1, got {got}")
        if labels is not None:
            if not isinstance(labels, Tensor) or labels.shape != (x.shape[0],):
                got = tuple(labels.shape) if isinstance(labels, Tensor) else type(labels).__name__
                raise ValueError(f"expected labels of shape ({x.shape[0]},), got {got}")
        self.x = x
        self.labels = labels

    def __len__(self) -> int:
        return self.x.shape[0]

    def __repr__(self) -> str:
        return (
            f"TensorSampler(N={len(self)}, item_shape={tuple(self.x.shape[1:])}, "
            f"labels={'yes' if self.labels is not None else 'no'})"
        )

    def _indices(self, n: int, generator: torch.Generator | None, seed: int | None) -> Tensor:
        n = utils.check_count(n, "n")
        gen = _resolve_generator(generator, seed)
        idx = torch.randint(len(self), (n,), generator=gen)  # (n,) drawn on the CPU
        return idx.to(self.x.device)

    def sample(
        self, n: int, *, generator: torch.Generator | None = None, seed: int | None = None
    ) -> Tensor:
        """``n`` random rows, shape (n, ...), drawn with replacement.

        Args:
            n: batch size, > 0.
            generator: a CPU ``torch.Generator``; or ``seed`` for a fresh one; neither uses
                torch's global generator.
        """
        return self.x[self._indices(n, generator, seed)]

    def sample_with_labels(
        self, n: int, *, generator: torch.Generator | None = None, seed: int | None = None
    ) -> tuple[Tensor, Tensor]:
        """``n`` random rows and their labels, shapes (n, ...) and (n,); same draw as ``sample``."""
        if self.labels is None:
            raise ValueError(
                "expected a sampler built with labels, got TensorSampler(x) without labels"
            )
        idx = self._indices(n, generator, seed)
        return self.x[idx], self.labels[idx.to(self.labels.device)]
