"""The live dashboard's controls: widgets that write hyperparameters, and nothing else.

`gan_course.live.panel` wires them: a control's callback copies its value into the run state's
pending changes, which the runner hands to `Trainer.update` before its next step. Every control
carries a CSS class ``gc-<name>`` (``gc-lr_D``, ``gc-start``, ...) so that tests and tutorials
can find it.
"""

from __future__ import annotations

import functools
import html
import math
import traceback
from typing import Any

import ipywidgets as widgets

from gan_course import losses
from gan_course.training import GANConfig
from gan_course.utils import MAX_SEED

__all__ = ["LOSS_OPTIONS", "BATCH_SIZES", "make_controls", "make_buttons", "make_seed",
           "make_budget", "budget_options", "budget_value", "budget_steps", "layout", "show_value",
           "tagged", "PAUSE", "UNTIL_PAUSE", "make_layers", "make_settings", "make_timeline",
           "make_slow_motion", "ErrorBox", "make_picture"]

LOSS_OPTIONS = [(loss.label, loss.name) for loss in losses.LOSSES.values()]  # the loss menu
BATCH_SIZES = (16, 32, 64, 128, 256, 512)
LR_RANGE = (1e-5, 1e-1)  # the learning-rate sliders' ends (log scale)

def _look(width: int, label: int) -> dict:
    """Layout and style of a control ``width`` pixels wide with a ``label``-pixel description:
    three controls fit a row of JupyterLab's output area next to the file browser."""
    return {"layout": widgets.Layout(width=f"{width}px"),
            "style": {"description_width": f"{label}px"}}


def tagged(widget: widgets.DOMWidget, name: str) -> widgets.DOMWidget:
    widget.add_class(f"gc-{name}")
    return widget


def make_controls(config: GANConfig) -> dict[str, widgets.ValueWidget]:
    """One widget per live hyperparameter, starting at ``config``'s values; keys are field names."""
    lo, hi = LR_RANGE

    # continuous_update=False everywhere: the value goes to Python when the learner lets go.
    # With it on, the browser sends the slider's own position when it first draws it, snapped
    # to the step (3e-3 came back as 3.16e-3), and that silently replaced the configured value.
    def lr(name: str, value: float) -> widgets.FloatLogSlider:
        # Wide: four decades on a short track make every pixel a big jump.
        w = widgets.FloatLogSlider(value=lo, base=10, min=-5, max=-1, step=0.05,
                                   readout_format=".2e", description=name,
                                   continuous_update=False, **_look(320, 40))
        return show_value(w, value)

    def slider(text: str, value: float, top: float, step: float, label: int):
        return widgets.FloatSlider(value=value, min=0, max=top, step=step, description=text,
                                   continuous_update=False, **_look(250, label))

    sizes = sorted(set(BATCH_SIZES) | {config.batch_size})
    controls = {
        "lr_D": lr("lr_D", config.lr_D),
        "lr_G": lr("lr_G", config.lr_G),
        "noisy_labels": widgets.Checkbox(value=config.noisy_labels, description="noisy labels",
                                         indent=False, layout=widgets.Layout(width="120px")),
        "n_critic": widgets.IntSlider(value=config.n_critic, min=1, max=max(10, config.n_critic),
                                      description="k (D steps)", continuous_update=False,
                                      **_look(250, 80)),
        "loss": widgets.Dropdown(options=LOSS_OPTIONS, value=config.loss, description="loss",
                                 **_look(250, 40)),
        "batch_size": widgets.Dropdown(options=sizes, value=config.batch_size,
                                       description="batch size", **_look(190, 70)),
        "instance_noise": slider("instance noise", config.instance_noise, 1, 0.01, 95),
        "label_smoothing": slider("label smoothing", config.label_smoothing, 0.5, 0.05, 105),
        "label_flip": slider("label flip", config.label_flip, 0.5, 0.01, 70),
    }
    return {name: tagged(w, name) for name, w in controls.items()}


