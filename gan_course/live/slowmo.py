"""Slow motion: one real training iteration of a 2-D toy, shown stage by stage (GAN Lab's
numbered steps; lesson 4 writes the iteration out by hand, this replays the trainer's own).

    slow = slowmo.SlowMotion(trainer, view)  # view: the dashboard's views.View2D (or None)
    stage = slow.advance()  # Stage(index=1, count=12, title="sample z", text=..., image=...)
    slow.finish()           # the rest of this iteration's stages at once

The first `advance` of an iteration runs ``trainer.step()`` itself, with recorders attached: a
forward hook on G (z in, x_fake out, and a tensor hook on x_fake that keeps the gradient G's loss
sends back, ``d loss_G / d x_fake``), one on D (its inputs and raw scores), and wrappers around
``trainer.step_d`` / ``trainer.step_g`` that copy the updated network's weights before and after.
None of them changes a number, so the trainer ends exactly where ``trainer.step()`` would have
put it (weights, optimizers, weight average, step count, history, random streams; on a failed
step the trainer undoes everything itself and nothing is shown). The stages then *replay* the
recorded iteration: D's heat-maps before and after each update, and D's scores of the points after
it, come from copies of D and G loaded with the recorded weights, never from the trainer's own.

Stages of one iteration: for each of the ``n_critic`` D updates (1) sample z, (2) G(z) next to the
real batch, (3) D scores both, (4) D's loss, (5) D's gradients (how the update changes D's output
over the plane), (6) D's update; then G's turn: fresh z, G(z), D(G(z)), G's loss, its gradient at
the fakes (arrows), G's update (the fakes' moves). During ``d_pretrain_steps`` one stage says that
G's turn was skipped.
"""

from __future__ import annotations

import copy
import functools
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import contourpy
import matplotlib
import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image, ImageDraw, ImageFont
from torch import Tensor, nn

from gan_course import losses, plots, toys
from gan_course.live import fastplot, overlays, views
from gan_course.plots import FAKE, G_COLOR, HEAT_CMAP, REAL

__all__ = ["Stage", "SlowMotion"]

D_STAGES = ("sample z", "G(z)", "D scores", "D's loss", "D's gradients", "D's update")
G_STAGES = ("fresh z", "G(z)", "D(G(z))", "G's loss", "G's gradients", "G's update")
POINTS_CMAP = colormaps["PRGn"]  # a point coloured by D's output: the heat-map's colours, unfaded
RING, FOCUS, FOCUS_BG = "#d62728", "#f0a000", "#ffe7a0"  # misjudged points; what this stage shows
Z_COLOR = "0.25"

# A loss's formula in words, keyed by the loss table's functions (the table names no formula).
_D_WORDS = {
    losses.d_loss_minimax: "−mean log D(x) − mean log(1−D(G(z)))",
    losses.d_loss_least_squares: "½mean (D(x)−1)² + ½mean D(G(z))²",
    losses.d_loss_hinge: "mean max(0, 1−D(x)) + mean max(0, 1+D(G(z)))",
    losses.critic_loss_wasserstein: "mean D(G(z)) − mean D(x)",
}
_G_WORDS = {
    losses.g_loss_saturating: "mean log(1−D(G(z)))",
    losses.g_loss_nonsaturating: "−mean log D(G(z))",
    losses.g_loss_least_squares: "½mean (D(G(z))−1)²",
    losses.g_loss_hinge: "−mean D(G(z))",
    losses.g_loss_wasserstein: "−mean D(G(z))",
}
_SCALE_WORDS = {"probability": "probability of real", "targets": "LSGAN: 1 real, 0 fake",
                "free": "critic scores, free scale"}


@dataclass(frozen=True)
class Stage:
    """One stage of a slow-motion iteration.

    Attributes:
        index, count: this stage's number (from 1) and the iteration's number of stages.
        title: what the stage shows, e.g. "D scores" or "D's loss (D update 2 of 5)".
        text: one line (at most about 110 characters) with this stage's numbers.
        image: the picture, `views.SIZE` at `views.DPI` (880 x 460), like the dashboard's.
        done: the iteration's last stage.
        step: the trainer's step count after the iteration (the step being replayed).
    """

    index: int
    count: int
    title: str
    text: str
    image: Image.Image
    done: bool
    step: int


