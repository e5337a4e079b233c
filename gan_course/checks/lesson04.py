"""Checks for lesson 04, the minimax game (notebooks/04_minimax_game.ipynb).

In a notebook::

    from gan_course.checks import lesson04 as checks
    checks.check_d_loss(d_loss)

Each ``check_*`` runs the learner's function and the reference (`gan_course.solutions.lesson04`)
on seeded inputs, prints one ✅/❌ line naming what differs, and returns a `Feedback` (truthy when
right). A check never raises on a wrong answer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_course.checks._core import Feedback, as_float64, close, compare, finish, run, run_learner
from gan_course.solutions import lesson04 as ref

__all__ = ["check_d_loss", "check_g_loss", "check_logit_grads", "check_train_step",
           "check_ema_update", "check_least_squares_losses", "check_hinge_losses"]


def _run(fn: Callable[..., Any], *args: Any) -> tuple[Any, str | None]:
    """`run`, plus a hint for F.binary_cross_entropy given logits."""
    got, err = run(fn, *args)
    if err and "between 0 and 1" in err:
        err += (". F.binary_cross_entropy expects probabilities, but D returns logits: use "
                "F.logsigmoid (or F.binary_cross_entropy_with_logits)")
    return got, err


def _scalar_problem(got: Any, n: int) -> str | None:
    """A per-sample loss or a non-number where one number for the batch was expected."""
    if isinstance(got, Tensor) and got.numel() == n and n > 1:
        return (f"expected a scalar (one number for the batch), got shape {tuple(got.shape)}: "
                "one loss per sample; take the .mean() over the batch")
    g = as_float64(got)
    if g is None:
        return f"expected a tensor or a number, got {type(got).__name__}"
    if g.numel() != 1:
        return f"expected a scalar, got shape {tuple(g.shape)}"
    return None


def _nonfinite_problem(got: Any, big: bool) -> str | None:
    g = as_float64(got)
    if bool(torch.isfinite(g).all()):
        return None
    if big:
        return (f"your loss is {g.item()} at these large logits: sigmoid(-200) underflows to 0 "
                "and sigmoid(25) rounds to 1.0 in float32, so log(sigmoid(l)) or "
                "log(1 - sigmoid(l)) becomes log(0) = -inf; use F.logsigmoid(l) for log D and "
                "F.logsigmoid(-l) for log(1 - D)")
    return ("your loss is NaN or inf on ordinary logits: did you take the log of the logits as "
            "if they were probabilities? D returns logits (any real number); log D(x) is "
            "F.logsigmoid(logits)")


def _via_probabilities(logits_terms: list[tuple[Tensor, bool]]) -> list[Tensor]:
    """The same loss computed through probabilities with the usual clamps and epsilons.

    ``logits_terms``: (logits, is_real) pairs; real terms score log D, fake ones log(1 - D).
    """
    out = []
    for eps in (0.0, 1e-7, 1e-8, 1e-12):
        total = torch.zeros((), dtype=torch.float64)
        for logits, is_real in logits_terms:
            p = torch.sigmoid(logits).double()
            q = p if is_real else 1 - p
            total = total - (torch.log(q + eps).clamp(min=-100)).mean()
        out.append(total)
    return out


# --------------------------------------------------------------------------- 1. D's loss


def _d_cases() -> list[tuple[str, Tensor, Tensor]]:
    gen = torch.Generator().manual_seed(4)
    d_real = 2 * torch.randn(64, generator=gen) + 1  # (64,) logits, mostly "real"
    d_fake = 2 * torch.randn(64, generator=gen) - 1  # (64,) logits, mostly "fake"
    big_real = torch.tensor([-200.0, -60.0, 25.0, 60.0])  # a very confident D, sometimes wrong
    big_fake = torch.tensor([200.0, 25.0, -30.0, -90.0])
    return [
        ("64 seeded logits for d_real and d_fake", d_real, d_fake),
        (f"d_real = {[int(v) for v in big_real]}, d_fake = {[int(v) for v in big_fake]}",
         big_real, big_fake),
    ]


def check_d_loss(fn: Callable[[Tensor, Tensor], Tensor], *, quiet: bool = False) -> Feedback:
    """Check ``fn(d_real, d_fake)``: D's loss -E[log D(x)] - E[log(1 - D(G(z)))] from logits (B,).

    Compared with the reference on seeded logits and on logits of +-200, where going through
    probabilities (``log(sigmoid(l))``) breaks down.
    """
    for label, d_real, d_fake in _d_cases():
        got, err = _run(fn, d_real, d_fake)
        problem = err or _d_problem(got, d_real, d_fake)
        if problem:
            return finish(f"on {label}: {problem}", "", quiet=quiet)
    return finish(None, "d_loss: -E[log D(x)] - E[log(1 - D(G(z)))] from logits, finite even at "
                  "logits of +-200.", quiet=quiet)


def _d_problem(got: Any, d_real: Tensor, d_fake: Tensor) -> str | None:
    expected = ref.d_loss(d_real, d_fake)
    if compare(got, expected, name="the loss") is None:
        return None
    big = bool(torch.cat([d_real, d_fake]).abs().max() > 50)
    problem = _scalar_problem(got, d_real.numel()) or _nonfinite_problem(got, big)
    if problem:
        return problem
    g = float(as_float64(got))
    n = d_real.numel()
    real_term, fake_term = -F.logsigmoid(d_real).mean(), -F.logsigmoid(-d_fake).mean()
    say = f"expected {expected.item():.4f}, got {g:.4f}"
    if close(got, -expected):
        return (f"{say}: the sign is flipped. That is V(D, G), which D *maximises*; an optimiser "
                "minimises, so D's loss is -V = -(E[log D(x)] + E[log(1 - D(G(z)))])")
    if close(got, expected * n) or close(got, -expected * n):
        return f"{say}: you summed over the batch; take the mean of each term"
    if close(got, expected / 2):
        return (f"{say}, half the reference: you averaged the two terms (or took one mean over "
                "real and fake together). Goodfellow's V adds them: E_x[...] + E_z[...]")
    if close(got, ref.d_loss(d_fake, d_real)):
        return ("real and fake are swapped: real logits score log D = F.logsigmoid(d_real), "
                "fake logits log(1 - D) = F.logsigmoid(-d_fake)")
    if close(got, -(F.logsigmoid(d_real).mean() + F.logsigmoid(d_fake).mean())):
        return ("the fake term is log D(G(z)); it must be log(1 - D(G(z))): "
                "F.logsigmoid(-d_fake), because 1 - sigmoid(l) = sigmoid(-l)")
    if close(got, real_term) or close(got, fake_term):
        which = "real" if close(got, real_term) else "fake"
        return f"{say}: only the {which} term counts; add both terms"
    if close(got, ref.d_loss(torch.sigmoid(d_real), torch.sigmoid(d_fake))):
        return ("you applied the sigmoid twice: F.logsigmoid already contains it, so give it the "
                "raw logits")
    if big:
        probs = _via_probabilities([(d_real, True), (d_fake, False)])
        if any(close(got, v, atol=1e-3) for v in probs) or g < expected.item() - 1:
            return (f"{say}: the loss is too small where D is confidently wrong. You went through "
                    "probabilities: sigmoid(25) is exactly 1.0 in float32, so log(1 - D) can only "
                    "be clamped or epsiloned. Work with logits: F.logsigmoid(l), F.logsigmoid(-l)")
    return f"{say} ({compare(got, expected, name='the loss')})"


# --------------------------------------------------------------------------- 2. G's loss


def _g_cases() -> list[tuple[str, Tensor]]:
    gen = torch.Generator().manual_seed(5)
    d_fake = 2 * torch.randn(64, generator=gen) - 1  # (64,) logits of D on fakes
    big = torch.tensor([-200.0, -60.0, -25.0, 25.0, 90.0])
    return [("64 seeded logits", d_fake), (f"d_fake = {[int(v) for v in big]}", big)]


def check_g_loss(fn: Callable[[Tensor], Tensor], *, quiet: bool = False) -> Feedback:
    """Check ``fn(d_fake)``: G's non-saturating loss -E[log D(G(z))] from D's logits (B,)."""
    for label, d_fake in _g_cases():
        got, err = _run(fn, d_fake)
        problem = err or _g_problem(got, d_fake)
        if problem:
            return finish(f"on {label}: {problem}", "", quiet=quiet)
    return finish(None, "g_loss: the non-saturating -E[log D(G(z))] from logits, finite even at "
                  "logits of +-200.", quiet=quiet)


def _g_problem(got: Any, d_fake: Tensor) -> str | None:
    expected = ref.g_loss(d_fake)
    if compare(got, expected, name="the loss") is None:
        return None
    big = bool(d_fake.abs().max() > 50)
    problem = _scalar_problem(got, d_fake.numel()) or _nonfinite_problem(got, big)
    if problem:
        return problem
    g = float(as_float64(got))
    n = d_fake.numel()
    say = f"expected {expected.item():.4f}, got {g:.4f}"
    saturating = F.logsigmoid(-d_fake).mean()
    if close(got, saturating):
        return (f"{say}: that is the saturating loss E[log(1 - D(G(z)))] of the minimax game. "
                "Its gradient vanishes when D rejects the fakes; write the non-saturating "
                "-E[log D(G(z))] = -F.logsigmoid(d_fake).mean()")
    if close(got, -saturating):
        return (f"{say}: that is D's loss on the fakes (target 0, 'fake'). G wants D to call its "
                "samples real: -E[log D(G(z))] = -F.logsigmoid(d_fake).mean()")
    if close(got, -expected):
        return (f"{say}: the sign is flipped; G *maximises* log D(G(z)), so its loss, which the "
                "optimiser minimises, is -E[log D(G(z))]")
    if close(got, expected * n) or close(got, -expected * n):
        return f"{say}: you summed over the batch; take the mean"
    if close(got, ref.g_loss(torch.sigmoid(d_fake))):
        return "you applied the sigmoid twice: F.logsigmoid already contains it"
    if big:
        probs = _via_probabilities([(d_fake, True)])
        if any(close(got, v, atol=1e-3) for v in probs) or g < expected.item() - 1:
            return (f"{say}: the loss is too small where D confidently rejects a fake. You went "
                    "through probabilities: sigmoid(-200) is 0 in float32 and log(0) must be "
                    "clamped. Work with logits: -F.logsigmoid(d_fake).mean()")
    return f"{say} ({compare(got, expected, name='the loss')})"


# --------------------------------------------------------------------------- 3. gradients per logit


def check_logit_grads(fn: Callable[[Tensor], tuple[Tensor, Tensor]], *,
                      quiet: bool = False) -> Feedback:
    """Check ``fn(p) -> (saturating, non_saturating)``: each G loss's derivative per sample with
    respect to D's logit a, at D(G(z)) = p = sigmoid(a); compared with autograd."""
    p = torch.tensor([0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99], dtype=torch.float64)
    a = torch.logit(p).requires_grad_(True)
    (sat,) = torch.autograd.grad(F.logsigmoid(-a).sum(), a)  # d/da log(1 - sigmoid(a))
    (ns,) = torch.autograd.grad(-F.logsigmoid(a).sum(), a)  # d/da -log sigmoid(a)
    got, err = _run(fn, p)
    if err:
        return finish(err, "", quiet=quiet)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return finish(f"expected a pair (saturating, non_saturating), got {type(got).__name__}"
                      + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""),
                      "", quiet=quiet)
    names = ("the saturating gradient", "the non-saturating gradient")
    for name, value, expected, wrt_p in zip(names, got, (sat, ns), (-1 / (1 - p), -1 / p),
                                            strict=True):
        if compare(value, expected, name=name, atol=1e-6) is None:
            continue
        g = as_float64(value)
        if g is not None and g.shape == ():
            return finish(f"{name}: expected one value per p (shape {tuple(p.shape)}), got a "
                          "scalar: no mean here, the derivative of each sample's loss", "",
                          quiet=quiet)
        if close(value, wrt_p, rtol=1e-6):
            return finish(f"{name}: that is the derivative with respect to p = D(G(z)); G's "
                          "gradient passes through the logit a, so multiply by dp/da = "
                          "p (1 - p) (the sigmoid's derivative)", "", quiet=quiet)
        if close(value, -expected, rtol=1e-6):
            return finish(f"{name}: the sign is flipped; both losses fall as the logit rises "
                          "(G is rewarded when D calls its samples real), so both derivatives "
                          "are negative", "", quiet=quiet)
        other = ns if expected is sat else sat
        if close(value, other, rtol=1e-6):
            return finish("the two are swapped: return (saturating, non_saturating)", "",
                          quiet=quiet)
        return finish(compare(value, expected, name=name, atol=1e-6), "", quiet=quiet)
    return finish(None, "logit_grads: -p (saturating) and -(1 - p) (non-saturating), as autograd "
                  "finds: at p = 0.001 they differ a thousandfold.", quiet=quiet)


