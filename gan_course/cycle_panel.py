"""A live panel for lesson 10's CycleGAN: a lambda_cycle slider and one fixed batch translated.

    panel = CyclePanel(model, x_fixed)   # model: translation.CycleGAN, x_fixed (n, 1, 28, 28)
    panel.show(steps=gc.pick(full=600, quick=5))

Three rows of pictures update as it trains: x, G(x) and F(G(x)), next to the cycle loss and the
ink of G(x) against Y's. It follows the course dashboard's design (`gan_course.live`), in small:

- state: ``panel.history`` (a list of dicts, picklable) and the `CycleGAN` (knows no widgets);
- controls: the slider only writes ``pending``; the loop hands it to ``model.update`` before the
  next step, and a refused value shows in the red box;
- view: one Matplotlib figure built once, its images and line updated in place (``set_data``),
  rendered to PNG into an ``ipywidgets.Image``;
- in a kernel, Start trains as an asyncio task on the kernel's loop, about 20 ms of steps at a
  time, so slider messages get through between slices; headless (``GAN_COURSE_HEADLESS=1``, or
  quick mode) `show` trains its steps blocking in the cell and draws once.
"""

from __future__ import annotations

import asyncio
import html
import io
import time
import traceback

import ipywidgets as widgets
import matplotlib
import numpy as np
import torch
from IPython.display import display
from matplotlib.figure import Figure

from gan_course import plots, utils
from gan_course import translation as tr

__all__ = ["CyclePanel"]

SLICE_S = 0.02  # seconds of steps between two turns of the kernel
DRAW_EVERY_S = 0.5


