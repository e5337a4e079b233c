"""The live dashboard: a GAN trains in the kernel's idle time while you move its sliders.

    dash = live.Dashboard(trainer, view="2d")
    dash.show(steps=gc.pick(full=3000, quick=60))  # press Start, drag lr_D, watch
    dash.wait()                                     # only in cells that need the trained model

How it works, and why (measured with JupyterLab 4.6, ipykernel 7.4, ipywidgets 8.1):

- A running cell blocks every widget message, so a training loop inside a cell never sees a
  slider move. `show` returns at once, and Start schedules the training loop as a task on the
  kernel's own asyncio event loop: it runs `Trainer.step` for about 20 ms at a time, then yields,
  and the kernel handles the widget messages that arrived meanwhile. Everything runs on the
  kernel's main thread, so torch keeps its full speed there (in a background thread, 2 torch
  threads ran the MNIST DCGAN at half speed on a 2-core CPU: BENCHMARKS.md). The controls'
  callbacks only copy values into a pending dict, which the loop hands to `Trainer.update` before
  its next step. Outside an event loop (a script, the tests) Start uses a daemon thread instead,
  with the same loop body; a lock keeps G and D to one stepper at a time.
- The loop draws the pictures (`gan_course.views`) by wall-clock time, about twice a second, into
  an ``ipywidgets.Image``; drawing is kept under about 8% of the time.
- Pause stops the loop between steps (the kernel's interrupt button does not stop it). While a
  cell runs, the loop gets no turn, so training waits for the cell to end (in a script's thread it
  would go on); `wait` trains the rest of the run in its cell. Re-running the cell, or a new
  dashboard on the same trainer or models, stops the old loop first. Errors in the loop or in a
  callback appear in a red box, never vanish.
- Headless (``GAN_COURSE_HEADLESS=1`` or quick mode: nbval, scripts) `show` trains its ``steps``
  blocking in the cell through the same code and shows the final picture: the notebook has really
  trained when the cell returns, and may assert it.

Layers (STYLE.md rule 15): `monitor.HealthMonitor` and the views' frames are plain state; the
`Trainer` knows nothing of widgets; `controls` only write hyperparameters; `views` draw.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import dataclasses
import functools
import html
import os
import re
import statistics
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

from gan_course import controls, fastplot, utils, views
from gan_course.monitor import HealthMonitor
from gan_course.toys import ToyDistribution
from gan_course.training import GANConfig, Trainer, TrainingDiverged

__all__ = ["Dashboard", "stop_all", "default_threads", "digit_picker"]

STOP_TIMEOUT = 5.0  # seconds Pause waits for the step under way to finish (thread runs)
SLICE = 0.02  # seconds of steps between the kernel's turns (task runs): slider latency
YIELDS = 8  # loop turns per yield: a message needs a few to reach its callback
MAX_INTERVAL = 3.0  # seconds between pictures at most, however slow drawing is
_DASHBOARDS: weakref.WeakSet[Dashboard] = weakref.WeakSet()
# One lock per trainer, shared by every dashboard on it: whoever steps or draws holds it, so two
# runs can never step one trainer at once, whatever the order of calls.
_TRAINER_LOCKS: weakref.WeakKeyDictionary[Trainer, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def _trainer_lock(trainer: Trainer) -> threading.RLock:
    with _LOCKS_GUARD:
        lock = _TRAINER_LOCKS.get(trainer)
        if lock is None:
            lock = _TRAINER_LOCKS[trainer] = threading.RLock()
        return lock


def stop_all() -> None:
    """Pause every dashboard's training (e.g. before training the same models by hand)."""
    for dash in list(_DASHBOARDS):
        dash.pause()


def default_threads(trainer: Trainer) -> int:
    """torch CPU threads for a trainer: 2 for conv nets and big MLPs (MNIST), 1 for small MLPs.

    A DCGAN step is 1.6x faster on 2 threads in the main thread; a toy MLP gains nothing from a
    second thread and slows down 10x when another process competes for the cores. 1 and 2
    threads also give different bits, so the count is pinned. In a background thread (scripts)
    the 2-thread speed-up is lost on an idle 2-core machine (BENCHMARKS.md); in a kernel the
    dashboard trains on the main thread and keeps it.
    """
    nets = (trainer.G, trainer.D)
    has_conv = any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
                   for net in nets for m in net.modules())
    big = sum(p.numel() for net in nets for p in net.parameters()) > 100_000
    return min(2, os.cpu_count() or 1) if has_conv or big else 1