# --------------------------------------------------------------------------- 4. one training step

_LR = 0.1


class _Log:
    """What happened during the learner's step, in order."""

    def __init__(self) -> None:
        self.steps: list[str] = []  # "D" / "G" for opt_D.step() / opt_G.step()
        self.grad_into: list[tuple[str, str]] = []  # (network that got a gradient, phase)
        self.grads_at_step: dict[str, list[Tensor | None]] = {}
        self.params_after_step: dict[str, list[Tensor]] = {}

    @property
    def phase(self) -> str:
        """'D' until opt_D.step() has run, then 'G'."""
        return "G" if "D" in self.steps else "D"


class _SGD(torch.optim.SGD):
    """Plain SGD that records when it steps and the gradients it sees."""

    def __init__(self, module: nn.Module, who: str, log: _Log) -> None:
        super().__init__(module.parameters(), lr=_LR)
        self._module, self._who, self._log = module, who, log

    def step(self, closure=None):  # noqa: D102 - same as SGD.step
        self._log.grads_at_step.setdefault(self._who, [
            None if p.grad is None else p.grad.detach().clone() for p in self._module.parameters()])
        self._log.steps.append(self._who)
        out = super().step(closure)
        self._log.params_after_step.setdefault(self._who, [
            p.detach().clone() for p in self._module.parameters()])
        return out


