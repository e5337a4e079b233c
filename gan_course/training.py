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
import numbers
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Protocol

import torch
from torch import Tensor, nn

from gan_course import augment as diffaugment
from gan_course import checkpoints, losses, utils

__all__ = ["GANConfig", "Trainer", "TrainingDiverged", "Sampler"]

OPTIMIZERS = ("adam", "rmsprop", "sgd")
NOISE = ("normal", "uniform")
MAX_BATCH = 65_536  # far above any batch a lesson uses; 1e12 would fail to allocate on every step
MAX_INSTANCE_NOISE = 10.0  # the data lie within about [-2, 2]: more noise than this drowns them
# A weight beyond this means the step blew up (the course's networks keep theirs within about
# +-10; a learning rate of 1e6 puts them near 1e6 in one Adam step). Such a step is undone.
WEIGHT_LIMIT = 1e4
GRAD_LIMIT = 1e10  # a gradient norm beyond this is an overflow on its way, not a direction


class Sampler(Protocol):
    """Anything that hands out batches of real data (toy distributions, `data.TensorSampler`)."""

    def sample(self, n: int, *, generator: torch.Generator | None = None) -> Tensor: ...


class TrainingDiverged(RuntimeError):
    """A loss, gradient or weight became NaN/inf or exploded. Nothing of that step was kept: G, D,
    both optimizers' state, the weight average and the random streams are as after the last
    good step, so training goes on from there once the cause (usually a learning rate) is fixed."""


def _plain(value: Any) -> Any:
    """NumPy and torch scalars -> Python bool / int / float, so configs pickle as plain types."""
    if type(value) in (bool, int, float, str) or value is None:  # np.float64 subclasses float
        return value
    if isinstance(value, Tensor) and value.numel() == 1:
        value = value.item()
    if type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_"):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


