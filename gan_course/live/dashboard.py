"""The live dashboard: a GAN trains in the kernel's idle time while you move its sliders.

    dash = live.Dashboard(trainer, view="2d")
    dash.show(steps=gc.pick(full=3000, quick=60))  # press Start, drag lr_D, watch
    dash.wait()                                     # only in cells that need the trained model

How it works, and why (measured with JupyterLab 4.6, ipykernel 7.4, ipywidgets 8.1):

- A running cell blocks every widget message, so a training loop inside a cell never sees a
  slider move. `show` returns at once, and Start trains as a task on the kernel's own asyncio
  event loop, about 20 ms of steps at a time, between the kernel's widget messages, on the
  kernel's main thread, at full torch speed (`gan_course.live.runner`). The controls' callbacks
  only queue values in the run state, which the runner hands to `Trainer.update` before its next
  step. Outside an event loop (a script) Start trains its steps blocking, as headless runs do.
- The runner draws the pictures (`gan_course.live.views`) by wall-clock time, about twice a
  second, into an ``ipywidgets.Image``; drawing is kept under about 8% of the time.
- Rewind (`gan_course.live.timeline`): the pictures drawn so far stay in memory (JPEG bytes,
  at most 32 MB, thinned evenly when full); the timeline slider shows an older one while the run
  trains on, until it is slid back to its right end or Live is pressed; Export writes them as an
  animated GIF (`Dashboard.rewind`, `Dashboard.export`).
- Pause stops the run between steps (the kernel's interrupt button does not stop it). While a
  cell runs, the loop gets no turn, so training waits for the cell to end; `wait` trains the
  rest of the run in its cell. Re-running the cell, or a new dashboard on the same trainer or
  models, stops the old run first. Errors in the run or in a callback appear in a red box.
- Headless (``GAN_COURSE_HEADLESS=1`` or quick mode: nbval, scripts) `show` trains its ``steps``
  blocking in the cell through the same code and shows the final picture: the notebook has really
  trained when the cell returns, and may assert it.

Layers (STYLE.md rule 15): the run state (`state.RunState`) and the views' frames are plain data;
the `Trainer` knows nothing of widgets; the controls (`controls`, wired by `panel`) only queue
hyperparameters; the views draw; the runner (`runner`) decides when the trainer steps.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import weakref
from typing import Any

import ipywidgets as widgets
import torch
from IPython.display import Image as IPythonImage
from IPython.display import display
from torch import nn

from gan_course import presets, utils
from gan_course.live import overlays, runner, share, timeline, views
from gan_course.live.panel import Panel
from gan_course.live.state import RunState, plain_text
from gan_course.monitor import HealthMonitor
from gan_course.toys import ToyDistribution
from gan_course.training import GANConfig, Trainer, TrainingDiverged

__all__ = ["Dashboard", "stop_all", "default_threads", "digit_picker"]

_DASHBOARDS: weakref.WeakSet[Dashboard] = weakref.WeakSet()


def stop_all() -> None:
    """Pause every dashboard's training, and every A/B comparison's (`compare.Compare`), e.g.
    before training the same models by hand."""
    from gan_course.live import compare  # it builds on this module

    for run in [*_DASHBOARDS, *compare.running()]:
        run.pause()


def default_threads(trainer: Trainer) -> int:
    """torch CPU threads for a trainer: 2 for conv nets and big MLPs (MNIST), 1 for small MLPs.

    A DCGAN step is 1.6x faster on 2 threads in the main thread; a toy MLP gains nothing from a
    second thread and slows down 10x when another process competes for the cores. 1 and 2
    threads also give different bits, so the count is pinned. In a background thread the
    2-thread speed-up is lost on an idle 2-core machine (BENCHMARKS.md), which is why the
    dashboard trains on the kernel's main thread.
    """
    nets = (trainer.G, trainer.D)
    has_conv = any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
                   for net in nets for m in net.modules())
    big = sum(p.numel() for net in nets for p in net.parameters()) > 100_000
    return min(2, os.cpu_count() or 1) if has_conv or big else 1


def cell_identity() -> tuple[str | None, str | None]:
    """(cell id, request id) of the notebook cell running now, or (None, None) outside Jupyter."""
    try:
        from IPython import get_ipython

        parent = get_ipython().get_parent() or {}
        return parent.get("metadata", {}).get("cellId"), parent.get("header", {}).get("msg_id")
    except Exception:  # no IPython, or a shell without get_parent
        return None, None


def _models(trainer: Trainer) -> set[int]:
    return {id(trainer), id(trainer.G), id(trainer.D)}


def _check_arguments(trainer: Any, toy: Any, refresh: Any, threads: Any) -> None:
    if not isinstance(trainer, Trainer):
        raise ValueError(f"expected a gan_course.training.Trainer, got {type(trainer).__name__}")
    if toy is not None and not isinstance(toy, ToyDistribution):
        hint = " (call it: toy=ring())" if callable(toy) else ""
        raise ValueError(f"expected toy to be a ToyDistribution such as data.ring(), "
                         f"got {toy!r}{hint}")
    if not (isinstance(refresh, (int, float)) and refresh > 0):
        raise ValueError(f"expected refresh > 0 seconds, got {refresh!r}")
    if threads is not None:
        utils.check_count(threads, "threads")


def _retire_others(dash: Dashboard) -> None:
    """Stop the dashboards ``dash`` replaces: same cell (re-run), same name, same models."""
    mine = _models(dash.trainer)
    for other in list(_DASHBOARDS):
        rerun = (dash.cell_id is not None and other.cell_id == dash.cell_id
                 and other.request_id != dash.request_id)
        if rerun or (dash.name is not None and other.name == dash.name):
            other.close()
        elif _models(other.trainer) & mine:
            other.pause(note="paused: another dashboard took over these models")


def _pause_others(dash: Dashboard) -> None:
    """Pause the other dashboards training ``dash``'s models."""
    for other in list(_DASHBOARDS):
        if other is not dash and other.running and _models(other.trainer) & _models(dash.trainer):
            other.pause(note="paused: another dashboard started on these models")