def _tiny_pair() -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(11)
    G = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))  # z (B, 3) -> x (B, 2)
    D = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Flatten(0))  # -> (B,)
    return G, D


def _grads(loss: Tensor, module: nn.Module) -> list[Tensor]:
    return list(torch.autograd.grad(loss, list(module.parameters())))


def _reference(G: nn.Module, D: nn.Module, x_real: Tensor, z: Tensor, *,
               d_step: list[Tensor] | None = None) -> dict[str, list[Tensor]]:
    """The right gradients, and the wrong ones of typical mistakes, on copies of G and D.

    ``z`` feeds both steps; ``d_step``, if given, is the D gradient to update D with (the one
    found for D's own fakes, when G's step drew other noise).
    """
    G, D = copy.deepcopy(G), copy.deepcopy(D)
    g_D = _grads(ref.d_loss(D(x_real), D(G(z).detach())), D) if d_step is None else d_step
    D_old = copy.deepcopy(D)
    with torch.no_grad():
        for p, g in zip(D.parameters(), g_D, strict=True):
            p -= _LR * g
    return {
        "D": g_D,
        "G": _grads(ref.g_loss(D(G(z))), G),
        "G_old_D": _grads(ref.g_loss(D_old(G(z))), G),
        "G_saturating": _grads(F.logsigmoid(-D(G(z))).mean(), G),
    }


