"""A/B on one seed: two toy GANs from the same initial weights, one setting apart, trained in
lock-step and drawn side by side over one chart of both runs (lesson 7 uses it for a trick).

    ab = live.Compare("toy_trainer", dataset="ring", recipe="course", seed=0,
                      b={"noisy_labels": True})
    ab.show(steps=gc.pick(full=2000, quick=40))  # Start / Pause: A's plane | B's plane | chart
    ab.metrics()["B"]["modes"]                    # the numbers the chart draws

How it works:

- Both trainers come from the same call ``presets.toy_trainer(**arguments)``, so from the same
  seed: the same initial G and D (checked when built) and the same random streams, hence the
  same batches and noise as long as the setting draws no random numbers of its own (noisy
  labels and label flips do). Then ``a`` and ``b`` go to `Trainer.update`; they must leave the
  two configs different.
- Lock-step (`LockStep`): one step of A, then one of B, and so on. Each trainer draws only from
  its own generator, so A trains exactly as it would alone in a plain loop.
- Training runs through `runner.Runner`, as a dashboard's does (a task on the kernel's event loop,
  about 20 ms of steps between the kernel's turns; blocking when headless): `Compare` is a
  `runner.Host` whose trainer is the lock-step pair, so there is no second training loop.
- Every ``every`` steps, and when a run ends, both runs are measured on the same fixed noise:
  modes captured and KL / JS on a grid for a mixture (ring, grid), the mean losses otherwise.
  `Compare.metrics` returns those numbers; the chart draws them.
- The picture: each run's samples over its D's heat-map (captured by a `views.View2D` per run)
  and the chart, one figure built once and updated in place (`fastplot`).
"""

from __future__ import annotations

import html
import math
import time
import warnings
import weakref
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import ipywidgets as widgets
import numpy as np
import torch
from IPython.display import Image as IPythonImage
from IPython.display import display
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from PIL import Image

from gan_course import metrics, presets, utils
from gan_course.live import controls, fastplot, overlays, runner, views
from gan_course.live.controls import tagged
from gan_course.live.dashboard import cell_identity, default_threads
from gan_course.live.state import RunState, plain_text
from gan_course.monitor import Flag, HealthMonitor
from gan_course.plots import FAKE, HEAT_CMAP, REAL
from gan_course.toys import ToyDistribution
from gan_course.training import GANConfig, Trainer, TrainingDiverged

__all__ = ["Compare", "LockStep", "same_start", "running"]

RUNS = ("A", "B")
COLORS = {"A": "#0072b2", "B": "#d55e00"}  # blue and vermilion (Okabe-Ito): apart for all eyes
STYLES = {"A": "-", "B": "--"}  # and apart in grey too
SIZE = (9.6, 4.4)  # inches at views.DPI: 960 x 440 pixels, about the dashboard's size
N_SAMPLES = 1000  # fakes per measurement: a ring mode then needs 25 to count as captured
JS_RANGE = (0.0, 0.8)  # JS lies in [0, ln 2]; round ticks
Z_SEED = 2024  # the measurements' own noise, the same z for A and B
_COMPARES: weakref.WeakSet[Compare] = weakref.WeakSet()


def running() -> list[Compare]:
    """The comparisons that train now (`gan_course.live.stop_all` pauses them)."""
    return [ab for ab in list(_COMPARES) if ab.running]


# --------------------------------------------------------------------------- building the pair


def _label(config: GANConfig, names: list[str]) -> str:
    """"noisy_labels=True" or "lr_D=0.03, lr_G=0.001": the settings that differ, as used."""
    def show(v: Any) -> str:
        return f"{v:g}" if isinstance(v, float) else str(v)
    return ", ".join(f"{name}={show(getattr(config, name))}" for name in names)