def _check_steps(steps: Any) -> int:
    return utils.check_count(steps, "a step count", minimum=0)


class Dashboard:
    """Controls, a status line and live pictures for one `Trainer`.

    Args:
        trainer: the trainer to drive; its config gives the controls' starting values.
        view: "2d", "1d", "images" or "auto" (from the shape of G's output), or a view object
            (`views.View`: ``capture(trainer) -> frame``, ``draw(frame, info) -> PIL image``).
        toy: the toy distribution of the real data (bounds, density, modes); by default the
            trainer's sampler when it is a toy.
        name: optional; a new dashboard with the same name replaces (stops) the old one.
        refresh: seconds between pictures (wall clock); stretched when drawing is slow so that it
            takes at most about 8% of the time.
        threads: torch CPU threads while training; None for `default_threads`.
        headless: train blocking in the cell (see the module doc); None reads `utils.headless()`.
        **view_options: passed to the view, e.g. ``ema=True`` (draw G's weight average),
            ``n_fake=1000``, ``metrics_every=0`` or the 2-D view's ``layers={"arrows": False}``
            (see `show_layers`).

    Attributes:
        state: the run state (`state.RunState`: queued changes, budget, flags, errors).
        panel: the widgets (`panel.Panel`); ``controls``, ``buttons``, ``seed``, ``budget``,
            ``status``, ``errors``, ``image`` and ``widget`` are its.
        runner: how training runs (`runner.Runner`).
        monitor: the `HealthMonitor` whose flags the status line shows.
        png: the last picture when it was drawn as a PNG (headless runs, `save`).
        timeline: the pictures of the run so far (`timeline.Timeline`, at most
            `timeline.BUDGET_BYTES`), which the timeline slider scrubs (`rewind`) and `export`
            writes as a GIF.
    """

    def __init__(
        self, trainer: Trainer, *, view: Any = "auto", toy: ToyDistribution | None = None,
        name: str | None = None, refresh: float = 0.5, threads: int | None = None,
        headless: bool | None = None, **view_options: Any,
    ) -> None:
        _check_arguments(trainer, toy, refresh, threads)
        self._made = dict(view=view, toy=toy, name=name, refresh=refresh, threads=threads,
                          view_options=dict(view_options))  # for `options`
        self.trainer, self.name, self.refresh = trainer, name, float(refresh)
        self.headless = utils.headless() if headless is None else bool(headless)
        self.threads = default_threads(trainer) if threads is None else threads
        self.cell_id, self.request_id = cell_identity()
        _retire_others(self)  # before touching G and D: an old run may be training them
        if toy is None and isinstance(trainer.real, ToyDistribution):
            toy = trainer.real
        self.monitor, self.state, self.png = HealthMonitor(), RunState(), None
        self.timeline = timeline.Timeline()
        self.lock = runner.trainer_lock(trainer)  # held by whoever steps the trainer or draws
        self.runner = runner.Runner(self)
        self._closed = False
        self._slow = None  # slow motion (`slow_motion`), built at its first use
        with self.lock:
            utils.set_threads(self.threads)
            self.view = (views.make_view(view, trainer, toy, **view_options)
                         if isinstance(view, str) else view)
        p = self.panel = Panel(self)
        self.controls, self.buttons, self.seed, self.budget = p.controls, p.buttons, p.seed, p.budget
        self.status, self.errors, self.image, self.widget = p.status, p.errors, p.image, p.widget
        p.set_status()
        _DASHBOARDS.add(self)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    error = property(lambda self: self.state.error, doc="The last error in the red box, or None.")
    diverged = property(lambda self: self.state.diverged, doc="The last divergence, or None.")
    frames = property(lambda self: self.state.frames, doc="Pictures drawn so far.")
    frame_seconds = property(lambda self: self.state.frame_seconds, doc="Seconds they took.")

    @property
    def running(self) -> bool:
        """True while a run trains (and was not asked to stop)."""
        return self.runner.running

    @property
    def backend(self) -> str | None:
        """How the current or last run trains: "task" (the kernel's event loop), or None."""
        return None if self.runner.run is None else "task"

    # ----------------------------------------------------------------- actions
    def start(self, steps: int | None = None) -> None:
        """Start training and return at once, as a task on the calling thread's running asyncio
        loop (a Jupyter kernel); Pause stops it. Outside an event loop it trains blocking.

        A run stops by itself after ``steps`` steps (default: the "Start trains" menu's count,
        None for until Pause); the next Start trains as many more.
        """
        self._refuse_if_closed()
        state = self.state
        if steps is not None:
            state.budget, state.target = _check_steps(steps), None
            self.panel.show_budget()
        if self.running or not self.runner.end():
            return
        if self._slow is not None and (self._slow.in_progress or self.panel.slow["text"].value):
            self.end_slow_motion()  # the run's pictures replace the stage's
        _pause_others(self)  # two runs must never step the same models
        step = self.trainer.step_count
        if state.budget is not None and (state.target is None or step >= state.target):
            state.target = step + state.budget
        self.monitor.recovered()
        state.diverged, state.note = None, None
        self.panel.clear_error()
        loop = runner.running_loop()
        if loop is None:  # a script: no loop to share with widget messages, so train here
            if state.target is None:
                raise ValueError("outside an event loop (a script) Start trains blocking, so it "
                                 "needs a step count: start(steps=...) or run(steps)")
            self.run(state.target - step)
            return
        self.panel.set_running(True)
        self.runner.start(loop)
        self.panel.set_status()  # "running" at once, not at the first picture

    def toggle(self) -> None:
        """Start, or Pause while running (the Start button)."""
        if self.running:
            self.pause()
        else:
            self.start()

    def pause(self, *, note: str | None = None) -> None:
        """Stop training after the current step (waits for it if the run is on another thread)."""
        self.runner.end()
        self.panel.set_running(False)
        if note:
            self.state.note = note
        self.panel.set_status()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the current run ends (its step budget, Pause, an error). In a kernel the
        cell trains the rest of the run itself, and after ``timeout`` s hands what is left back."""
        self.runner.wait(timeout)

    def close(self) -> None:
        """Stop training and remove the widgets (a re-run cell does this to the old dashboard).
        A closed dashboard refuses to train again."""
        self._closed = True
        self.pause()
        self.panel.close()
        _DASHBOARDS.discard(self)

    def step(self, *, d: bool = True, g: bool = True) -> dict[str, float] | None:
        """One training step on the calling thread (pausing a run first), then a new picture.
        Returns the step's numbers, or None if the trainer diverged (see `diverged`)."""
        with self._paused():
            numbers = self.runner.train_one(d=d, g=g)
            self.panel.publish()
        return numbers

    def reset(self, seed: int | None = None) -> None:
        """Back to the initial weights of this seed, or to fresh weights drawn from a new ``seed``.
        While training runs, the run resets before its next step and goes on. A seed the trainer
        cannot take raises ValueError and changes nothing."""
        if seed is not None and seed != self.trainer.config.seed:
            seed = utils.check_seed(seed)
            if self.trainer.build is None:
                raise ValueError("this trainer was built from ready-made networks, so it can only "
                                 "reset to its initial weights; build it with presets (or "
                                 "Trainer(..., build=...)) to draw new ones from a seed")
            with self.panel.quiet():
                self.seed.value = seed
        if self._slow is not None and self._slow.in_progress:
            self.end_slow_motion()  # its stages belong to the run being reset
        self.state.request_reset(seed)
        if not self.running:
            with self._paused():
                self.runner.apply_pending()
                self.panel.publish()

    def undo_reset(self) -> None:
        """Back to the run the last Reset discarded: weights, optimizers, history, seed."""
        if self.state.undo is None:
            raise ValueError("nothing to undo: no Reset has discarded a run yet")
        with self._paused():
            self.trainer.load_state_dict(self.state.undo)
            self.state.undo = None
            self.monitor.reset()
            self.state.forget_run()
            self.timeline.clear()  # the pictures of the run brought back are gone
            self.panel.sync()
            self.panel.publish()

    def run(self, steps: int) -> None:
        """Train ``steps`` steps blocking in the calling thread (the headless path), then draw.
        Stops early, keeping the last good weights, if the trainer diverges (see `diverged`)."""
        steps = _check_steps(steps)
        with self._paused():
            self.monitor.recovered()
            self.state.diverged = None
            self.runner.blocking(steps)
            self.panel.publish(fmt="png")

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
        self.state.budget, self.state.target = None if until_pause else steps, None
        self.panel.show_budget(steps, new_options=True)
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
        try:  # all of it valid together, or nothing queued
            self.trainer.checked(**self.state.queued(**changes))
        except ValueError as err:
            self.panel.show_error(f"could not apply {changes}: {err}")
            return
        self.state.queue(**changes)
        self.panel.sync()
        if not self.running:
            self.panel.set_status()

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

    def rewind(self, index: int | None = None) -> None:
        """Show the kept picture ``index`` (0: the oldest; `timeline` ``.steps`` lists their
        steps), as the timeline slider does; None, or the newest index: live again.

        Rewinding never pauses or slows training: a running dashboard keeps training and keeping
        pictures, while the picture stays on the chosen one until the slider is moved to its right
        end or Live is pressed. The note under the picture says which step shows. A bad index
        (none kept, not an int, out of range) raises ValueError and changes nothing."""
        if index is not None:
            index = self.timeline.check_index(index)
        self.panel.rewind_to(index)

    @property
    def rewound(self) -> int | None:
        """The step of the older picture shown while rewound, or None (live)."""
        return self.panel.rewound

    def export(self, path: str | os.PathLike | None = None) -> str:
        """Write the kept pictures (`timeline`) as an animated GIF and return its path; the
        Export button writes ``<name or "gan-run">.gif`` in the working directory (the
        notebook's), and the note under the picture says where. The cell waits while it writes
        (about 13 ms a picture of the 2-D view; training waits too). ValueError, writing
        nothing, when no picture is kept or the path does not end in .gif."""
        if path is None:
            path = os.path.abspath(f"{self.name or 'gan-run'}.gif")
        written = timeline.export(self.timeline, path)
        self.panel.exported_to(written, len(self.timeline))
        return written

    def use_data(self, real: Any, toy: ToyDistribution | None = None) -> None:
        """Train on other real data from the next step on, from G's and D's current weights
        (Draw's Train on drawing does this with the painted points, `toys.drawn`); a running run
        goes on. ``real`` is a sampler (``.sample(n, generator=...)``) of G's output shape, e.g.
        a toy (then ``toy`` defaults to it: bounds, modes, KL / JS). The view draws the new data
        from its next picture. ValueError, changing nothing, for a sampler of another shape.
        The run can no longer be shared as one line (`settings_line` says why)."""
        self._refuse_if_closed()
        if toy is None and isinstance(real, ToyDistribution):
            toy = real
        with self.lock:  # between two steps: a run on this thread holds it only while stepping
            probe = real.sample(4, generator=torch.Generator().manual_seed(0))
            fake = self.trainer.generate(self.trainer.fixed_z[:1])  # leaves the run's RNG alone
            if not isinstance(probe, torch.Tensor) or probe.shape[1:] != fake.shape[1:]:
                shape = getattr(probe, "shape", type(probe).__name__)
                raise ValueError(f"expected real data shaped like G's output (n, "
                                 f"{', '.join(map(str, fake.shape[1:]))}), got a sampler giving "
                                 f"{tuple(shape) if isinstance(shape, torch.Size) else shape}")
            self.trainer.real = real
            if hasattr(self.view, "set_data"):
                self.view.set_data(real, toy)
            record = presets.built(self.trainer)
            if record is not None and record.unshareable is None:
                self.trainer.built = dataclasses.replace(
                    record, unshareable="it trains on data drawn or given in the dashboard "
                                        "(use_data), which no line can name")
            self.monitor.reset()
        self.panel.refresh_settings()
        if not self.running:
            self.draw()

    def slow_motion(self):
        """The next stage of one real training iteration, shown in place of the live picture
        with its line of text under it (the Slow motion button; `gan_course.live.slowmo`); the
        first stage of an iteration takes the step (a run is paused first; queued changes apply
        to it), the later ones replay what it did. Returns the `slowmo.Stage`. After the last
        stage, the next call starts a new iteration; `end_slow_motion` (or Start) goes back to
        the live picture. ValueError for a view other than the 2-D one."""
        if not self.panel.slow:
            raise ValueError(f"slow motion draws the 2-D view; this dashboard's view is "
                             f"{type(self.view).__name__}")
        from gan_course.live import slowmo  # the first call builds its figure

        if self.panel.rewound is not None:
            self.rewind(None)  # the stages follow the live run, not an old picture
        with self._paused():
            if self._slow is None:
                self._slow = slowmo.SlowMotion(self.trainer, self.view)
            if not self._slow.in_progress:  # a new iteration: a real step, as a Step button's
                self.runner.apply_pending()
                try:
                    stage = self._slow.advance()
                except TrainingDiverged as err:
                    self.state.diverged = str(err)
                    self.state.flags = self.monitor.diverged(str(err))
                    self.panel.sync()
                    self.panel.set_status()
                    raise
                numbers = self.trainer.history[-1]
                self.state.numbers = numbers
                self.state.flags = self.monitor.update(numbers, loss=self.trainer.config.loss)
                self.panel.set_status()
            else:
                stage = self._slow.advance()
            self.panel.show_stage(stage)
        return stage

    def end_slow_motion(self) -> None:
        """Leave slow motion: the rest of the iteration's stages are skipped (its step was taken
        at its first stage) and the live picture comes back."""
        if self._slow is not None:
            self._slow.finish()
        self.panel.end_stages()
        if not self._closed and not self.running:
            self.draw()

    def show_layers(self, **shown: bool) -> None:
        """Show or hide the 2-D view's layers, e.g. ``show_layers(arrows=False, heat=True)``
        ("real", "fake", "heat", "arrows", "manifold"). The next picture obeys (at once when paused);
        training is never held up. ValueError for an unknown layer, a value not True/False or
        a view without layers; then nothing changes."""
        if not hasattr(self.view, "set_layers"):
            raise ValueError(f"this dashboard's view ({type(self.view).__name__}) has no layers; "
                             "the 2-D view (view='2d') has")
        self.view.set_layers(**shown)
        self.panel.sync_layers()
        if not self.running and not self._closed:
            self.draw()

    def options(self) -> dict[str, Any]:
        """The options this dashboard was made with that differ from the defaults (view, view
        options, name, refresh, threads), with the 2-D view's hidden layers, as `settings_line`
        writes them. ValueError when one cannot be written (a view object, a toy of your own)."""
        made = self._made
        if not isinstance(made["view"], str):
            raise ValueError("this dashboard draws a view object of your own, which no line can "
                             "build; share a dashboard with view='2d', '1d', 'images' or 'auto'")
        if made["toy"] is not None and made["toy"] is not self.trainer.real:
            raise ValueError("this dashboard was given a toy other than the trainer's data, "
                             "which no line can name")
        options: dict[str, Any] = {"view": made["view"]} if made["view"] != "auto" else {}
        options.update(made["view_options"])
        changed = {k: v for k, v in getattr(self.view, "layers", {}).items()
                   if v != overlays.DEFAULT_LAYERS[k]}  # the layers not as a new view has them
        options.pop("layers", None)
        if changed:
            options["layers"] = changed
        defaults = {"name": None, "refresh": 0.5, "threads": None}
        options.update({k: made[k] for k, v in defaults.items() if made[k] != v})
        return options

    def settings_line(self) -> str:
        """One line of Python that builds this dashboard again with its current settings: the
        preset and its arguments, the seed, every setting that differs from the recipe's (those
        queued for the next step included), the view and its options (`share`). Evaluate it
        where ``from gan_course import live`` ran. ValueError, saying why, when the trainer was
        not built by `gan_course.presets` (or was given networks or data of your own)."""
        return share.settings_line(self)

    @classmethod
    def from_settings(cls, preset: str, *, config: dict | None = None,
                      dashboard: dict | None = None, **arguments: Any) -> Dashboard:
        """The dashboard a `settings_line` writes: ``presets.<preset>(**arguments, **config)``
        (``preset``: "toy_trainer" or "mnist_trainer"), shown by ``Dashboard(trainer,
        **dashboard)``."""
        return share.from_settings(cls, preset, config=config, dashboard=dashboard, **arguments)

    def status_text(self) -> str:
        """The status line as plain text."""
        return plain_text(self.panel.status_html())

    def stopped(self) -> None:
        """The runner's current run has ended: Start again."""
        self.panel.set_running(False)
        self.panel.set_status()

    # ----------------------------------------------------------------- plumbing
    @contextlib.contextmanager
    def _paused(self):
        """Train or draw from the calling thread: no run, the trainer's lock, our threads."""
        self._refuse_if_closed()
        if self.running:
            self.pause()
        with self.lock:
            utils.set_threads(self.threads)
            yield

    def _refuse_if_closed(self) -> None:
        if self._closed:
            raise RuntimeError("this dashboard was closed; make a new one to train: "
                               "live.Dashboard(trainer)")



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

    picker.observe(dash.panel.guard(choose), names="value")
    return picker