@dataclass
class _Round:
    """What one call of ``trainer.step_d`` or ``step_g`` did, recorded as it ran."""

    side: str  # "D" or "G"
    before: dict[str, Tensor]  # the updated network's weights before and after the update
    after: dict[str, Tensor] | None = None
    numbers: dict[str, float] = field(default_factory=dict)  # what the trainer's method returned
    z: Tensor | None = None  # (B, latent_dim)
    x_fake: Tensor | None = None  # G(z), (B, 2)
    grad_fake: list[Tensor] = field(default_factory=list)  # d loss_G / d x_fake (G's round)
    d_in: list[Tensor] = field(default_factory=list)  # D's inputs: real, fake (+ penalty points)
    d_out: list[Tensor] = field(default_factory=list)  # D's raw scores of them


def _weights(model: nn.Module) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@contextmanager
def _recording(trainer, rounds: list[_Round]) -> Iterator[None]:
    """Record every D and G update of the steps run inside, in ``rounds``; change nothing."""
    G, D = trainer.G, trainer.D
    own = {name: vars(trainer)[name] for name in ("step_d", "step_g") if name in vars(trainer)}

    def wrap(side: str, method, model: nn.Module):
        def recorded() -> dict[str, float]:
            rounds.append(_Round(side, _weights(model)))
            out = method()
            rounds[-1].numbers, rounds[-1].after = dict(out), _weights(model)
            return out
        return recorded

    def on_G(module, inputs, output) -> None:
        if rounds:
            r = rounds[-1]
            r.z, r.x_fake = inputs[0].detach().clone(), output.detach().clone()
            if output.requires_grad:  # G's step: keep the gradient arriving at the fakes
                output.register_hook(lambda grad: r.grad_fake.append(grad.detach().clone()))

    def on_D(module, inputs, output) -> None:
        if rounds:
            rounds[-1].d_in.append(inputs[0].detach().clone())
            rounds[-1].d_out.append(output.detach().reshape(-1).clone())

    handles = [G.register_forward_hook(on_G), D.register_forward_hook(on_D)]
    trainer.step_d = wrap("D", trainer.step_d, D)
    trainer.step_g = wrap("G", trainer.step_g, G)
    try:
        yield
    finally:
        for h in handles:
            h.remove()
        del trainer.step_d, trainer.step_g  # back to the class's methods (or the ones it had)
        for name, method in own.items():
            setattr(trainer, name, method)


def _check_2d(trainer) -> None:
    """ValueError unless ``trainer``'s G makes 2-D points (B, 2) without labels."""
    if getattr(trainer, "n_classes", None) is not None:
        raise ValueError("slow motion draws the 2-D toys; expected an unconditional G, got one "
                         f"with n_classes={trainer.n_classes}")
    z = trainer.sample_z(2, generator=torch.Generator().manual_seed(0))  # its own stream
    shape = tuple(trainer.generate(z).shape)
    if shape != (2, 2):
        got = "(B,)" if len(shape) == 1 else "(" + ", ".join(["B", *map(str, shape[1:])]) + ")"
        raise ValueError(f"slow motion draws the 2-D toys; expected G's output of shape (B, 2), "
                         f"got {got}")


def _n(v: float) -> str:
    """A stage's number as its text writes it (tests format theirs alike)."""
    return f"{v:.3g}"


def _nice(k: float) -> float:
    """The largest of 1, 2, 5, 10, 20, ... at or below k (at least 1)."""
    if k <= 1:
        return 1.0
    p = 10 ** math.floor(math.log10(k))
    return max(m * p for m in (1, 2, 5) if m * p <= k)


@dataclass
class _Picture:
    """Everything one stage's picture shows (`_Canvas.draw` puts it on the figure)."""

    name: str  # the stage's title
    title: str  # the picture's title line
    text: str
    heat: np.ndarray  # (res, res) in [0, 1] for HEAT_CMAP, rows from the bottom
    bar: tuple[str, str, str, str]  # colour bar: caption, top, middle, bottom
    menu: list[tuple[str, str]]  # (kind: "head", "done", "now", "next"; text)
    numbers: list[tuple[str, bool]]  # this iteration's numbers so far (line, new in this stage)
    real: np.ndarray | None = None  # (n, 2)
    real_value: np.ndarray | None = None  # (n,) in [0, 1]: coloured by D's output; None: green
    fake: np.ndarray | None = None
    fake_value: np.ndarray | None = None
    rings: np.ndarray | None = None  # points D misjudges
    old_fake: np.ndarray | None = None  # fakes before G's update
    trails: np.ndarray | None = None  # (n, 2, 2) segments: each fake's move (magnified)
    arrows: tuple[np.ndarray, np.ndarray] | None = None  # positions (m, 2), drawn vectors (m, 2)
    boundary: list[np.ndarray] = field(default_factory=list)
    old_boundary: list[np.ndarray] = field(default_factory=list)
    z: np.ndarray | None = None  # (B, 2): z's first two coordinates
    focus: tuple[str, ...] = ()  # panels to frame: "plane", "latent"


