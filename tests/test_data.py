"""MNIST loading (bundled / full / auto), samplers and loaders. Runs offline."""

import gzip
import importlib.util
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_course import data, toys

REPO_ROOT = Path(__file__).resolve().parent.parent
MNIST_SOURCE = REPO_ROOT.parent / "shared" / "data" / "mnist"
LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """A fresh cache folder, also set as $GAN_COURSE_CACHE so nothing touches ~/.cache."""
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv(data.CACHE_ENV, str(cache))
    return cache


def write_idx(path: Path, array: np.ndarray, magic: int) -> None:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def fake_full_set(root: Path, n: int = 5) -> None:
    """Tiny IDX files where torchvision looks for the full set: n images, labels 0..n-1."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images = np.full((n, 28, 28), 255, dtype=np.uint8)
    for split in ("train", "t10k"):
        write_idx(raw / f"{split}-images-idx3-ubyte", images, 0x803)
        write_idx(raw / f"{split}-labels-idx1-ubyte", np.arange(n), 0x801)


# --------------------------------------------------------------------------- bundled


def test_bundled_shapes_ranges_and_labels():
    images, labels = data.load_mnist(source="bundled")
    assert images.shape == (10000, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (10000,) and labels.dtype == torch.int64
    assert images.min().item() == -1.0 and images.max().item() == 1.0
    assert torch.bincount(labels, minlength=10).tolist() == LABEL_COUNTS
    assert labels[:5].tolist() == [7, 2, 1, 0, 4]
    # mean pixel 33.79 of 255, as published for the test split
    assert ((images.mean().item() + 1) * 127.5) == pytest.approx(33.79, abs=0.01)


def test_bundled_limit_and_fresh_copies():
    images, labels = data.load_mnist(source="bundled", limit=7)
    assert images.shape == (7, 1, 28, 28) and labels.tolist() == [7, 2, 1, 0, 4, 1, 4]
    images.zero_()  # the in-memory cache must not see this
    again, _ = data.load_mnist(source="bundled", limit=7)
    assert again.min().item() == -1.0
    assert len(data.load_mnist(source="bundled", limit=10**6)[0]) == 10000


def test_bundle_file_matches_its_pinned_checksum():
    with np.load(data.BUNDLE_PATH) as npz:
        assert npz["images"].dtype == np.uint8 and npz["labels"].dtype == np.uint8
        assert str(npz["sha256"]) == data.BUNDLE_SHA256
        assert data.bundle_checksum(npz["images"], npz["labels"]) == data.BUNDLE_SHA256
    assert (data.BUNDLE_PATH.parent / "NOTICE").read_text().count("CC BY-SA 3.0") >= 1


def test_missing_bundle_says_how_to_rebuild(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "BUNDLE_PATH", tmp_path / "nowhere.npz")
    with pytest.raises(FileNotFoundError, match="build_mnist_bundle.py"):
        data.load_mnist(source="bundled")


def test_corrupt_bundle_says_how_to_rebuild(tmp_path, monkeypatch):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data.BUNDLE_PATH.read_bytes()[:100_000])
    tampered = tmp_path / "tampered.npz"
    with np.load(data.BUNDLE_PATH) as npz:
        images = npz["images"].copy()
        images[0, 0, 0] ^= 1  # one flipped bit
        np.savez(tampered, images=images, labels=npz["labels"], sha256=npz["sha256"])
    for path in (garbage, truncated, tampered):
        monkeypatch.setattr(data, "BUNDLE_PATH", path)
        with pytest.raises(data.BundleError, match="build_mnist_bundle.py"):
            data.load_mnist(source="bundled")
    assert issubclass(data.BundleError, ValueError)


def test_build_script_reproduces_the_bundle(tmp_path):
    if not MNIST_SOURCE.is_dir():
        pytest.skip(f"no MNIST IDX files at {MNIST_SOURCE}")
    spec = importlib.util.spec_from_file_location(
        "build_mnist_bundle", REPO_ROOT / "scripts" / "build_mnist_bundle.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "rebuilt.npz"
    assert script.main(["--source", str(MNIST_SOURCE), "--out", str(out)]) == 0
    with np.load(out) as npz:
        assert data.bundle_checksum(npz["images"], npz["labels"]) == data.BUNDLE_SHA256
    # a damaged source file is caught before anything is written
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(MNIST_SOURCE / script.LABELS_FILE, bad)
    (bad / script.IMAGES_FILE).write_bytes(gzip.compress(b"\x00\x00\x08\x01" + bytes(16)))
    with pytest.raises(ValueError, match="expected md5"):
        script.main(["--source", str(bad), "--out", str(tmp_path / "never.npz")])
    assert not (tmp_path / "never.npz").exists()


# --------------------------------------------------------------------------- source choice


def test_wrong_source_names_the_choices():
    with pytest.raises(
        ValueError, match=r"expected source in \('auto', 'bundled', 'full'\), got 'mnist'"
    ):
        data.load_mnist(source="mnist")
    with pytest.raises(ValueError, match="expected limit to be a positive integer, got 0"):
        data.load_mnist(source="bundled", limit=0)


def test_auto_falls_back_to_bundled_with_one_line(empty_cache, capsys):
    images, _ = data.load_mnist(source="auto", root=empty_cache, limit=3)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    assert "bundled" in lines[0] and "source='full'" in lines[0] and str(empty_cache) in lines[0]
    assert images.shape == (3, 1, 28, 28)
    data.load_mnist(limit=3)  # root from $GAN_COURSE_CACHE
    assert str(empty_cache) in capsys.readouterr().out
    assert list(empty_cache.iterdir()) == []  # nothing written


def test_full_without_download_and_nothing_on_disk(empty_cache):
    with pytest.raises(FileNotFoundError, match="source='bundled'"):
        data.load_mnist(source="full", root=empty_cache, download=False)
    assert list(empty_cache.iterdir()) == []


def test_failed_download_suggests_bundled(empty_cache, monkeypatch):
    class OfflineMNIST:
        def __init__(self, root, train=True, download=False):
            raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried https://...")

    # Stand-ins for torchvision, so the test neither needs the network nor pays for the import.
    fake_datasets = types.ModuleType("torchvision.datasets")
    fake_datasets.MNIST = OfflineMNIST
    fake_torchvision = types.ModuleType("torchvision")
    fake_torchvision.datasets = fake_datasets
    monkeypatch.setitem(sys.modules, "torchvision", fake_torchvision)
    monkeypatch.setitem(sys.modules, "torchvision.datasets", fake_datasets)
    with pytest.raises(
        RuntimeError, match=r"could not download.*Error downloading.*source='bundled'"
    ):
        data.load_mnist(source="full", root=empty_cache)


def test_full_set_on_disk_is_used_by_auto(empty_cache, capsys):
    pytest.importorskip("torchvision")
    fake_full_set(empty_cache, n=5)
    images, labels = data.load_mnist(root=empty_cache)
    line = capsys.readouterr().out.strip()
    assert "full" in line and len(line.splitlines()) == 1
    assert images.shape == (5, 1, 28, 28) and (images == 1.0).all()
    assert labels.tolist() == [0, 1, 2, 3, 4] and labels.dtype == torch.int64
    images, _ = data.load_mnist(source="full", root=empty_cache, download=False, limit=2)
    assert images.shape == (2, 1, 28, 28)


# --------------------------------------------------------------------------- samplers and loaders


def test_tensor_sampler_draws_rows_with_their_labels():
    x = torch.arange(50.0).reshape(10, 1, 5)  # row i holds 5i..5i+4
    sampler = data.TensorSampler(x, torch.arange(10))
    assert len(sampler) == 10
    batch = sampler.sample(32, seed=0)
    assert batch.shape == (32, 1, 5)
    assert torch.equal(batch, sampler.sample(32, generator=torch.Generator().manual_seed(0)))
    assert not torch.equal(batch, sampler.sample(32, seed=1))
    xs, ys = sampler.sample_with_labels(32, seed=0)
    assert torch.equal(xs, batch) and torch.equal(xs[:, 0, 0], 5.0 * ys)


def test_tensor_sampler_errors():
    with pytest.raises(ValueError, match="expected n to be a positive integer, got 0"):
        data.TensorSampler(torch.zeros(4, 2)).sample(0)
    with pytest.raises(ValueError, match="without labels"):
        data.TensorSampler(torch.zeros(4, 2)).sample_with_labels(2)
    with pytest.raises(ValueError, match=r"expected labels of shape \(4,\), got \(3,\)"):
        data.TensorSampler(torch.zeros(4, 2), torch.zeros(3))
    with pytest.raises(ValueError, match="expected a tensor of shape"):
        data.TensorSampler(np.zeros((4, 2)))


def test_toys_are_reexported():
    assert data.ring is toys.ring and data.ToyDistribution is toys.ToyDistribution
    assert data.toy("grid").n_modes == 25
    assert data.ring().sample(3, seed=0).shape == (3, 2)