def show_value(widget: widgets.ValueWidget, value) -> widgets.ValueWidget:
    """Set ``widget`` to exactly ``value``, widening its range or options when the value lies
    outside them, so that a control always shows the value the trainer uses."""
    if isinstance(widget, widgets.FloatLogSlider):
        if value > 0:
            exponent = math.log10(value)
            widget.min = min(widget.min, math.floor(exponent))
            widget.max = max(widget.max, math.ceil(exponent))
    elif isinstance(widget, (widgets.IntSlider, widgets.FloatSlider)):
        widget.max = max(widget.max, value)
        widget.min = min(widget.min, value)
    elif isinstance(widget, widgets.Dropdown):
        values = [o[1] if isinstance(o, tuple) else o for o in widget.options]
        if value not in values:
            widget.options = sorted([*widget.options, value])
    widget.value = value
    return widget


def make_buttons() -> dict[str, widgets.Button]:
    """Start/Pause, Step D, Step G, Step both, Reset (callbacks are attached by the dashboard)."""
    specs = {
        "start": ("Start", "play", "train for as long as the Start trains menu says"),
        "step_d": ("Step D", "step-forward", "one update of D only"),
        "step_g": ("Step G", "step-forward", "one update of G only"),
        "step": ("Step both", "step-forward", "k updates of D, then one of G"),
        "reset": ("Reset", "undo", "back to the initial weights of this seed"),
        "undo_reset": ("Undo reset", "redo", "back to the run the last Reset discarded"),
        "share": ("Share", "share-alt", "one line of Python that rebuilds this dashboard with "
                                        "its current settings"),
    }
    buttons = {key: tagged(widgets.Button(description=text, icon=icon, tooltip=tip,
                                           layout=widgets.Layout(width="auto")), key)
               for key, (text, icon, tip) in specs.items()}
    buttons["start"].button_style = "success"
    buttons["undo_reset"].disabled = True  # until a Reset discards a run
    return buttons


class ErrorBox:
    """The red box: a widget callback's error shows here (ipywidgets would only log it), and
    ``state.error`` (a run state's) holds its text. ``widget`` carries ``gc-<name>``."""

    def __init__(self, state: Any, name: str = "errors") -> None:
        self.state = state
        self.widget = tagged(widgets.HTML("", layout=widgets.Layout(display="none")), name)

    def guard(self, callback):
        """``callback`` with its errors shown in the box."""
        @functools.wraps(callback)
        def guarded(*args: Any, **kwargs: Any):
            try:
                return callback(*args, **kwargs)
            except Exception:
                self.show(traceback.format_exc())
        return guarded

    def show(self, text: str) -> None:
        self.state.error = text
        self.widget.value = (f"<pre style='color:#b00020;background:#fff0f0;padding:6px;"
                             f"white-space:pre-wrap;margin:0'>{html.escape(text)}</pre>")
        self.widget.layout.display = None

    def clear(self) -> None:
        self.state.error = None
        self.widget.value = ""
        self.widget.layout.display = "none"


def make_picture(width: int, height: int, name: str = "image") -> widgets.Image:
    """The picture, its size set in CSS rather than left to the image: JupyterLab skips the
    layout of cells off screen (content-visibility), and a picture that arrived there kept a
    0 x 0 box until the next one (lesson 04's ring and collapse dashboards after Run All, in
    Chromium). object-fit keeps its proportions when a narrow window shrinks the width."""
    image = widgets.Image(format="jpeg", width=width, height=height,
                          layout=widgets.Layout(width=f"{width}px", height=f"{height}px",
                                                max_width="100%", object_fit="contain"))
    return tagged(image, name)


def make_seed(seed: int) -> widgets.BoundedIntText:
    """The seed box; a new value (on Enter) restarts from fresh weights."""
    return tagged(widgets.BoundedIntText(value=seed, min=0, max=MAX_SEED, description="seed",
                                          continuous_update=False, **_look(150, 40)), "seed")


def make_layers(shown: dict[str, bool], labels: dict[str, str]) -> dict[str, widgets.Checkbox]:
    """One checkbox per layer of the picture (CSS class ``gc-layer-<name>``): what the next
    picture shows; the view reads them, the trainer never does."""
    return {name: tagged(widgets.Checkbox(value=shown[name], description=labels[name],
                                          indent=False, layout=widgets.Layout(width="auto")),
                         f"layer-{name}")
            for name in labels}


def make_settings() -> widgets.Textarea:
    """Where Share writes its line (hidden until pressed; select it and copy)."""
    return tagged(widgets.Textarea(value="", description="share", disabled=False,
                                   layout=widgets.Layout(width="98%", height="52px",
                                                         display="none"),
                                   style={"description_width": "40px"}), "settings")


