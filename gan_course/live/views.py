"""The live dashboard's pictures: what a GAN is doing, drawn fast enough to watch it train.

Each view has two halves (the `View` interface), so that only the training run touches G and D:

- ``capture(trainer) -> dict``: runs where the trainer runs; copies numbers and computes samples,
  D's output over the data space and G's gradient arrows into NumPy arrays (a *frame*). It leaves
  the training run untouched: eval mode or restored buffers, and a forked RNG. Samples come from
  G's current weights by default, not from their moving average (EMA): the average lags the game
  by about 1 / (1 - ema) steps, and the dashboard is there to watch the game (``ema=True`` draws
  the average, e.g. to judge a trick by the samples a run would keep).
- ``draw(frame, info) -> PIL.Image``: the picture, SIZE inches at DPI (880 x 460 pixels), given
  what the dashboard knows of the run (`RunInfo`: the step at which it will stop, so the curves'
  x-axis spans the whole run from the start). The figure is built once and then updated in place
  (`gan_course.live.fastplot`): a full redraw happens only when an axis range must change; other
  frames cost a few tens of milliseconds.

Three views: `View2D` (the GAN Lab picture: samples, D's heat-map, gradient arrows), `View1D`
(densities, D(x) and the optimal D*), `ViewImages` (a fixed-noise grid, D's output histograms and
the classifier metrics). `gan_course.live.Dashboard` shows them; lessons 2-5 explain what they
show.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from PIL import Image

from gan_course import losses, metrics, plots
from gan_course.live import fastplot, overlays
from gan_course.plots import D_COLOR, FAKE, G_COLOR, HEAT_CMAP, REAL

__all__ = ["View", "RunInfo", "View2D", "View1D", "ViewImages", "make_view"]

SIZE = (8.8, 4.6)  # inches; at DPI pixels this is the fixed size of the dashboard picture
DPI = 100


@dataclass(frozen=True)
class RunInfo:
    """What the dashboard tells a view about the run when it draws (none of it is in the frame).

    Attributes:
        horizon: the step at which the training under way will stop, or None (until Pause).
    """

    horizon: int | None = None


NO_INFO = RunInfo()  # a view drawn outside a dashboard knows nothing of a run


class View(Protocol):
    """A dashboard picture: ``capture`` where the trainer runs, ``draw`` from the frame alone."""

    def capture(self, trainer: Any) -> dict: ...
    def draw(self, frame: dict, info: RunInfo = NO_INFO) -> Image.Image: ...


# --------------------------------------------------------------------------- capture helpers


@contextmanager
def _untouched(trainer, *, train_mode: bool = False):
    """Run D for a picture without changing the training run.

    The global RNG is forked (dropout draws from it), D's buffers (BatchNorm statistics, spectral
    norm vectors) are restored afterwards, and D is in eval mode unless ``train_mode``.
    """
    D = trainer.D
    devices = [trainer.device.index or 0] if trainer.device.type == "cuda" else []
    saved = {name: b.detach().clone() for name, b in D.named_buffers()}
    was_training = D.training
    D.train(train_mode)
    try:
        with torch.random.fork_rng(devices=devices):
            yield D
    finally:
        D.train(was_training)
        with torch.no_grad():
            for name, b in D.named_buffers():
                b.copy_(saved[name])


def _fixed(seed: int) -> torch.Generator:
    """A generator of the view's own: a view's noise and real samples leave the trainer's alone."""
    return torch.Generator().manual_seed(seed)


def _readout(scores: torch.Tensor, loss: str) -> np.ndarray:
    """D's raw scores as the dashboard shows them (`losses.Loss.readout`), as float64 NumPy."""
    return losses.LOSSES[loss].readout(scores.detach()).cpu().double().numpy()


class _Series:
    """The trainer's per-step numbers as NumPy arrays, read incrementally from `trainer.history`."""

    KEYS = ("step", "loss_D", "loss_G", "d_real", "d_fake", "grad_norm_D", "grad_norm_G")

    def __init__(self) -> None:
        self._source: list | None = None
        self.arrays = {k: np.zeros(0) for k in self.KEYS}

    def read(self, history: list[dict]) -> dict[str, np.ndarray]:
        if history is not self._source or len(history) < len(self.arrays["step"]):
            self._source, self.arrays = history, {k: np.zeros(0) for k in self.KEYS}  # reset
        new = history[len(self.arrays["step"]):]
        if new:
            for k in self.KEYS:
                part = np.array([h.get(k, math.nan) for h in new], dtype=float)
                self.arrays[k] = np.concatenate([self.arrays[k], part])
        return dict(self.arrays)  # new arrays replace old ones, so the frame's copy stays valid