@functools.lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts/ttf" / name), size)


class _Canvas:
    """The slow-motion figure: built once, its artists updated in place (`fastplot.Blit`)."""

    W, H = round(views.SIZE[0] * views.DPI), round(views.SIZE[1] * views.DPI)
    PLANE = (45, 36, 300, 300)  # left, top, width, height in pixels
    LATENT = (475, 50, 145, 145)
    NUMBERS, MENU = (440, 218), (652, 34)  # top-left corners of the text blocks

    def _axes(self, box: tuple[int, int, int, int]):
        left, top, w, h = box
        return self.fig.add_axes((left / self.W, 1 - (top + h) / self.H, w / self.W, h / self.H))

    def __init__(self, bounds: tuple[float, float, float, float], latent: str,
                 z_range: float) -> None:
        self.fig = fig = Figure(figsize=views.SIZE, dpi=views.DPI)
        self.blit = blit = fastplot.Blit(fig)
        ax = self.ax = self._axes(self.PLANE)
        self.heat = blit.raster(ax)
        edge = dict(edgecolors="0.15", linewidths=0.3)
        self.boundary = blit.animate(ax.add_collection(LineCollection([], colors="0.1", lw=1.4)))
        self.old_boundary = blit.animate(ax.add_collection(
            LineCollection([], colors="0.1", lw=1.2, linestyles=(0, (3, 2)))))
        self.trails = blit.animate(ax.add_collection(
            LineCollection([], colors=G_COLOR, lw=0.9)))
        self.old = blit.animate(ax.scatter([], [], s=10, marker="^", c=FAKE, alpha=0.3, lw=0))
        # Fakes under the (smaller) real points: once G has learnt, they overlap.
        self.fake = blit.animate(ax.scatter([], [], s=16, marker="^", **edge))
        self.real = blit.animate(ax.scatter([], [], s=11, marker="o", **edge))
        self.rings = blit.animate(ax.scatter([], [], s=46, facecolors="none", edgecolors=RING,
                                             linewidths=1.1))
        self.quiver = None  # made on the first arrows (its number of arrows is fixed)
        x0, x1, y0, y1 = self.bounds = bounds
        ax.set(xlim=(x0, x1), ylim=(y0, y1))
        ax.set_xlabel("x₁", labelpad=0)
        ax.set_ylabel("x₂", labelpad=0)
        ax.tick_params(labelsize=8)
        cb = self._axes((352, 36, 11, 300))
        cb.imshow(np.linspace(0, 1, 256)[:, None], cmap=HEAT_CMAP, aspect="auto", origin="lower",
                  extent=(0, 1, 0, 1))
        cb.set(xticks=[], yticks=[])
        self.bar = [blit.label(cb, x=0.5, y=1.015, size=10, anchor="md")]
        self.bar += [blit.label(cb, x=1.4, y=y, size=9, anchor="lm") for y in (1.0, 0.5, 0.0)]
        az = self._axes(self.LATENT)
        self.z = blit.animate(az.scatter([], [], s=5, c=Z_COLOR, lw=0))
        az.set(xlim=(-z_range, z_range), ylim=(-z_range, z_range))
        az.set_title(latent, fontsize=9, loc="left")
        az.tick_params(labelsize=7)
        az.grid(alpha=0.3)
        handles = [
            Line2D([], [], ls="none", marker="o", mfc=REAL, mec="0.15", mew=0.3, ms=5,
                   label="real x"),
            Line2D([], [], ls="none", marker="^", mfc=FAKE, mec="0.15", mew=0.3, ms=6,
                   label="fake G(z)"),
            Line2D([], [], ls="none", marker="o", color=Z_COLOR, ms=3, label="noise z"),
            Line2D([], [], ls="none", marker="o", mfc="none", mec=RING, mew=1.1, ms=7,
                   label="misjudged by D"),
            Line2D([], [], color="0.1", lw=1.4, label="D's boundary"),
            Line2D([], [], color="0.1", lw=1.2, ls=(0, (3, 2)), label="D's boundary before"),
            Line2D([], [], ls="none", marker=r"$\rightarrow$", color="0.1", ms=11,
                   label="G's push −∇ₓ loss_G (normalised)"),
            Line2D([], [], color=G_COLOR, lw=1.2, label="a fake's move"),
            Line2D([], [], ls="none", marker="o", mfc=POINTS_CMAP(0.8), mec=REAL, mew=0.9, ms=5,
                   label="filled: D's output"),
        ]
        fig.legend(handles=handles, loc="lower left", ncol=5, fontsize=8, frameon=False,
                   bbox_to_anchor=(0.005, 0.055), handletextpad=0.4, columnspacing=1.2)

    @staticmethod
    def _points(artist, xy: np.ndarray | None, value=None, own=None) -> None:
        """Points at ``xy`` (None: hidden); filled with their ``own`` colour, or, given D's
        output ``value`` in [0, 1], filled by it and ringed in their own colour."""
        artist.set_visible(xy is not None)
        if xy is None:
            return
        artist.set_offsets(xy)
        if own is not None and value is None:
            artist.set_facecolor(own)
            artist.set_edgecolor("0.15")
            artist.set_linewidth(0.3)
        elif own is not None:
            artist.set_facecolor(POINTS_CMAP(value))
            artist.set_edgecolor(own)
            artist.set_linewidth(0.9)

    def _arrows(self, arrows: tuple[np.ndarray, np.ndarray] | None) -> None:
        if arrows is None:
            if self.quiver is not None:
                self.quiver.set_visible(False)
            return
        pos, vec = arrows
        if self.quiver is None or self.quiver.N != len(pos):  # a new batch size: a new quiver
            if self.quiver is not None:
                self.blit.animated.remove(self.quiver)
                self.quiver.remove()
            self.quiver = self.blit.animate(self.ax.quiver(
                pos[:, 0], pos[:, 1], vec[:, 0], vec[:, 1], angles="xy", scale_units="xy",
                scale=1, width=0.005, color="0.1"))
        self.quiver.set_visible(True)
        self.quiver.set_offsets(pos)
        self.quiver.set_UVC(vec[:, 0], vec[:, 1])

    def draw(self, p: _Picture) -> Image.Image:
        self.heat.rgb = HEAT_CMAP(p.heat, bytes=True)[..., :3]
        for label, text in zip(self.bar, p.bar, strict=True):
            label.text = text
        self._points(self.real, p.real, p.real_value, REAL)
        self._points(self.fake, p.fake, p.fake_value, FAKE)
        self._points(self.rings, p.rings)
        self._points(self.old, p.old_fake)
        self._points(self.z, p.z)
        self.trails.set_segments([] if p.trails is None else list(p.trails))
        self.boundary.set_segments(p.boundary)
        self.old_boundary.set_segments(p.old_boundary)
        self._arrows(p.arrows)
        img = self.blit.frame()
        self._texts(ImageDraw.Draw(img), p)
        return img

    def _texts(self, draw: ImageDraw.ImageDraw, p: _Picture) -> None:
        """Title, the stages list, the numbers so far, the stage's line, frames around what
        changed: drawn with PIL (matplotlib lays text out slowly)."""
        draw.text((10, 5), p.title, font=_font(13, True), fill="black")
        for name in p.focus:
            left, top, w, h = self.PLANE if name == "plane" else self.LATENT
            draw.rectangle((left - 4, top - 4, left + w + 4, top + h + 4), outline=FOCUS, width=3)
        x, y = self.MENU
        for kind, text in p.menu:
            if kind == "now":
                draw.rectangle((x - 4, y - 2, self.W - 6, y + 15), fill=FOCUS_BG)
            colour = "#999999" if kind == "next" else "black"
            draw.text((x + (0 if kind == "head" else 8), y), text, fill=colour,
                      font=_font(11, kind in ("head", "now")))
            y += 19
        x, y = self.NUMBERS
        draw.text((x, y), "this iteration so far", font=_font(11, True), fill="black")
        for text, new in p.numbers:
            y += 17
            if new:
                draw.rectangle((x - 4, y - 2, x + 200, y + 14), fill=FOCUS_BG)
            draw.text((x, y), text, font=_font(11), fill="black")
        draw.text((10, self.H - 8), p.text, font=_font(12), fill="black", anchor="ld")