def _same(got: list[Tensor | None], expected: list[Tensor], *, tol: float = 1e-5) -> bool:
    # The learner's loop and the reference differ in operation order (two backward calls or
    # one, BCE-with-logits or logsigmoid): gradients agree to float32 rounding, not bit for bit.
    return all(g is not None and g.shape == e.shape and torch.allclose(g, e, atol=tol, rtol=1e-4)
               for g, e in zip(got, expected, strict=True))


def _plus(a: list[Tensor], b: list[Tensor]) -> list[Tensor]:
    return [x + y for x, y in zip(a, b, strict=True)]


def _neg(a: list[Tensor]) -> list[Tensor]:
    return [-x for x in a]


def check_train_step(fn: Callable[..., Any], *, quiet: bool = False) -> Feedback:
    """Check ``fn(G, D, opt_G, opt_D, x_real, z)``: one D update, then one G update.

    Runs it on tiny instrumented networks and optimizers (plain SGD) whose gradients are left
    over from an earlier step, as in a real loop, and checks in this order: each optimizer
    steps once, D first; D's fakes are detached (no gradient into G from D's loss); D's gradient
    is the reference's; D is unchanged by G's step; G's gradient is the non-saturating loss's
    through the *updated* D; D is not left frozen. The first property that fails is reported.

    Every correct step passes: the fakes may come from the ``z`` passed in or from fresh noise
    drawn inside (for D's step, G's step or both: Algorithm 1 draws a new minibatch for G), and
    D may be frozen for G's step or not (freezing only saves computing gradients that nobody
    uses; the PyTorch DCGAN tutorial does not freeze).
    """
    problem = _train_step_problem(fn)
    return finish(problem, "train_step: D steps first on detached fakes, then G steps through "
                  "the updated D (which G's step leaves unchanged, and not frozen afterwards); "
                  "every gradient matches the reference.", quiet=quiet)


