"""The live dashboard: a GAN trains in a background thread while you move its sliders.

    dash = live.Dashboard(trainer, view="2d", toy=toy)
    dash.show(steps=gc.pick(full=3000, quick=60))  # press Start; drag lr_D; watch
    dash.wait()                                     # (only in cells that need the result)

How it works, and why (measured with JupyterLab 4.6, ipykernel 7.4, ipywidgets 8.1):

- A cell that runs blocks every widget message, so a training loop inside a cell never sees a
  slider move. ``show()`` therefore returns at once and Start runs `Trainer.step` in a daemon
  thread. Slider callbacks (main thread) only copy values into a pending dict; the training thread
  applies them with `Trainer.update` at the start of the next step, so only that thread ever
  touches G and D.
- The thread also draws the pictures (`gan_course.views`, Agg figures, no pyplot) about twice a
  second of wall-clock time and puts them into an ``ipywidgets.Image``; drawing takes under 10%
  of the time, so training runs at >= 0.85x its headless speed.
- Pause sets an event the thread checks between steps (the kernel's interrupt button does not
  stop a thread). Re-running the cell, or a new dashboard on the same trainer or models, stops
  the old thread first. Errors in the thread or in a callback appear in a red box.
- Headless (``GAN_COURSE_HEADLESS=1`` or quick mode: tests, nbval, scripts) ``show(steps)``
  trains ``steps`` steps blocking in the cell with the same code and then shows the final
  picture, so the notebook really trained when the cell returns.

The pieces are separate layers (STYLE.md rule 15): `monitor.HealthMonitor` and the frames are
plain state, the `Trainer` knows nothing of widgets, the controls here only write
hyperparameters, and `views` draws.
"""

from __future__ import annotations

import functools
import html
import os
import threading
import time
import traceback
import weakref
from typing import Any

import ipywidgets as widgets
import torch
from IPython.display import Image as IPythonImage
from IPython.display import display
from torch import nn

from gan_course import utils, views
from gan_course.monitor import HealthMonitor
from gan_course.toys import ToyDistribution
from gan_course.training import Trainer, TrainingDiverged

__all__ = ["Dashboard", "stop_all", "active_dashboards", "default_threads"]

LOSS_OPTIONS = [("saturating (minimax)", "saturating"), ("non-saturating", "non-saturating"),
                ("least squares", "least-squares"), ("hinge", "hinge"),
                ("Wasserstein + clipping", "wgan-clip"), ("WGAN-GP", "wgan-gp")]
BATCH_SIZES = (16, 32, 64, 128, 256, 512)
STOP_TIMEOUT = 5.0  # seconds Pause waits for the current step to finish

_DASHBOARDS: weakref.WeakSet[Dashboard] = weakref.WeakSet()


def active_dashboards() -> list[Dashboard]:
    """Dashboards whose training thread is running."""
    return [d for d in list(_DASHBOARDS) if d.running]


def stop_all() -> None:
    """Pause every dashboard's training thread (e.g. before training the same models by hand)."""
    for dash in list(_DASHBOARDS):
        dash.pause()


def default_threads(trainer: Trainer) -> int:
    """torch CPU threads for a trainer: 2 for conv nets and big MLPs (MNIST), 1 for small MLPs.

    A DCGAN step is 1.6x faster on 2 threads; a toy MLP gains nothing from a second thread and
    slows down 10x when another process competes for the cores. 1 and 2 threads also give
    different bits, so the count is pinned.
    """
    nets = (trainer.G, trainer.D)
    has_conv = any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
                   for net in nets for m in net.modules())
    big = sum(p.numel() for net in nets for p in net.parameters()) > 100_000
    return min(2, os.cpu_count() or 1) if has_conv or big else 1


def _cell_identity() -> tuple[str | None, str | None]:
    """(cell id, request id) of the notebook cell running now, or (None, None) outside Jupyter."""
    try:
        from IPython import get_ipython

        parent = get_ipython().get_parent() or {}
        return parent.get("metadata", {}).get("cellId"), parent.get("header", {}).get("msg_id")
    except Exception:  # no IPython, or a shell without get_parent
        return None, None


def _models(trainer: Trainer) -> set[int]:
    return {id(trainer), id(trainer.G), id(trainer.D)}