def _build_pair(preset: Any, a: Any, b: Any, arguments: dict) -> tuple[dict[str, Trainer],
                                                                       list[str]]:
    """Both trainers, ``a`` and ``b`` applied, and the config fields in which they differ; a
    ValueError, before the second trainer is built, for anything that cannot be compared."""
    if preset != "toy_trainer":
        raise ValueError("expected preset 'toy_trainer' (A/B trains two 2-D toy GANs side by "
                         f"side), got {preset!r}")
    changes = {}
    for name, given in (("A", {} if a is None else a), ("B", b)):
        if not isinstance(given, Mapping):
            raise ValueError(f"expected {name.lower()} to be a dict of GANConfig settings such "
                             f"as {{'noisy_labels': True}}, got {given!r}")
        changes[name] = dict(given)
    try:
        first = presets.toy_trainer(**arguments)
    except TypeError as err:  # an argument neither toy_trainer nor GANConfig knows
        raise ValueError(f"expected presets.toy_trainer's arguments (dataset, recipe, seed, "
                         f"device, hidden, GANConfig fields), got {err}") from None
    toy = first.real
    if not (isinstance(toy, ToyDistribution) and toy.dim == 2):
        raise ValueError(f"expected a 2-D toy (ring, grid, spiral), got {toy!r}")
    configs = {}
    for name, change in changes.items():
        try:
            configs[name] = first.checked(**change)
        except ValueError as err:
            raise ValueError(f"{name.lower()}={change!r}: {err}") from None
    differ = [f.name for f in fields(GANConfig)
              if getattr(configs["A"], f.name) != getattr(configs["B"], f.name)]
    if not differ:
        raise ValueError(f"expected a and b to differ in at least one setting, got the same "
                         f"config for both (a={changes['A']}, b={changes['B']})")
    trainers = {"A": first, "B": presets.toy_trainer(**arguments)}  # the same seed: same weights
    for name, trainer in trainers.items():
        trainer.update(**changes[name])
    if not same_start(trainers["A"], trainers["B"]):  # a preset that did not seed its networks
        raise RuntimeError("A and B were built from the same seed but start from different "
                           "weights; presets.toy_trainer must build them from its seed")
    return trainers, differ


def same_start(first: Trainer, second: Trainer) -> bool:
    """True when G and D of both trainers hold equal tensors (weights and buffers)."""
    for one, two in ((first.G, second.G), (first.D, second.D)):
        x, y = one.state_dict(), two.state_dict()
        if x.keys() != y.keys() or not all(torch.equal(x[k], y[k]) for k in x):
            return False
    return True


def _retire_others(ab: Compare) -> None:
    """Close the comparisons ``ab`` replaces: the same cell run again, or the same name."""
    for other in list(_COMPARES):
        rerun = (ab.cell_id is not None and other.cell_id == ab.cell_id
                 and other.request_id != ab.request_id)
        if rerun or (ab.name is not None and other.name == ab.name):
            other.close()


# --------------------------------------------------------------------------- what the runner drives


class _Meter:
    """Both runs' numbers on a fixed noise batch (the same z for A and B), as rows of plain
    floats: step, loss_D and loss_G (means over the steps since the last row), and for a
    mixture modes, high_quality, kl, js (`metrics.mode_stats`, `overlays.GridDivergence`)."""

    def __init__(self, trainers: dict[str, Trainer], toy: ToyDistribution, *,
                 ema_samples: bool) -> None:
        self.toy, self.ema = toy, ema_samples
        self.mixture = toy.is_mixture
        self.divergence = overlays.GridDivergence(toy, n_floor=N_SAMPLES) if self.mixture else None
        self.z = {name: t.sample_z(N_SAMPLES, generator=torch.Generator().manual_seed(Z_SEED))
                  for name, t in trainers.items()}  # (N_SAMPLES, latent_dim) each
        self.rows: dict[str, list[dict[str, float]]] = {name: [] for name in trainers}
        self.keys = ("step", "loss_D", "loss_G") + (
            ("modes", "high_quality", "kl", "js") if self.mixture else ())

    def record(self, trainers: dict[str, Trainer]) -> None:
        """A row per run at its current step (none if it has one there already)."""
        for name, trainer in trainers.items():
            rows = self.rows[name]
            since = int(rows[-1]["step"]) if rows else 0
            if rows and since == trainer.step_count:
                continue
            recent = trainer.history[since:]  # history[i] is step i + 1
            row = {"step": float(trainer.step_count)}
            with warnings.catch_warnings():  # no step yet, or G not updated (NaN): a NaN mean
                warnings.simplefilter("ignore", RuntimeWarning)
                for key in ("loss_D", "loss_G"):
                    row[key] = float(np.nanmean([h[key] for h in recent])) if recent else math.nan
            if self.mixture:
                row.update(self._samples(trainer, self.z[name]))
            rows.append(row)

    def _samples(self, trainer: Trainer, z: torch.Tensor) -> dict[str, float]:
        x = trainer.generate(z, ema=self.ema).reshape(-1, 2).numpy()  # (N_SAMPLES, 2)
        if not np.isfinite(x).all():
            return dict.fromkeys(("modes", "high_quality", "kl", "js"), math.nan)
        stats = metrics.mode_stats(x, self.toy.modes, self.toy.std)
        grid = self.divergence(x) or {"kl": math.nan, "js": math.nan}  # None: all outside
        return {"modes": float(stats["modes_captured"]), "high_quality": stats["high_quality"],
                "kl": grid["kl"], "js": grid["js"]}

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        return {name: {k: np.array([r[k] for r in rows], dtype=float) for k in self.keys}
                for name, rows in self.rows.items()}