class CyclePanel:
    """Controls, status and live pictures for one `translation.CycleGAN`.

    Args:
        model: the CycleGAN to train.
        x_fixed: the batch shown, (n, 1, 28, 28) in [-1, 1], n <= 16.
        ink_y: the style target drawn as a reference line (mean ink of Y), or None.
    """

    def __init__(self, model: tr.CycleGAN, x_fixed: torch.Tensor, *,
                 ink_y: float | None = None) -> None:
        if x_fixed.dim() != 4 or x_fixed.shape[1:] != (1, 28, 28) or not 1 <= len(x_fixed) <= 16:
            raise ValueError(f"expected x_fixed of shape (n, 1, 28, 28) with n <= 16, got "
                             f"{tuple(x_fixed.shape)}")
        self.model, self.x_fixed, self.ink_y = model, x_fixed, ink_y
        self.history: list[dict[str, float]] = []
        self.pending: dict[str, float] = {}
        self.task: asyncio.Task | None = None
        self._target, self._budget = 0, 0
        self.slider = widgets.FloatSlider(value=model.config.lambda_cycle, min=0.0, max=20.0,
                                          step=0.5, description="lambda_cycle")
        self.slider.observe(lambda change: self.pending.update(lambda_cycle=change["new"]),
                            names="value")
        self.button = widgets.Button(description="Start")
        self.button.on_click(lambda _: self.pause() if self.running else self.start())
        self.status = widgets.HTML()
        self.error = widgets.HTML()
        self.image = widgets.Image(format="png")
        self._build_figure()

    # ---- view: built once, updated in place -------------------------------------------------

    def _build_figure(self) -> None:
        matplotlib.use("Agg", force=False)
        self.fig = Figure(figsize=(10, 3.6), layout="constrained")
        grid = self.fig.add_gridspec(3, 2, width_ratios=(2.2, 1))
        blank = np.zeros((30, 30 * len(self.x_fixed) + 2))
        self.rows = []
        for i, name in enumerate(("x (domain X)", "G(x): X -> Y", "F(G(x)): back to X")):
            ax = self.fig.add_subplot(grid[i, 0])
            self.rows.append(ax.imshow(blank, cmap="gray", vmin=0, vmax=255))  # uint8 grids
            ax.set(xticks=[], yticks=[], ylabel=name.split(":")[0])
            ax.set_title(name, fontsize=9, loc="left")
        self.ax_loss = self.fig.add_subplot(grid[:, 1])
        (self.line_cycle,) = self.ax_loss.plot([], [], label="cycle loss (x10)")
        (self.line_ink,) = self.ax_loss.plot([], [], label="ink of G(x) / 100")
        if self.ink_y is not None:
            self.ax_loss.axhline(self.ink_y / 100, color="k", ls=":", label="ink of Y / 100")
        self.ax_loss.set(xlabel="step", ylabel="value", title="training")
        self.ax_loss.legend(fontsize=7, loc="upper right")
        self.rows[0].set_data(plots.image_grid(self.x_fixed, nrow=len(self.x_fixed)))

    def draw(self) -> None:
        """Translate the fixed batch with the current G and F and refresh the picture."""
        g = tr.translate(self.model.G, self.x_fixed)
        self.rows[1].set_data(plots.image_grid(g, nrow=len(g)))
        self.rows[2].set_data(plots.image_grid(tr.translate(self.model.F, g), nrow=len(g)))
        if self.history:
            steps = [h["step"] for h in self.history]
            self.line_cycle.set_data(steps, [10 * h["loss_cycle"] for h in self.history])
            self.line_ink.set_data(steps, [h["ink"] / 100 for h in self.history])
            self.ax_loss.relim()
            self.ax_loss.autoscale_view()
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=80)
        self.image.value = buf.getvalue()
        self._set_status()

    def _set_status(self) -> None:
        cfg = self.model.config
        self.status.value = (f"step {self.model.step_count} | lambda_cycle {cfg.lambda_cycle:g} | "
                             f"lambda_identity {cfg.lambda_identity:g}"
                             + (" | running" if self.running else ""))

    # ---- training -----------------------------------------------------------------------------

    def _train_one(self) -> None:
        if self.pending:
            changes, self.pending = self.pending, {}
            try:
                self.model.update(**changes)
            except ValueError as err:
                self._show_error(str(err))
        numbers = self.model.step()
        if self.model.step_count % 10 == 0:  # the ink of the fixed batch, every 10 steps
            numbers["ink"] = tr.ink(tr.translate(self.model.G, self.x_fixed)).mean().item()
            self.history.append({"step": self.model.step_count, **numbers})

    def run(self, steps: int) -> None:
        """Train ``steps`` steps in this cell (blocking), then draw."""
        for _ in range(steps):
            self._train_one()
        self.draw()

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, steps: int | None = None) -> None:
        """Train as a task on the running asyncio loop (a kernel) and return at once; without a
        running loop, train blocking."""
        budget = steps if steps is not None else self._budget
        self._target = self.model.step_count + budget
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.run(budget)
            return
        self.task = loop.create_task(self._task_main())
        self.button.description = "Pause"

    def pause(self) -> None:
        if self.running:
            self.task.cancel()

    async def _task_main(self) -> None:
        drawn = time.perf_counter()
        try:
            while self.model.step_count < self._target:
                start = time.perf_counter()
                while self.model.step_count < self._target and time.perf_counter() - start < SLICE_S:
                    self._train_one()
                if time.perf_counter() - drawn > DRAW_EVERY_S:
                    self.draw()
                    drawn = time.perf_counter()
                await asyncio.sleep(0)  # the kernel's turn: slider messages
        except asyncio.CancelledError:
            pass
        except Exception:
            self._show_error(traceback.format_exc())
        finally:
            self.button.description = "Start"
            self.draw()

    def _show_error(self, text: str) -> None:
        self.error.value = (f"<pre style='color:#b00; border:1px solid #b00'>"
                            f"{html.escape(text)}</pre>")

    def show(self, steps: int) -> None:
        """Display the panel. Headless: train ``steps`` now, blocking; else Start trains them."""
        self._budget = steps
        display(widgets.VBox([widgets.HBox([self.button, self.slider]), self.status,
                              self.image, self.error]))
        if utils.headless():
            self.run(steps)
        else:
            self.draw()
