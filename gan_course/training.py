"""The GAN trainer: alternating D and G updates whose hyperparameters may change between steps.

Lesson 4 writes this loop out by hand (Goodfellow's Algorithm 1); from lesson 5 on the lessons use
this class. It is a small object you step. It has no plotting, printing or widget code: the live
dashboard (`gan_course.live`) steps it between the kernel's messages and calls `update` between
steps.

    cfg = GANConfig(loss="non-saturating", lr_G=1e-3, lr_D=1e-3)
    trainer = Trainer(G, D, gc.data.ring(), cfg)
    for _ in range(1000):
        numbers = trainer.step()  # {"loss_D": ..., "loss_G": ..., "d_real": ..., ...}
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Protocol

import torch
from torch import Tensor, nn

from gan_course import checkpoints, losses

__all__ = ["GANConfig", "Trainer", "TrainingDiverged", "Sampler"]

OPTIMIZERS = ("adam", "rmsprop", "sgd")
NOISE = ("normal", "uniform")


class Sampler(Protocol):
    """Anything that hands out batches of real data (toy distributions, `data.TensorSampler`)."""

    def sample(self, n: int, *, generator: torch.Generator | None = None) -> Tensor: ...


class TrainingDiverged(RuntimeError):
    """A loss or gradient became NaN/inf; the step was not applied and the weights are the last good ones."""


@dataclass
class GANConfig:
    """Every knob of a GAN run. All of them may change while training runs (`Trainer.update`).

    Attributes:
        loss: one of `losses.LOSSES`: "saturating", "non-saturating", "least-squares", "hinge",
            "wgan-clip", "wgan-gp".
        lr_G, lr_D: learning rates. Separate values are the TTUR trick (lesson 7); 0 freezes a player.
        optimizer: "adam" (DCGAN and WGAN-GP), "rmsprop" (the original WGAN) or "sgd".
        beta1: Adam's momentum; 0.5 not 0.9, because the target (the other player) keeps moving.
        beta2: Adam's second-moment decay (0.9 in WGAN-GP, 0.999 by default).
        n_critic: D steps per G step (k in Goodfellow's Algorithm 1, n_critic in WGAN papers).
        batch_size: samples per batch, real and fake each.
        latent_dim: size of z; must match the generator.
        noise: prior of z: "normal" N(0, I) or "uniform" U(-1, 1) (the slides seed's choice).
        clip_value: weight clipping range for "wgan-clip" (0.01 in the WGAN paper).
        gp_lambda: gradient-penalty weight for "wgan-gp" (10 in the WGAN-GP paper).
        instance_noise: std of Gaussian noise added to D's inputs (0 = off).
        instance_noise_decay: steps over which that std falls linearly to 0 (0 = it stays).
        noisy_labels: D's targets real ~ U(0.7, 1.2), fake ~ U(0, 0.3) (the slides seed's trick).
        label_smoothing: one-sided smoothing: real target 1 - label_smoothing (fakes stay 0).
        label_flip: probability of swapping a sample's real/fake target in D's step.
        d_pretrain_steps: first steps update D only (the Keras seed's tip).
        ema: decay of an exponential moving average of G's weights used for sampling (0 = off).
        seed: seeds the trainer's generator (batches, z, noise) and the fixed progress-grid z.

    The label tricks act on the label-based losses (saturating, non-saturating, least squares)
    and are ignored by hinge and Wasserstein losses, which have no labels.
    """

    loss: str = "non-saturating"
    lr_G: float = 2e-4
    lr_D: float = 2e-4
    optimizer: str = "adam"
    beta1: float = 0.5
    beta2: float = 0.999
    n_critic: int = 1
    batch_size: int = 64
    latent_dim: int = 100
    noise: str = "normal"
    clip_value: float = 0.01
    gp_lambda: float = 10.0
    instance_noise: float = 0.0
    instance_noise_decay: int = 0
    noisy_labels: bool = False
    label_smoothing: float = 0.0
    label_flip: float = 0.0
    d_pretrain_steps: int = 0
    ema: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        def need(ok: bool, name: str, expected: str) -> None:
            if not ok:
                raise ValueError(f"{name}: expected {expected}, got {getattr(self, name)!r}")

        def is_num(v: Any) -> bool:
            return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

        def is_int(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        need(self.loss in losses.LOSSES, "loss", f"one of {tuple(losses.LOSSES)}")
        need(self.optimizer in OPTIMIZERS, "optimizer", f"one of {OPTIMIZERS}")
        need(self.noise in NOISE, "noise", f"one of {NOISE}")
        for name in ("lr_G", "lr_D"):
            need(is_num(getattr(self, name)) and getattr(self, name) >= 0, name,
                 "a finite learning rate >= 0")
        for name in ("beta1", "beta2", "ema"):
            need(is_num(getattr(self, name)) and 0 <= getattr(self, name) < 1, name, "a number in [0, 1)")
        for name in ("n_critic", "batch_size", "latent_dim"):
            need(is_int(getattr(self, name)) and getattr(self, name) >= 1, name, "an integer >= 1")
        for name in ("instance_noise_decay", "d_pretrain_steps", "seed"):
            need(is_int(getattr(self, name)) and getattr(self, name) >= 0, name, "an integer >= 0")
        for name in ("clip_value", "gp_lambda"):
            need(is_num(getattr(self, name)) and getattr(self, name) > 0, name, "a number > 0")
        need(is_num(self.instance_noise) and self.instance_noise >= 0, "instance_noise", "a std >= 0")
        need(is_num(self.label_smoothing) and 0 <= self.label_smoothing <= 0.5, "label_smoothing",
             "a number in [0, 0.5]")
        need(is_num(self.label_flip) and 0 <= self.label_flip <= 0.5, "label_flip",
             "a probability in [0, 0.5]")
        need(isinstance(self.noisy_labels, bool), "noisy_labels", "True or False")


def _grad_norm(module: nn.Module) -> float:
    grads = [p.grad.detach().flatten() for p in module.parameters() if p.grad is not None]
    return float(torch.cat(grads).norm()) if grads else 0.0


class Trainer:
    """Alternating GAN training with live-changeable hyperparameters.

    Args:
        G: generator, z (B, latent_dim) -> x (B, ...). A conditional G (one with an
            ``n_classes`` attribute, lesson 8) is called G(z, y) with labels y (B,).
        D: discriminator or critic, x -> raw scores (B,); D(x, y) when G is conditional.
        real: a sampler of real data (see `Sampler`); for a conditional G one that also gives
            labels: ``sample_with_labels(n, generator=)`` or a ``sample`` returning (x, y).
        config: a `GANConfig` (defaults if None).
        device: where to train (the models are moved there).
        n_fixed: size of the fixed noise batch used for progress grids.
    """

    def __init__(
        self, G: nn.Module, D: nn.Module, real: Sampler, config: GANConfig | None = None, *,
        device: torch.device | str = "cpu", n_fixed: int = 64,
    ) -> None:
        self.config = config if config is not None else GANConfig()
        latent = getattr(G, "latent_dim", self.config.latent_dim)
        if latent != self.config.latent_dim:
            raise ValueError(f"config.latent_dim: expected {latent} (the generator's), "
                             f"got {self.config.latent_dim}")
        self.device = torch.device(device)
        self.G, self.D, self.real = G.to(self.device), D.to(self.device), real
        self.n_fixed = n_fixed
        self.n_classes = self._check_labels(G, D, real)
        self._initial = (copy.deepcopy(G.state_dict()), copy.deepcopy(D.state_dict()))
        self.reset()

    # ----------------------------------------------------------------- set-up and live changes
    def reset(self, seed: int | None = None) -> None:
        """Back to the initial weights (or fresh ones drawn from a new ``seed``), empty history."""
        if seed is not None and seed != self.config.seed:
            self.config = replace(self.config, seed=seed)
            torch.manual_seed(seed)
            for model in (self.G, self.D):
                for m in reversed(list(model.modules())):  # leaves first, custom inits last
                    if hasattr(m, "reset_parameters"):
                        m.reset_parameters()
            self._initial = (copy.deepcopy(self.G.state_dict()), copy.deepcopy(self.D.state_dict()))
        else:
            self.G.load_state_dict(self._initial[0])
            self.D.load_state_dict(self._initial[1])
        cfg = self.config
        self.generator = torch.Generator().manual_seed(cfg.seed)
        self.fixed_z = self._draw_z(self.n_fixed, torch.Generator().manual_seed(cfg.seed + 1))
        self.opt_G = self._make_optimizer(self.G, cfg.lr_G)
        self.opt_D = self._make_optimizer(self.D, cfg.lr_D)
        self.G_ema = copy.deepcopy(self.G).eval() if cfg.ema > 0 else None
        self.history: list[dict[str, float]] = []
        self.step_count = 0

    def _make_optimizer(self, model: nn.Module, lr: float) -> torch.optim.Optimizer:
        cfg = self.config
        if cfg.optimizer == "adam":
            return torch.optim.Adam(model.parameters(), lr=lr, betas=(cfg.beta1, cfg.beta2))
        if cfg.optimizer == "rmsprop":
            return torch.optim.RMSprop(model.parameters(), lr=lr)
        return torch.optim.SGD(model.parameters(), lr=lr)

    def update(self, **changes: Any) -> GANConfig:
        """Change hyperparameters; they act from the next step on.

        Learning rates and betas go into the optimizers' param groups (their state is kept). A bad
        value raises ValueError and changes nothing. ``seed`` is only changed through `reset`.
        """
        names = {f.name for f in fields(GANConfig)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown hyperparameter(s) {sorted(unknown)}; expected some of {sorted(names)}")
        if "latent_dim" in changes and changes["latent_dim"] != self.config.latent_dim:
            raise ValueError("latent_dim is fixed by the generator; build a new trainer to change it")
        if "seed" in changes and changes["seed"] != self.config.seed:
            raise ValueError("seed changes only through reset(seed=...), which restarts training")
        new = replace(self.config, **changes)  # validates in __post_init__
        old, self.config = self.config, new
        if new.optimizer != old.optimizer:
            self.opt_G = self._make_optimizer(self.G, new.lr_G)
            self.opt_D = self._make_optimizer(self.D, new.lr_D)
        for opt, lr in ((self.opt_G, new.lr_G), (self.opt_D, new.lr_D)):
            for group in opt.param_groups:
                group["lr"] = lr
                if "betas" in group:
                    group["betas"] = (new.beta1, new.beta2)
        if new.ema > 0 and self.G_ema is None:
            self.G_ema = copy.deepcopy(self.G).eval()
        elif new.ema == 0:
            self.G_ema = None
        return new

    # ----------------------------------------------------------------- sampling helpers
    def _draw_z(self, n: int, generator: torch.Generator) -> Tensor:
        shape = (n, self.config.latent_dim)
        if self.config.noise == "uniform":
            z = torch.rand(shape, generator=generator) * 2 - 1
        else:
            z = torch.randn(shape, generator=generator)
        return z.to(self.device)

    def sample_z(self, n: int) -> Tensor:
        """Noise z (n, latent_dim) from the trainer's seeded generator."""
        return self._draw_z(n, self.generator)

    @torch.no_grad()
    def generate(self, z: Tensor | None = None, *, n: int | None = None,
                 y: Tensor | int | None = None, ema: bool = True) -> Tensor:
        """Samples from G in eval mode (from its weight average if `ema` is on); default z: fixed_z.

        For a conditional G, ``y`` gives the labels: a tensor (B,), or one int for all; by default
        0, 1, ..., n_classes - 1, 0, 1, ... down the batch.
        """
        if z is None:
            z = self.fixed_z if n is None else self.sample_z(n)
        if self.n_classes is not None:
            if y is None:
                y = torch.arange(len(z)) % self.n_classes
            elif isinstance(y, int):
                y = torch.full((len(z),), y)
            y = y.to(self.device)
        model = self.G_ema if (ema and self.G_ema is not None) else self.G
        was_training = model.training
        model.eval()
        try:
            return self._call(model, z.to(self.device), y).cpu()
        finally:
            model.train(was_training)

    # ----------------------------------------------------------------- labels (lesson 8)
    @staticmethod
    def _check_labels(G: nn.Module, D: nn.Module, real: Sampler) -> int | None:
        """G's n_classes (None: unconditional) once D and the sampler fit it."""
        n_classes = getattr(G, "n_classes", None)
        if n_classes is None:
            return None
        if getattr(D, "n_classes", None) != n_classes:
            raise ValueError(f"G is conditional with n_classes={n_classes}: expected a D with "
                             f"the same n_classes, got {getattr(D, 'n_classes', None)}")
        Trainer._labelled(real, 1, torch.Generator().manual_seed(0))  # fails early if unlabelled
        return n_classes

    @staticmethod
    def _labelled(real: Sampler, n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        draw = getattr(real, "sample_with_labels", real.sample)
        out = draw(n, generator=generator)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise ValueError("a conditional G needs real data with labels: expected a sampler "
                             "whose sample_with_labels (or sample) returns (x, y), got "
                             f"{type(out).__name__} from {type(real).__name__}")
        return out

    def _real_batch(self, n: int) -> tuple[Tensor, Tensor | None]:
        """Real x (n, ...) and, for a conditional G, their labels y (n,); else y is None."""
        if self.n_classes is None:
            return self.real.sample(n, generator=self.generator).to(self.device), None
        x, y = self._labelled(self.real, n, self.generator)
        return x.to(self.device), y.to(self.device)

    def sample_y(self, n: int) -> Tensor:
        """Labels (n,) drawn uniformly from the trainer's seeded generator (conditional G)."""
        return torch.randint(self.n_classes, (n,), generator=self.generator).to(self.device)

    @staticmethod
    def _call(model: nn.Module, inputs: Tensor, y: Tensor | None) -> Tensor:
        """model(inputs), or model(inputs, y) for a conditional model."""
        return model(inputs) if y is None else model(inputs, y)

    def _noisy(self, x: Tensor) -> Tensor:
        cfg = self.config
        std = cfg.instance_noise
        if cfg.instance_noise_decay > 0:
            std *= max(0.0, 1.0 - self.step_count / cfg.instance_noise_decay)
        if std <= 0:
            return x
        return x + std * torch.randn(x.shape, generator=self.generator).to(x)

    def _targets(self, n: int) -> dict[str, Tensor | float]:
        cfg = self.config
        if cfg.loss not in ("saturating", "non-saturating", "least-squares"):
            return {}
        g = self.generator
        if cfg.noisy_labels:
            real = 0.7 + 0.5 * torch.rand(n, generator=g)  # U(0.7, 1.2)
            fake = 0.3 * torch.rand(n, generator=g)        # U(0.0, 0.3)
        else:
            real, fake = torch.full((n,), 1.0 - cfg.label_smoothing), torch.zeros(n)
        if cfg.label_flip > 0:
            flip = torch.rand(n, generator=g) < cfg.label_flip
            real, fake = torch.where(flip, fake, real), torch.where(flip, real, fake)
        return {"real_target": real.to(self.device), "fake_target": fake.to(self.device)}

    def _readout(self, scores: Tensor) -> float:
        """Mean D output as the lessons plot it: a probability for BCE losses, else the raw score."""
        scores = scores.detach()
        if self.config.loss in losses.PROBABILITY_LOSSES:
            return torch.sigmoid(scores).mean().item()
        return scores.mean().item()

    def _check(self, value: Tensor | float, what: str) -> None:
        value = value.item() if isinstance(value, Tensor) else float(value)
        if not math.isfinite(value):
            cfg = self.config
            raise TrainingDiverged(
                f"step {self.step_count}: {what} is {value}; the update was not applied "
                f"(weights are the last good ones). Likely cause: a learning rate too high "
                f"(lr_D={cfg.lr_D:g}, lr_G={cfg.lr_G:g}) or an unbounded loss; lower it and go on.")

    # ----------------------------------------------------------------- the two updates
    def step_d(self) -> dict[str, float]:
        """One update of D (the critic): raise scores of real data, lower those of fakes."""
        cfg, G, D = self.config, self.G, self.D
        d_loss_fn = losses.LOSSES[cfg.loss][0]
        x_real, y = self._real_batch(cfg.batch_size)  # y: None, or labels (B,) for both batches
        with torch.no_grad():
            x_fake = self._call(G, self.sample_z(cfg.batch_size), y)  # G is not updated here
        x_real, x_fake = self._noisy(x_real), self._noisy(x_fake)
        d_real, d_fake = self._call(D, x_real, y), self._call(D, x_fake, y)  # (B,), (B,)
        loss_D = d_loss_fn(d_real, d_fake, **self._targets(cfg.batch_size))
        if cfg.loss == "wgan-gp":
            critic = D if y is None else (lambda x: D(x, y))  # a real/fake pair shares its label
            loss_D = loss_D + losses.gradient_penalty(critic, x_real, x_fake,
                                                      gp_lambda=cfg.gp_lambda,
                                                      generator=self.generator)
        self._check(loss_D, "loss_D")
        self.opt_D.zero_grad(set_to_none=True)
        loss_D.backward()
        grad_norm_D = _grad_norm(D)
        self._check(grad_norm_D, "D's gradient norm")
        self.opt_D.step()
        if cfg.loss == "wgan-clip":
            losses.clip_weights(D, cfg.clip_value)
        return {"loss_D": loss_D.item(), "d_real": self._readout(d_real),
                "d_fake": self._readout(d_fake), "grad_norm_D": grad_norm_D,
                "score_gap": (d_real.mean() - d_fake.mean()).item()}

    def step_g(self) -> dict[str, float]:
        """One update of G through a frozen D: make D score the fakes as real."""
        cfg, G, D = self.config, self.G, self.D
        g_loss_fn = losses.LOSSES[cfg.loss][1]
        D.requires_grad_(False)  # D is frozen: its weights get no gradient from G's loss
        try:
            y = None if self.n_classes is None else self.sample_y(cfg.batch_size)
            x_fake = self._noisy(self._call(G, self.sample_z(cfg.batch_size), y))
            d_fake = self._call(D, x_fake, y)  # (B,)
            loss_G = g_loss_fn(d_fake)
            self._check(loss_G, "loss_G")
            self.opt_G.zero_grad(set_to_none=True)
            loss_G.backward()
        finally:
            D.requires_grad_(True)
        grad_norm_G = _grad_norm(G)
        self._check(grad_norm_G, "G's gradient norm")
        self.opt_G.step()
        if self.G_ema is not None:
            self._update_ema()
        return {"loss_G": loss_G.item(), "d_fake_after": self._readout(d_fake),
                "grad_norm_G": grad_norm_G}

    @torch.no_grad()
    def _update_ema(self) -> None:
        # Warm-up: early on the average would be dominated by the random initial weights.
        decay = min(self.config.ema, (1 + self.step_count) / (10 + self.step_count))
        for p_avg, p in zip(self.G_ema.parameters(), self.G.parameters(), strict=True):
            p_avg.lerp_(p, 1.0 - decay)
        for b_avg, b in zip(self.G_ema.buffers(), self.G.buffers(), strict=True):
            b_avg.copy_(b)

    def step(self, *, d: bool = True, g: bool = True) -> dict[str, float]:
        """One training iteration: ``n_critic`` D updates, then one G update.

        ``d=False`` or ``g=False`` runs only one side (the dashboard's "Step D/G only" buttons).
        During the first ``d_pretrain_steps`` iterations G is not updated.

        Returns:
            Plain numbers: step, loss_D, loss_G, d_real = D(x), d_fake = D(G(z)) before the D
            update, d_fake_after = D(G(z)) after it (in G's step), grad_norm_D, grad_norm_G,
            score_gap (mean raw D(x) - D(G(z))), lr_D, lr_G, seconds. NaN marks a side not run.
        """
        start = time.perf_counter()
        cfg = self.config
        nan = float("nan")
        out = {"loss_D": nan, "d_real": nan, "d_fake": nan, "grad_norm_D": nan, "score_gap": nan,
               "loss_G": nan, "d_fake_after": nan, "grad_norm_G": nan}
        if d:
            for _ in range(cfg.n_critic):
                out.update(self.step_d())
        if g and self.step_count >= cfg.d_pretrain_steps:
            out.update(self.step_g())
        self.step_count += 1
        out.update(step=self.step_count, lr_D=cfg.lr_D, lr_G=cfg.lr_G,
                   seconds=time.perf_counter() - start)
        self.history.append(out)
        return out

    def train(self, steps: int) -> list[dict[str, float]]:
        """Run ``steps`` iterations (blocking) and return their numbers."""
        if not isinstance(steps, int) or steps < 0:
            raise ValueError(f"expected a step count >= 0, got {steps!r}")
        return [self.step() for _ in range(steps)]

    # ----------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit for bit: weights, optimizers, config, history, RNGs."""
        return {
            "format": "gan-course-checkpoint-1",
            "G": self.G.state_dict(), "D": self.D.state_dict(),
            "G_ema": self.G_ema.state_dict() if self.G_ema is not None else None,
            "opt_G": self.opt_G.state_dict(), "opt_D": self.opt_D.state_dict(),
            "config": asdict(self.config), "history": [dict(h) for h in self.history],
            "step": self.step_count, "rng": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(), "fixed_z": self.fixed_z.cpu(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a `state_dict`; the models must have the same architecture."""
        self.config = GANConfig(**state["config"])
        for name, model in (("G", self.G), ("D", self.D)):
            try:
                model.load_state_dict(state[name])
            except RuntimeError as err:
                raise ValueError(f"the checkpoint's {name} does not fit this trainer's {name} "
                                 f"(different architecture?): {err}") from None
        self.opt_G = self._make_optimizer(self.G, self.config.lr_G)
        self.opt_D = self._make_optimizer(self.D, self.config.lr_D)
        self.opt_G.load_state_dict(state["opt_G"])
        self.opt_D.load_state_dict(state["opt_D"])
        self.G_ema = None
        if state.get("G_ema") is not None:
            self.G_ema = copy.deepcopy(self.G).eval()
            self.G_ema.load_state_dict(state["G_ema"])
        self.history = [dict(h) for h in state["history"]]
        self.step_count = int(state["step"])
        self.generator.set_state(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        self.fixed_z = state["fixed_z"].to(self.device)

    def save(self, path: str) -> None:
        """Write a checkpoint file (see `gan_course.checkpoints`)."""
        checkpoints.save(self.state_dict(), path)

    def load(self, path: str) -> None:
        """Continue from a checkpoint file written by `save`."""
        self.load_state_dict(checkpoints.load(path))