def _prob_label(loss: str) -> tuple[str, tuple[float, float] | None]:
    """How D's output reads under ``loss``: a y-label and a fixed range (None = automatic)."""
    entry = losses.LOSSES[loss]
    return entry.score_label, (0.0, 1.0) if entry.probability else None


def _curve_panels(blit: fastplot.Blit, ax_loss, ax_d) -> tuple[fastplot.Curves, fastplot.Curves]:
    """The two panels every view has: losses, and D's mean output on real and fake batches."""
    loss = fastplot.Curves(blit, ax_loss, ("loss_D", "loss_G"), (D_COLOR, G_COLOR),
                           ylabel="loss", title="losses")
    d_out = fastplot.Curves(blit, ax_d, ("D(x)", "D(G(z))"), (REAL, FAKE), ylabel="D output",
                            title="D outputs", ylim=(0.0, 1.0))
    return loss, d_out


def _new_loss(view, frame: dict) -> tuple[str, tuple[float, float] | None] | None:
    """Build the view's figure on its first frame; on a frame of another loss than the last,
    relabel D's output panel and return its (label, fixed range) for the view's own changes."""
    if view.blit is None:
        view._build(frame)
    if frame["loss"] == view._loss:
        return None
    view._loss = frame["loss"]
    label, fixed = _prob_label(view._loss)
    view.curves[1].set_fixed(fixed, label)
    return label, fixed


def _update_curves(curves, frame: dict, horizon: int | None) -> None:
    """The losses and D-output panels from the frame's per-step series, spanning to ``horizon``."""
    s = frame["series"]
    curves[0].update(s["step"], [s["loss_D"], s["loss_G"]], horizon=horizon)
    curves[1].update(s["step"], [s["d_real"], s["d_fake"]], horizon=horizon)


def _base_frame(trainer, series: _Series) -> dict:
    return {"step": trainer.step_count, "loss": trainer.config.loss,
            "series": series.read(trainer.history), "time": time.time()}


# --------------------------------------------------------------------------- 2-D view