@dataclass
class GANConfig:
    """Every knob of a GAN run. All of them may change while training runs (`Trainer.update`).

    Attributes:
        loss: a name in the loss table `losses.LOSSES`: "saturating", "non-saturating",
            "least-squares", "hinge", "wgan-clip", "wgan-gp".
        lr_G, lr_D: learning rates. Separate values are the TTUR trick (lesson 7); 0 freezes a player.
        optimizer: "adam" (DCGAN and WGAN-GP), "rmsprop" (the original WGAN) or "sgd".
        beta1: Adam's momentum; 0.5 not 0.9, because the target (the other player) keeps moving.
        beta2: Adam's second-moment decay (0.9 in WGAN-GP, 0.999 by default).
        n_critic: D steps per G step (k in Goodfellow's Algorithm 1, n_critic in WGAN papers).
        batch_size: samples per batch, real and fake each.
        latent_dim: size of z; must match the generator.
        noise: prior of z: "normal" N(0, I) or "uniform" U(-1, 1) (the slides article's choice).
        clip_value: weight clipping range for a loss that clips ("wgan-clip"; 0.01 in the WGAN
            paper).
        gp_lambda: gradient-penalty weight for a loss with a penalty ("wgan-gp"; 10 in the
            WGAN-GP paper).
        instance_noise: std of Gaussian noise added to D's inputs (0 = off).
        instance_noise_decay: steps over which that std falls linearly to 0 (0 = it stays).
        noisy_labels: D's targets real ~ U(0.7, 1.2), fake ~ U(0, 0.3) (the slides article's trick).
        label_smoothing: one-sided smoothing: real target 1 - label_smoothing (fakes stay 0).
        label_flip: probability of swapping a sample's real/fake target in D's step.
        d_pretrain_steps: first steps update D only (the Keras article's tip).
        ema: decay of an exponential moving average of G's weights used for sampling (0 = off).
        r1_gamma: weight of the R1 penalty on D's gradient at real data
            (`losses.r1_penalty`; 0 = off). Lazy: added to D's loss in every ``r1_every``-th
            iteration only, times ``r1_every``, so the average push is the same at a fraction
            of the cost. The reported ``loss_D`` leaves it out (it would jump on those steps).
        r1_every: iterations between R1 penalties (16, as in StyleGAN2).
        augment: differentiable augmentation of every image D sees, real and fake, in both
            players' steps (`gan_course.augment`): "" (off), "translation", "cutout" or
            "translation,cutout". Images only.
        seed: seeds the trainer's generator (batches, z, noise) and the fixed progress-grid z.

    The label tricks act on the losses with targets (``Loss.soft_targets``: saturating,
    non-saturating, least squares) and are ignored by hinge and Wasserstein losses.
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
    r1_gamma: float = 0.0
    r1_every: int = 16
    augment: str = ""
    seed: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):  # np.float64(5e-4) -> 5e-4: a checkpoint must hold plain types
            object.__setattr__(self, f.name, _plain(getattr(self, f.name)))

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
        need(is_num(self.r1_gamma) and self.r1_gamma >= 0, "r1_gamma", "a number >= 0")
        for name in ("n_critic", "latent_dim", "r1_every"):
            need(is_int(getattr(self, name)) and getattr(self, name) >= 1, name, "an integer >= 1")
        need(is_int(self.batch_size) and 1 <= self.batch_size <= MAX_BATCH, "batch_size",
             f"an integer in [1, {MAX_BATCH}]")
        for name in ("instance_noise_decay", "d_pretrain_steps"):
            need(is_int(getattr(self, name)) and getattr(self, name) >= 0, name, "an integer >= 0")
        need(is_int(self.seed) and 0 <= self.seed <= utils.MAX_SEED, "seed",
             f"an integer in [0, {utils.MAX_SEED}]")
        for name in ("clip_value", "gp_lambda"):
            need(is_num(getattr(self, name)) and getattr(self, name) > 0, name, "a number > 0")
        need(is_num(self.instance_noise) and 0 <= self.instance_noise <= MAX_INSTANCE_NOISE,
             "instance_noise", f"a std in [0, {MAX_INSTANCE_NOISE:g}]")
        need(is_num(self.label_smoothing) and 0 <= self.label_smoothing <= 0.5, "label_smoothing",
             "a number in [0, 0.5]")
        need(is_num(self.label_flip) and 0 <= self.label_flip <= 0.5, "label_flip",
             "a probability in [0, 0.5]")
        need(isinstance(self.noisy_labels, bool), "noisy_labels", "True or False")
        diffaugment.parse(self.augment)  # ValueError naming the field for anything else


def _grad_norm(module: nn.Module) -> float:
    grads = [p.grad.detach().flatten() for p in module.parameters() if p.grad is not None]
    return float(torch.cat(grads).norm()) if grads else 0.0


def _has_batchnorm(module: nn.Module) -> str | None:
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            return type(m).__name__
    return None


class _Snapshot:
    """Copies of everything a step changes, so that a failed step can be undone whole.

    Taken before every step: the weights and buffers of G, D and G's average, both optimizers'
    state, the trainer's and torch's random streams. The copies live in buffers reused from step
    to step (one `torch._foreach_copy_` each), about 2% of a DCGAN step on the course's machine.
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._saved: list[Tensor] = []

    def take(self, trainer: Trainer) -> None:
        # Which tensors to copy changes only when a model, an optimizer or the optimizers'
        # state layout changes (the first step creates Adam's moments): cache the list.
        opts = (trainer.opt_G, trainer.opt_D)
        key = (id(trainer.G), id(trainer.D), id(trainer.G_ema), *map(id, opts),
               *(sum(len(st) for st in o.state.values()) for o in opts))
        if key != getattr(self, "_key", None):
            models = [m for m in (trainer.G, trainer.D, trainer.G_ema) if m is not None]
            tensors = [t for m in models for t in (*m.parameters(), *m.buffers())]
            self.opt_state = [{p: dict(st) for p, st in o.state.items()} for o in opts]
            tensors += [v for state in self.opt_state for st in state.values()
                        for v in st.values() if isinstance(v, Tensor)]
            self.tensors = [t.detach() for t in tensors]
            self._key, self._saved = key, [t.clone() for t in self.tensors]
        else:
            with torch.no_grad():
                torch._foreach_copy_(self._saved, self.tensors)
        self.rng, self.torch_rng = trainer.generator.get_state(), torch.get_rng_state()

    def restore(self, trainer: Trainer) -> None:
        with torch.no_grad():
            for t, saved in zip(self.tensors, self._saved, strict=True):
                t.copy_(saved)
        for opt, state in zip((trainer.opt_G, trainer.opt_D), self.opt_state, strict=True):
            opt.state.clear()  # a first step's new state goes; older state gets its values back
            opt.state.update({p: dict(st) for p, st in state.items()})
        for model in (trainer.G, trainer.D):
            for p in model.parameters():
                p.grad = None
        trainer.generator.set_state(self.rng)
        torch.set_rng_state(self.torch_rng)


