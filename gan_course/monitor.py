"""A health monitor for GAN training: reads the numbers `Trainer.step()` returns and flags trouble.

Lesson 7 (stabilising GANs) teaches these signatures of failure; the live dashboard shows the
monitor's flags in its status line. It is plain Python (no widgets, no plotting), so a lesson or a
test can feed it any history::

    monitor = HealthMonitor()
    for numbers in trainer.history:
        monitor.update(numbers, loss=trainer.config.loss)
    print(monitor.messages())

What it flags (each on a running average, so one noisy step does not raise an alarm):

- ``d_wins``: D's loss near 0: D tells real from fake almost perfectly and G's gradient vanishes
  (for the losses with a floor at 0, ``Loss.d_wins_at_zero``: saturating, non-saturating, least
  squares, hinge).
- ``gap``: D(x) - D(G(z)) close to 1 (losses whose D reads as a probability only): the same
  failure seen from D's outputs.
- ``flat``: D scores real and fake alike (the score gap near 0) while G's gradient has all but
  vanished: D has stopped learning (a dead or zeroed D), so nothing moves G any more. At a
  healthy equilibrium D also scores both alike, but its minibatch noise keeps G's gradient norm
  at 0.36-2.2 on the course's 2-D recipes (BENCHMARKS.md); ``flat_grad`` is far below that.
- ``exploding``: a gradient norm of D or G above ``grad_limit``.
- ``diverged``: a NaN/inf loss or gradient (the trainer raised `TrainingDiverged`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from gan_course import losses

__all__ = ["Flag", "HealthMonitor"]

@dataclass(frozen=True)
class Flag:
    """One warning: ``kind`` (a short key), ``level`` ("warning" or "error"), a sentence."""

    kind: str
    level: str
    message: str


@dataclass
class HealthMonitor:
    """Running checks on the per-step numbers of a GAN trainer.

    Args:
        window: span (in steps) of the exponential running averages.
        min_steps: steps seen before any averaged flag may be raised (after a reset).
        d_loss_floor: D's averaged loss below this means "D wins".
        gap_limit: averaged D(x) - D(G(z)) above this (probabilities in [0, 1]) means "D wins".
        grad_limit: a gradient norm above this is "exploding"; the flag stays for ``window`` steps.
        flat_grad, flat_gap: G's averaged gradient norm and |score gap| below these mean "D is flat".
    """

    window: int = 20
    min_steps: int = 20
    d_loss_floor: float = 0.05
    gap_limit: float = 0.8
    grad_limit: float = 100.0
    flat_grad: float = 0.01
    flat_gap: float = 0.05
    _avg: dict[str, float] = field(default_factory=dict, repr=False)
    _seen: int = field(default=0, repr=False)
    _grad_seen: tuple[int, str, float] | None = field(default=None, repr=False)
    _diverged: str | None = field(default=None, repr=False)
    _loss: str = field(default="non-saturating", repr=False)

    def reset(self) -> None:
        """Forget everything (after `Trainer.reset`)."""
        self._avg.clear()
        self._seen = 0
        self._grad_seen = None
        self._diverged = None

    def _average(self, name: str, value: float) -> None:
        if not math.isfinite(value):  # NaN marks a side that did not run in this step
            return
        alpha = 2.0 / (self.window + 1)
        old = self._avg.get(name)
        self._avg[name] = value if old is None else old + alpha * (value - old)

    def update(self, numbers: Mapping[str, float], *, loss: str = "non-saturating") -> list[Flag]:
        """Take one step's numbers (the dict `Trainer.step()` returns) and return the flags now.

        Args:
            numbers: at least some of loss_D, d_real, d_fake, grad_norm_D, grad_norm_G.
            loss: the trainer's loss name (decides which checks apply).
        """
        losses.get(loss)  # a ValueError names the losses there are
        self._loss = loss
        self._seen += 1
        for name in ("loss_D", "d_real", "d_fake", "score_gap", "grad_norm_G"):
            self._average(name, float(numbers.get(name, math.nan)))
        if "d_real" in self._avg and "d_fake" in self._avg:
            self._avg["gap"] = self._avg["d_real"] - self._avg["d_fake"]
        for who in ("D", "G"):
            norm = float(numbers.get(f"grad_norm_{who}", math.nan))
            if math.isfinite(norm) and norm > self.grad_limit:
                self._grad_seen = (self._seen, who, norm)
        return self.flags()

    def diverged(self, message: str) -> list[Flag]:
        """Record a `TrainingDiverged` message; the flag stays until `reset` or `recovered`."""
        self._diverged = str(message)
        return self.flags()

    def recovered(self) -> None:
        """Clear the divergence flag (training went on after the learner changed something)."""
        self._diverged = None

    def flags(self) -> list[Flag]:
        """The current flags, most serious first."""
        out: list[Flag] = []
        if self._diverged is not None:
            out.append(Flag("diverged", "error", f"NaN/inf: {self._diverged}"))
        if self._grad_seen is not None and self._seen - self._grad_seen[0] < self.window:
            _, who, norm = self._grad_seen
            out.append(Flag("exploding", "warning",
                            f"{who}'s gradient norm reached {norm:.3g} (> {self.grad_limit:g}): "
                            "lower its learning rate or use a gradient penalty"))
        if self._seen < self.min_steps:
            return out
        loss = losses.LOSSES[self._loss]
        d_loss = self._avg.get("loss_D")
        if loss.d_wins_at_zero and d_loss is not None and d_loss < self.d_loss_floor:
            out.append(Flag("d_wins", "warning",
                            f"D's loss is near 0 ({d_loss:.3f}): D wins and G's gradient vanishes; "
                            "lower lr_D or k, or add instance noise"))
        gap = self._avg.get("gap")
        if loss.probability and gap is not None and gap > self.gap_limit:
            out.append(Flag("gap", "warning",
                            f"D(x) - D(G(z)) = {gap:.2f}: D separates real from fake almost "
                            "perfectly"))
        grad_G, score_gap = self._avg.get("grad_norm_G"), self._avg.get("score_gap")
        if (grad_G is not None and score_gap is not None and grad_G < self.flat_grad
                and abs(score_gap) < self.flat_gap):
            out.append(Flag("flat", "warning",
                            f"D is flat: it scores real and fake alike (gap {score_gap:.3f}) and "
                            f"G's gradient has all but vanished (norm {grad_G:.1e}): D stopped "
                            "learning; raise lr_D, or Reset"))
        return out

    def messages(self) -> list[str]:
        """The current flags as sentences."""
        return [f.message for f in self.flags()]