class View2D:
    """2-D toys: real and fake samples over D's heat-map, G's gradient arrows, curves.

    Args:
        trainer: the `Trainer` (its G maps z to (B, 2)).
        toy: the data distribution (bounds, and modes for the "modes captured" curve), or None.
        n_fake: fake points drawn (from a fixed z, so they move smoothly from frame to frame).
        n_arrows: how many fakes get a gradient arrow.
        resolution: heat-map cells per side.
        ema: draw G's weight average (when the trainer keeps one) instead of G itself.
        layers: layers to hide or show, e.g. ``{"arrows": False, "manifold": True}``
            (`overlays.LAYERS`: "real", "fake", "heat", "arrows", "manifold"); by default all
            but the manifold show (`overlays.DEFAULT_LAYERS`).

    Attributes:
        blit: the figure (`fastplot.Blit`) once drawn; ``blit.full`` says whether the last
            picture was a full redraw.
        layers: layer name -> shown (change it with `set_layers`; the next picture obeys).
        divergence: for a 2-D mixture toy, the KL / JS meter (`overlays.GridDivergence`) whose
            numbers each frame carries as ``frame["divergence"]``; else None.
        painted: points painted with the mouse and not yet trained on, (n, 2), drawn as black
            crosses (`gan_course.live.drawing`).
    """

    def __init__(self, trainer, toy=None, *, n_fake: int = 512, n_arrows: int = 96,
                 resolution: int = 64, ema: bool = False, layers=None) -> None:
        self.layers = overlays.check_layers(layers or {})
        self.ema, self.n_fake = ema, n_fake
        self.z = trainer.sample_z(n_fake, generator=_fixed(12345))
        self.z_manifold = overlays.manifold_z(self.z.shape[1])
        self.n_arrows = n_arrows
        self.resolution = resolution
        self.painted = np.zeros((0, 2))
        self.series = _Series()
        self.set_data(trainer.real, toy)

    def set_data(self, real, toy=None) -> None:
        """Draw ``real`` (a sampler: the trainer's data) from the next picture on, with ``toy``
        for the bounds, the modes and the KL / JS read-out (None: the box of its samples); the
        figure is built again, once, for the new data (`Dashboard.use_data` calls this)."""
        gen = _fixed(54321)
        self.x_real = real.sample(500, generator=gen).reshape(-1, 2).numpy()
        self.toy = toy
        if toy is not None:
            (x0, x1), (y0, y1) = toy.bounds
        else:  # the real data's box, padded
            lo, hi = np.percentile(self.x_real, [0.5, 99.5], axis=0)
            pad = 0.25 * (hi - lo)
            (x0, y0), (x1, y1) = lo - pad, hi + pad
        self.bounds = (float(x0), float(x1), float(y0), float(y1))
        mixture = toy is not None and toy.is_mixture and toy.dim == 2
        self.has_modes = mixture and toy.clusters  # a kernel estimate's modes are no clusters
        self.divergence = (overlays.GridDivergence(toy, n_floor=self.n_fake) if mixture
                           else None)
        self.modes_log: list[tuple[int, int]] = []
        self.blit: fastplot.Blit | None = None

    def to_data(self, px: float, py: float) -> tuple[float, float] | None:
        """The data point (x1, x2) under pixel (px, py) of the picture (from its top left, as the
        browser's mouse events give them), or None outside the plane (or before the first
        picture)."""
        if self.blit is None:
            return None
        height = self.ax.figure.bbox.height
        x, y = self.ax.transData.inverted().transform((px, height - py))
        x0, x1, y0, y1 = self.bounds
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return None
        return float(x), float(y)

    def capture(self, trainer) -> dict:
        """Samples, D over the plane and G's gradient at the fakes, as NumPy arrays."""
        frame = _base_frame(trainer, self.series)
        loss = frame["loss"]
        x_fake = trainer.generate(self.z, ema=self.ema).reshape(-1, 2)  # (n_fake, 2)
        x0, x1, y0, y1 = self.bounds
        with _untouched(trainer) as D:
            _, _, scores = plots.d_grid(D, ((x0, x1), (y0, y1)), resolution=self.resolution,
                                        probability=False, device=trainer.device)
            heat = _readout(torch.from_numpy(scores), loss)  # (resolution, resolution) [y, x]
            # Where G's loss pushes each fake: -grad_x loss_G(D(x)) at x = G(z).
            x = x_fake[: self.n_arrows].clone().to(trainer.device).requires_grad_(True)
            loss_G = losses.LOSSES[loss].g_loss(D(x))
            (grad,) = torch.autograd.grad(loss_G, x)
        frame.update(fake=x_fake.numpy(), heat=heat,
                     arrows=-grad.cpu().numpy())
        if self.layers["manifold"]:  # only while shown: G on 225 more points
            frame["manifold"] = trainer.generate(self.z_manifold, ema=self.ema).reshape(
                -1, 2).numpy()
        if self.modes_log and self.modes_log[-1][0] > frame["step"]:
            self.modes_log.clear()  # the trainer was reset
        if self.has_modes and np.isfinite(frame["fake"]).all():
            stats = metrics.mode_stats(frame["fake"], self.toy.modes, self.toy.std)
            self.modes_log.append((frame["step"], stats["modes_captured"]))
            frame["modes"] = (np.array(self.modes_log, dtype=float), stats["n_modes"])
        if self.divergence is not None:
            frame["divergence"] = self.divergence(frame["fake"])
        return frame

    def set_layers(self, **shown: bool) -> dict[str, bool]:
        """Show or hide layers from the next picture on, e.g. ``set_layers(arrows=False)``;
        ValueError for an unknown layer or a value not True/False (then nothing changes)."""
        self.layers = overlays.check_layers(shown, self.layers)
        return dict(self.layers)

    def _build(self, frame: dict) -> None:
        fig = Figure(figsize=SIZE, dpi=DPI)
        blit = self.blit = fastplot.Blit(fig)
        gs = fig.add_gridspec(3, 1, left=0.665, right=0.965, bottom=0.1, top=0.92, hspace=0.62)
        ax = self.ax = fig.add_axes((0.06, 0.24, 0.42, 0.68))
        x0, x1, y0, y1 = self.bounds
        self.heat = blit.raster(ax)  # rows from y0 (bottom) to y1, as origin="lower"
        self.cbar = fig.colorbar(ScalarMappable(Normalize(0, 1), HEAT_CMAP), ax=ax,
                                 fraction=0.045, pad=0.02)
        self.fake = blit.animate(ax.scatter(frame["fake"][:, 0], frame["fake"][:, 1], s=7, c=FAKE,
                                            lw=0, label="fake G(z)"))
        self.real = blit.animate(ax.scatter(self.x_real[:, 0], self.x_real[:, 1], s=10, c=REAL,
                                            lw=0, alpha=0.8, label="real x"))
        a = frame["arrows"]
        self.quiver = blit.animate(ax.quiver(frame["fake"][: len(a), 0], frame["fake"][: len(a), 1],
                                             a[:, 0], a[:, 1], angles="xy", scale_units="xy",
                                             scale=1, width=0.004, color="0.1",
                                             label="G's push on a fake, −∇ₓ loss_G"))
        z_dim = self.z.shape[1]
        where = "a grid in z" if z_dim <= 2 else "a grid in (z₁, z₂), other z = 0"
        self.manifold = blit.animate(ax.add_collection(LineCollection(
            [], colors=G_COLOR, linewidths=0.6, alpha=0.7, label=f"G's image of {where}")))
        self.painted_dots = blit.animate(ax.scatter(np.zeros(0), np.zeros(0), s=16, c="k",
                                                    marker="+", lw=0.9))  # the Draw note says
        ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x₁", ylabel="x₂")
        ax.set_aspect("equal", adjustable="box")
        # Below the plane: inside it the heat-map, drawn after the static parts, would cover it.
        fig.legend(handles=[self.real, self.fake, self.quiver, self.manifold], loc="lower left",
                   fontsize=8, ncol=2, frameon=False, bbox_to_anchor=(0.0, 0.045), markerscale=1.5,
                   handletextpad=0.3, columnspacing=1.0)
        self.title = blit.label(ax)
        self.arrow_label = blit.label(None, x=0.015, y=0.02, size=11)
        self.curves = _curve_panels(blit, fig.add_subplot(gs[0]), fig.add_subplot(gs[1]))
        ax3 = fig.add_subplot(gs[2])
        if self.has_modes:
            m = self.toy.n_modes
            self.third = fastplot.Curves(blit, ax3, ("captured",), (FAKE,), ylabel="modes",
                                         title=f"modes captured (of {m})",
                                         ylim=(0.0, float(m)),  # (0, 40) was nice for 25
                                         drawstyle="steps-post", mark_last=True)
        else:
            self.third = fastplot.Curves(blit, ax3, ("|∇D|", "|∇G|"), (D_COLOR, G_COLOR),
                                         ylabel="norm", title="gradient norms")
        ax3.set_xlabel("step", labelpad=16)
        # Inside the modes panel (its top margin holds the title): over the curve, still legible.
        self.divergence_label = blit.label(ax3, x=0.02, y=0.95, size=10, anchor="lt")
        self._loss = None

    def _set_loss(self, loss: str) -> None:
        """Colours and labels of D's output depend on the loss: a probability or a raw score."""
        self._loss = loss
        label, fixed = _prob_label(loss)
        self.curves[1].set_fixed(fixed, label)
        scale = losses.LOSSES[loss].scale
        if scale == "probability":
            self.cbar.set_ticks([0, 0.5, 1], labels=["0 fake", "0.5", "1 real"])
            self.cbar.set_label("D(x)", labelpad=-2)
        elif scale == "targets":  # targets 0 (fake) and 1 (real), scores unbounded
            self.cbar.set_ticks([0, 0.5, 1], labels=["≤0 fake", "0.5", "≥1 real"])
            self.cbar.set_label("D(x)", labelpad=-2)
        else:  # a critic's scores have no fixed scale: each frame spans the colours
            self.cbar.set_ticks([0, 1], labels=["low", "high"])
            self.cbar.set_label(label, labelpad=-2)
        self.blit.invalidate()

    def draw(self, frame: dict, info: RunInfo = NO_INFO) -> Image.Image:
        """The frame as a picture (SIZE x DPI pixels)."""
        if self.blit is None:
            self._build(frame)
        if frame["loss"] != self._loss:
            self._set_loss(frame["loss"])
        shown = self.layers
        self.heat.rgb = (overlays.heat_rgb(frame["heat"], frame["loss"]) if shown["heat"]
                         else None)  # None: the plane stays white
        self.fake.set_offsets(frame["fake"])
        for artist, layer in ((self.real, "real"), (self.fake, "fake"), (self.quiver, "arrows")):
            artist.set_visible(shown[layer])
        manifold = frame.get("manifold") if shown["manifold"] else None
        self.manifold.set_visible(manifold is not None)
        if manifold is not None:
            self.manifold.set_segments(overlays.manifold_segments(manifold))
        self.painted_dots.set_offsets(self.painted if len(self.painted) else np.zeros((0, 2)))
        self.painted_dots.set_visible(bool(len(self.painted)))
        # Arrows at a length you can see, their real size in the caption (`overlays`).
        x0, x1, _, _ = self.bounds
        a, caption = overlays.arrow_vectors(frame["arrows"], x1 - x0)
        self.arrow_label.text = caption if shown["arrows"] else ""
        self.quiver.set_offsets(frame["fake"][: len(a)])
        self.quiver.set_UVC(a[:, 0], a[:, 1])
        who = "G's average (EMA)" if self.ema else "samples"
        self.title.text = f"step {frame['step']}: {who} over D's output"
        _update_curves(self.curves, frame, info.horizon)
        s, horizon = frame["series"], info.horizon
        if self.divergence is not None:
            self.divergence_label.text = overlays.GridDivergence.caption(
                frame.get("divergence"), self.divergence.floor)
        if "modes" in frame:
            log, _ = frame["modes"]
            self.third.update(log[:, 0], [log[:, 1]], horizon=horizon)
        elif not self.has_modes:
            self.third.update(s["step"], [s["grad_norm_D"], s["grad_norm_G"]], horizon=horizon)
        return self.blit.frame()