class LockStep:
    """Two trainers stepped in turn, as the runner steps one trainer: A one step, then B.

    It has what `runner.Runner` asks of a trainer: ``step`` (returning ``{"A": numbers, "B":
    numbers}``), ``step_count`` (the steps both have done) and ``config`` (A's; the runner hands
    its loss to the monitor, which reads each run's own). A run that diverges raises
    `TrainingDiverged` with its name; its step was undone, so when B diverges A is one step
    ahead. Every ``every`` steps both are measured (``meter.record``).
    """

    def __init__(self, trainers: dict[str, Trainer], meter: _Meter, every: int) -> None:
        self.trainers, self.meter, self.every = trainers, meter, every

    @property
    def step_count(self) -> int:
        return min(t.step_count for t in self.trainers.values())

    @property
    def config(self) -> GANConfig:
        return self.trainers["A"].config

    def step(self, *, d: bool = True, g: bool = True) -> dict[str, dict[str, float]]:
        numbers = {}
        for name, trainer in self.trainers.items():
            try:
                numbers[name] = trainer.step(d=d, g=g)
            except TrainingDiverged as err:
                raise TrainingDiverged(f"run {name} diverged: {err}") from err
        if self.step_count % self.every == 0:
            self.meter.record(self.trainers)
        return numbers


class _Monitors:
    """A `HealthMonitor` per run, fed the pair's numbers; its flags name the run."""

    def __init__(self, trainers: dict[str, Trainer]) -> None:
        self.trainers = trainers
        self.each = {name: HealthMonitor() for name in trainers}
        self.failed: str | None = None

    def update(self, numbers: Mapping[str, Mapping[str, float]], *, loss: str = "") -> list[Flag]:
        for name, monitor in self.each.items():  # each run's own loss, not the pair's
            monitor.update(numbers[name], loss=self.trainers[name].config.loss)
        return self.flags()

    def diverged(self, message: str) -> list[Flag]:
        self.failed = str(message)
        return self.flags()

    def recovered(self) -> None:
        self.failed = None

    def reset(self) -> None:
        for monitor in self.each.values():
            monitor.reset()
        self.failed = None

    def flags(self) -> list[Flag]:
        out = [Flag("diverged", "error", self.failed)] if self.failed else []
        return out + [Flag(f.kind, f.level, f"{name}: {f.message}")
                      for name, monitor in self.each.items() for f in monitor.flags()]


class _BothLocks:
    """Both trainers' locks (`runner.trainer_lock`), always taken A first: whoever steps or draws
    the pair holds both, so a dashboard on either trainer never steps it at the same time."""

    def __init__(self, trainers: dict[str, Trainer]) -> None:
        self.locks = [runner.trainer_lock(t) for t in trainers.values()]

    def __enter__(self) -> _BothLocks:
        for lock in self.locks:
            lock.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        for lock in reversed(self.locks):
            lock.release()