class Dashboard:
    """Controls, a status line and live pictures for one `Trainer`.

    Args:
        trainer: the trainer to drive; its config sets the controls' starting values.
        view: "2d", "1d", "images" or "auto" (from the shape of G's output), or a view object
            (``capture(trainer) -> frame`` and ``draw(frame) -> PIL image``, see `views`).
        toy: the toy distribution of the real data (for bounds, density, modes); by default the
            trainer's sampler when it is a toy.
        name: optional; a new dashboard with the same name replaces (stops) the old one.
        refresh: seconds between pictures (wall clock); stretched when drawing is slow so that
            it takes at most a tenth of the time.
        threads: torch CPU threads while training; None for `default_threads`.
        headless: train blocking in the cell (see module doc); None reads `utils.headless()`.
        view_options: passed to the view, e.g. ``n_fake=1000`` or ``metrics_every=0``.

    Attributes:
        controls: name -> widget for every hyperparameter (set ``.value`` from code to test).
        buttons: "start", "step_d", "step_g", "step", "reset" -> button.
        monitor: the `HealthMonitor` whose flags the status line shows.
        error: the traceback text of the last error shown, or None.
        diverged: the last `TrainingDiverged` message, or None.
    """

    def __init__(
        self, trainer: Trainer, *, view: Any = "auto", toy: ToyDistribution | None = None,
        name: str | None = None, refresh: float = 0.5, threads: int | None = None,
        headless: bool | None = None, **view_options: Any,
    ) -> None:
        if not isinstance(trainer, Trainer):
            raise ValueError(f"expected a gan_course.training.Trainer, got {type(trainer).__name__}")
        if toy is not None and not isinstance(toy, ToyDistribution):
            raise ValueError(f"expected toy to be a ToyDistribution such as data.ring(), got {toy!r}"
                             + (" (call it: toy=ring())" if callable(toy) else ""))
        if not refresh > 0:
            raise ValueError(f"expected refresh > 0 seconds, got {refresh!r}")
        self.trainer, self.name, self.refresh = trainer, name, float(refresh)
        self.headless = utils.headless() if headless is None else bool(headless)
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                    or threads < 1):
            raise ValueError(f"expected threads to be an integer >= 1 or None, got {threads!r}")
        self.threads = default_threads(trainer) if threads is None else threads
        self.cell_id, self.request_id = _cell_identity()
        self._retire_others()  # before touching G and D: an old thread may be training them
        if toy is None and isinstance(trainer.real, ToyDistribution):
            toy = trainer.real
        self.toy = toy
        self.monitor = HealthMonitor()
        self.error: str | None = None
        self.diverged: str | None = None
        self._pending: dict[str, Any] = {}
        self._reset_request: list[int | None] = []  # a seed (or None) waiting for the thread
        self._pending_lock = threading.Lock()
        self._model_lock = threading.RLock()  # held by whoever steps or draws
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._budget: int | None = None  # steps one Start trains (None: until paused)
        self._target: int | None = None
        self._flags: list = []
        self._speed = 0.0
        self._last_numbers: dict[str, float] = {}
        self._syncing = False
        self.png: bytes | None = None  # the last picture, when it was drawn as a PNG
        self.frames, self.frame_seconds = 0, 0.0  # pictures drawn and the time they took
        with self._model_lock:
            self._set_threads()
            self.view = (views.make_view(view, trainer, toy, **view_options)
                         if isinstance(view, str) else view)
        self._build_widgets()
        _DASHBOARDS.add(self)

    # ----------------------------------------------------------------- registry
    def _retire_others(self) -> None:
        """Stop dashboards this one replaces: same cell (re-run), same name, or same models."""
        mine = _models(self.trainer)
        for other in list(_DASHBOARDS):
            rerun = (self.cell_id is not None and other.cell_id == self.cell_id
                     and other.request_id != self.request_id)
            renamed = self.name is not None and other.name == self.name
            if rerun or renamed:
                other.close()
            elif _models(other.trainer) & mine:
                other.pause(note="paused: another dashboard took over these models")

    # ----------------------------------------------------------------- widgets
    def _build_widgets(self) -> None:
        cfg = self.trainer.config
        wide = {"description_width": "105px"}
        log_lr = dict(base=10, min=-5, max=-1, step=0.05, readout_format=".2e", style=wide)
        sizes = sorted(set(BATCH_SIZES) | {cfg.batch_size})
        self.controls: dict[str, widgets.ValueWidget] = {
            "lr_D": widgets.FloatLogSlider(value=max(cfg.lr_D, 1e-5), description="lr_D", **log_lr),
            "lr_G": widgets.FloatLogSlider(value=max(cfg.lr_G, 1e-5), description="lr_G", **log_lr),
            "n_critic": widgets.IntSlider(value=cfg.n_critic, min=1, max=max(10, cfg.n_critic),
                                          description="k (D steps/G)", style=wide),
            "loss": widgets.Dropdown(options=LOSS_OPTIONS, value=cfg.loss, description="loss",
                                     style=wide),
            "batch_size": widgets.Dropdown(options=sizes, value=cfg.batch_size,
                                           description="batch size", style=wide),
            "instance_noise": widgets.FloatSlider(value=cfg.instance_noise, min=0, max=1,
                                                  step=0.01, description="instance noise",
                                                  style=wide),
            "label_smoothing": widgets.FloatSlider(value=cfg.label_smoothing, min=0, max=0.5,
                                                   step=0.05, description="label smoothing",
                                                   style=wide),
            "label_flip": widgets.FloatSlider(value=cfg.label_flip, min=0, max=0.5, step=0.01,
                                              description="label flip", style=wide),
            "noisy_labels": widgets.Checkbox(value=cfg.noisy_labels, description="noisy labels",
                                             indent=False),
        }
        for key, w in self.controls.items():
            w.add_class(f"gc-{key}")  # stable CSS hooks for the browser test
            w.observe(self._guard(functools.partial(self._on_control, key)), names="value")
        self.seed = widgets.BoundedIntText(value=cfg.seed, min=0, max=2**31 - 1, description="seed",
                                           style=wide, continuous_update=False)
        self.seed.add_class("gc-seed")
        self.seed.observe(self._guard(self._on_seed), names="value")

        def button(key: str, text: str, icon: str, tip: str, action) -> widgets.Button:
            b = widgets.Button(description=text, icon=icon, tooltip=tip,
                               layout=widgets.Layout(width="auto"))
            b.add_class(f"gc-{key}")
            b.on_click(self._guard(lambda _: action()))
            return b

        self.buttons = {
            "start": button("start", "Start", "play", "train until paused", self._toggle),
            "step_d": button("step_d", "Step D", "step-forward", "one update of D only",
                             lambda: self.step(g=False)),
            "step_g": button("step_g", "Step G", "step-forward", "one update of G only",
                             lambda: self.step(d=False)),
            "step": button("step", "Step both", "step-forward", "k D updates, then one G update",
                           self.step),
            "reset": button("reset", "Reset", "undo", "back to the initial weights of this seed",
                            lambda: self.reset(seed=self.seed.value)),
        }
        self.buttons["start"].button_style = "success"
        self.status = widgets.HTML("idle")
        self.status.add_class("gc-status")
        self.errors = widgets.HTML("", layout=widgets.Layout(display="none"))
        self.errors.add_class("gc-errors")
        w, h = (int(round(v * views.DPI)) for v in views.SIZE)
        self.image = widgets.Image(format="jpeg", width=w, height=h,
                                   layout=widgets.Layout(max_width="100%", height="auto"))
        self.image.add_class("gc-image")
        c = self.controls
        row = widgets.HBox
        self.widget = widgets.VBox([
            row([*self.buttons.values(), self.seed]),
            self.status,
            self.errors,
            self.image,
            row([c["lr_D"], c["lr_G"], c["n_critic"]]),
            row([c["loss"], c["batch_size"]]),
            row([c["instance_noise"], c["label_smoothing"], c["label_flip"], c["noisy_labels"]]),
        ])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _guard(self, callback):
        """Wrap a widget callback so that its errors show in the dashboard (ipywidgets hides them)."""
        @functools.wraps(callback)
        def guarded(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except Exception:
                self._show_error(traceback.format_exc())
        return guarded

    def _show_error(self, text: str) -> None:
        self.error = text
        self.errors.value = (f"<pre style='color:#b00020;background:#fff0f0;padding:6px;"
                             f"white-space:pre-wrap;margin:0'>{html.escape(text)}</pre>")
        self.errors.layout.display = None

    def _clear_error(self) -> None:
        self.error = None
        self.errors.value = ""
        self.errors.layout.display = "none"

    # ----------------------------------------------------------------- callbacks (main thread)
    def _on_control(self, key: str, change: dict) -> None:
        with self._pending_lock:
            self._pending[key] = change["new"]  # the training thread applies it on its next step
        if not self.running:
            self._set_status()

    def _on_seed(self, change: dict) -> None:
        if not self._syncing:
            self.reset(seed=change["new"])

    def _toggle(self) -> None:
        if self.running:
            self.pause()
        else:
            self.start()

    # ----------------------------------------------------------------- actions
    @property
    def running(self) -> bool:
        """True while the training thread runs (and was not asked to stop)."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def start(self, steps: int | None = None) -> None:
        """Train in a background thread until paused (or for ``steps`` more steps); returns at once.

        Without ``steps`` it uses the budget given to `show`: a run stops after that many steps,
        and the next Start trains as many more.
        """
        if steps is not None:
            self._budget = _check_steps(steps)
            self._target = None
        if self.running:
            return
        if not self._join(STOP_TIMEOUT):
            return
        for other in list(_DASHBOARDS):  # two threads must never step the same models
            if other is not self and other.running and _models(other.trainer) & _models(self.trainer):
                other.pause(note="paused: another dashboard started on these models")
        if self._budget is not None and (self._target is None
                                         or self.trainer.step_count >= self._target):
            self._target = self.trainer.step_count + self._budget
        self.monitor.recovered()
        self.diverged = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(self._stop,), daemon=True,
                                        name=f"gan-course-dashboard-{self.name or id(self)}")
        self._set_button(running=True)
        self._thread.start()

    def pause(self, *, note: str | None = None) -> None:
        """Stop the training thread after its current step (waits up to STOP_TIMEOUT s)."""
        self._stop.set()
        self._join(STOP_TIMEOUT)
        self._set_button(running=False)
        self._set_status(note)

    def _join(self, timeout: float) -> bool:
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        self._stop.set()
        thread.join(timeout)
        if thread.is_alive():
            self._show_error(f"the training thread did not stop within {timeout:g} s "
                             "(a very slow step?); press Pause again")
            return False
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Block until the current run ends (its step budget, Pause, an error).

        Headless runs are already finished. While a cell waits, widgets do not respond.
        """
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def close(self) -> None:
        """Stop training and remove the widgets (a re-run cell does this to the old dashboard)."""
        self.pause()
        self.widget.close()
        _DASHBOARDS.discard(self)

    def step(self, *, d: bool = True, g: bool = True) -> dict[str, float] | None:
        """One training step on the calling thread (pausing a run first), then a new picture."""
        if self.running:
            self.pause()
        with self._model_lock:
            self._set_threads()
            numbers = self._train_one(d=d, g=g)
            self._publish()
        return numbers

    def reset(self, seed: int | None = None) -> None:
        """Back to the initial weights of this seed, or fresh weights for a new ``seed``.

        While training runs, the thread resets before its next step and goes on.
        """
        if seed is not None and seed != self.seed.value:
            self._syncing = True
            try:
                self.seed.value = seed
            finally:
                self._syncing = False
        with self._pending_lock:
            self._reset_request[:] = [seed]
        if not self.running:
            with self._model_lock:
                self._set_threads()
                self._apply_pending()
                self._publish()

    def run(self, steps: int) -> None:
        """Train ``steps`` steps blocking in the calling thread (headless path), then draw.

        Stops early, keeping the last good weights, if the trainer diverges (see `diverged`).
        """
        steps = _check_steps(steps)
        if self.running:
            self.pause()
        with self._model_lock:
            self._set_threads()
            self.monitor.recovered()
            self.diverged = None
            start = time.perf_counter()
            for _ in range(steps):
                if self._train_one() is None:
                    break
            self._speed = steps / max(time.perf_counter() - start, 1e-9)
            self._publish(fmt="png")

    def show(self, steps: int | None = None, *, autostart: bool = False) -> None:
        """Display the dashboard.

        Interactive: shows the controls and the picture at once; the learner presses Start, and
        a run stops after ``steps`` steps (None: when paused). ``autostart`` presses Start.
        Headless: trains ``steps`` steps blocking (see `run`), then shows the final picture.
        """
        if self.headless:
            if steps is None:
                raise ValueError("expected a step count: a headless dashboard trains steps "
                                 "blocking in the cell (dash.show(steps=...))")
            self.run(steps)
            display(IPythonImage(data=self.png, format="png"))
            print(self.status_text())
            return
        self._budget = None if steps is None else _check_steps(steps)
        self._target = None
        display(self.widget)
        with self._model_lock:
            self._publish()
        if autostart:
            self.start()

    def draw(self) -> None:
        """Draw the picture now (waits for the training thread's current step)."""
        with self._model_lock:
            self._publish()

    def save(self, path: str) -> None:
        """Write the current picture as a PNG file."""
        with self._model_lock:
            self._publish(fmt="png")
        with open(path, "wb") as f:
            f.write(self.png)

    # ----------------------------------------------------------------- the training thread
    def _set_threads(self) -> None:
        # Each thread keeps its own OpenMP setting, so the training thread pins its own.
        torch.set_num_threads(self.threads)

    def _apply_pending(self) -> bool:
        """Hand the controls' changes to the trainer; True if there were any."""
        with self._pending_lock:
            changes, self._pending = self._pending, {}
            resets, self._reset_request = self._reset_request, []
        if changes:
            try:
                self.trainer.update(**changes)
            except ValueError as err:  # the trainer changed nothing; say why
                self._show_error(f"could not apply {changes}: {err}")
        if resets:
            self.trainer.reset(seed=resets[-1])
            self.monitor.reset()
            self.diverged = None
            if self._budget is not None:
                self._target = self._budget
        return bool(changes or resets)

    def _train_one(self, *, d: bool = True, g: bool = True) -> dict[str, float] | None:
        """Apply pending changes and take one step; None if the trainer diverged."""
        changed = self._apply_pending()
        try:
            numbers = self.trainer.step(d=d, g=g)
        except TrainingDiverged as err:
            self.diverged = str(err)
            self._flags = self.monitor.diverged(str(err))
            return None
        self._last_numbers = numbers
        self._flags = self.monitor.update(numbers, loss=self.trainer.config.loss)
        if changed:
            self._set_status()  # show the values in use now, not at the next picture
        return numbers

    def _loop(self, stop: threading.Event) -> None:
        self._set_threads()
        note = None
        last = time.perf_counter()
        steps_then = self.trainer.step_count
        interval, cost = self.refresh, 0.0
        try:
            while not stop.is_set():
                if self._target is not None and self.trainer.step_count >= self._target:
                    note = (f"finished a run of {self._budget} steps; "
                            "Start trains as many more")
                    break
                with self._model_lock:
                    if self._train_one() is None:
                        note = "paused: training diverged (see the message); change a setting, Start"
                        break
                    now = time.perf_counter()
                    if now - last >= interval:
                        self._speed = (self.trainer.step_count - steps_then) / (now - last)
                        self._publish()
                        cost = 0.7 * cost + 0.3 * (time.perf_counter() - now)
                        interval = max(self.refresh, 9 * cost)  # drawing <= 10% of the time
                        last, steps_then = time.perf_counter(), self.trainer.step_count
        except Exception:
            self._show_error(traceback.format_exc())
            note = "stopped by an error (see the red box)"
        finally:
            stop.set()
            try:
                with self._model_lock:
                    self._publish()
            except Exception:
                self._show_error(traceback.format_exc())
            self._set_button(running=False)
            self._set_status(note)

    # ----------------------------------------------------------------- output
    def _publish(self, fmt: str = "jpeg") -> None:
        """Capture a frame (this thread owns the models now), draw it, show it."""
        start = time.perf_counter()
        frame = self.view.capture(self.trainer)
        data = views.encode(self.view.draw(frame), fmt)
        self.png = data if fmt == "png" else None
        if self.image.format != fmt:
            self.image.format = fmt
        self.image.value = data
        self._set_status()
        self.frames += 1
        self.frame_seconds += time.perf_counter() - start

    def status_text(self) -> str:
        """The status line as plain text."""
        return html.unescape(_strip_tags(self._status_html()))

    def _status_html(self, note: str | None = None) -> str:
        cfg = self.trainer.config
        n = self._last_numbers
        state = "running" if self.running else "paused"
        parts = [f"<b>{state}</b>", f"step {self.trainer.step_count}"]
        if self.running or self._speed:
            parts.append(f"{self._speed:.1f} steps/s")
        lr_D, lr_G = n.get("lr_D", cfg.lr_D), n.get("lr_G", cfg.lr_G)
        parts.append(f"in use: lr_D {lr_D:.2e}, lr_G {lr_G:.2e}, k {cfg.n_critic}, {cfg.loss}")
        with self._pending_lock:
            if self._pending:
                parts.append("changes apply on the next step")
        line = " · ".join(parts)
        if note:
            line += f"<br><i>{html.escape(note)}</i>"
        colours = {"error": "#b00020", "warning": "#b35900"}
        for flag in self._flags:
            line += (f"<br><span style='color:{colours.get(flag.level, 'black')}'>"
                     f"⚠ {html.escape(flag.message)}</span>")
        return line

    def _set_status(self, note: str | None = None) -> None:
        self.status.value = self._status_html(note)

    def _set_button(self, *, running: bool) -> None:
        b = self.buttons["start"]
        b.description, b.icon = ("Pause", "pause") if running else ("Start", "play")
        b.button_style = "warning" if running else "success"


def _check_steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"expected a step count (an integer >= 0), got {steps!r}")
    return steps


def _strip_tags(text: str) -> str:
    import re

    return re.sub(r"<br>", "\n", re.sub(r"<(?!br>)[^>]+>", "", text))
