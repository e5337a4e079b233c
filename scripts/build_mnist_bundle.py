"""Rebuild the bundled MNIST file ``gan_course/assets/mnist_test.npz``.

Reads the official MNIST test split (gzip IDX files), checks it against the published facts
(magic numbers, md5 of the decompressed bytes, shapes, label counts, first labels) and writes
uint8 images (10000, 28, 28) and uint8 labels (10000,) as a compressed npz, together with the
sha256 of the arrays that ``gan_course.data.load_mnist`` checks on every load.

Usage::

    python scripts/build_mnist_bundle.py [--source DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # run from a checkout without installing the package

from gan_course.data import BUNDLE_PATH, BUNDLE_SHA256, bundle_checksum  # noqa: E402

DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data" / "mnist"
IMAGES_FILE = "t10k-images-idx3-ubyte.gz"
LABELS_FILE = "t10k-labels-idx1-ubyte.gz"
# Published facts about the MNIST test split.
MD5 = {
    IMAGES_FILE: "2646ac647ad5339dbf082846283269ea",
    LABELS_FILE: "27ae3e4e09519cfbb04c329615203637",
}
IMAGES_MAGIC, LABELS_MAGIC = 0x803, 0x801
N_IMAGES, SIDE = 10_000, 28
LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FIRST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def read_idx(path: Path, *, magic: int) -> np.ndarray:
    """Read a gzip IDX file (big-endian header: magic, then one uint32 per dimension).

    Args:
        path: the ``.gz`` file.
        magic: the expected magic number (0x803 for images, 0x801 for labels).

    Returns:
        The uint8 array with the shape the header gives.
    """
    if not path.is_file():
        raise FileNotFoundError(f"expected the MNIST file {path}, got nothing there")
    raw = gzip.decompress(path.read_bytes())
    md5 = hashlib.md5(raw).hexdigest()
    if md5 != MD5[path.name]:
        raise ValueError(f"expected md5 {MD5[path.name]} for {path.name}, got {md5}")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise ValueError(f"expected magic number {magic:#x} in {path.name}, got {found:#x}")
    n_dims = magic & 0xFF  # the low byte of the magic number counts the dimensions
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * n_dims)
    if data.size != int(np.prod(shape)):
        raise ValueError(
            f"expected {int(np.prod(shape))} values for shape {shape}, got {data.size}"
        )
    return data.reshape(shape)


def load_source(source: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read and check the test split; returns images (10000, 28, 28) and labels (10000,), uint8."""
    images = read_idx(source / IMAGES_FILE, magic=IMAGES_MAGIC)
    labels = read_idx(source / LABELS_FILE, magic=LABELS_MAGIC)
    if images.shape != (N_IMAGES, SIDE, SIDE):
        raise ValueError(f"expected images of shape {(N_IMAGES, SIDE, SIDE)}, got {images.shape}")
    if labels.shape != (N_IMAGES,):
        raise ValueError(f"expected labels of shape {(N_IMAGES,)}, got {labels.shape}")
    counts = np.bincount(labels, minlength=10).tolist()
    if counts != LABEL_COUNTS:
        raise ValueError(f"expected label counts {LABEL_COUNTS}, got {counts}")
    if labels[:10].tolist() != FIRST_LABELS:
        raise ValueError(f"expected first labels {FIRST_LABELS}, got {labels[:10].tolist()}")
    return images, labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, default=DEFAULT_SOURCE, help="folder with the gzip IDX files"
    )
    parser.add_argument("--out", type=Path, default=BUNDLE_PATH, help="the npz to write")
    args = parser.parse_args(argv)

    images, labels = load_source(args.source)
    digest = bundle_checksum(images, labels)
    if digest != BUNDLE_SHA256:
        # The source passed its md5 checks, so this means the conversion itself changed.
        raise SystemExit(
            f"expected arrays with sha256 {BUNDLE_SHA256} (gan_course.data.BUNDLE_SHA256), "
            f"got {digest}; update the constant only if the conversion changed on purpose"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, images=images, labels=labels, sha256=np.array(digest))
    size_mb = args.out.stat().st_size / 1e6
    print(
        f"wrote {args.out} ({size_mb:.2f} MB): images {images.shape} uint8, "
        f"labels {labels.shape} uint8, mean pixel {images.mean():.2f}, sha256 {digest}"
    )
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except (FileNotFoundError, ValueError) as err:  # a bad source: one clear line, no traceback
        raise SystemExit(f"build_mnist_bundle: {err}") from err
