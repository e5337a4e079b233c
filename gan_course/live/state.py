"""A dashboard's run state: plain data (no widgets, no trainer), so it pickles and tests read it.

The controls' callbacks queue changes here; the runner hands them to the trainer before its next
step (`take`). The status line is a function of this state and the trainer's config
(`status_html`), so the same words reach the widget, `Dashboard.status_text` and the tests.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from gan_course.monitor import Flag
from gan_course.training import GANConfig

__all__ = ["RunState", "plain_text"]

_COLOURS = {"error": "#b00020", "warning": "#b35900"}


@dataclass
class RunState:
    """What a dashboard knows about its run, besides the trainer and the widgets.

    Attributes:
        pending: control values waiting for the next step (field name -> value).
        resets: a reset waiting for the next step: ``[seed]`` (None: the same seed), or ``[]``.
        budget: steps one Start trains (None: until Pause); the "Start trains" menu shows it.
        target: the step at which the current run stops (None: at Pause).
        in_cell: the step a blocking run in a cell trains to, while it does (else None).
        note: why the last run stopped.
        flags: the health monitor's flags after the last step.
        numbers: the last step's numbers (`Trainer.step`).
        speed: steps per second, measured between pictures.
        changed_at: when (``time.perf_counter``) the trainer last took a queued change.
        diverged: the last `TrainingDiverged` message, or None.
        error: the text of the last error shown in the red box, or None.
        undo: the trainer's `state_dict` before the last Reset (for Undo reset), or None.
        frames, frame_seconds: pictures drawn and the seconds they took.
    """

    pending: dict[str, Any] = field(default_factory=dict)
    resets: list[int | None] = field(default_factory=list)
    budget: int | None = None
    target: int | None = None
    in_cell: int | None = None
    note: str | None = None
    flags: list[Flag] = field(default_factory=list)
    numbers: dict[str, float] = field(default_factory=dict)
    speed: float = 0.0
    changed_at: float = 0.0
    diverged: str | None = None
    error: str | None = None
    undo: dict | None = None
    frames: int = 0
    frame_seconds: float = 0.0
    # Callbacks may arrive on another thread than the training's: queue and take under a lock.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "lock"}  # a lock does not pickle

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state, lock=threading.Lock())

    @property
    def horizon(self) -> int | None:
        """The step at which the training under way stops (the curves' x range), if known."""
        return self.in_cell or self.target

    def queue(self, **changes: Any) -> None:
        """Add control values for the next step (later values of a field replace earlier)."""
        with self.lock:
            self.pending.update(changes)

    def queued(self, **changes: Any) -> dict[str, Any]:
        """The pending changes as they would be with ``changes`` added (nothing is queued)."""
        with self.lock:
            return {**self.pending, **changes}

    def request_reset(self, seed: int | None) -> None:
        """Reset before the next step: to ``seed`` (None: the trainer's seed)."""
        with self.lock:
            self.resets[:] = [seed]

    def take(self) -> tuple[dict[str, Any], list[int | None]]:
        """The queued changes and resets, emptied."""
        with self.lock:
            changes, self.pending = self.pending, {}
            resets, self.resets = self.resets, []
        return changes, resets

    def forget_run(self) -> None:
        """After a reset: no divergence, flags or numbers of the discarded run."""
        self.diverged, self.flags, self.numbers = None, [], {}

    def status_html(self, config: GANConfig, step: int, *, running: bool,
                    busy: str | None = None) -> str:
        """The status line: what trains now, the settings in use, why it stopped, the flags."""
        if self.in_cell is not None:
            parts = ["<b>training in this cell</b> (the controls act once it ends)",
                     f"step {step} of {self.in_cell}"]
        else:
            goal = f" of {self.target}" if self.target is not None and running else ""
            parts = [f"<b>{'running' if running else 'paused'}</b>", f"step {step}{goal}"]
        if self.speed:
            parts.append(f"{self.speed:.1f} steps/s")
        lr_D = self.numbers.get("lr_D", config.lr_D)
        lr_G = self.numbers.get("lr_G", config.lr_G)
        parts.append(f"in use: lr_D {lr_D:.2e}, lr_G {lr_G:.2e}, k {config.n_critic}, "
                     f"{config.loss}")
        with self.lock:
            if self.pending:
                parts.append("changes apply on the next step")
        line = " · ".join(parts)
        if busy:
            line += f"<br><span style='color:{_COLOURS['warning']}'>⚠ {html.escape(busy)}</span>"
        if self.note and not running:
            line += f"<br><i>{html.escape(self.note)}</i>"
        for flag in self.flags:
            line += (f"<br><span style='color:{_COLOURS.get(flag.level, 'black')}'>"
                     f"⚠ {html.escape(flag.message)}</span>")
        return line


def plain_text(status: str) -> str:
    """A status line's HTML as plain text (line breaks kept)."""
    return html.unescape(re.sub(r"<[^>]+>", "", status.replace("<br>", "\n")))