class Trainer:
    """Alternating GAN training with live-changeable hyperparameters.

    Args:
        G: generator, z (B, latent_dim) -> x (B, ...). A conditional G (one with an
            ``n_classes`` attribute, lesson 8) is called G(z, y) with labels y (B,).
        D: discriminator or critic, x -> raw scores (B,) or (B, 1): logits, never a sigmoid;
            D(x, y) when G is conditional.
        real: a sampler of real data (see `Sampler`), images in [-1, 1]; for a conditional G
            one that also gives labels: ``sample_with_labels(n, generator=)`` or a ``sample``
            returning (x, y).
        config: a `GANConfig` (defaults if None).
        device: where to train (the models are moved there).
        n_fixed: size of the fixed noise batch used for progress grids.
        build: optional ``build() -> (G, D)`` that constructs fresh networks from torch's global
            random state (the presets pass one). ``reset(seed=s)`` calls it after
            ``torch.manual_seed(s)``, so the new weights are those of a trainer built fresh with
            seed ``s``, each model family's own initialisation included. Without it a trainer
            can only reset to its initial weights.

    A step is all or nothing: if any part of it fails (NaN/inf, an exploding weight or gradient,
    a wrong shape), `TrainingDiverged` or ValueError is raised and nothing of the step is kept.
    """

    def __init__(
        self, G: nn.Module, D: nn.Module, real: Sampler, config: GANConfig | None = None, *,
        device: torch.device | str = "cpu", n_fixed: int = 64,
        build: Callable[[], tuple[nn.Module, nn.Module]] | None = None,
    ) -> None:
        self.config = config if config is not None else GANConfig()
        latent = getattr(G, "latent_dim", self.config.latent_dim)
        if latent != self.config.latent_dim:
            raise ValueError(f"config.latent_dim: expected {latent} (the generator's), "
                             f"got {self.config.latent_dim}")
        last = [m for m in D.modules() if not list(m.children())][-1:]
        if last and isinstance(last[0], (nn.Sigmoid, nn.Softmax)):
            raise ValueError(f"expected D to return raw scores (logits), got a D that ends in "
                             f"{type(last[0]).__name__}; remove it: the losses apply the sigmoid "
                             "themselves, stably")
        self._check_critic(self.config.loss, D)
        self.device = torch.device(device)
        self.G, self.D, self.real = G.to(self.device), D.to(self.device), real
        self._check_augment(self.config.augment)
        self.n_fixed = n_fixed
        self.build = build
        self.n_classes = self._check_labels(G, D, real)
        self._initial = (copy.deepcopy(G.state_dict()), copy.deepcopy(D.state_dict()))
        self._snapshot = _Snapshot()
        self.reset()

    @property
    def loss(self) -> losses.Loss:
        """The config's entry of the loss table (`losses.LOSSES`)."""
        return losses.LOSSES[self.config.loss]

    @staticmethod
    def _check_critic(loss: str, D: nn.Module) -> None:
        penalised = losses.LOSSES[loss].regulariser == "gradient-penalty"
        norm = _has_batchnorm(D) if penalised else None
        if norm:
            raise ValueError(f"loss {loss!r} expects a critic without batch normalisation (the "
                             f"penalty treats each sample on its own), got a D with {norm}; use "
                             "models.ConvCritic or an MLP critic")

    # ----------------------------------------------------------------- set-up and live changes
    def reset(self, seed: int | None = None) -> None:
        """Back to the initial weights, or to those a trainer built fresh with ``seed`` would have.

        A new seed needs ``build`` (see the class doc); a bad seed raises ValueError and changes
        nothing.
        """
        if seed is not None and seed != self.config.seed:
            seed = utils.check_seed(seed)
            if self.build is None:
                raise ValueError("reset(seed=...) draws new weights, which needs to know how the "
                                 "networks were built: pass build=lambda: (G, D) to Trainer (the "
                                 "presets do); reset() goes back to the initial weights")
            torch.manual_seed(seed)  # as the presets do: torch's stream then continues from here
            fresh_G, fresh_D = self.build()
            self.G.load_state_dict(fresh_G.state_dict())
            self.D.load_state_dict(fresh_D.state_dict())
            self.config = replace(self.config, seed=seed)
            self._initial = (copy.deepcopy(self.G.state_dict()), copy.deepcopy(self.D.state_dict()))
        else:
            self.G.load_state_dict(self._initial[0])
            self.D.load_state_dict(self._initial[1])
        cfg = self.config
        self.generator = torch.Generator().manual_seed(cfg.seed)
        self.fixed_z = self.sample_z(self.n_fixed, generator=torch.Generator().manual_seed(cfg.seed + 1))
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

    def checked(self, **changes: Any) -> GANConfig:
        """The config ``update(**changes)`` would set, without setting it; ValueError if any
        change is not allowed (the dashboard validates queued changes with it)."""
        names = {f.name for f in fields(GANConfig)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown hyperparameter(s) {sorted(unknown)}; expected some of {sorted(names)}")
        if "latent_dim" in changes and changes["latent_dim"] != self.config.latent_dim:
            raise ValueError("latent_dim is fixed by the generator; build a new trainer to change it")
        if "seed" in changes and changes["seed"] != self.config.seed:
            raise ValueError("seed changes only through reset(seed=...), which restarts training")
        new = replace(self.config, **changes)  # validates in __post_init__
        self._check_critic(new.loss, self.D)
        self._check_augment(new.augment)
        return new

    def _check_augment(self, spec: str) -> None:
        if not spec:
            return
        probe = self.real.sample(1, generator=torch.Generator().manual_seed(0))
        probe = probe[0] if isinstance(probe, tuple) else probe
        if probe.dim() != 4:
            raise ValueError(f"augment={spec!r} shifts and cuts images (B, C, H, W); this "
                             f"trainer's data are of shape {tuple(probe.shape)}: use augment=''")

    def update(self, **changes: Any) -> GANConfig:
        """Change hyperparameters; they act from the next step on.

        Learning rates and betas go into the optimizers' param groups (their state is kept). A bad
        value raises ValueError and changes nothing. ``seed`` is only changed through `reset`.
        """
        new = self.checked(**changes)
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
    def sample_z(self, n: int, *, generator: torch.Generator | None = None) -> Tensor:
        """Noise z (n, latent_dim) from the config's prior, on the trainer's device.

        Drawn from ``generator`` if given (views and benchmarks pass their own, so the training
        run's random stream stays untouched), else from the trainer's seeded generator.
        """
        generator = self.generator if generator is None else generator
        shape = (n, self.config.latent_dim)
        if self.config.noise == "uniform":
            z = torch.rand(shape, generator=generator) * 2 - 1
        else:
            z = torch.randn(shape, generator=generator)
        return z.to(self.device)

    @torch.no_grad()
    def generate(self, z: Tensor | None = None, *, n: int | None = None,
                 y: Tensor | int | None = None, ema: bool = True) -> Tensor:
        """Samples from G in eval mode (from its weight average if `ema` is on); default z: fixed_z.

        ``n`` alone draws new z from the trainer's own generator, which moves its training stream:
        between training steps, pass ``z`` instead (``sample_z(n, generator=...)``) so that
        watching a run does not change it.

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
            x, y = self.real.sample(n, generator=self.generator).to(self.device), None
        else:
            x, y = self._labelled(self.real, n, self.generator)
            x, y = x.to(self.device), y.to(self.device)
        if x.dim() >= 3 and x.is_floating_point():  # images: the generator's tanh range
            lo, hi = x.min().item(), x.max().item()
            if lo < -1.001 or hi > 1.001:
                raise ValueError(f"expected real images in [-1, 1] (G ends in tanh), got values "
                                 f"in [{lo:.3g}, {hi:.3g}]; map 0..255 pixels with x / 127.5 - 1")
        return x, y

    def sample_y(self, n: int) -> Tensor:
        """Labels (n,) drawn uniformly from the trainer's seeded generator (conditional G)."""
        return torch.randint(self.n_classes, (n,), generator=self.generator).to(self.device)

    @staticmethod
    def _call(model: nn.Module, inputs: Tensor, y: Tensor | None) -> Tensor:
        """model(inputs), or model(inputs, y) for a conditional model."""
        return model(inputs) if y is None else model(inputs, y)

    def _augment(self, x: Tensor) -> Tensor:
        """The config's differentiable augmentation of D's input (the identity when off)."""
        spec = self.config.augment
        return diffaugment.apply(x, spec, self.generator) if spec else x

    def _noisy(self, x: Tensor) -> Tensor:
        cfg = self.config
        std = cfg.instance_noise
        if cfg.instance_noise_decay > 0:
            std *= max(0.0, 1.0 - self.step_count / cfg.instance_noise_decay)
        if std <= 0:
            return x
        return x + std * torch.randn(x.shape, generator=self.generator).to(x)

    def _targets(self, n: int) -> dict[str, Tensor | float]:
        """D's targets with the config's label tricks, for a loss that takes targets."""
        cfg = self.config
        if not self.loss.soft_targets:
            return {}
        real, fake = losses.d_targets(n, noisy_labels=cfg.noisy_labels,
                                      label_smoothing=cfg.label_smoothing,
                                      label_flip=cfg.label_flip, generator=self.generator)
        return {"real_target": real.to(self.device), "fake_target": fake.to(self.device)}

    def _readout(self, scores: Tensor) -> float:
        """Mean D output as the lessons plot it (`losses.Loss.readout`)."""
        return self.loss.readout(scores.detach()).mean().item()

    def _check(self, value: Tensor | float, what: str, *, limit: float = math.inf) -> None:
        value = value.item() if isinstance(value, Tensor) else float(value)
        if not math.isfinite(value) or abs(value) > limit:
            cfg = self.config
            size = f"is {value:.3g}" if math.isfinite(value) else f"is {value}"
            if math.isfinite(value):
                size += f" (> {limit:g}: exploding)"
            raise TrainingDiverged(
                f"step {self.step_count + 1}: {what} {size}; nothing of this step was kept "
                f"(G, D, their optimizers and the weight average are as after step "
                f"{self.step_count}). Likely cause: a learning rate too high "
                f"(lr_D={cfg.lr_D:g}, lr_G={cfg.lr_G:g}) or an unbounded loss; lower it and go on.")

    def _check_weights(self) -> None:
        """Every weight of G and D finite and within WEIGHT_LIMIT, before the step is kept."""
        for name, model in (("D", self.D), ("G", self.G)):
            params = [p.detach() for p in model.parameters()]
            if params:
                largest = torch.stack(torch._foreach_norm(params, math.inf)).max()
                self._check(largest, f"the largest |weight| of {name}", limit=WEIGHT_LIMIT)

    # ----------------------------------------------------------------- the two updates
    def step_d(self) -> dict[str, float]:
        """One update of D (the critic): raise scores of real data, lower those of fakes.

        Called alone it is not undone on failure; `step` is (it snapshots first).
        """
        cfg, G, D, loss = self.config, self.G, self.D, self.loss
        x_real, y = self._real_batch(cfg.batch_size)  # y: None, or labels (B,) for both batches
        with torch.no_grad():
            x_fake = self._call(G, self.sample_z(cfg.batch_size), y)  # G is not updated here
        x_real, x_fake = self._noisy(self._augment(x_real)), self._noisy(self._augment(x_fake))
        d_real, d_fake = self._call(D, x_real, y), self._call(D, x_fake, y)  # (B,), (B,)
        loss_D = loss.d_loss(d_real, d_fake, **self._targets(cfg.batch_size))
        critic = D if y is None else (lambda x: D(x, y))  # for the penalties: x keeps its label
        if loss.regulariser == "gradient-penalty":
            loss_D = loss_D + losses.gradient_penalty(critic, x_real, x_fake,
                                                      gp_lambda=cfg.gp_lambda,
                                                      generator=self.generator)
        total = loss_D
        if cfg.r1_gamma > 0 and self.step_count % cfg.r1_every == 0:
            # Lazy R1: in the gradient, not in the reported loss_D, which would jump every
            # r1_every steps (the penalty stays visible as the step's grad_norm_D).
            total = loss_D + cfg.r1_every * losses.r1_penalty(critic, x_real, gamma=cfg.r1_gamma)
        self._check(total, "loss_D")
        self.opt_D.zero_grad(set_to_none=True)
        total.backward()
        grad_norm_D = _grad_norm(D)
        self._check(grad_norm_D, "D's gradient norm", limit=GRAD_LIMIT)
        self.opt_D.step()
        if loss.regulariser == "clip":
            losses.clip_weights(D, cfg.clip_value)
        return {"loss_D": loss_D.item(), "d_real": self._readout(d_real),
                "d_fake": self._readout(d_fake), "grad_norm_D": grad_norm_D,
                "score_gap": (d_real.mean() - d_fake.mean()).item()}

    def step_g(self) -> dict[str, float]:
        """One update of G through a frozen D: make D score the fakes as real."""
        cfg, G, D = self.config, self.G, self.D
        D.requires_grad_(False)  # D is frozen: its weights get no gradient from G's loss
        try:
            y = None if self.n_classes is None else self.sample_y(cfg.batch_size)
            x_fake = self._noisy(self._augment(self._call(G, self.sample_z(cfg.batch_size), y)))
            d_fake = self._call(D, x_fake, y)  # (B,)
            loss_G = self.loss.g_loss(d_fake)
            self._check(loss_G, "loss_G")
            self.opt_G.zero_grad(set_to_none=True)
            loss_G.backward()
        finally:
            D.requires_grad_(True)
        grad_norm_G = _grad_norm(G)
        self._check(grad_norm_G, "G's gradient norm", limit=GRAD_LIMIT)
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
        """One training iteration: ``n_critic`` D updates, then one G update; all or nothing.

        ``d=False`` or ``g=False`` runs only one side (the dashboard's "Step D/G only" buttons).
        During the first ``d_pretrain_steps`` iterations G is not updated. If any part fails
        (`TrainingDiverged`, a ValueError for wrong shapes or ranges), everything the step
        changed is undone before the error propagates.

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
        self._snapshot.take(self)
        try:
            if d:
                for _ in range(cfg.n_critic):
                    out.update(self.step_d())
            if g and self.step_count >= cfg.d_pretrain_steps:
                out.update(self.step_g())
            self._check_weights()
        except BaseException:  # a failed step, or an interrupt in the middle of one
            self._snapshot.restore(self)
            raise
        self.step_count += 1
        out.update(step=self.step_count, lr_D=cfg.lr_D, lr_G=cfg.lr_G,
                   seconds=time.perf_counter() - start)
        self.history.append(out)
        return out

    def train(self, steps: int) -> list[dict[str, float]]:
        """Run ``steps`` iterations (blocking) and return their numbers."""
        steps = utils.check_count(steps, "a step count", minimum=0)
        return [self.step() for _ in range(steps)]

    # ----------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit for bit: weights, optimizers, config, history, RNGs."""
        return {
            "format": checkpoints.FORMAT,
            "G": self.G.state_dict(), "D": self.D.state_dict(),
            "G_ema": self.G_ema.state_dict() if self.G_ema is not None else None,
            "opt_G": self.opt_G.state_dict(), "opt_D": self.opt_D.state_dict(),
            "config": asdict(self.config), "history": [dict(h) for h in self.history],
            "step": self.step_count, "rng": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(), "fixed_z": self.fixed_z.cpu(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a `state_dict`; the models must have the same architecture.

        Everything is checked on copies first: a checkpoint that does not fit raises ValueError
        and leaves the trainer exactly as it was.
        """
        try:
            config = GANConfig(**state["config"])
        except (TypeError, ValueError) as err:
            raise ValueError(f"the checkpoint's config is not valid here: {err}") from None
        if config.latent_dim != self.config.latent_dim:
            raise ValueError(f"the checkpoint's latent_dim {config.latent_dim} does not fit this "
                             f"trainer's generator ({self.config.latent_dim})")
        trial = copy.copy(self)  # a shallow stand-in whose models and optimizers are copies
        trial.config = config
        trial.G, trial.D = copy.deepcopy(self.G), copy.deepcopy(self.D)
        for name, model in (("G", trial.G), ("D", trial.D)):
            try:
                model.load_state_dict(state[name])
            except RuntimeError as err:
                raise ValueError(f"the checkpoint's {name} does not fit this trainer's {name} "
                                 f"(different architecture?): {err}") from None
        self._check_critic(config.loss, trial.D)
        try:
            for name, model, lr in (("opt_G", trial.G, config.lr_G), ("opt_D", trial.D, config.lr_D)):
                opt = trial._make_optimizer(model, lr)
                opt.load_state_dict(state[name])
                setattr(trial, name, opt)
            trial.G_ema = None
            if state.get("G_ema") is not None:
                trial.G_ema = copy.deepcopy(trial.G).eval()
                trial.G_ema.load_state_dict(state["G_ema"])
            generator = torch.Generator().manual_seed(0)
            generator.set_state(state["rng"])
            torch_rng = state["torch_rng"]
            torch.Generator().set_state(torch_rng)  # validates it without touching torch's own
            fixed_z = state["fixed_z"]
            if tuple(fixed_z.shape[1:]) != (config.latent_dim,):
                raise ValueError(f"fixed_z of shape {tuple(fixed_z.shape)}")
            history = [dict(h) for h in state["history"]]
            step = int(state["step"])
        except (RuntimeError, ValueError, TypeError, KeyError) as err:
            raise ValueError(f"the checkpoint's optimizer or random state does not fit this "
                             f"trainer: {err}") from None
        # Every part fits: now change the trainer, all at once.
        self.G.load_state_dict(trial.G.state_dict())
        self.D.load_state_dict(trial.D.state_dict())
        self.config = config
        self.opt_G = self._make_optimizer(self.G, config.lr_G)
        self.opt_D = self._make_optimizer(self.D, config.lr_D)
        self.opt_G.load_state_dict(state["opt_G"])
        self.opt_D.load_state_dict(state["opt_D"])
        self.G_ema = trial.G_ema
        self.history, self.step_count = history, step
        self.generator = generator
        torch.set_rng_state(torch_rng)
        self.fixed_z = fixed_z.to(self.device)

    def save(self, path: str) -> None:
        """Write a checkpoint file (see `gan_course.checkpoints`)."""
        checkpoints.save(self.state_dict(), path)

    def load(self, path: str) -> None:
        """Continue from a checkpoint file written by `save`."""
        self.load_state_dict(checkpoints.load(path))