class SlowMotion:
    """One real training iteration of a 2-D toy trainer, revealed stage by stage.

    Args:
        trainer: a `Trainer` whose G makes 2-D points (B, 2); ValueError otherwise, before
            anything is touched.
        view: the dashboard's `views.View2D` of that trainer (the plane's bounds, the heat-map's
            resolution, the number of arrows); None builds one.

    Attributes:
        stages: the current iteration's stages shown so far (`Stage`, each with its picture).
        timing: milliseconds: ``"iteration"`` (the step with its recorders, and the stages'
            data), ``"picture"`` (the last stage's picture), ``"build"`` (the first picture,
            which draws the whole figure once).

    Call it only while nothing else steps the trainer (in the dashboard: while paused, or
    under the runner's lock). Each iteration is one ordinary ``trainer.step()``.
    """

    def __init__(self, trainer, view: views.View2D | None = None) -> None:
        _check_2d(trainer)
        if view is None:
            toy = trainer.real if isinstance(trainer.real, toys.ToyDistribution) else None
            view = views.View2D(trainer, toy)
        self.trainer, self.view = trainer, view
        self.stages: list[Stage] = []
        self.timing: dict[str, float] = {}
        self._pending: list[_Picture] = []
        self._step = 0
        self._canvas: _Canvas | None = None

    @property
    def in_progress(self) -> bool:
        """True while the current iteration has stages left to reveal."""
        return bool(self._pending)

    def advance(self) -> Stage:
        """The next stage; after an iteration's last one, the first stage of a new iteration,
        which runs ``trainer.step()`` now, recording it. A failed step (`TrainingDiverged`,
        ValueError) propagates; the trainer's step has undone itself and nothing is shown."""
        if not self._pending:
            self._record()
        return self._reveal()

    def finish(self) -> Stage | None:
        """Reveal the rest of the current iteration at once: its last stage, or None when no
        iteration is under way. (The trainer's state is complete from the first stage on.)"""
        last = None
        while self._pending:
            last = self._reveal()
        return last

    # ----------------------------------------------------------------- the iteration
    def _record(self) -> None:
        start = time.perf_counter()
        trainer = self.trainer
        # Copies to draw with, loaded with recorded weights: the trainer's own G and D are never
        # run for a picture. Copied before the hooks go on.
        self._G = copy.deepcopy(trainer.G).eval()
        self._D = copy.deepcopy(trainer.D).eval()
        rounds: list[_Round] = []
        cfg = trainer.config
        self._loss = losses.LOSSES[cfg.loss]
        with _recording(trainer, rounds):
            trainer.step()
        self._step = trainer.step_count
        self._pending = self._pictures(rounds, cfg)
        self.stages = []
        self.timing["iteration"] = 1e3 * (time.perf_counter() - start)

    def _reveal(self) -> Stage:
        start = time.perf_counter()
        if self._canvas is None:
            cfg = self.trainer.config
            L = cfg.latent_dim
            latent = ("latent space: z (2-D)" if L == 2 else "latent space: z₁ (1-D)" if L == 1
                      else f"latent space: z₁, z₂ (2 of {L})")
            self._canvas = _Canvas(self.view.bounds, latent, 1.2 if cfg.noise == "uniform" else 3.5)
        picture = self._pending.pop(0)
        image = self._canvas.draw(picture)
        index = len(self.stages) + 1
        stage = Stage(index, index + len(self._pending), picture.name, picture.text, image,
                      not self._pending, self._step)
        self.stages.append(stage)
        full = self._canvas.blit.full  # the first picture draws the whole figure once
        self.timing["build" if full else "picture"] = 1e3 * (time.perf_counter() - start)
        return stage

    # ----------------------------------------------------------------- D and G, from copies
    @contextmanager
    def _copy(self, model: nn.Module, weights: dict[str, Tensor]) -> Iterator[nn.Module]:
        device = self.trainer.device
        model.load_state_dict(weights)
        with torch.no_grad(), torch.random.fork_rng(
                devices=[device.index or 0] if device.type == "cuda" else []):
            yield model

    def _heat(self, D_weights: dict[str, Tensor]) -> np.ndarray:
        """D's output (its readout) over the plane, (res, res) indexed [y, x]."""
        x0, x1, y0, y1 = self.view.bounds
        with self._copy(self._D, D_weights) as D:
            _, _, raw = plots.d_grid(D, ((x0, x1), (y0, y1)), resolution=self.view.resolution,
                                     probability=False, device=self.trainer.device)
        return self._loss.readout(torch.from_numpy(raw)).double().numpy()

    def _scores(self, D_weights: dict[str, Tensor], x: Tensor) -> np.ndarray:
        with self._copy(self._D, D_weights) as D:
            return self._readout(D(x))

    def _readout(self, scores: Tensor) -> np.ndarray:
        return self._loss.readout(scores.reshape(-1)).cpu().double().numpy()

    def _boundary(self, heat: np.ndarray, level: float) -> list[np.ndarray]:
        """D's boundary: where its output over the plane crosses ``level``."""
        x0, x1, y0, y1 = self.view.bounds
        res = self.view.resolution
        lines = contourpy.contour_generator(np.linspace(x0, x1, res), np.linspace(y0, y1, res),
                                            heat).lines(level)
        return [line for line in lines if len(line) > 1]

    # ----------------------------------------------------------------- the stages
    def _pictures(self, rounds: list[_Round], cfg) -> list[_Picture]:
        """Every stage's picture and line, from the recorded rounds."""
        loss = self._loss
        d_rounds = [r for r in rounds if r.side == "D"]
        g_round = next((r for r in rounds if r.side == "G"), None)
        n = len(d_rounds)
        count = 6 * n + (6 if g_round is not None else 1)
        heat = self._heat(d_rounds[0].before)
        if loss.scale == "free":  # a critic's scores: this iteration's range spans the colours
            lo, hi = (float(v) for v in np.percentile(heat, [1, 99]))
            hi = max(hi, lo + 1e-6)
            self._bar = ("D(x)", f"{hi:.2g} high", f"{(lo + hi) / 2:.2g}", f"{lo:.2g} low")
        else:
            lo, hi = 0.0, 1.0
            low, high = ("0 fake", "1 real") if loss.probability else ("≤0 fake", "≥1 real")
            self._bar = ("D(x)", high, "0.5", low)
        self._colour = lambda v: np.clip((v - lo) / (hi - lo), 0.0, 1.0)
        ctx = dict(cfg=cfg, n=n, count=count, g=g_round is not None, numbers=[], heat=heat,
                   prior="U(−1, 1)" if cfg.noise == "uniform" else "N(0, I)")
        pictures = []
        for k, r in enumerate(d_rounds, start=1):
            pictures += self._d_stages(r, k, ctx)
        if g_round is not None:
            return pictures + self._g_stages(g_round, ctx)
        text = (f"{count}/{count} G's turn skipped: the first {cfg.d_pretrain_steps} steps train "
                f"D only (d_pretrain_steps); this was step {self._step}")
        return pictures + [_Picture(
            "G's turn skipped", self._title("G's turn skipped (D pretraining)"), text,
            self._colour(ctx["heat"]), self._bar, self._menu(count, n, ctx),
            [(t, False) for t, _ in ctx["numbers"]], boundary=ctx["boundary"])]

    def _title(self, name: str) -> str:
        return f"Slow motion of step {self._step} (already taken, now replayed): {name}"

    def _menu(self, now: int, k: int, ctx: dict) -> list[tuple[str, str]]:
        """The list of stages: D's update ``k`` (of n), then G's turn; stage ``now`` marked."""
        n = ctx["n"]

        def item(index: int, name: str) -> tuple[str, str]:
            kind = "now" if index == now else "done" if index < now else "next"
            return kind, f"{index:>2}  {name}"

        head = ("D's turn" if n == 1 else f"D's turn: update {k} of {n}" if now <= 6 * n
                else f"D's turn: {n} updates")
        menu = [("head", head)] + [item(6 * (k - 1) + 1 + i, s) for i, s in enumerate(D_STAGES)]
        menu.append(("head", "G's turn"))
        if not ctx["g"]:
            return menu + [item(6 * n + 1, "skipped: D pretraining")]
        return menu + [item(6 * n + 1 + i, s) for i, s in enumerate(G_STAGES)]

    def _d_stages(self, r: _Round, k: int, ctx: dict) -> list[_Picture]:
        """Stages of D's update ``k``: z, G(z), D's scores, loss, gradients, update."""
        loss, colour, cfg, n = self._loss, self._colour, ctx["cfg"], ctx["n"]
        B = cfg.batch_size
        x_real, x_fake_d = r.d_in[0], r.d_in[1]  # what D scored (with instance noise, if on)
        real, fake_d, fake = x_real.cpu().numpy(), x_fake_d.cpu().numpy(), r.x_fake.cpu().numpy()
        z = r.z.cpu().numpy()
        s_real, s_fake = self._readout(r.d_out[0]), self._readout(r.d_out[1])
        heat0, heat1 = ctx["heat"], self._heat(r.after)
        s_real1, s_fake1 = self._scores(r.after, x_real), self._scores(r.after, x_fake_d)
        level = 0.5 if loss.scale != "free" else float(s_real.mean() + s_fake.mean()) / 2
        b0, b1 = self._boundary(heat0, level), self._boundary(heat1, level)
        wrong = np.concatenate([real[s_real < level], fake_d[s_fake > level]])
        d_real, d_fake, loss_D, grad_D = (r.numbers[key] for key in
                                          ("d_real", "d_fake", "loss_D", "grad_norm_D"))
        d_real1, d_fake1 = float(s_real1.mean()), float(s_fake1.mean())
        words = _D_WORDS.get(loss.d_loss, f"the {loss.label} loss")
        if loss.soft_targets and (cfg.noisy_labels or cfg.label_smoothing or cfg.label_flip):
            words += ", soft targets"
        if loss.regulariser == "gradient-penalty":
            words += f" + {cfg.gp_lambda:g}·penalty"
        clip = f"; clipped ±{cfg.clip_value:g}" if loss.regulariser == "clip" else ""
        noise = " (instance noise)" if cfg.instance_noise > 0 else ""
        z1 = f"z₁ from {z[:, 0].min():.2f} to {z[:, 0].max():.2f}"
        where = (f"in the 2-D latent space, {z1}" if cfg.latent_dim == 2 else
                 f"shape ({B}, {cfg.latent_dim}), {z1} (std {z[:, 0].std():.2f})")
        spread = f"spread {fake.std(0).mean():.2f} fake vs {real.std(0).mean():.2f} real"
        bodies = [
            f"sample z: {B} draws from {ctx['prior']}, {where}",
            f"G(z): {B} fakes ▲ next to {B} real x ●; {spread}",
            f"D scores{noise}: mean D(x)={_n(d_real)}, D(G(z))={_n(d_fake)} "
            f"({_SCALE_WORDS[loss.scale]})",
            f"D's loss: loss_D = {_n(loss_D)} = {words}; {len(wrong)}/{2 * B} misjudged",
            f"D's gradients: |∇D| = {_n(grad_D)}; the map: how this update moves D's output",
            f"D's update: D(x) {_n(d_real)}→{_n(d_real1)}, D(G(z)) {_n(d_fake)}→{_n(d_fake1)} "
            f"(same points){clip}",
        ]
        # The change's colours span its size at the batch's points: far from the data D's
        # output may swing more, and would leave the data's neighbourhood white.
        top = max(float(np.abs(np.concatenate([s_real1 - s_real, s_fake1 - s_fake])).max()),
                  1e-12)
        change = np.clip(0.5 + 0.5 * (heat1 - heat0) / top, 0, 1)
        change_bar = ("ΔD", f"≥+{top:.1e} up", "0", f"≤−{top:.1e} down")
        side = "D" if n == 1 else f"D {k}/{n}"
        lines = [(f"{side}: D(x) {_n(d_real)}, D(G(z)) {_n(d_fake)}", 2),
                 (f"  loss_D {_n(loss_D)}", 3), (f"  |∇D| {_n(grad_D)}", 4),
                 (f"  after: D(x) {_n(d_real1)}, D(G(z)) {_n(d_fake1)}", 5)]
        z2 = z[:, :2] if z.shape[1] >= 2 else np.column_stack([z[:, 0], np.zeros(len(z))])
        which, prefix = ("", "") if n == 1 else (f" (D update {k} of {n})", f"D {k}/{n}, ")
        pictures = []
        for i, body in enumerate(bodies):
            index = 6 * (k - 1) + i + 1
            p = _Picture(D_STAGES[i] + which, self._title(D_STAGES[i] + which),
                         f"{index}/{ctx['count']} {prefix}{body}", colour(heat0), self._bar,
                         self._menu(index, k, ctx),
                         ctx["numbers"] + [(t, j == i) for t, j in lines if j <= i],
                         focus=("latent",) if i == 0 else ("plane",), z=z2)
            if i == 1:
                p.real, p.fake = real, fake
            if i >= 2:
                p.real, p.fake, p.boundary = real, fake_d, b0
                p.real_value, p.fake_value = colour(s_real), colour(s_fake)
            if i == 3:
                p.rings = wrong
            elif i == 4:  # the map shows the update's effect; the points their own colours
                p.heat, p.bar, p.real_value, p.fake_value = change, change_bar, None, None
            elif i == 5:
                p.heat, p.boundary, p.old_boundary = colour(heat1), b1, b0
                p.real_value, p.fake_value = colour(s_real1), colour(s_fake1)
            pictures.append(p)
        ctx["numbers"] = [(f"{side}: D(x) {_n(d_real)}→{_n(d_real1)}", False),
                          (f"  D(G(z)) {_n(d_fake)}→{_n(d_fake1)}", False),
                          (f"  loss_D {_n(loss_D)}, |∇D| {_n(grad_D)}", False)]
        ctx.update(heat=heat1, boundary=b1, level=level, D=r.after)
        return pictures

    def _g_stages(self, r: _Round, ctx: dict) -> list[_Picture]:
        """Stages of G's update: fresh z, G(z), D(G(z)), loss, gradients (arrows), update."""
        loss, colour, cfg, n, count = self._loss, self._colour, ctx["cfg"], ctx["n"], ctx["count"]
        B = cfg.batch_size
        z = r.z.cpu().numpy()
        z2 = z[:, :2] if z.shape[1] >= 2 else np.column_stack([z[:, 0], np.zeros(len(z))])
        fake = r.x_fake.cpu().numpy()
        s_fake = self._readout(r.d_out[0])
        with self._copy(self._G, r.after) as G:
            x_after = G(r.z)
        s_after = float(self._scores(ctx["D"], x_after).mean())
        after = x_after.cpu().numpy()
        moves = after - fake
        dist = np.linalg.norm(moves, axis=1)
        x0, x1, _, _ = self.view.bounds
        # Drawn k times longer, k a round number that makes the longest moves visible.
        k = _nice(overlays.ARROW_SPAN * (x1 - x0) / max(float(np.percentile(dist, 95)), 1e-12))
        trails = np.stack([after - k * moves, after], axis=1)  # (B, 2, 2): where each came from
        grad = r.grad_fake[0].cpu().numpy()  # d loss_G / d x_fake, as backprop delivered it
        m = min(self.view.n_arrows, B)
        drawn, _ = overlays.arrow_vectors(-grad[:m], x1 - x0)
        p95 = float(np.percentile(np.linalg.norm(grad, axis=1), 95))
        d_fake, loss_G, grad_G = (r.numbers[key] for key in
                                  ("d_fake_after", "loss_G", "grad_norm_G"))
        wrong = fake[s_fake < ctx["level"]]
        words = _G_WORDS.get(loss.g_loss, f"the {loss.label} loss")
        ema = "; G's EMA follows" if cfg.ema > 0 else ""
        bodies = [
            f"fresh z: {B} new draws from {ctx['prior']}, shape ({B}, {cfg.latent_dim}); D is "
            "frozen now",
            f"G(z): {B} new fakes ▲, spread {fake.std(0).mean():.2f}; only G learns from them",
            f"D(G(z)): mean {_n(d_fake)} on the fakes ({_SCALE_WORDS[loss.scale]}); G wants it "
            "higher",
            f"G's loss: loss_G = {_n(loss_G)} = {words}; D calls {len(wrong)} of {B} fakes fake",
            f"G's gradients: |∇G| = {_n(grad_G)}; arrows −∇ₓ loss_G at the fakes (p95 {p95:.1e})",
            f"G's update: fakes moved {np.median(dist):.2g} (median), D(G(z)) {_n(d_fake)}→"
            f"{_n(s_after)} for the same z{ema}",
        ]
        lines = [(f"G: D(G(z)) {_n(d_fake)}", 2), (f"  loss_G {_n(loss_G)}", 3),
                 (f"  |∇G| {_n(grad_G)}; arrows p95 {p95:.1e}", 4),
                 (f"  after: D(G(z)) {_n(s_after)}", 5),
                 (f"  moved {np.median(dist):.2g} (drawn ×{k:g})", 5)]
        pictures = []
        for i, body in enumerate(bodies):
            index = 6 * n + i + 1
            name = ("G's turn: " if i < 3 else "") + G_STAGES[i]
            p = _Picture(name, self._title(name), f"{index}/{count} {body}",
                         colour(ctx["heat"]), self._bar, self._menu(index, n, ctx),
                         ctx["numbers"] + [(t, j == i) for t, j in lines if j <= i],
                         boundary=ctx["boundary"], focus=("latent",) if i == 0 else ("plane",),
                         z=z2)
            if 1 <= i <= 4:
                p.fake = fake
            if i in (2, 3):
                p.fake_value = colour(s_fake)
            if i == 3:
                p.rings = wrong
            elif i == 4:
                p.arrows = (fake[:m], drawn)
            elif i == 5:
                p.fake, p.old_fake, p.trails = after, fake, trails
            pictures.append(p)
        return pictures
