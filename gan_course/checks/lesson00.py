"""Checks for lesson 00 (welcome): the environment check and the pixel-scaling warm-up.

In a notebook::

    from gan_course.checks import lesson00 as checks
    checks.check_environment()          # prints a table of what is installed and what is missing
    checks.check_scale_pixels(scale_pixels)
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass

import torch

from gan_course.checks._core import Feedback, compare, diagnose, finish, forgot_return, run_learner

__all__ = ["EnvRow", "environment_report", "check_environment", "check_scale_pixels"]

OK, MISSING, INFO = "ok", "MISSING", "info"
_MARK = {OK: "✅", MISSING: "❌", INFO: "💡"}


@dataclass(frozen=True)
class EnvRow:
    """One line of the environment table: what, its status (ok / MISSING / info), details, fix."""

    item: str
    status: str
    detail: str
    fix: str = ""


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _major_minor(version: str) -> tuple[int, int]:
    parts = [int("".join(ch for ch in p if ch.isdigit()) or 0) for p in version.split(".")[:2]]
    return (parts + [0, 0])[0], (parts + [0, 0])[1]


def _package_row(module: str, dist: str, minimum: tuple[int, int], why: str,
                 *, required: bool = True) -> EnvRow:
    fix = f"pip install '{dist}>={minimum[0]}.{minimum[1]}'"
    try:
        if required:
            importlib.import_module(module)
        elif importlib.util.find_spec(module) is None:  # optional: don't pay for the import
            raise ImportError(f"no module named {module!r}")
    except Exception as err:  # ImportError, or a broken install raising something else
        status = MISSING if required else INFO
        return EnvRow(module, status, f"cannot import ({type(err).__name__}); {why}", fix)
    version = _version(dist) or "unknown version"
    if version != "unknown version" and _major_minor(version) < minimum:
        return EnvRow(module, MISSING if required else INFO, f"{version} is too old; {why}",
                      fix.replace("pip install", "pip install -U"))
    return EnvRow(module, OK, f"{version}; {why}")


def _widget_frontend_row() -> EnvRow:
    """The browser side of ipywidgets: without it a slider shows as text like IntSlider(...)."""
    if "google.colab" in sys.modules:
        return EnvRow("widget front-end", OK, "Colab renders widgets itself")
    found = [d for d in ("jupyterlab_widgets", "widgetsnbextension") if _version(d)]
    if found:
        return EnvRow("widget front-end", OK,
                      f"{', '.join(f'{d} {_version(d)}' for d in found)} (in this kernel's "
                      "environment; the slider test below confirms your browser shows it)")
    return EnvRow("widget front-end", MISSING,
                  "jupyterlab_widgets not found: sliders would show as plain text",
                  "pip install jupyterlab_widgets, then restart JupyterLab")


def _mnist_row() -> EnvRow:
    from gan_course import data

    try:
        images, labels = data.load_mnist(source="bundled")
    except Exception as err:  # missing or corrupt file: BundleError / FileNotFoundError
        return EnvRow("bundled MNIST", MISSING, f"{type(err).__name__}: {err}",
                      "reinstall gan-course, or python scripts/build_mnist_bundle.py")
    return EnvRow("bundled MNIST", OK,
                  f"{len(images):,} digits {tuple(images.shape[1:])}, checksum verified "
                  f"({data.BUNDLE_PATH.name})")


def _device_row() -> EnvRow:
    from gan_course import utils

    try:
        device = utils.get_device()
    except ValueError as err:  # a bad $GAN_COURSE_DEVICE
        return EnvRow("device", MISSING, str(err), f"unset or fix ${utils.DEVICE_ENV}")
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device) if torch.cuda.is_available() else "not available"
        return EnvRow("device", INFO, f"cuda ({name})")
    note = "" if device.type != "cpu" else "; every lesson is sized to run on a laptop CPU"
    return EnvRow("device", INFO, f"{device}{note}")


def environment_report() -> list[EnvRow]:
    """Check what the course needs, without printing: one :class:`EnvRow` per item."""
    from gan_course import utils

    py = sys.version_info
    rows = [
        EnvRow("python", OK if py >= (3, 10) else MISSING, f"{py.major}.{py.minor}.{py.micro}",
               "" if py >= (3, 10) else "use Python 3.10 or newer"),
        _package_row("torch", "torch", (2, 2), "trains every model"),
        _package_row("torchvision", "torchvision", (0, 17),
                     "only for the full 60,000-image MNIST download", required=False),
        _package_row("numpy", "numpy", (1, 24), "arrays"),
        _package_row("matplotlib", "matplotlib", (3, 7), "every figure"),
        _package_row("ipywidgets", "ipywidgets", (8, 1), "sliders and dashboards"),
        _widget_frontend_row(),
        _mnist_row(),
        _device_row(),
        EnvRow("quick mode", INFO, "on: tiny step counts (tests)" if utils.quick_mode()
               else f"off (set {utils.QUICK_ENV}=1 for a fast smoke run)"),
    ]
    return rows


def _format_table(rows: list[EnvRow]) -> str:
    width = max(len(r.item) for r in rows)
    lines = [f"   {'item':<{width}}  status   details"]
    for r in rows:
        lines.append(f"{_MARK[r.status]} {r.item:<{width}}  {r.status:<7}  {r.detail}")
        if r.fix:
            lines.append(f"   {'':<{width}}  {'':<7}  -> fix: {r.fix}")
    return "\n".join(lines)


def check_environment(*, quiet: bool = False) -> Feedback:
    """Print a table of the course's requirements and whether each is met.

    Returns:
        Feedback, ok when nothing required is missing (info rows never fail).
    """
    rows = environment_report()
    if not quiet:
        print(_format_table(rows))
    missing = [r.item for r in rows if r.status == MISSING]
    problem = None if not missing else (
        f"missing or too old: {', '.join(missing)} (see the fix lines above)")
    return finish(problem, "everything the course needs is here.", quiet=quiet)


# --------------------------------------------------------------------------- the warm-up exercise


def _raw_digits() -> torch.Tensor:
    """Fixed uint8 'images' (3, 28, 28) that use every value 0..255 at least once."""
    g = torch.Generator().manual_seed(0)
    raw = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8, generator=g)
    raw.view(-1)[:256] = torch.arange(256, dtype=torch.uint8)
    return raw


def check_scale_pixels(fn: Callable[[torch.Tensor], torch.Tensor], *,
                       quiet: bool = False) -> Feedback:
    """Check ``fn(raw)``: uint8 (N, 28, 28) in 0..255 -> float32 (N, 1, 28, 28) in [-1, 1]."""
    from gan_course.solutions import lesson00 as ref

    raw = _raw_digits()
    got, err = run_learner(fn, raw.clone())
    problem = err or diagnose(_scale_problem, got, ref.scale_pixels(raw), raw)
    return finish(problem, "pixels in [-1, 1] with a channel axis: the range a tanh generator "
                  "produces.", quiet=quiet)


def _scale_problem(got, expected: torch.Tensor, raw: torch.Tensor) -> str | None:
    if got is None:
        return forgot_return()
    if isinstance(got, torch.Tensor) and got.dtype == torch.float32 and compare(got, expected) is None:
        return None
    if not isinstance(got, torch.Tensor):
        return f"expected a torch tensor, got {type(got).__name__}"
    if got.dim() == 3 and got.shape == raw.shape:
        return (f"expected shape {tuple(expected.shape)} (N, 1, 28, 28), got {tuple(got.shape)}: "
                "add the channel axis with .unsqueeze(1)")
    if not got.is_floating_point():
        return (f"expected a float tensor, got {got.dtype}: convert with .float() "
                "before dividing")
    if got.dtype != torch.float32:
        return f"expected float32 (what torch layers use), got {got.dtype}"
    if got.shape == expected.shape:
        g = got.double()
        if torch.allclose(g, (raw.double() / 255).unsqueeze(1), atol=1e-4):
            return "your values lie in [0, 1]; the course uses [-1, 1]: x / 127.5 - 1"
        low = raw.unsqueeze(1) < 128
        if torch.allclose(g[low], expected.double()[low], atol=1e-4):
            return ("pixels below 128 are right but brighter ones are wrong: uint8 arithmetic "
                    "wraps around at 256 (e.g. 200 * 2 = 144); convert with .float() first")
        e = expected.double()
        wrapped = (g[low] - e[low]).abs() > 1.5  # 256 / 127.5: the wrap's jump, scaled
        if torch.allclose(g[~low], e[~low], atol=1e-2) and wrapped.float().mean() > 0.9:
            return ("pixels of 128 and above are right but darker ones are wrong: uint8 "
                    "subtraction wraps around below 0 (e.g. 0 - 128 = 128); convert with "
                    ".float() before subtracting")
    return compare(got, expected, name="scaled pixels", atol=1e-5)