def make_timeline() -> dict[str, widgets.DOMWidget]:
    """Rewind: the timeline slider over the kept pictures (``gc-timeline``; at its right end it
    follows the run), Live (``gc-live``), Export GIF (``gc-export``) and a note saying which
    picture shows and where Export wrote (``gc-timeline-note``)."""
    slider = widgets.IntSlider(value=0, min=0, max=0, description="rewind", disabled=True,
                               readout=False, continuous_update=True, **_look(320, 50))
    live = widgets.Button(description="Live", icon="forward", disabled=True,
                          tooltip="back to the newest picture, following the run",
                          layout=widgets.Layout(width="auto"))
    export = widgets.Button(description="Export GIF", icon="film", disabled=True,
                            tooltip="write the kept pictures as an animated GIF",
                            layout=widgets.Layout(width="auto"))
    note = widgets.HTML("")
    parts = {"slider": (slider, "timeline"), "live": (live, "live"),
             "export": (export, "export"), "note": (note, "timeline-note")}
    return {key: tagged(w, name) for key, (w, name) in parts.items()}


def make_slow_motion() -> dict[str, widgets.DOMWidget]:
    """Slow motion (`gan_course.live.slowmo`): "next" (``gc-slowmo``) shows the next stage of one
    real iteration, "end" (``gc-slowmo-end``) goes back to the live picture, "text"
    (``gc-stage``) is the stage's line."""
    nxt = widgets.Button(description="Slow motion: next stage", icon="step-forward",
                         tooltip="one training iteration, stage by stage (training pauses)",
                         layout=widgets.Layout(width="auto"))
    end = widgets.Button(description="End slow motion", icon="times", disabled=True,
                         tooltip="the rest of this iteration at once, and the live picture",
                         layout=widgets.Layout(width="auto"))
    text = widgets.HTML("")
    return {"next": tagged(nxt, "slowmo"), "end": tagged(end, "slowmo-end"),
            "text": tagged(text, "stage")}


# The menu's value for "until Pause" (a run's budget None). Not None itself: a Dropdown whose
# value is None has nothing selected, so the browser would show no choice at all.
PAUSE = "pause"
UNTIL_PAUSE = ("until Pause", PAUSE)


def budget_options(steps: int | None) -> list[tuple[str, int | str]]:
    """The "Start trains" menu: ``steps`` (the lesson's run), round numbers, and until Pause."""
    counts = sorted({100, 1000, 10000} | ({steps} if steps else set()))
    return [*((f"{n:,} steps", n) for n in counts), UNTIL_PAUSE]


def budget_value(steps: int | None) -> int | str:
    """The menu's value for a budget of ``steps`` (None: until Pause)."""
    return PAUSE if steps is None else steps


def budget_steps(value: int | str) -> int | None:
    """The budget a menu value stands for (None: until Pause)."""
    return None if value == PAUSE else value


def make_budget(steps: int | None) -> widgets.Dropdown:
    """How many steps one Start trains (None: until Pause); the status line counts them down."""
    return tagged(widgets.Dropdown(options=budget_options(steps), value=budget_value(steps),
                                    description="Start trains", **_look(220, 80)), "budget")


def layout(*, buttons, budget, seed, status, errors, image, controls, settings=None,
           layers=None, timeline=None, drawing=None, slow=None) -> widgets.VBox:
    """Buttons and status on top (with Share's line under them), the picture, the timeline
    (`make_timeline`), the layer toggles, Draw's buttons (`gan_course.live.drawing`) and Slow
    motion's (`make_slow_motion`) if any, then the hyperparameters in three rows."""
    c = controls

    def row(items):
        return widgets.HBox(items, layout=widgets.Layout(flex_flow="row wrap"))

    top = [row([*buttons.values(), budget, seed]), *([settings] if settings else []), status,
           errors, image]
    if timeline:
        top.append(row(list(timeline.values())))
    if layers:
        top.append(row(list(layers.values())))
    if drawing:
        top.append(row(list(drawing.values())))
    if slow:
        top.append(row(list(slow.values())))
    return widgets.VBox([
        *top,
        row([c["lr_D"], c["lr_G"], c["noisy_labels"]]),
        row([c["n_critic"], c["loss"], c["batch_size"]]),
        row([c["instance_noise"], c["label_smoothing"], c["label_flip"]]),
    ])