def _train_step_problem(fn: Callable[..., Any]) -> str | None:
    G, D = _tiny_pair()
    gen = torch.Generator().manual_seed(12)
    x_real = torch.randn(16, 2, generator=gen) + torch.tensor([2.0, 0.0])  # (16, 2)
    z = torch.randn(16, 3, generator=gen)  # (16, 3)
    G0, D0 = copy.deepcopy(G), copy.deepcopy(D)
    # Gradients left over from a previous iteration: a step must clear them first.
    stale = {who: [torch.randn(p.shape, generator=gen) for p in m.parameters()]
             for who, m in (("D", D), ("G", G))}
    for who, m in (("D", D), ("G", G)):
        for p, s in zip(m.parameters(), stale[who], strict=True):
            p.grad = s.clone()
    log = _Log()
    for who, m in (("D", D), ("G", G)):
        for p in m.parameters():
            p.register_hook(lambda grad, who=who: log.grad_into.append((who, log.phase)))
    noise_seen: list[Tensor] = []  # every z G was given: the passed one, or fresh noise
    G.register_forward_pre_hook(lambda _, args: noise_seen.append(args[0].detach().clone()))
    opt_G, opt_D = _SGD(G, "G", log), _SGD(D, "D", log)
    _, err = run_learner(fn, G, D, opt_G, opt_D, x_real.clone(), z.clone())
    if err:
        return err
    candidates = [z] + [n for n in noise_seen if n.shape == z.shape and not torch.equal(n, z)]
    n_d, n_g = log.steps.count("D"), log.steps.count("G")
    if log.steps[:2] == ["D", "G"] and n_d == 2 and n_g == 1:
        return ("opt_D.step() ran again after G's update: D was trained on G's step (with the "
                "gradient of G's loss, which rewards D for calling fakes real). In G's turn only "
                "opt_G steps; D's gradients from loss_G.backward() are left unused")
    if n_d != 1 or n_g != 1:
        what = []
        if n_d != 1:
            what.append(f"opt_D.step() ran {n_d} times")
        if n_g != 1:
            what.append(f"opt_G.step() ran {n_g} times")
        return (f"expected one D update and one G update, but {' and '.join(what)}: call each "
                "optimizer's step() once, after its loss's backward()")
    if log.steps != ["D", "G"]:
        return ("G was updated before D: Algorithm 1 first updates D (k times), then G through "
                "the updated D")
    if ("G", "D") in log.grad_into:
        return ("D's loss sent gradients into G's weights: detach the fakes for D's step "
                "(x_fake = G(z).detach(), or compute them under torch.no_grad()); D's step must "
                "not train G")
    got_D = log.grads_at_step["D"]
    expected, z_d = _reference(G0, D0, x_real, z), z
    for z_try in candidates:  # the z D's fakes came from: passed in, or drawn inside
        swapped = _grads(ref.d_loss(D0(G0(z_try).detach()), D0(x_real)), D0)
        if _same(got_D, _reference(G0, D0, x_real, z_try)["D"]) or _same(got_D, swapped):
            expected, z_d = _reference(G0, D0, x_real, z_try), z_try
            break
    if all(g is None for g in got_D) or ("D", "D") not in log.grad_into:
        return ("opt_D.step() ran, but loss_D.backward() gave D no new gradient: compute loss_D "
                "from D(x_real) and D(x_fake), then loss_D.backward(), then opt_D.step()")
    if not _same(got_D, expected["D"]):
        if _same(got_D, _plus(expected["D"], stale["D"])):
            return ("D's gradient still holds the previous step's: call opt_D.zero_grad() before "
                    "loss_D.backward() (backward adds to .grad, it does not replace it)")
        if _same(got_D, _neg(expected["D"])):
            return ("D's gradient has the wrong sign: D's loss is -V = -(E[log D(x)] + "
                    "E[log(1 - D(G(z)))]) (minimising it ascends V)")
        if _same(got_D, _grads(ref.d_loss(D0(G0(z_d).detach()), D0(x_real)), D0)):
            return ("D's gradient is that of a loss with the labels swapped: the real batch "
                    "scored as fake and the fakes as real. D's loss is d_loss(D(x_real), "
                    "D(x_fake)): real logits first")
        if _same(got_D, [0.5 * g for g in expected["D"]]):
            return ("D's gradient is half the reference's: you averaged the real and fake terms "
                    "(or took one mean over both batches); D's loss adds the two means")
        return ("D's gradient differs from the reference's: check D's loss (exercise 1), and "
                "that D scores x_real and G(z) for the z passed in")
    if any(not torch.equal(p, q) for p, q in zip(D.parameters(), log.params_after_step["D"],
                                                 strict=True)):
        return "D's weights changed after its own update: only opt_G may step during G's turn"
    got_G = log.grads_at_step["G"]
    for z_g in candidates:  # G's step may reuse D's z or draw a fresh minibatch (Algorithm 1)
        with_z_g = _reference(G0, D0, x_real, z_g, d_step=expected["D"])
        if _same(got_G, with_z_g["G"]):
            expected = {**expected, **{k: with_z_g[k] for k in ("G", "G_old_D", "G_saturating")}}
            break
    if ("G", "G") not in log.grad_into:
        return ("G got no gradient from its loss: in G's step, D(G(z)) must be computed with "
                "gradients (no .detach(), no torch.no_grad()); G learns only through D")
    if not _same(got_G, expected["G"]):
        if _same(got_G, _plus(expected["G"], stale["G"])):
            return ("G's gradient still holds the previous step's: call opt_G.zero_grad() before "
                    "loss_G.backward()")
        if _same(got_G, expected["G_old_D"]):
            return ("G's gradient went through D *before* its update: compute D(G(z)) for G's "
                    "loss after opt_D.step()")
        if _same(got_G, expected["G_saturating"]):
            return ("G used the saturating loss E[log(1 - D(G(z)))]; use the non-saturating "
                    "-E[log D(G(z))] (exercise 2)")
        if _same(got_G, _neg(expected["G"])):
            return "G's gradient has the wrong sign: G's loss is -E[log D(G(z))]"
        return ("G's gradient differs from the reference's: check G's loss (exercise 2), and "
                "that G's fakes come from G (the z passed in, or fresh noise of its shape) and "
                "are scored by the updated D")
    frozen = [n for n, p in D.named_parameters() if not p.requires_grad]
    if frozen:
        return (f"D is still frozen after the step ({len(frozen)} parameters have "
                "requires_grad=False): call D.requires_grad_(True) at the end, or the next D "
                "step learns nothing")
    return None