# --------------------------------------------------------------------------- 1-D view


def kde(samples: np.ndarray, x: np.ndarray, *, min_bandwidth: float) -> np.ndarray:
    """Gaussian kernel density estimate of 1-D ``samples`` at points ``x`` (Scott's bandwidth)."""
    s = samples[np.isfinite(samples)]
    if s.size < 2:
        return np.zeros_like(x)
    h = max(1.06 * s.std() * s.size ** (-0.2), min_bandwidth)
    u = (x[:, None] - s[None, :]) / h  # (len(x), N)
    return np.exp(-0.5 * u * u).sum(1) / (s.size * h * math.sqrt(2 * math.pi))


class View1D:
    """1-D toys: real and fake densities, D(x) next to the optimal D* = p_data / (p_data + p_G).

    Args:
        trainer: the `Trainer` (its G maps z to (B, 1)).
        toy: the data distribution; its exact density is drawn when known.
        n_fake: fake samples for the density estimate of p_G.
        points: where p_data, p_G, D and D* are evaluated, across the toy's bounds.
        ema: as in `View2D`.

    Attributes:
        blit: as in `View2D`.
    """

    def __init__(self, trainer, toy=None, *, n_fake: int = 2000, points: int = 400,
                 ema: bool = False) -> None:
        self.ema = ema
        self.z = trainer.sample_z(n_fake, generator=_fixed(12345))
        gen = _fixed(54321)
        real = trainer.real.sample(5000, generator=gen).reshape(-1).numpy()
        if toy is not None:
            lo, hi = toy.bounds[0]
        else:
            lo, hi = np.percentile(real, [0.5, 99.5])
            lo, hi = lo - 0.25 * (hi - lo), hi + 0.25 * (hi - lo)
        self.x = np.linspace(lo, hi, points)
        if toy is not None and toy.is_mixture:
            self.p_data = toy.density(torch.tensor(self.x[:, None])).double().numpy()
        else:
            self.p_data = kde(real, self.x, min_bandwidth=(hi - lo) / 200)
        self.min_bw = (hi - lo) / 200
        self.series = _Series()
        self.blit: fastplot.Blit | None = None

    def capture(self, trainer) -> dict:
        frame = _base_frame(trainer, self.series)
        fake = trainer.generate(self.z, ema=self.ema).reshape(-1).numpy()
        with _untouched(trainer) as D, torch.no_grad():
            x = torch.tensor(self.x, dtype=torch.float32)[:, None]
            d = _readout(D(x.to(trainer.device)).reshape(-1), frame["loss"])
        p_g = kde(fake, self.x, min_bandwidth=self.min_bw)
        total = self.p_data + p_g
        with np.errstate(invalid="ignore", divide="ignore"):
            d_star = np.where(total > 1e-2 * total.max(), self.p_data / total, np.nan)
        frame.update(p_g=p_g, d=d, d_star=d_star)
        return frame

    def _build(self, frame: dict) -> None:
        fig = Figure(figsize=SIZE, dpi=DPI)
        blit = self.blit = fastplot.Blit(fig)
        gs = fig.add_gridspec(2, 2, left=0.07, right=0.965, bottom=0.1, top=0.93, wspace=0.22,
                              hspace=0.35)
        ax, ax_d = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[1, 0])
        ax.fill_between(self.x, self.p_data, color=REAL, alpha=0.3, lw=0)
        ax.plot(self.x, self.p_data, color=REAL, lw=1.5, label="p_data (real)")
        self.pg = blit.animate(ax.plot(self.x, frame["p_g"], color=FAKE, lw=2,
                                       label="p_G (fake, KDE)")[0])
        self.top = 1.3 * float(self.p_data.max())
        ax.set(xlim=(self.x[0], self.x[-1]), ylim=(0, self.top), ylabel="density")
        fastplot.legend_above(ax, ncol=2)
        self.title = blit.label(ax)
        self.ax = ax
        self.d = blit.animate(ax_d.plot(self.x, frame["d"], color=D_COLOR, lw=2, label="D(x)")[0])
        self.d_star = blit.animate(ax_d.plot(self.x, frame["d_star"], "k--", lw=1.2,
                                             label="D*(x) = p_data / (p_data + p_G)")[0])
        ax_d.axhline(0.5, color="0.5", lw=0.8, ls=":")
        ax_d.set(xlim=(self.x[0], self.x[-1]), ylim=(-0.02, 1.02), xlabel="x")
        fastplot.legend_above(ax_d, ncol=2)
        ax_d.grid(alpha=0.3)
        self.ax_d = ax_d
        ax_r1, ax_r2 = fig.add_subplot(gs[0, 1]), fig.add_subplot(gs[1, 1])
        self.curves = _curve_panels(blit, ax_r1, ax_r2)
        ax_r2.set_xlabel("step", labelpad=16)
        self._loss = None

    def draw(self, frame: dict, info: RunInfo = NO_INFO) -> Image.Image:
        """The frame as a picture (SIZE x DPI pixels)."""
        new_loss = _new_loss(self, frame)
        if new_loss:
            label, fixed = new_loss
            # D* = p_data / (p_data + p_G) is the optimum of the cross-entropy losses only.
            self.d_star.set_visible(losses.LOSSES[self._loss].probability)
            self.ax_d.set_ylabel("D(x)" if fixed else label)
            self._d_range = fixed
            self.ax_d.set_ylim(*(fixed or (-1, 1)))
            self.blit.invalidate()
        peak = float(np.max(frame["p_g"]))
        if peak > self.top or (peak < self.top / 3 and self.top > 1.3 * self.p_data.max()):
            self.top = max(1.3 * float(self.p_data.max()), 1.15 * peak)  # a collapsing G spikes
            self.ax.set_ylim(0, self.top)
            self.blit.invalidate()
        self.pg.set_ydata(frame["p_g"])
        self.d.set_ydata(frame["d"])
        self.d_star.set_ydata(frame["d_star"])
        if self._d_range is None:
            new = fastplot.range_for(frame["d"], self.ax_d.get_ylim())
            if new != self.ax_d.get_ylim():
                self.ax_d.set_ylim(*new)
                self.blit.invalidate()
        self.title.text = f"step {frame['step']}"
        _update_curves(self.curves, frame, info.horizon)
        return self.blit.frame()