# --------------------------------------------------------------------------- the picture


class _Picture:
    """A's plane | B's plane | the chart of both runs; static parts drawn once (`fastplot.Blit`).

    Args:
        toy: the data (bounds; modes for the chart's panels).
        titles: run name -> "A: noisy_labels=False".
        probability: D's output reads as a probability (or targets) in both runs; else the
            colour bar says low / high.
        floor: JS of as many real samples (`overlays.GridDivergence.floor`), or None.
    """

    def __init__(self, toy: ToyDistribution, titles: dict[str, str], *, probability: bool,
                 floor: dict | None) -> None:
        fig = Figure(figsize=SIZE, dpi=views.DPI)
        blit = self.blit = fastplot.Blit(fig)
        (x0, x1), (y0, y1) = toy.bounds
        x_real = toy.sample(500, generator=torch.Generator().manual_seed(54321)).numpy()
        self.planes = {}
        for i, name in enumerate(RUNS):
            ax = fig.add_axes((0.06 + 0.295 * i, 0.225, 0.27, 0.59))
            heat = blit.raster(ax)
            fake = blit.animate(ax.scatter(np.zeros(0), np.zeros(0), s=6, c=FAKE, lw=0,
                                           label="fake G(z)"))
            real = blit.animate(ax.scatter(x_real[:, 0], x_real[:, 1], s=8, c=REAL, lw=0,
                                           alpha=0.8, label="real x"))
            ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x₁")
            if i == 0:
                ax.set_ylabel("x₂", labelpad=-2)
            else:  # the same plane: A's y-axis reads for both
                ax.tick_params(labelleft=False)
            ax.set_aspect("equal", adjustable="box")
            for spine in ax.spines.values():  # the run's colour, as its lines in the chart
                spine.set(color=COLORS[name], linewidth=2.5)
            self.planes[name] = {"heat": heat, "fake": fake,
                                 "title": blit.label(ax, y=1.105, size=14),
                                 "step": blit.label(ax, y=1.025, size=11)}
            self.planes[name]["title"].text = titles[name]
        fig.legend(handles=[real, fake], loc="lower left", bbox_to_anchor=(0.035, 0.05), ncol=2,
                   fontsize=9, frameon=False, markerscale=2, handletextpad=0.2)
        cax = fig.add_axes((0.43, 0.085, 0.16, 0.025))  # the heat-map's key, under B's plane
        bar = fig.colorbar(ScalarMappable(Normalize(0, 1), HEAT_CMAP), cax=cax,
                           orientation="horizontal")
        bar.set_ticks([0, 1], labels=["0 fake", "1 real"] if probability else ["low", "high"],
                      fontsize=8)
        fig.text(0.42, 0.087, "D(x)", fontsize=9, ha="right")
        fig.text(0.035, 0.012, "same seed, same initial G and D; lock-step: a step of A, then "
                 "one of B", fontsize=8, color="0.3")
        self.panels, handles = self._chart(fig, toy, floor)
        labels = [titles[n] for n in RUNS] + ["real samples"] * (len(handles) > 2)
        fig.legend(handles=handles, labels=labels, loc="upper right", fontsize=9,
                   bbox_to_anchor=(0.995, 0.995), frameon=False, handlelength=2.5)

    def _chart(self, fig: Figure, toy: ToyDistribution, floor: dict | None) -> tuple[list, list]:
        """Two panels, each with both runs: [(key, curves, read-out label)], legend handles."""
        if toy.is_mixture:
            m = toy.n_modes
            spec = [("modes", f"modes captured (of {m})", "modes", (0.0, float(m)), "steps-post"),
                    ("js", "JS(data, G) in nats", "JS", JS_RANGE, "default")]
        else:  # no density to compare with: the losses
            spec = [("loss_D", "D's loss, averaged", "loss_D", None, "default"),
                    ("loss_G", "G's loss, averaged", "loss_G", None, "default")]
        panels = []
        for i, (key, title, ylabel, ylim, drawstyle) in enumerate(spec):
            ax = fig.add_axes((0.705, 0.53 - 0.385 * i, 0.26, 0.245))
            curves = fastplot.Curves(self.blit, ax, RUNS, [COLORS[n] for n in RUNS],
                                     ylabel=ylabel, title=title, ylim=ylim,
                                     drawstyle=drawstyle, mark_last=True)
            ax.get_legend().remove()  # one legend for the chart, with the settings (above)
            for name, line in zip(RUNS, curves.lines, strict=True):
                line.set(linestyle=STYLES[name], linewidth=1.8)
            readout = self.blit.label(ax, x=1.0, y=1.035, size=12, anchor="rd")
            panels.append((key, curves, readout))
        handles = list(curves.lines)
        if key == "js" and floor is not None:  # the best a G can score with N_SAMPLES fakes
            lo, hi = JS_RANGE  # fixed: the axes' [0, 1] stand for it (`fastplot.Curves`)
            handles.append(ax.axhline((floor["js"] - lo) / (hi - lo), color="0.4", ls=":",
                                      lw=1.2))
        ax.set_xlabel("step", labelpad=16)
        return panels, handles

    def draw(self, frames: dict[str, dict], series: dict[str, dict[str, np.ndarray]],
             info: views.RunInfo = views.NO_INFO) -> Image.Image:
        """The picture (SIZE x DPI pixels) from each run's `views.View2D` frame and the
        meter's arrays."""
        for name, plane in self.planes.items():
            frame = frames[name]
            plane["heat"].rgb = overlays.heat_rgb(frame["heat"], frame["loss"])
            plane["fake"].set_offsets(frame["fake"])
            plane["step"].text = f"step {frame['step']}: samples over D's output"
        x = series["A"]["step"]  # rows are taken for both runs together
        for key, curves, readout in self.panels:
            ys = [series[name][key][: len(x)] for name in RUNS]
            curves.update(x, ys, horizon=info.horizon)
            latest = [f"{name} {y[-1]:.3g}" for name, y in zip(RUNS, ys, strict=True) if len(y)]
            readout.text = "   ".join(latest)  # the newest row's values, A then B
        return self.blit.frame()