# --------------------------------------------------------------------------- 5. G's weight average


def _ema_pair() -> tuple[nn.Module, nn.Module]:
    """A tiny G with BatchNorm, trained a little (its buffers moved), and an older copy of it."""
    torch.manual_seed(21)
    G = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    G_ema = copy.deepcopy(G).eval()
    with torch.no_grad():
        for p in G.parameters():
            p.add_(torch.randn(p.shape))  # G has moved on since G_ema was its copy
    G.train()(torch.randn(8, 3) + 1.0)  # one forward in train mode: BatchNorm's statistics move
    return G_ema, G


def _ema_problem(fn: Callable[..., Any]) -> str | None:
    G_ema, G = _ema_pair()
    G_before = copy.deepcopy(G)
    avg_want, avg_got = copy.deepcopy(G_ema), copy.deepcopy(G_ema)
    for decay in (0.9, 0.75):  # two calls in a row: the second averages the first's result
        old = [p.detach().clone() for p in avg_got.parameters()]
        ref.ema_update(avg_want, G, decay)
        _, err = run_learner(fn, avg_got, G, decay)
        if err:
            if "in-place" in err or "leaf Variable" in err:
                err += (": the weights require gradients, so an in-place update needs "
                        "torch.no_grad() around it (or the @torch.no_grad() decorator)")
            return err
        got = [p.detach() for p in avg_got.parameters()]
        want = [p.detach() for p in avg_want.parameters()]
        if any(not torch.equal(p, q) for p, q in zip(G.parameters(), G_before.parameters(),
                                                      strict=True)):
            return "your function changed G's own weights: only the average G_ema changes"
        if all(torch.equal(g, o) for g, o in zip(got, old, strict=True)):
            return ("G_ema's weights did not change (is the body still `...`?): change each of "
                    "its tensors in place, with in-place methods such as mul_, add_ or lerp_; "
                    "`p_avg = ...` only gives the name a new tensor")
        if all(torch.allclose(g, p.detach()) for g, p in zip(got, G.parameters(), strict=True)):
            return "G_ema became a copy of G: the average keeps a share `decay` of its old value"
        swapped = [(1 - decay) * o + decay * p.detach() for o, p in zip(old, G.parameters(),
                                                                       strict=True)]
        if all(torch.allclose(g, s, atol=1e-6) for g, s in zip(got, swapped, strict=True)):
            return (f"with decay {decay} the average moved {decay:.0%} of the way to G: the "
                    "weights are swapped. decay multiplies the *old average*, 1 - decay the "
                    "new weights")
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            diff = compare(g, w, name=f"parameter {i} of G_ema (decay {decay})", atol=1e-6)
            if diff:
                return diff + ": the average is decay * G_ema + (1 - decay) * G"
    # Buffers: copied, as the trainer does, or averaged like the weights (some libraries do);
    # left as they were, G_ema would normalise with statistics of long-gone weights.
    untouched = dict(_ema_pair()[0].named_buffers())
    for (name, b), b_got in zip(G.named_buffers(), avg_got.buffers(), strict=True):
        if not b.dtype.is_floating_point or torch.allclose(b_got, b):
            continue
        start = untouched[name]
        averaged = 0.75 * (0.9 * start + 0.1 * b) + 0.25 * b  # the two calls above, averaged
        if torch.allclose(b_got, start):
            return (f"the buffer {name!r} (BatchNorm's running statistics) was not updated: "
                    "copy G's buffers into G_ema (b_avg.copy_(b) for each pair of "
                    "G_ema.buffers() and G.buffers())")
        if not torch.allclose(b_got, averaged, atol=1e-6):
            return (f"the buffer {name!r} holds neither G's value nor the average: copy G's "
                    "buffers (b_avg.copy_(b))")
    return None