def _cores_busy(threads: int) -> str | None:
    """A warning when other programs keep the cores busy while training uses all of them.

    On the course's 2-core machine, one other busy process cut the DCGAN on 2 torch threads from
    about 7 to 1.5 steps/s: the two threads wait for each other. The 1-minute load average counts
    this process's own threads too, so more than ``cores + 0.5`` means something else runs.
    """
    cores = os.cpu_count() or 1
    if threads < cores or not hasattr(os, "getloadavg"):
        return None
    load = os.getloadavg()[0]
    if load <= cores + 0.5:
        return None
    return (f"the CPU is busy with other work (load {load:.1f} on {cores} cores): with "
            f"{threads} torch threads training can slow several-fold; close the other program, "
            "or build the dashboard with threads=1")


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


def _check_steps(steps: Any) -> int:
    return utils.check_count(steps, "a step count", minimum=0)


class _Pacer:
    """When the training thread draws: every ``refresh`` seconds of wall clock, stretched so that
    drawing takes at most about 8% of the time (at most MAX_INTERVAL apart), and soon (~0.3 s of
    steps) after a control change, so that its effect shows within a second."""

    def __init__(self, refresh: float, step: int) -> None:
        self.refresh, self.interval = refresh, refresh
        self.costs: collections.deque[float] = collections.deque(maxlen=5)
        self.last, self.step, self.now = time.perf_counter(), step, 0.0

    def due(self, changed_at: float) -> bool:
        self.now = time.perf_counter()
        due = self.last + self.interval
        if changed_at > self.last:
            due = min(due, max(changed_at + 0.3, self.last + self.refresh))
        return self.now >= due

    def speed(self, step: int) -> float:
        """Steps per second since the last picture (call when due)."""
        return (step - self.step) / max(self.now - self.last, 1e-9)

    def drew(self, step: int, *, full: bool = False) -> None:
        """A picture was drawn; ``full``: a full redraw, rare and slow, which sets no pace."""
        end = time.perf_counter()
        if not full:
            self.costs.append(end - self.now)
        if self.costs:  # the median: a rare slow picture (classifier metrics) sets no pace either
            self.interval = min(max(self.refresh, 12 * statistics.median(self.costs)),
                                MAX_INTERVAL)
        self.last, self.step = end, step


class _Run:
    """One stretch of training from Start to its end: how it is stopped, paced and driven."""

    def __init__(self, refresh: float, step: int) -> None:
        self.stop = threading.Event()  # asks the loop to end after its current step
        self.done = threading.Event()  # set once the run has ended and drawn its last picture
        self.finishing = False  # `_finish` has begun
        self.pacer = _Pacer(refresh, step)
        self.status_at = self.pacer.last
        self.thread: threading.Thread | None = None
        self.task: asyncio.Task | None = None
        self.loop_thread: int | None = None  # the thread whose event loop runs the task

    def alive(self) -> bool:
        if self.thread is not None:
            return self.thread.is_alive()
        return not self.done.is_set()

    def on_loop_thread(self) -> bool:
        return self.loop_thread == threading.get_ident()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # none in this thread: a script, or a thread of its own
        return None


