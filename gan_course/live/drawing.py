"""Draw your own distribution: paint real data on the 2-D view with the mouse (lesson 4).

Press Draw, drag over the plane: each mouse position becomes a painted point (black crosses on
the next picture). Train on drawing turns the points into the real data
(`gan_course.toys.drawn`: a Gaussian kernel estimate, so D* and the KL / JS read-out stay exact)
and training goes on against it, from G's and D's current weights; Clear forgets the points.

The mouse comes from ipyevents (``ipyevents.Event`` watching the picture, an
``ipywidgets.Image``), chosen over anywidget and ipycanvas because the dashboard's picture
already is an Image widget: ipyevents adds mouse events to that widget as it is, with
coordinates in the picture's own pixels whatever its size on screen ("data" coordinates), and
installs with pip alone (its JupyterLab extension is prebuilt). ipycanvas would replace the
picture with a canvas, anywidget would mean writing the front-end's JavaScript ourselves.

Painting never touches the trainer: the points are kept here and drawn by the view. Train on
drawing swaps the trainer's real sampler between two steps (`Dashboard.use_data`); a running
run goes on at its next turn.
"""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np

from gan_course import toys
from gan_course.live import controls

if TYPE_CHECKING:
    from gan_course.live.dashboard import Dashboard
    from gan_course.live.panel import Panel

__all__ = ["Painter", "REDRAW_EVERY"]

REDRAW_EVERY = 0.15  # seconds between pictures while painting on a paused dashboard
MOVE_THROTTLE_MS = 15  # the browser sends a mouse move at most this often


class Painter:
    """The Draw, Train on drawing and Clear buttons, their note, and the mouse on the picture.

    Attributes:
        points: the painted points, in data coordinates, not yet trained on.
        widgets: "draw" (a toggle, ``gc-draw``), "use" (``gc-draw-use``), "clear"
            (``gc-draw-clear``), "note" (``gc-draw-note``).
        events: the ipyevents watchers of the picture (moves, throttled; presses and releases).
    """

    def __init__(self, dash: Dashboard, panel: Panel) -> None:
        import ipyevents  # here: only a dashboard with a 2-D view needs it

        self.dash = dash
        self.points: list[tuple[float, float]] = []
        self._drawn_at = 0.0
        guard = panel.guard
        draw = widgets.ToggleButton(value=False, description="Draw", icon="pencil",
                                    tooltip="paint the real data: drag the mouse over the plane",
                                    layout=widgets.Layout(width="auto"))
        use = widgets.Button(description="Train on drawing", icon="check", disabled=True,
                             tooltip="the painted points become the real data; training goes on",
                             layout=widgets.Layout(width="auto"))
        clear = widgets.Button(description="Clear", icon="eraser", disabled=True,
                               tooltip="forget the painted points", layout=widgets.Layout(width="auto"))
        note = widgets.HTML("")
        self.widgets = {"draw": controls.tagged(draw, "draw"), "use": controls.tagged(use, "draw-use"),
                        "clear": controls.tagged(clear, "draw-clear"),
                        "note": controls.tagged(note, "draw-note")}
        draw.observe(guard(self._on_draw), names="value")
        use.on_click(guard(lambda _: self.use()))
        clear.on_click(guard(lambda _: self.clear()))
        moves = ipyevents.Event(source=panel.image, watched_events=["mousemove"],
                                prevent_default_action=True, throttle_or_debounce="throttle",
                                wait=MOVE_THROTTLE_MS)
        presses = ipyevents.Event(source=panel.image, watched_events=["mousedown", "mouseup"],
                                  prevent_default_action=True)  # no drag of the picture itself
        moves.on_dom_event(guard(self.on_mouse))
        presses.on_dom_event(guard(self.on_mouse))
        self.events = [moves, presses]
        self._say()

    @property
    def drawing(self) -> bool:
        """True while Draw is pressed: mouse drags paint."""
        return self.widgets["draw"].value

    def on_mouse(self, event: dict[str, Any]) -> None:
        """A browser mouse event on the picture: paint while Draw is on and a button is held."""
        kind = event.get("type")
        if not self.drawing:
            return
        if kind == "mouseup":
            self._show(force=True)
            return
        held = kind == "mousedown" or int(event.get("buttons", 0)) & 1
        if held:
            self.paint(event.get("dataX"), event.get("dataY"))

    def paint(self, px: float | None, py: float | None) -> bool:
        """Add the point under pixel (px, py) of the picture; False when it is off the plane."""
        if px is None or py is None:
            return False
        point = self.dash.view.to_data(float(px), float(py))
        if point is None:
            return False
        self.points.append(point)
        self._show()
        return True

    def clear(self) -> None:
        """Forget the painted points."""
        self.points.clear()
        self._show(force=True)

    def use(self) -> None:
        """Train on the painted points (`gan_course.toys.drawn`); a drawing that cannot be data
        (no point, all in one spot) says why in the note and the red box, and changes nothing."""
        x0, x1, y0, y1 = self.dash.view.bounds
        try:
            toy = toys.drawn(np.array(self.points).reshape(-1, 2), bounds=((x0, x1), (y0, y1)))
        except ValueError as err:
            self._say(error=str(err))
            self.dash.panel.show_error(f"cannot train on this drawing: {err}")
            return
        self.dash.use_data(toy)
        self.points.clear()
        self.widgets["draw"].value = False
        self._show(force=True)
        self._say(done=f"training on your drawing: {toy.n_modes} points, each a Gaussian of "
                       f"std {toy.std:.3g} (Draw again to change it)")

    # ----------------------------------------------------------------- plumbing
    def _on_draw(self, change: dict) -> None:
        if change["new"] and self.dash.rewound is not None:
            self.dash.rewind(None)  # paint on the live picture, not an old one
        self._say()

    def _show(self, *, force: bool = False) -> None:
        """Hand the points to the view; a paused dashboard redraws (at most every REDRAW_EVERY
        s while a drag goes on), a running one shows them in its next picture."""
        self.dash.view.painted = np.array(self.points, dtype=float).reshape(-1, 2)
        n = len(self.points)
        self.widgets["use"].disabled = n == 0
        self.widgets["clear"].disabled = n == 0
        now = time.perf_counter()
        if not self.dash.running and (force or now - self._drawn_at >= REDRAW_EVERY):
            self.dash.draw()
            self._drawn_at = time.perf_counter()
        self._say()

    def _say(self, *, error: str | None = None, done: str | None = None) -> None:
        n = len(self.points)
        if error:
            text = f"<span style='color:#b00020'>{html.escape(error)}</span>"
        elif done:
            text = html.escape(done)
        elif self.drawing:
            text = (f"drag over the plane to paint real data · {n} points painted (black "
                    "crosses) · then Train on drawing")
        elif n:
            text = f"{n} points painted · Train on drawing makes them the real data"
        else:
            text = "Draw: paint your own real data with the mouse"
        self.widgets["note"].value = text

    def close(self) -> None:
        for w in [*self.widgets.values(), *self.events]:
            w.close()