def check_ema_update(fn: Callable[..., Any], *, quiet: bool = False) -> Feedback:
    """Check ``fn(G_ema, G, decay)``: the average ``decay * G_ema + (1 - decay) * G`` of each
    parameter, in place on ``G_ema``; G's buffers (BatchNorm's statistics) copied into G_ema."""
    return finish(_ema_problem(fn), "ema_update: every weight of G_ema moved (1 - decay) of the "
                  "way towards G's, in place; G untouched; BatchNorm's statistics follow G's.",
                  quiet=quiet)


# --------------------------------------------------------------------------- 6. least squares, hinge


def _pair_losses(fn: Callable[..., Any], name: str, reference: Callable[..., Any],
                 variants: Callable[[Tensor, Tensor], dict[str, tuple[Tensor, Tensor]]]
                 ) -> str | None:
    """Shared by the least-squares and hinge checks: ``fn(d_real, d_fake) -> (loss_D, loss_G)``."""
    gen = torch.Generator().manual_seed(31)
    cases = [(1.5 * torch.randn(64, generator=gen) + 0.8, 1.5 * torch.randn(64, generator=gen) - 0.8),
             (torch.randn(32, generator=gen) - 3.0, torch.randn(48, generator=gen) + 2.5)]
    for d_real, d_fake in cases:
        r, f = d_real.clone().requires_grad_(True), d_fake.clone().requires_grad_(True)
        got, err = _run(fn, r, f)
        if err:
            return err
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return f"expected a pair (loss_D, loss_G), got {type(got).__name__}"
        want = reference(d_real, d_fake)
        for who, g, w in zip(("loss_D", "loss_G"), got, want, strict=True):
            problem = _scalar_problem(g, d_real.numel())
            if problem:
                return f"{who}: {problem}"
            if compare(g, w, name=who) is None:
                if not (isinstance(g, Tensor) and g.requires_grad):
                    return f"{who} has no gradient: keep it a tensor computed from the scores"
                continue
            k = 0 if who == "loss_D" else 1
            why = next((text for text, pair in variants(d_real, d_fake).items()
                        if close(g, pair[k], atol=1e-5)), None)
            say = f"{who}: expected {w.item():.4f}, got {float(as_float64(g)):.4f}"
            return f"{say}: {why}" if why else f"{say} (check it against the formula of {name})"
    return None


