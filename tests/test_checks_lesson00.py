"""Lesson 00's checks: the environment table names what is missing; the warm-up check explains."""

from __future__ import annotations

import functools
import importlib

import checkhelp
import pytest
import torch

from gan_course.checks import lesson00 as checks
from gan_course.solutions import lesson00 as ref

rejects = functools.partial(checkhelp.rejects, checks.check_scale_pixels)


def test_an_equivalent_answer_passes():
    assert checks.check_scale_pixels(lambda r: ((r.float() - 127.5) / 127.5)[:, None], quiet=True).ok


def test_reference_maps_the_ends_and_shape():
    x = ref.scale_pixels(torch.tensor([[[0, 255]]], dtype=torch.uint8))
    assert x.shape == (1, 1, 1, 2) and x.dtype == torch.float32
    assert x.flatten().tolist() == [-1.0, 1.0]


def test_typical_mistakes_are_named():
    rejects(lambda r: (r.float() / 255).unsqueeze(1), "[0, 1]")
    rejects(lambda r: (r * 2 / 255 - 1).unsqueeze(1), "wraps around")
    rejects(lambda r: ((r - 128).float() / 127.5).unsqueeze(1), "subtraction wraps")
    rejects(lambda r: r.float() / 127.5 - 1, "channel axis")
    rejects(lambda r: (r // 128).unsqueeze(1), "float")
    rejects(lambda r: (r.double() / 127.5 - 1).unsqueeze(1), "float32")
    rejects(lambda r: (r.float() / 128 - 1).unsqueeze(1), "differs")
    rejects(lambda r: ((r.float() / 127.5 - 1).unsqueeze(1)).numpy(), "tensor")


def test_unfinished_and_crashing_answers_do_not_raise():
    def unfinished(raw):
        ...

    def crashing(raw):
        raise NotImplementedError

    rejects(unfinished, "return")
    rejects(crashing, "not written yet")
    rejects(lambda r: r.nope(), "AttributeError")




def test_environment_here_is_complete(capsys):
    fb = checks.check_environment()
    out = capsys.readouterr().out
    assert fb.ok, out
    for item in ("torch", "ipywidgets", "matplotlib", "widget front-end", "bundled MNIST", "device"):
        assert item in out
    assert "checksum verified" in out


def test_environment_names_a_missing_package(monkeypatch, capsys):
    real_import = importlib.import_module

    def fake_import(name, *args, **kwargs):
        if name == "ipywidgets":
            raise ImportError("No module named 'ipywidgets'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(checks.importlib, "import_module", fake_import)
    fb = checks.check_environment()
    out = capsys.readouterr().out
    assert not fb.ok and "ipywidgets" in fb.message
    assert "❌ ipywidgets" in out and "pip install 'ipywidgets>=8.1'" in out


def test_environment_names_a_missing_widget_frontend(monkeypatch):
    monkeypatch.setattr(checks, "_version", lambda dist: None if "widget" in dist else "9.9")
    rows = {r.item: r for r in checks.environment_report()}
    assert rows["widget front-end"].status == checks.MISSING
    assert "jupyterlab_widgets" in rows["widget front-end"].fix


def test_environment_flags_an_old_version(monkeypatch):
    monkeypatch.setattr(checks, "_version", lambda dist: "1.5.0" if dist == "matplotlib" else "99.0")
    rows = {r.item: r for r in checks.environment_report()}
    assert rows["matplotlib"].status == checks.MISSING and "too old" in rows["matplotlib"].detail


def test_environment_reports_a_broken_mnist_bundle(monkeypatch):
    from gan_course import data

    monkeypatch.setattr(data, "BUNDLE_PATH", data.BUNDLE_PATH.with_name("nothing_here.npz"))
    rows = {r.item: r for r in checks.environment_report()}
    assert rows["bundled MNIST"].status == checks.MISSING
    assert "FileNotFoundError" in rows["bundled MNIST"].detail


@pytest.mark.parametrize("value", ["tpu", "gpu"])
def test_environment_reports_a_bad_device_variable(monkeypatch, value):
    monkeypatch.setenv("GAN_COURSE_DEVICE", value)
    rows = {r.item: r for r in checks.environment_report()}
    assert rows["device"].status == checks.MISSING and value in rows["device"].detail


def test_odd_results_are_reported_not_raised():
    for odd in ("text", [[1, 2], [3]], (1, "a"), torch.zeros(3, 1, 28, 27)):
        fb = checks.check_scale_pixels(lambda raw, _odd=odd: _odd, quiet=True)
        assert not fb.ok and fb.message.startswith("Not yet")


def test_a_missing_optional_package_is_information_not_failure(monkeypatch):
    real_find_spec = checks.importlib.util.find_spec
    monkeypatch.setattr(checks.importlib.util, "find_spec",
                        lambda name, *a: None if name == "torchvision" else real_find_spec(name, *a))
    rows = {r.item: r for r in checks.environment_report()}
    assert rows["torchvision"].status == checks.INFO and "full 60,000" in rows["torchvision"].detail
    assert checks.check_environment(quiet=True).ok