# --------------------------------------------------------------------------- the widgets


class _Panel:
    """Start / Pause, the status line, the red box and the picture (CSS classes ``gc-ab-*``)."""

    def __init__(self, ab: Compare) -> None:
        self.ab = ab
        self.button = tagged(widgets.Button(description="Start", icon="play",
                                            button_style="success",
                                            tooltip="train A and B in lock-step"), "ab-start")
        self.error_box = controls.ErrorBox(ab.state, "ab-errors")
        self.errors, self.guard = self.error_box.widget, self.error_box.guard
        self.show_error, self.clear_error = self.error_box.show, self.error_box.clear
        self.button.on_click(self.guard(lambda _: ab.toggle()))
        self.status = tagged(widgets.HTML(""), "ab-status")
        w, h = (round(v * views.DPI) for v in SIZE)
        self.image = controls.make_picture(w, h, "ab-image")
        self.widget = widgets.VBox([self.button, self.status, self.errors, self.image])

    def publish(self, fmt: str = "jpeg") -> None:
        """Capture both runs, draw, show (the caller holds both trainers' locks)."""
        ab, start = self.ab, time.perf_counter()
        if not ab.runner.running and ab.state.in_cell is None:
            ab.meter.record(ab.trainers)  # a run's end: its last step is measured too
        frames = {name: view.capture(ab.trainers[name]) for name, view in ab.views.items()}
        picture = ab.view.draw(frames, ab.meter.arrays(), views.RunInfo(ab.state.horizon))
        data = fastplot.encode(picture, fmt)
        ab.png = data if fmt == "png" else None
        if self.image.format != fmt:
            self.image.format = fmt
        self.image.value = data
        self.set_status()
        ab.state.frames += 1
        ab.state.frame_seconds += time.perf_counter() - start

    def sync(self) -> None:
        """The runner's call after a divergence: there are no controls, only the status."""
        self.set_status()

    def status_html(self) -> str:
        ab, state = self.ab, self.ab.state
        step, running = ab.trainer.step_count, ab.running
        if state.in_cell is not None:
            parts = ["<b>training in this cell</b>", f"step {step} of {state.in_cell}"]
        else:
            goal = f" of {state.target}" if state.target is not None and running else ""
            parts = [f"<b>{'running' if running else 'paused'}</b>", f"step {step}{goal}"]
        if state.speed:
            parts.append(f"{state.speed:.1f} steps/s of each run")
        last = {name: rows[-1] for name, rows in ab.meter.rows.items() if rows}
        if ab.meter.mixture and len(last) == 2:
            n, (a, b) = ab.toy.n_modes, (last[name] for name in RUNS)
            at = (f" at step {a['step']:.0f}" if a["step"] == b["step"]  # else: B diverged
                  else f" at steps {a['step']:.0f} and {b['step']:.0f}")
            parts.append(f"modes{at}: A {a['modes']:.0f}/{n}, B {b['modes']:.0f}/{n}")
        parts.append(" vs ".join(html.escape(ab.titles[name]) for name in RUNS))
        line = " · ".join(parts)
        if state.note and not running:
            line += f"<br><i>{html.escape(state.note)}</i>"
        for flag in state.flags:
            colour = "#b00020" if flag.level == "error" else "#b35900"
            line += f"<br><span style='color:{colour}'>⚠ {html.escape(flag.message)}</span>"
        return line

    def set_status(self) -> None:
        self.status.value = self.status_html()

    def set_running(self, running: bool) -> None:
        b = self.button
        b.description, b.icon = ("Pause", "pause") if running else ("Start", "play")
        b.button_style = "warning" if running else "success"

    def close(self) -> None:
        for w in (self.button, self.status, self.errors, self.image, self.widget):
            w.close()