# --------------------------------------------------------------------------- images view


class ViewImages:
    """Images: G's samples for the trainer's fixed noise, D's output histograms, metrics.

    Args:
        trainer: the `Trainer` (its G makes images (B, C, H, W) in [-1, 1]).
        n_real: real images scored by D for its histogram (the fakes are the grid's samples).
        metrics_every: seconds between evaluations of the MNIST classifier metrics (0 = never);
            only for (1, 28, 28) images.
        n_metrics: samples for those metrics.
        ema: as in `View2D`.

    Attributes:
        blit: as in `View2D`.
        scores: the last classifier metrics (a dict with the step they were taken at), or None.
        digit: for a conditional G (lesson 8): the class the grid asks for, or None for the
            labels 0, 1, ..., 9, 0, ... (set it between frames, e.g. from `live.digit_picker`).
    """

    def __init__(self, trainer, *, n_real: int = 64, metrics_every: float = 20.0,
                 n_metrics: int = 500, ema: bool = False) -> None:
        self.ema = ema
        self.z_metrics = trainer.sample_z(n_metrics, generator=_fixed(778))
        gen = _fixed(54321)
        self.digit: int | None = None
        self.conditional = getattr(trainer, "n_classes", None) is not None
        if self.conditional:  # D needs the labels of the real images it scores
            self.x_real, self.y_real = trainer._labelled(trainer.real, n_real, gen)
        else:
            self.x_real, self.y_real = trainer.real.sample(n_real, generator=gen), None
        self.mnist = tuple(self.x_real.shape[1:]) == (1, 28, 28)
        self.metrics_every = metrics_every if self.mnist else 0
        self._metrics_next = -math.inf
        self.scores: dict | None = None
        self.series = _Series()
        self.blit: fastplot.Blit | None = None

    def capture(self, trainer) -> dict:
        frame = _base_frame(trainer, self.series)
        y_fake = None
        if self.conditional:
            n = len(trainer.fixed_z)
            y_fake = (torch.arange(n) % trainer.n_classes if self.digit is None
                      else torch.full((n,), int(self.digit)))
        samples = trainer.generate(trainer.fixed_z, y=y_fake, ema=self.ema)  # (n_fixed, C, H, W)
        frame["digit"] = self.digit if self.conditional else None
        # As in training: D in train mode on a real batch and a fake batch, separately.
        with _untouched(trainer, train_mode=True) as D, torch.no_grad():
            dev = trainer.device
            y_real, y_fake = ((None, None) if y_fake is None
                              else (self.y_real.to(dev), y_fake.to(dev)))
            d_real = _readout(trainer._call(D, self.x_real.to(dev), y_real).reshape(-1),
                              frame["loss"])
            d_fake = _readout(trainer._call(D, samples.to(dev), y_fake).reshape(-1),
                              frame["loss"])
        frame.update(grid=plots.image_grid(samples, pad_value=255), d_real=d_real, d_fake=d_fake)
        start = time.monotonic()
        if self.scores is not None and self.scores["step"] > frame["step"]:
            self.scores, self._metrics_next = None, start  # a reset: old metrics describe nothing
        if self.metrics_every and start >= self._metrics_next:
            fakes = trainer.generate(self.z_metrics, ema=self.ema)
            if torch.isfinite(fakes).all():
                self.scores = dict(metrics.mnist_scores(fakes), step=frame["step"],
                                   n=len(fakes))
            # Every `metrics_every` seconds, but never more than 5% of the time.
            self._metrics_next = start + max(self.metrics_every,
                                             20 * (time.monotonic() - start))
        frame["scores"] = self.scores
        return frame

    def _build(self, frame: dict) -> None:
        fig = Figure(figsize=SIZE, dpi=DPI)
        blit = self.blit = fastplot.Blit(fig)
        gs = fig.add_gridspec(3, 2, width_ratios=(1, 1.15), left=0.02, right=0.965, bottom=0.1,
                              top=0.93, wspace=0.16, hspace=0.75)
        ax = fig.add_subplot(gs[:, 0])
        self.grid = blit.animate(ax.imshow(frame["grid"], cmap="gray", vmin=0, vmax=255,
                                           interpolation="nearest"))
        ax.set_axis_off()
        self.title = blit.label(ax)
        self.metrics_text = (blit.label(ax, y=-0.045, size=12), blit.label(ax, y=-0.1, size=12))
        self.curves = _curve_panels(blit, fig.add_subplot(gs[0, 1]), fig.add_subplot(gs[1, 1]))
        self.ax_h = fig.add_subplot(gs[2, 1])
        self.ax_h.set_title("D now, per image", fontsize=9, loc="left")
        self.ax_h.set_ylabel("share")
        self.ax_h.grid(alpha=0.3)
        self.ax_h.set_ylim(0, 1.25)
        empty = np.zeros(20)
        self.h_real = blit.animate(self.ax_h.stairs(empty, np.linspace(0, 1, 21), color=REAL,
                                                    fill=True, alpha=0.45, label="D(x), real"))
        self.h_fake = blit.animate(self.ax_h.stairs(empty, np.linspace(0, 1, 21), color=FAKE,
                                                    fill=True, alpha=0.45, label="D(G(z)), fake"))
        fastplot.legend_above(self.ax_h, ncol=2)
        self.curves[1].ax.set_xlabel("step", labelpad=16)
        self._loss = None
        self._edges = np.linspace(0, 1, 21)

    def draw(self, frame: dict, info: RunInfo = NO_INFO) -> Image.Image:
        """The frame as a picture (SIZE x DPI pixels)."""
        new_loss = _new_loss(self, frame)
        if new_loss:
            label, fixed = new_loss
            self.ax_h.set_xlabel("D(x) = probability of real" if fixed else label)
            self._edges = np.linspace(0, 1, 21) if fixed else self._edges
            self.ax_h.set_xlim(self._edges[0], self._edges[-1])
            self.blit.invalidate()
        both = np.concatenate([frame["d_real"], frame["d_fake"]])
        if not losses.LOSSES[self._loss].probability:
            new = fastplot.range_for(both, (self._edges[0], self._edges[-1]))
            if new != (self._edges[0], self._edges[-1]):
                self._edges = np.linspace(*new, 21)
                self.ax_h.set_xlim(*new)
                self.blit.invalidate()
        for stairs, d in ((self.h_real, frame["d_real"]), (self.h_fake, frame["d_fake"])):
            counts, _ = np.histogram(np.clip(d, self._edges[0], self._edges[-1]), self._edges)
            stairs.set_data(counts / max(len(d), 1), self._edges)
        self.grid.set_data(frame["grid"])
        ema = ", EMA weights" if self.ema else ""
        asked = frame.get("digit")
        label = "" if asked is None else f", digit {asked}"
        self.title.text = f"step {frame['step']}: G(fixed z{label}){ema}"
        s = frame["scores"]
        if s is None:
            self.metrics_text[0].text = self.metrics_text[1].text = ""
        else:
            self.metrics_text[0].text = (f"classifier metrics at step {s['step']} "
                                         f"({s['n']} samples):")
            self.metrics_text[1].text = (f"FID-like {s['fid']:.1f} · IS-like "
                                         f"{s['inception_score']:.2f} · "
                                         f"classes {s['class_coverage']}/10")
        _update_curves(self.curves, frame, info.horizon)
        return self.blit.frame()


def make_view(kind: str, trainer, toy=None, **options):
    """A view by name: "2d", "1d" or "images"; "auto" picks from the shape of G's output."""
    if kind == "auto":
        shape = tuple(trainer.generate().shape[1:])
        kind = {(1,): "1d", (2,): "2d"}.get(shape, "images" if len(shape) == 3 else None)
        if kind is None:
            raise ValueError(f"cannot pick a view for samples of shape {shape}; pass view=")
    if kind == "2d":
        return View2D(trainer, toy, **options)
    if kind == "1d":
        return View1D(trainer, toy, **options)
    if kind == "images":
        return ViewImages(trainer, **options)
    raise ValueError(f"expected view in ('auto', '2d', '1d', 'images'), got {kind!r}")
