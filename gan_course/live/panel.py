"""The dashboard's widgets and their wiring (`controls` builds them; this wires them).

A control's callback only queues its value in the run state (`RunState.queue`): the runner hands
it to the trainer before the next step. Buttons call the dashboard's actions. After every change,
refusal, divergence or reset the panel re-shows the values the trainer uses (`Panel.sync`).
Callbacks' errors show in the red box, never vanish.
"""

from __future__ import annotations

import contextlib
import functools
import html
import os
import time
from typing import TYPE_CHECKING

import ipywidgets as widgets

from gan_course.live import controls, drawing, fastplot, overlays, runner, views

if TYPE_CHECKING:
    from gan_course.live.dashboard import Dashboard

__all__ = ["Panel"]


class Panel:
    """Controls, buttons, the seed box, the "Start trains" menu, status, errors and the picture.

    Attributes:
        controls: hyperparameter name -> widget (set ``.value`` from code, as a slider drag does).
        buttons: "start", "step_d", "step_g", "step", "reset", "undo_reset", "share" -> button.
        layers: for a view with layers (the 2-D view), layer name -> checkbox; else empty.
        settings: the text box where Share writes `Dashboard.settings_line` (or why not).
        rewind: Rewind's widgets (`controls.make_timeline`): "slider" (``gc-timeline``), "live",
            "export", "note"; they show and export `Dashboard.timeline`.
        rewound: while an older picture shows, its step (the run goes on); None: live.
        painter: for the 2-D view, Draw's buttons and the mouse on the picture
            (`drawing.Painter`); else None.
        slow: for the 2-D view, Slow motion's widgets (`controls.make_slow_motion`); else {}.
        seed, budget, status, errors, image: the other widgets; ``widget`` holds them all.
    """

    def __init__(self, dash: Dashboard) -> None:
        self.dash = dash
        state, config = dash.state, dash.trainer.config
        self._syncing = False  # the panel itself sets the widgets: no change to queue
        self.error_box = controls.ErrorBox(state)  # first: every callback below is guarded
        self.errors = self.error_box.widget
        self.controls = controls.make_controls(config)
        for key, w in self.controls.items():
            w.observe(self.guard(functools.partial(self._on_control, key)), names="value")
        self.seed = controls.make_seed(config.seed)
        self.seed.observe(self.guard(self._on_seed), names="value")
        self.budget = controls.make_budget(state.budget)
        self.budget.observe(self.guard(self._on_budget), names="value")
        self.buttons = controls.make_buttons()
        actions = {"start": dash.toggle, "step_d": lambda: dash.step(g=False),
                   "step_g": lambda: dash.step(d=False), "step": dash.step,
                   "reset": lambda: dash.reset(seed=self.seed.value),
                   "undo_reset": dash.undo_reset, "share": self.show_settings}
        for key, action in actions.items():
            self.buttons[key].on_click(self.guard(lambda _, action=action: action()))
        self.status = controls.tagged(widgets.HTML(""), "status")
        w, h = (round(v * views.DPI) for v in views.SIZE)
        self.image = controls.make_picture(w, h)
        self.settings = controls.make_settings()
        self.rewind = controls.make_timeline()
        self.rewound: int | None = None
        self._rewound_in = 0  # the timeline's generation when rewound
        self.exported = ""  # where Export wrote last (the note says it)
        self.rewind["slider"].observe(self.guard(self._on_timeline), names="value")
        self.rewind["live"].on_click(self.guard(lambda _: dash.rewind(None)))
        self.rewind["export"].on_click(self.guard(lambda _: dash.export()))
        shown = getattr(dash.view, "layers", None)
        self.layers = {} if shown is None else controls.make_layers(shown, overlays.LAYERS)
        for key, w in self.layers.items():
            w.observe(self.guard(functools.partial(self._on_layer, key)), names="value")
        # Painting real data with the mouse, on a view that maps pixels to data (the 2-D one).
        self.painter = drawing.Painter(dash, self) if hasattr(dash.view, "to_data") else None
        # Slow motion, for the 2-D view (`gan_course.live.slowmo`).
        self.slow = controls.make_slow_motion() if hasattr(dash.view, "to_data") else {}
        if self.slow:
            self.slow["next"].on_click(self.guard(lambda _: dash.slow_motion()))
            self.slow["end"].on_click(self.guard(lambda _: dash.end_slow_motion()))
        self.widget = controls.layout(buttons=self.buttons, budget=self.budget, seed=self.seed,
                                      status=self.status, errors=self.errors, image=self.image,
                                      controls=self.controls, settings=self.settings,
                                      layers=self.layers, timeline=self.rewind,
                                      drawing=self.painter and self.painter.widgets,
                                      slow=self.slow)

    def guard(self, callback):
        """Wrap a widget callback so that its errors show in the red box (`controls.ErrorBox`)."""
        return self.error_box.guard(callback)

    def show_error(self, text: str) -> None:
        self.error_box.show(text)

    def clear_error(self) -> None:
        self.error_box.clear()

    def _on_control(self, key: str, change: dict) -> None:
        if self._syncing:
            return
        state = self.dash.state
        if key not in state.queued() and change["new"] == getattr(self.dash.trainer.config, key):
            return  # the value in use already (a widget echoing it): nothing to apply
        state.queue(**{key: change["new"]})  # the runner applies it before a step
        if not self.dash.running:
            self.set_status()

    def _on_layer(self, key: str, change: dict) -> None:
        if not self._syncing:
            try:
                self.dash.show_layers(**{key: change["new"]})
            finally:
                self.sync_layers()  # a refused value goes back to the one in use

    def sync_layers(self) -> None:
        """Each layer toggle shows whether the view draws that layer (and Share's line, when
        shown, the layers too)."""
        shown = getattr(self.dash.view, "layers", {})
        with self.quiet():
            for key, w in self.layers.items():
                w.value = shown[key]
        self.refresh_settings()

    def show_settings(self) -> None:
        """Share: show the settings line (or why there is none) under the buttons."""
        self.settings.layout.display = None
        self.refresh_settings()

    def refresh_settings(self) -> None:
        """Rewrite the shown settings line (after a change, a refusal or a reset)."""
        if self.settings.layout.display == "none":
            return
        try:
            self.settings.value = self.dash.settings_line()
        except ValueError as err:
            self.settings.value = f"# cannot share this setup: {err}"

    def _on_budget(self, change: dict) -> None:
        """The "Start trains" menu: a running run trains the new count from now (or goes on until
        Pause); a stopped one trains that many at the next Start."""
        if self._syncing:
            return
        state = self.dash.state
        state.budget = controls.budget_steps(change["new"])
        running = self.dash.running and state.budget is not None
        state.target = self.dash.trainer.step_count + state.budget if running else None
        self.set_status()

    def _on_seed(self, change: dict) -> None:
        if not self._syncing:
            try:
                self.dash.reset(seed=change["new"])
            finally:
                self.sync()  # a refused seed goes back to the one in use

    @contextlib.contextmanager
    def quiet(self):
        """Set widgets from code without their callbacks queueing anything."""
        before, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = before

    def sync(self) -> None:
        """Every control shows the value the trainer uses now (and the seed box its seed), plus
        the changes still queued for the next step; Undo reset is on when there is a run to
        bring back."""
        cfg, pending = self.dash.trainer.config, self.dash.state.queued()
        with self.quiet():
            for key, w in self.controls.items():
                controls.show_value(w, pending.get(key, getattr(cfg, key)))
            self.seed.value = cfg.seed
        self.buttons["undo_reset"].disabled = self.dash.state.undo is None

    def show_budget(self, steps: int | None = None, *, new_options: bool = False) -> None:
        """The "Start trains" menu shows the run state's budget (``steps``, the lesson's count,
        among its options when ``new_options``)."""
        budget = self.dash.state.budget
        with self.quiet():
            if new_options:
                self.budget.options = controls.budget_options(steps)
            if controls.budget_value(budget) not in [value for _, value in self.budget.options]:
                self.budget.options = controls.budget_options(budget)
            self.budget.value = controls.budget_value(budget)

    def publish(self, fmt: str = "jpeg") -> None:
        """Capture a frame (the caller holds the trainer's lock), draw it, show it."""
        dash, start = self.dash, time.perf_counter()
        frame = dash.view.capture(dash.trainer)
        data = fastplot.encode(dash.view.draw(frame, views.RunInfo(dash.state.horizon)), fmt)
        dash.png = data if fmt == "png" else None
        dash.timeline.add(dash.trainer.step_count, data, fmt)
        if self.rewound is not None and self._rewound_in != dash.timeline.generation:
            self.rewound = None  # a new run (Reset): its pictures only
        if self.rewound is None:
            self._show(fmt, data)
        self.show_timeline()
        self.set_status()
        dash.state.frames += 1
        dash.state.frame_seconds += time.perf_counter() - start

    def _show(self, fmt: str, data: bytes) -> None:
        if self.image.format != fmt:
            self.image.format = fmt
        self.image.value = data

    def _on_timeline(self, change: dict) -> None:
        if not self._syncing:
            last = len(self.dash.timeline) - 1
            self.dash.rewind(None if change["new"] >= last else change["new"])

    def rewind_to(self, index: int | None) -> None:
        """Show kept picture ``index`` (a valid one), or the newest and follow the run (None or
        the newest's index)."""
        timeline = self.dash.timeline
        if index is None or index == len(timeline) - 1:
            self.rewound = None
            if timeline.frames:
                kept = timeline.frames[-1]
                self._show(kept.fmt, kept.data)
        else:
            kept = timeline.frames[index]
            self.rewound, self._rewound_in = kept.step, timeline.generation
            self._show(kept.fmt, kept.data)
        self.show_timeline()

    def show_timeline(self) -> None:
        """The slider spans the kept pictures and points at the one shown; the note says which."""
        timeline, w = self.dash.timeline, self.rewind
        n = len(timeline)
        index = n - 1 if self.rewound is None else timeline.index_of(self.rewound)
        with self.quiet():
            slider = w["slider"]
            if index > slider.max:  # max before value: the slider clamps its value to its range
                slider.max = max(n - 1, 0)
                slider.value = max(index, 0)
            else:
                slider.value = max(index, 0)
                slider.max = max(n - 1, 0)
            slider.disabled = n < 2
        w["live"].disabled = self.rewound is None
        w["export"].disabled = n == 0
        if n == 0:
            text = "no pictures kept yet"
        else:
            span = (f"{n} pictures kept, steps {timeline.frames[0].step}-"
                    f"{timeline.frames[-1].step} ({timeline.nbytes / 2**20:.1f} of "
                    f"{timeline.budget / 2**20:.0f} MB)")
            if self.rewound is None:
                text = f"live · {span}"
            else:
                text = (f"<b>showing step {timeline.frames[index].step}</b> (training goes on; "
                        f"slide to the right end or press Live to follow) · {span}")
        if self.exported:
            text += f"<br>{html.escape(self.exported)}"
        w["note"].value = text

    def show_stage(self, stage) -> None:
        """A slow-motion stage: its picture in place of the live one, its line under it."""
        self._show("jpeg", fastplot.encode(stage.image, "jpeg"))
        self.slow["text"].value = f"<b>slow motion of step {stage.step}</b> · {html.escape(stage.text)}"
        self.slow["next"].description = ("Slow motion: next iteration" if stage.done
                                         else "Slow motion: next stage")
        self.slow["end"].disabled = False

    def end_stages(self) -> None:
        """Back from slow motion: the buttons as at first (the caller draws the live picture)."""
        if self.slow:
            self.slow["text"].value = ""
            self.slow["next"].description = "Slow motion: next stage"
            self.slow["end"].disabled = True

    def exported_to(self, path: str, frames: int) -> None:
        self.exported = f"Export wrote {frames} pictures to {os.path.abspath(path)}"
        self.show_timeline()

    def status_html(self) -> str:
        dash = self.dash
        training = dash.running or dash.state.in_cell is not None
        return dash.state.status_html(dash.trainer.config, dash.trainer.step_count,
                                      running=dash.running,
                                      busy=runner.cores_busy(dash.threads) if training else None)

    def set_status(self) -> None:
        self.status.value = self.status_html()
        self.refresh_settings()  # the line follows every change the status line shows

    def set_running(self, running: bool) -> None:
        """The Start button reads Pause while a run trains."""
        b = self.buttons["start"]
        b.description, b.icon = ("Pause", "pause") if running else ("Start", "play")
        b.button_style = "warning" if running else "success"

    def close(self) -> None:
        if self.painter is not None:
            self.painter.close()
        parts = [*self.controls.values(), *self.buttons.values(), *self.layers.values(),
                 *self.slow.values(),
                 *self.rewind.values(), self.seed, self.budget, self.settings, self.status,
                 self.errors, self.image, *self.widget.children, self.widget]
        for w in parts:  # closing a box leaves its children open in the kernel
            w.close()