def _ls_variants(r: Tensor, f: Tensor) -> dict[str, tuple[Tensor, Tensor]]:
    d, g = ref.least_squares_losses(r, f)
    sr, sf = torch.sigmoid(r), torch.sigmoid(f)
    return {
        "the factor 1/2 is missing (the course writes it, as Mao et al. do: it halves the "
        "gradient, so the dashboard's numbers match)": (2 * d, 2 * g),
        "you applied a sigmoid: least squares works on D's raw scores, which are pushed towards "
        "the targets 1 (real) and 0 (fake)": ref.least_squares_losses(sr, sf),
        "the targets are swapped: real scores go towards 1, fake scores towards 0":
            (0.5 * (r ** 2).mean() + 0.5 * ((f - 1) ** 2).mean(), g),
        "G's target is 0, D's label for fakes: G wants D to score its fakes as real, target 1":
            (d, 0.5 * (f ** 2).mean()),
        "use the mean over each batch, not the sum":
            (0.5 * ((r - 1) ** 2).sum() + 0.5 * (f ** 2).sum(), 0.5 * ((f - 1) ** 2).sum()),
        "you averaged the real and fake terms: D's loss adds the two (each with its 1/2)":
            (0.5 * d, g),
    }


def check_least_squares_losses(fn: Callable[..., Any], *, quiet: bool = False) -> Feedback:
    """Check ``fn(d_real, d_fake) -> (loss_D, loss_G)``: the least-squares losses on raw scores,
    loss_D = 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2], loss_G = 1/2 E[(D(G(z)) - 1)^2]."""
    return finish(_pair_losses(fn, "least squares", ref.least_squares_losses, _ls_variants),
                  "least_squares_losses: D pulls real scores to 1 and fake scores to 0, G pulls "
                  "its fakes' scores to 1, on raw scores.", quiet=quiet)


def _hinge_variants(r: Tensor, f: Tensor) -> dict[str, tuple[Tensor, Tensor]]:
    d, g = ref.hinge_losses(r, f)
    return {
        "G's loss has a max(0, .): the hinge is D's only; G simply raises its fakes' scores, "
        "loss_G = -E[D(G(z))]": (d, F.relu(1 - f).mean()),
        "the max(0, .) is missing: without it D's loss is the Wasserstein critic's, plus 2, and "
        "D keeps pushing scores that are already past the margin":
            ((1 - r).mean() + (1 + f).mean(), g),
        "the signs inside the hinges are swapped: real scores should rise above +1, fake scores "
        "fall below -1": (F.relu(1 + r).mean() + F.relu(1 - f).mean(), g),
        "G's loss has the wrong sign: G wants its fakes' scores *high*": (d, f.mean()),
        "use the mean over each batch, not the sum":
            (F.relu(1 - r).sum() + F.relu(1 + f).sum(), -f.sum()),
        "you applied a sigmoid: the hinge works on raw scores":
            ref.hinge_losses(torch.sigmoid(r), torch.sigmoid(f)),
    }


def check_hinge_losses(fn: Callable[..., Any], *, quiet: bool = False) -> Feedback:
    """Check ``fn(d_real, d_fake) -> (loss_D, loss_G)``: the hinge losses on raw scores,
    loss_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))], loss_G = -E[D(G(z))]."""
    return finish(_pair_losses(fn, "the hinge loss", ref.hinge_losses, _hinge_variants),
                  "hinge_losses: D stops pushing a score once it is past its margin (+1 real, "
                  "-1 fake); G raises its fakes' scores.", quiet=quiet)