# --------------------------------------------------------------------------- the comparison


class Compare:
    """Two toy GANs from one seed, one setting apart, trained in lock-step and drawn together.

    Args:
        preset: "toy_trainer" (`presets.toy_trainer`; the only preset with 2-D toys).
        b: the settings of run B, e.g. ``{"noisy_labels": True}`` (`GANConfig` fields, applied
            with `Trainer.update`); they must differ from A's in at least one.
        a: the settings of run A (default: none, the preset's).
        ema_samples: draw and measure G's weight average instead of G (a recipe with ``ema``).
        every: steps between two measurements of both runs (`metrics`).
        name: optional; a new comparison with the same name closes the old one.
        refresh: seconds between pictures while training.
        threads: torch CPU threads while training; None for `dashboard.default_threads`.
        headless: `show` trains blocking in the cell; None reads `utils.headless()`.
        **arguments: for ``presets.toy_trainer`` (dataset, recipe, seed, device, hidden, and
            `GANConfig` overrides for both runs).

    Attributes:
        trainers: {"A": Trainer, "B": Trainer}.
        titles: {"A": "A: noisy_labels=False", "B": "B: noisy_labels=True"}: the settings that
            differ, as the picture and the status line name the runs.
        differ: the names of the `GANConfig` fields in which A and B differ.
        state: the run state (`state.RunState`: budget, flags, the divergence, errors).
        runner: how training runs (`runner.Runner`); ``widget``: the box to display.
        png: the last picture when it was drawn as a PNG (headless `show`, `run`, `save`).

    Raises:
        ValueError: a preset other than "toy_trainer", a toy that is not 2-D, an unknown setting
            or a value `GANConfig` refuses, or a and b that leave both configs equal; then
            nothing is built and no other comparison is stopped.
    """

    def __init__(self, preset: str = "toy_trainer", *, b: Mapping[str, Any],
                 a: Mapping[str, Any] | None = None, ema_samples: bool = False, every: int = 20,
                 name: str | None = None, refresh: float = 0.5, threads: int | None = None,
                 headless: bool | None = None, **arguments: Any) -> None:
        every = utils.check_count(every, "every")
        if not (isinstance(refresh, (int, float)) and refresh > 0):
            raise ValueError(f"expected refresh > 0 seconds, got {refresh!r}")
        if threads is not None:
            utils.check_count(threads, "threads")
        trainers, self.differ = _build_pair(preset, a, b, arguments)
        self.trainers, self.toy = trainers, trainers["A"].real
        self.titles = {n: f"{n}: {_label(t.config, self.differ)}" for n, t in trainers.items()}
        self.name, self.refresh = name, float(refresh)
        self.headless = utils.headless() if headless is None else bool(headless)
        self.threads = default_threads(trainers["A"]) if threads is None else threads
        self.cell_id, self.request_id = cell_identity()
        _retire_others(self)
        self.meter = _Meter(trainers, self.toy, ema_samples=ema_samples)
        self.trainer = LockStep(trainers, self.meter, every)  # what the runner steps
        self.state, self.monitor = RunState(), _Monitors(trainers)
        self.lock = _BothLocks(trainers)
        self.views = {n: views.View2D(t, self.toy, ema=ema_samples) for n, t in trainers.items()}
        probability = all(t.loss.scale != "free" for t in trainers.values())
        floor = None if self.meter.divergence is None else self.meter.divergence.floor
        self.view = _Picture(self.toy, self.titles, probability=probability, floor=floor)
        self.panel = _Panel(self)
        self.widget, self.image = self.panel.widget, self.panel.image
        self.status, self.errors = self.panel.status, self.panel.errors
        self.button = self.panel.button
        self.runner = runner.Runner(self)
        self.png: bytes | None = None
        self._closed = False
        self.meter.record(trainers)  # step 0: both runs the same
        self.panel.set_status()
        _COMPARES.add(self)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    error = property(lambda self: self.state.error, doc="The last error in the red box, or None.")
    diverged = property(lambda self: self.state.diverged,
                        doc="The divergence that stopped both runs (naming the run), or None.")

    @property
    def running(self) -> bool:
        """True while a run trains (and was not asked to stop)."""
        return self.runner.running

    # ----------------------------------------------------------------- actions
    def start(self, steps: int | None = None) -> None:
        """Train A and B in lock-step as a task on the calling thread's event loop (a kernel)
        and return at once; Pause stops it. Outside an event loop it trains blocking.

        A run stops by itself after ``steps`` steps of each (default: the count `show` was
        given; None there for until Pause); the next Start trains as many more.
        """
        self._refuse_if_closed()
        state = self.state
        if steps is not None:
            state.budget, state.target = utils.check_count(steps, "a step count"), None
        if self.running or not self.runner.end():
            return
        if state.diverged:
            self.panel.show_error(self._diverged_text())
            return
        step = self.trainer.step_count
        if state.budget is not None and (state.target is None or step >= state.target):
            state.target = step + state.budget
        state.note = None
        self.panel.clear_error()
        loop = runner.running_loop()
        if loop is None:  # a script: nothing to share the loop with, so train here
            if state.target is None:
                raise ValueError("outside an event loop Start trains blocking, so it needs a "
                                 "step count: start(steps=...) or run(steps)")
            self.run(state.target - step)
            return
        self.panel.set_running(True)
        self.runner.start(loop)

    def pause(self) -> None:
        """Stop both runs after the current lock-step step."""
        self.runner.end()
        self.panel.set_running(False)
        self.panel.set_status()

    def toggle(self) -> None:
        """Start, or Pause while running (the Start button)."""
        if self.running:
            self.pause()
        else:
            self.start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the current run ends; in a kernel the cell trains the rest itself
        (`runner.Runner.wait`)."""
        self.runner.wait(timeout)

    def run(self, steps: int) -> None:
        """Train ``steps`` lock-step steps blocking in the calling thread, then draw (a PNG).
        Stops early if a run diverges (see `diverged`); RuntimeError if one already has."""
        steps = utils.check_count(steps, "a step count", minimum=0)
        self._refuse_if_closed()
        if self.state.diverged:
            raise RuntimeError(self._diverged_text())
        if self.running:
            self.pause()
        with self.lock, runner.pinned_threads(self.threads):
            self.runner.blocking(steps)
            self.stopped()
            self.panel.publish(fmt="png")

    def show(self, steps: int | None = None) -> None:
        """Display the comparison.

        Interactive: Start / Pause, the status line and the first picture appear at once; Start
        trains ``steps`` steps of each run (None: until Pause), then stops; Start again trains
        as many more. Headless: trains ``steps`` blocking, shows the final picture and prints
        one line with both runs' final numbers (`summary`).
        """
        self._refuse_if_closed()
        if self.headless:
            if steps is None:
                raise ValueError("expected a step count: a headless comparison trains its steps "
                                 "blocking in the cell (ab.show(steps=...))")
            self.run(steps)
            display(IPythonImage(data=self.png, format="png"))
            print(self.summary())
            return
        self.state.budget = None if steps is None else utils.check_count(steps, "a step count")
        self.state.target = None
        display(self.widget)
        self.draw()

    def close(self) -> None:
        """Stop training and remove the widgets (a re-run cell does this to the old one)."""
        self._closed = True
        self.runner.end()
        self.panel.close()
        _COMPARES.discard(self)

    def draw(self) -> None:
        """Draw the picture now (waits for the step under way)."""
        with self.lock:
            self.panel.publish()

    def save(self, path: str) -> None:
        """Write the current picture to a PNG file."""
        with self.lock:
            self.panel.publish(fmt="png")
        with open(path, "wb") as f:
            f.write(self.png)

    # ----------------------------------------------------------------- numbers
    def metrics(self) -> dict[str, dict[str, np.ndarray]]:
        """Both runs' measurements, ``{"A": {...}, "B": {...}}``, each a dict of float arrays of
        one length (a row at step 0, every ``every`` steps and at the end of each run):
        ``step``, ``loss_D`` and ``loss_G`` (means over the steps since the previous row, NaN
        at step 0) and, for a mixture toy, ``modes`` (captured, of ``toy.n_modes``),
        ``high_quality`` (share in [0, 1]), ``kl`` and ``js`` (nats, `metrics.kl_js_grid` on
        N_SAMPLES fakes from one fixed z)."""
        return self.meter.arrays()

    def summary(self) -> str:
        """One line: both runs' last measured numbers."""
        parts = []
        for name in RUNS:
            row = self.meter.rows[name][-1]
            if self.meter.mixture:
                numbers = (f"{row['modes']:.0f}/{self.toy.n_modes} modes, "
                           f"JS {row['js']:.3f} nats")
            else:
                numbers = f"loss_D {row['loss_D']:.3f}, loss_G {row['loss_G']:.3f}"
            parts.append(f"{self.titles[name]}: {numbers}")
        step = self.meter.rows["A"][-1]["step"]
        return f"after {step:.0f} steps each: " + " | ".join(parts)

    def status_text(self) -> str:
        """The status line as plain text."""
        return plain_text(self.panel.status_html())

    # ----------------------------------------------------------------- plumbing
    def stopped(self) -> None:
        """A run has ended (the runner's call, and `run`'s): say why, show Start again."""
        state = self.state
        if state.diverged:
            state.note = self._diverged_text()
        elif state.error is not None and state.note:
            pass  # the runner's "stopped by an error" stays
        elif state.target is not None and self.trainer.step_count >= state.target:
            state.note = (f"finished a run of {state.budget:,} steps of each; Start trains as "
                          "many more") if state.budget else None
        else:
            state.note = None
        self.panel.set_running(False)
        self.panel.set_status()

    def _diverged_text(self) -> str:
        counts = ", ".join(f"{n} trained {t.step_count}" for n, t in self.trainers.items())
        return (f"stopped: {self.state.diverged.split(':')[0]}, so both runs stopped ({counts} "
                "steps; the bad step was undone). It would diverge again at the same step: "
                "build a new Compare, e.g. with a lower learning rate")

    def _refuse_if_closed(self) -> None:
        if self._closed:
            raise RuntimeError("this comparison was closed; make a new one: live.Compare(...)")