class Dashboard:
    """Controls, a status line and live pictures for one `Trainer`.

    Args:
        trainer: the trainer to drive; its config gives the controls' starting values.
        view: "2d", "1d", "images" or "auto" (from the shape of G's output), or a view object
            with ``capture(trainer) -> frame`` and ``draw(frame) -> PIL image`` (see `views`).
        toy: the toy distribution of the real data (bounds, density, modes); by default the
            trainer's sampler when it is a toy.
        name: optional; a new dashboard with the same name replaces (stops) the old one.
        refresh: seconds between pictures (wall clock); stretched when drawing is slow so that it
            takes at most about 8% of the time.
        threads: torch CPU threads while training; None for `default_threads`.
        headless: train blocking in the cell (see the module doc); None reads `utils.headless()`.
        **view_options: passed to the view, e.g. ``ema=True`` (draw G's weight average),
            ``n_fake=1000`` or ``metrics_every=0``.

    Attributes:
        controls: hyperparameter name -> widget (set ``.value`` from code, as a slider drag does).
        buttons: "start", "step_d", "step_g", "step", "reset" -> button.
        monitor: the `HealthMonitor` whose flags the status line shows.
        error: the text of the last error shown in the red box, or None.
        diverged: the last `TrainingDiverged` message, or None.
        png: the last picture when it was drawn as a PNG (headless runs, `save`).
        frames, frame_seconds: pictures drawn and the seconds they took.
    """

    def __init__(
        self, trainer: Trainer, *, view: Any = "auto", toy: ToyDistribution | None = None,
        name: str | None = None, refresh: float = 0.5, threads: int | None = None,
        headless: bool | None = None, **view_options: Any,
    ) -> None:
        if not isinstance(trainer, Trainer):
            raise ValueError("expected a gan_course.training.Trainer, "
                             f"got {type(trainer).__name__}")
        if toy is not None and not isinstance(toy, ToyDistribution):
            hint = " (call it: toy=ring())" if callable(toy) else ""
            raise ValueError(f"expected toy to be a ToyDistribution such as data.ring(), "
                             f"got {toy!r}{hint}")
        if not (isinstance(refresh, (int, float)) and refresh > 0):
            raise ValueError(f"expected refresh > 0 seconds, got {refresh!r}")
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                    or threads < 1):
            raise ValueError(f"expected threads to be an integer >= 1 or None, got {threads!r}")
        self.trainer, self.name, self.refresh = trainer, name, float(refresh)
        self.headless = utils.headless() if headless is None else bool(headless)
        self.threads = default_threads(trainer) if threads is None else threads
        self.cell_id, self.request_id = _cell_identity()
        self._retire_others()  # before touching G and D: an old thread may be training them
        if toy is None and isinstance(trainer.real, ToyDistribution):
            toy = trainer.real
        self.monitor = HealthMonitor()
        self.error: str | None = None
        self.diverged: str | None = None
        self.png: bytes | None = None
        self.frames, self.frame_seconds = 0, 0.0
        self._pending: dict[str, Any] = {}  # control values waiting for the next step
        self._reset_request: list[int | None] = []  # a reset (to a seed, or None) waiting too
        self._pending_lock = threading.Lock()
        self._model_lock = _trainer_lock(trainer)  # held by whoever steps the trainer or draws
        self._closed = False
        self._run: _Run | None = None  # the current or last run
        self._budget: int | None = None  # steps one Start trains (None: until paused)
        self._target: int | None = None  # the step at which the current run stops
        self._flags: list = []
        self._note: str | None = None  # why the last run stopped
        self._speed = 0.0
        self._last_numbers: dict[str, float] = {}
        self._syncing = False  # the dashboard itself sets the widgets: no change to queue
        self._changed_at = 0.0  # when the trainer last took a control's change
        self._in_cell: int | None = None  # the step a blocking `run` in a cell trains to
        self._undo: dict | None = None  # the trainer's state before the last Reset
        with self._model_lock:
            self._set_threads()
            self.view = (views.make_view(view, trainer, toy, **view_options)
                         if isinstance(view, str) else view)
        self._build_widgets()
        _DASHBOARDS.add(self)

    # ----------------------------------------------------------------- widgets and callbacks
    def _build_widgets(self) -> None:
        self.controls = controls.make_controls(self.trainer.config)
        for key, w in self.controls.items():
            w.observe(self._guard(functools.partial(self._on_control, key)), names="value")
        self.seed = controls.make_seed(self.trainer.config.seed)
        self.seed.observe(self._guard(self._on_seed), names="value")
        self.budget = controls.make_budget(self._budget)
        self.budget.observe(self._guard(self._on_budget), names="value")
        self.buttons = controls.make_buttons()
        actions = {"start": self._toggle, "step_d": lambda: self.step(g=False),
                   "step_g": lambda: self.step(d=False), "step": self.step,
                   "reset": lambda: self.reset(seed=self.seed.value),
                   "undo_reset": self.undo_reset}
        for key, action in actions.items():
            self.buttons[key].on_click(self._guard(lambda _, action=action: action()))
        self.status = widgets.HTML("")
        self.status.add_class("gc-status")
        self.errors = widgets.HTML("", layout=widgets.Layout(display="none"))
        self.errors.add_class("gc-errors")
        w, h = (round(v * views.DPI) for v in views.SIZE)
        self.image = widgets.Image(format="jpeg", width=w, height=h,
                                   layout=widgets.Layout(max_width="100%", height="auto"))
        self.image.add_class("gc-image")
        self.widget = controls.layout(buttons=self.buttons, budget=self.budget, seed=self.seed,
                                      status=self.status,
                                      errors=self.errors, image=self.image, controls=self.controls)
        self._set_status()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _guard(self, callback):
        """Wrap a widget callback so that its errors show in the dashboard (ipywidgets would only
        log them)."""
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

    def _on_control(self, key: str, change: dict) -> None:
        if self._syncing:
            return
        with self._pending_lock:
            if key not in self._pending and change["new"] == getattr(self.trainer.config, key):
                return  # the value in use already (a widget echoing it): nothing to apply
            self._pending[key] = change["new"]  # the training thread applies it before a step
        if not self.running:
            self._set_status()

    def _on_budget(self, change: dict) -> None:
        """The "Start trains" menu: a running run trains the new count from now (or goes on until
        Pause); a stopped one trains that many at the next Start."""
        if self._syncing:
            return
        self._budget = change["new"]
        if self.running and self._budget is not None:
            self._target = self.trainer.step_count + self._budget
        else:
            self._target = None
        self._set_status()

    def _show_budget(self) -> None:
        with self._quiet():
            if self._budget not in [value for _, value in self.budget.options]:
                self.budget.options = controls.budget_options(self._budget)
            self.budget.value = self._budget

    def _on_seed(self, change: dict) -> None:
        if not self._syncing:
            try:
                self.reset(seed=change["new"])
            finally:
                self._sync_controls()  # a refused seed goes back to the one in use

    @contextlib.contextmanager
    def _quiet(self):
        """Set widgets from code without their callbacks queueing anything."""
        before, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = before

    def _sync_controls(self) -> None:
        """Every control shows the value the trainer uses now (and the seed box its seed), plus
        the changes still queued for the next step."""
        cfg = self.trainer.config
        with self._pending_lock:
            pending = dict(self._pending)
        with self._quiet():
            for key, w in self.controls.items():
                controls.show_value(w, pending.get(key, getattr(cfg, key)))
            self.seed.value = cfg.seed

    def _toggle(self) -> None:
        if self.running:
            self.pause()
        else:
            self.start()

    def _retire_others(self) -> None:
        """Stop the dashboards this one replaces: same cell (re-run), same name, same models."""
        mine = _models(self.trainer)
        for other in list(_DASHBOARDS):
            rerun = (self.cell_id is not None and other.cell_id == self.cell_id
                     and other.request_id != self.request_id)
            if rerun or (self.name is not None and other.name == self.name):
                other.close()
            elif _models(other.trainer) & mine:
                other.pause(note="paused: another dashboard took over these models")

    # ----------------------------------------------------------------- actions
    @property
    def running(self) -> bool:
        """True while a run trains (and was not asked to stop)."""
        run = self._run
        return run is not None and not run.stop.is_set() and run.alive()

    @property
    def backend(self) -> str | None:
        """How the current or last run trains: "task" (the kernel's event loop), "thread", None."""
        run = self._run
        return None if run is None else "task" if run.task is not None else "thread"

    def start(self, steps: int | None = None) -> None:
        """Start training and return at once: as a task on the calling thread's running asyncio
        loop (a Jupyter kernel), else in a background thread. Pause stops it.

        A run stops by itself after ``steps`` steps (default: the budget given to `show`, None
        for no limit); the next Start trains as many more.
        """
        if self._closed:
            raise RuntimeError("this dashboard was closed; make a new one to train: "
                               "live.Dashboard(trainer)")
        if steps is not None:
            self._budget, self._target = _check_steps(steps), None
            self._show_budget()
        if self.running or not self._end_run(STOP_TIMEOUT):
            return
        for other in list(_DASHBOARDS):  # two threads must never step the same models
            shared = _models(other.trainer) & _models(self.trainer)
            if other is not self and other.running and shared:
                other.pause(note="paused: another dashboard started on these models")
        if self._budget is not None and (self._target is None
                                         or self.trainer.step_count >= self._target):
            self._target = self.trainer.step_count + self._budget
        self.monitor.recovered()
        self.diverged, self._note = None, None
        self._clear_error()
        run = self._run = _Run(self.refresh, self.trainer.step_count)
        self._set_button(running=True)
        loop = _running_loop()
        if loop is not None:
            run.loop_thread = threading.get_ident()
            run.task = loop.create_task(self._task_main(run))
        else:
            run.thread = threading.Thread(target=self._thread_main, args=(run,), daemon=True,
                                          name=f"gan-course-dashboard-{self.name or id(self)}")
            run.thread.start()

    def pause(self, *, note: str | None = None) -> None:
        """Stop training after the current step (waits up to STOP_TIMEOUT s for it)."""
        self._end_run(STOP_TIMEOUT)
        self._set_button(running=False)
        if note:
            self._note = note
        self._set_status()

    def _end_run(self, timeout: float) -> bool:
        """Stop the current run and wait for its end; False (and a red box) if it did not end."""
        run = self._run
        if run is None or run.done.is_set():
            return True
        run.stop.set()
        if run.thread is threading.current_thread():  # asked from the run itself: it ends next
            return True
        if run.on_loop_thread():  # its task waits for its next turn, between two steps
            run.task.cancel()
            self._finish(run)
            return True
        if run.thread is not None:
            run.thread.join(timeout)
        else:  # a task on another thread's loop
            run.done.wait(timeout)
        if run.alive():
            self._show_error(f"training did not stop within {timeout:g} s "
                             "(a very slow step?); press Pause again")
            return False
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Block until the current run ends (its step budget, Pause, an error).

        Headless runs have already ended. While a cell waits, the widgets do not respond; in a
        kernel the cell trains the rest of the run itself (the loop's turns come after the cell),
        and after ``timeout`` seconds hands what is left back to the loop.
        """
        run = self._run
        if run is None or run.done.is_set():
            return
        if run.thread is not None:
            run.thread.join(timeout)
        elif not run.on_loop_thread():
            run.done.wait(timeout)
        else:
            end = None if timeout is None else time.perf_counter() + timeout
            run.task.cancel()
            try:
                with self._pinned_threads():
                    going = self._guarded_slices(run, until=end)
            except BaseException:  # the kernel's interrupt button: the run ends here
                self._finish(run)
                raise
            if going:  # out of time: the loop trains the rest
                run.task = asyncio.get_running_loop().create_task(self._task_main(run))
            else:
                self._finish(run)

    def close(self) -> None:
        """Stop training and remove the widgets (a re-run cell does this to the old dashboard).

        A closed dashboard refuses to train again."""
        self._closed = True
        self.pause()
        parts = [*self.controls.values(), *self.buttons.values(), self.seed, self.status,
                 self.errors, self.image, *self.widget.children, self.widget]
        for w in parts:  # closing a box leaves its children open in the kernel
            w.close()
        _DASHBOARDS.discard(self)

    def step(self, *, d: bool = True, g: bool = True) -> dict[str, float] | None:
        """One training step on the calling thread (pausing a run first), then a new picture.

        Returns the step's numbers, or None if the trainer diverged (see `diverged`).
        """
        self._refuse_if_closed()
        if self.running:
            self.pause()
        with self._model_lock:
            self._set_threads()
            numbers = self._train_one(d=d, g=g)
            self._publish()
        return numbers

    def _refuse_if_closed(self) -> None:
        if self._closed:
            raise RuntimeError("this dashboard was closed; make a new one to train: "
                               "live.Dashboard(trainer)")

    def reset(self, seed: int | None = None) -> None:
        """Back to the initial weights of this seed, or to fresh weights drawn from a new ``seed``.

        While training runs, the loop resets before its next step and goes on. A seed the trainer
        cannot take raises ValueError and changes nothing.
        """
        if seed is not None and seed != self.trainer.config.seed:
            seed = utils.check_seed(seed)
            if self.trainer.build is None:
                raise ValueError("this trainer was built from ready-made networks, so it can only "
                                 "reset to its initial weights; build it with presets (or "
                                 "Trainer(..., build=...)) to draw new ones from a seed")
            with self._quiet():
                self.seed.value = seed
        with self._pending_lock:
            self._reset_request[:] = [seed]
        if not self.running:
            with self._model_lock:
                self._set_threads()
                self._apply_pending()
                self._publish()

    def undo_reset(self) -> None:
        """Back to the run the last Reset discarded: weights, optimizers, history, seed."""
        if self._undo is None:
            raise ValueError("nothing to undo: no Reset has discarded a run yet")
        if self.running:
            self.pause()
        with self._model_lock:
            self.trainer.load_state_dict(self._undo)
            self._undo = None
            self.buttons["undo_reset"].disabled = True
            self.monitor.reset()
            self.diverged, self._flags, self._last_numbers = None, [], {}
            self._sync_controls()
            self._publish()

    def run(self, steps: int) -> None:
        """Train ``steps`` steps blocking in the calling thread (the headless path), then draw.

        Stops early, keeping the last good weights, if the trainer diverges (see `diverged`).
        """
        steps = _check_steps(steps)
        self._refuse_if_closed()
        if self.running:
            self.pause()
        with self._model_lock:
            self._set_threads()
            self.monitor.recovered()
            self.diverged = None
            start, done = time.perf_counter(), 0
            pacer = _Pacer(self.refresh, self.trainer.step_count)
            self._in_cell = self.trainer.step_count + steps
            try:
                while done < steps and self._train_one() is not None:
                    done += 1
                    # In a kernel the picture and the step count still reach the browser while
                    # the cell trains (outgoing widget messages are not held back), so a long
                    # blocking run does not look frozen. Headless runs draw once, at the end.
                    if not self.headless and pacer.due(self._changed_at):
                        self._speed = pacer.speed(self.trainer.step_count)
                        self._publish()
                        pacer.drew(self.trainer.step_count)
            finally:
                self._in_cell = None
            self._speed = done / max(time.perf_counter() - start, 1e-9)
            self._publish(fmt="png")

    def show(self, steps: int | None = None, *, autostart: bool = False,
             until_pause: bool = False) -> None:
        """Display the dashboard.

        Interactive: the controls and the first picture appear at once; the learner presses
        Start, and a run stops by itself after ``steps`` steps (None: when paused); the "Start
        trains" menu shows and changes that count. ``until_pause`` starts the menu at "until
        Pause" (the toys: long enough to experiment), ``steps`` still in it. ``autostart``
        presses Start. Headless: trains ``steps`` steps blocking (see `run`), then shows the
        final picture and the status line.
        """
        if self.headless:
            if steps is None:
                raise ValueError("expected a step count: a headless dashboard trains its steps "
                                 "blocking in the cell (dash.show(steps=...))")
            self.run(steps)
            display(IPythonImage(data=self.png, format="png"))
            print(self.status_text())
            return
        steps = None if steps is None else _check_steps(steps)
        with self._quiet():
            self.budget.options = controls.budget_options(steps)
        self._budget = None if until_pause else steps
        self._show_budget()
        self._target = None
        display(self.widget)
        self.draw()
        if autostart:
            self.start()

    def set(self, **changes: Any) -> None:
        """Change hyperparameters as the controls do: from the next step, even while training.

        For settings without a control (``gp_lambda``, ``clip_value``, ``beta1``, ...) or your own
        widgets: ``slider.observe(lambda c: dash.set(gp_lambda=c["new"]), names="value")``.
        A bad value shows in the red box and changes nothing.
        """
        known = {f.name for f in dataclasses.fields(GANConfig)} - {"seed", "latent_dim"}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown hyperparameter(s) {sorted(unknown)}; expected some of "
                             f"{sorted(known)} (the seed changes through reset)")
        with self._pending_lock:
            queued = {**self._pending, **changes}
        try:  # all of it valid together, or nothing queued
            self.trainer.checked(**queued)
        except ValueError as err:
            self._show_error(f"could not apply {changes}: {err}")
            return
        with self._pending_lock:
            self._pending.update(changes)
        self._sync_controls()
        if not self.running:
            self._set_status()

    def draw(self) -> None:
        """Draw the picture now (waits for the step under way)."""
        with self._model_lock:
            self._publish()

    def save(self, path: str) -> None:
        """Write the current picture to a PNG file."""
        with self._model_lock:
            self._publish(fmt="png")
        with open(path, "wb") as f:
            f.write(self.png)

    # ----------------------------------------------------------------- the training loop
    def _set_threads(self) -> None:
        # Each thread keeps its own OpenMP setting, so a training thread pins its own.
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
            if self.trainer.step_count > 0:  # keep the run a Reset discards, for Undo reset
                self._undo = copy.deepcopy(self.trainer.state_dict())
                self.buttons["undo_reset"].disabled = False
            try:
                self.trainer.reset(seed=resets[-1])
            except ValueError as err:
                self._show_error(f"could not reset: {err}")
            self.monitor.reset()
            self.diverged, self._flags, self._last_numbers = None, [], {}
            if self._budget is not None:
                self._target = self._budget
        if changes or resets:
            self._sync_controls()  # what the trainer took, or kept
        return bool(changes or resets)

    def _train_one(self, *, d: bool = True, g: bool = True) -> dict[str, float] | None:
        """Apply pending changes and take one step; None if the trainer diverged."""
        changed = self._apply_pending()
        try:
            numbers = self.trainer.step(d=d, g=g)
        except TrainingDiverged as err:
            self.diverged = str(err)
            self._flags = self.monitor.diverged(str(err))
            self._sync_controls()
            return None
        self._last_numbers = numbers
        self._flags = self.monitor.update(numbers, loss=self.trainer.config.loss)
        if changed:
            self._changed_at = time.perf_counter()
            self._set_status()  # show the values in use now, not at the next picture
        return numbers

    def _slices(self, run: _Run, *, until: float | None = None,
                slice_s: float | None = None) -> bool:
        """Train the run's steps, drawing when due, for ``slice_s`` seconds (None: to its end)
        or to ``until`` (a perf_counter time). True if the run goes on, False once it has ended."""
        pacer, start = run.pacer, time.perf_counter()
        while not run.stop.is_set():
            if self._target is not None and self.trainer.step_count >= self._target:
                self._note = (f"finished a run of {self._budget:,} steps; Start trains as many "
                              "more (the Start trains menu sets how many)")
                return False
            with self._model_lock:
                if self._train_one() is None:
                    self._note = ("paused: training diverged, so that step was undone (see the "
                                  "message below); lower a learning rate and Start again")
                    return False
                if pacer.due(self._changed_at):
                    self._speed = pacer.speed(self.trainer.step_count)
                    self._publish()
                    blit = getattr(self.view, "blit", None)
                    pacer.drew(self.trainer.step_count, full=bool(getattr(blit, "full", 0)))
                    run.status_at = pacer.last
                elif pacer.now - run.status_at >= self.refresh:  # the step count keeps ticking
                    self._set_status()
                    run.status_at = pacer.now
            now = time.perf_counter()
            if ((slice_s is not None and now - start >= slice_s)
                    or (until is not None and now >= until)):
                return True
        return False

    def _guarded_slices(self, run: _Run, **kwargs: Any) -> bool:
        """`_slices`, with an error shown in the red box and ending the run."""
        try:
            return self._slices(run, **kwargs)
        except Exception:
            self._show_error(traceback.format_exc())
            self._note = "stopped by an error (see the red box)"
            return False

    def _thread_main(self, run: _Run) -> None:
        self._set_threads()
        try:
            self._guarded_slices(run)
        finally:
            self._finish(run)

    async def _task_main(self, run: _Run) -> None:
        try:
            while True:
                with self._pinned_threads():
                    going = self._guarded_slices(run, slice_s=SLICE)
                if not going:
                    break
                for _ in range(YIELDS):  # the kernel's turn: widget messages, other tasks
                    await asyncio.sleep(0)
        except (asyncio.CancelledError, KeyboardInterrupt):
            pass  # Pause, `wait` or the loop's shutdown; they end the run
        finally:
            if run.task is asyncio.current_task():  # not handed on to `wait`
                self._finish(run)

    @contextlib.contextmanager
    def _pinned_threads(self):
        """This dashboard's torch threads for a stretch of steps on the kernel's thread, then the
        learner's setting back."""
        before = torch.get_num_threads()
        if before != self.threads:
            torch.set_num_threads(self.threads)
        try:
            yield
        finally:
            if before != self.threads:
                torch.set_num_threads(before)

    def _finish(self, run: _Run) -> None:
        """End a run once: draw its last step, show Start again."""
        if run.finishing:  # done, or under way (the last picture may call pause: a view)
            return
        run.finishing = True
        run.stop.set()
        try:
            with self._model_lock:
                self._publish()  # the picture of the last step
        except Exception:
            self._show_error(traceback.format_exc())
        finally:
            run.done.set()
        if run is self._run:
            self._set_button(running=False)
            self._set_status()

    # ----------------------------------------------------------------- output
    def _publish(self, fmt: str = "jpeg") -> None:
        """Capture a frame (the caller owns the models now), draw it, show it."""
        start = time.perf_counter()
        frame = self.view.capture(self.trainer)
        frame.setdefault("horizon", self._in_cell or self._target)  # where this run stops: x range
        data = fastplot.encode(self.view.draw(frame), fmt)
        self.png = data if fmt == "png" else None
        if self.image.format != fmt:
            self.image.format = fmt
        self.image.value = data
        self._set_status()
        self.frames += 1
        self.frame_seconds += time.perf_counter() - start

    def status_text(self) -> str:
        """The status line as plain text."""
        text = re.sub(r"<br>", "\n", self._status_html())
        return html.unescape(re.sub(r"<[^>]+>", "", text))

    def _status_html(self) -> str:
        cfg, n = self.trainer.config, self._last_numbers
        step = self.trainer.step_count
        if self._in_cell is not None:
            parts = ["<b>training in this cell</b> (the controls act once it ends)",
                     f"step {step} of {self._in_cell}"]
        else:
            goal = f" of {self._target}" if self._target is not None and self.running else ""
            parts = [f"<b>{'running' if self.running else 'paused'}</b>", f"step {step}{goal}"]
        if self._speed:
            parts.append(f"{self._speed:.1f} steps/s")
        lr_D, lr_G = n.get("lr_D", cfg.lr_D), n.get("lr_G", cfg.lr_G)
        parts.append(f"in use: lr_D {lr_D:.2e}, lr_G {lr_G:.2e}, k {cfg.n_critic}, {cfg.loss}")
        with self._pending_lock:
            if self._pending:
                parts.append("changes apply on the next step")
        line = " · ".join(parts)
        busy = _cores_busy(self.threads) if (self.running or self._in_cell is not None) else None
        if busy:
            line += (f"<br><span style='color:#b35900'>⚠ {html.escape(busy)}</span>")
        if self._note and not self.running:
            line += f"<br><i>{html.escape(self._note)}</i>"
        colours = {"error": "#b00020", "warning": "#b35900"}
        for flag in self._flags:
            line += (f"<br><span style='color:{colours.get(flag.level, 'black')}'>"
                     f"⚠ {html.escape(flag.message)}</span>")
        return line

    def _set_status(self) -> None:
        self.status.value = self._status_html()

    def _set_button(self, *, running: bool) -> None:
        b = self.buttons["start"]
        b.description, b.icon = ("Pause", "pause") if running else ("Start", "play")
        b.button_style = "warning" if running else "success"


def digit_picker(dash: Dashboard) -> widgets.ToggleButtons:
    """Buttons "all", 0 ... 9 that choose the class a conditional GAN's dashboard draws (lesson 8).

    The choice goes to the view (``dash.view.digit``), not to the trainer: training goes on with
    all classes; the grid shows the same fixed z with the chosen label. Paused, it redraws at once.
    """
    n_classes = getattr(dash.trainer, "n_classes", None)
    if n_classes is None or not hasattr(dash.view, "digit"):
        raise ValueError("expected a dashboard of a conditional GAN (G with n_classes) and the "
                         f"images view, got n_classes={n_classes} and {type(dash.view).__name__}")
    picker = widgets.ToggleButtons(options=["all", *range(n_classes)], value="all",
                                   description="digit",
                                   style={"button_width": "38px"})

    def choose(change: dict) -> None:
        dash.view.digit = None if change["new"] == "all" else int(change["new"])
        if not dash.running:
            dash.draw()

    picker.observe(dash._guard(choose), names="value")
    return picker
