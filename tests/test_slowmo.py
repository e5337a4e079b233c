"""Slow motion: its stages replay one real iteration, and after them the trainer is bit for bit
where ``trainer.step()`` would have put it; every stage has a picture and one line of numbers."""

import numpy as np
import pytest
import torch
from PIL import Image

from gan_course import losses, models, presets, toys
from gan_course.data import TensorSampler
from gan_course.live import slowmo, views
from gan_course.training import GANConfig, Trainer, TrainingDiverged

D_TITLES = ["sample z", "G(z)", "D scores", "D's loss", "D's gradients", "D's update"]
G_TITLES = ["G's turn: fresh z", "G's turn: G(z)", "G's turn: D(G(z))", "G's loss",
            "G's gradients", "G's update"]


def _equal(a, b, where: str) -> None:
    """Tensors, dicts and lists compared exactly, all the way down."""
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _equal(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _equal(x, y, f"{where}[{i}]")
    else:
        assert a == b or (a != a and b != b), f"{where}: {a!r} != {b!r}"  # NaN == NaN here


def _state(trainer) -> dict:
    """Everything a step changes, with the history's numbers but not their wall-clock time."""
    return {
        "G": trainer.G.state_dict(), "D": trainer.D.state_dict(),
        "G_ema": None if trainer.G_ema is None else trainer.G_ema.state_dict(),
        "opt_G": trainer.opt_G.state_dict(), "opt_D": trainer.opt_D.state_dict(),
        "history": [{k: v for k, v in h.items() if k != "seconds"} for h in trainer.history],
        "step": trainer.step_count, "rng": trainer.generator.get_state(),
    }


def _snapshot(trainer) -> dict:
    """`_state` with copies of its tensors (state dicts share the live ones)."""
    return _copy(_state(trainer))


def _copy(v):
    if isinstance(v, torch.Tensor):
        return v.clone()
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


CASES = {  # name -> (trainer, stages per iteration, in order)
    "course": (lambda: presets.toy_trainer("ring", seed=0, batch_size=64), [12, 12, 12]),
    "n_critic-2-noisy-labels": (
        lambda: presets.toy_trainer("ring", "vanilla", seed=1, n_critic=2, noisy_labels=True,
                                    batch_size=32), [18, 18, 18]),
    "d-pretrain": (lambda: presets.toy_trainer("ring", seed=0, batch_size=32, d_pretrain_steps=3),
                   [7, 7, 12]),
    "wgan-gp": (lambda: presets.toy_trainer("ring", seed=0, batch_size=32, loss="wgan-gp",
                                            n_critic=2, instance_noise=0.1), [18, 18, 18]),
}


@pytest.mark.parametrize("case", CASES)
def test_slow_motion_leaves_the_trainer_where_step_would(case):
    """Two trainers from one seed: one stepped plainly, one through slow motion (stage by stage,
    partly finished at once): the same weights, optimizer state, weight average, history
    numbers and random stream, after every iteration."""
    make, counts = CASES[case]
    plain, slow_trainer = make(), make()
    plain.train(1)  # one step in: Adam has its moments, as in a run under way
    slow_trainer.train(1)
    slow = slowmo.SlowMotion(slow_trainer, views.View2D(slow_trainer, slow_trainer.real))
    torch_rng = torch.get_rng_state()
    for i, count in enumerate(counts):
        plain.step()
        stage = slow.advance()
        assert (stage.index, stage.count, stage.step) == (1, count, i + 2)
        _equal(_state(slow_trainer), _state(plain), "after the first stage")  # the step ran
        if i == 1:
            stage = slow.finish()  # the rest at once
        while not stage.done:
            stage = slow.advance()
        assert [s.index for s in slow.stages] == list(range(1, count + 1)), case
        _equal(_state(slow_trainer), _state(plain), f"iteration {i + 1}")
    assert "step_d" not in vars(slow_trainer) and "step_g" not in vars(slow_trainer)
    assert not slow_trainer.G._forward_hooks and not slow_trainer.D._forward_hooks
    assert torch.equal(torch.get_rng_state(), torch_rng)  # watching draws nothing from torch's


@pytest.mark.parametrize("n_critic", [1, 2])
def test_stage_titles_and_counts(n_critic, ring_trainer):
    trainer = ring_trainer(n_critic=n_critic)
    slow = slowmo.SlowMotion(trainer)
    assert slow.finish() is None and not slow.in_progress  # nothing under way yet
    slow.advance()
    assert slow.in_progress
    last = slow.finish()
    assert last.done and last.index == last.count == 6 * n_critic + 6
    titles = [s.title for s in slow.stages]
    if n_critic == 1:
        assert titles == D_TITLES + G_TITLES
    else:
        assert titles == ([f"{t} (D update 1 of 2)" for t in D_TITLES]
                          + [f"{t} (D update 2 of 2)" for t in D_TITLES] + G_TITLES)
    assert [s.done for s in slow.stages] == [False] * (last.count - 1) + [True]
    assert slow.advance().index == 1 and trainer.step_count == 2  # the next iteration


def test_d_pretraining_skips_gs_stages(ring_trainer):
    trainer = ring_trainer(d_pretrain_steps=1)
    slow = slowmo.SlowMotion(trainer)
    slow.advance()
    last = slow.finish()
    assert [s.title for s in slow.stages] == D_TITLES + ["G's turn skipped"]
    assert "d_pretrain_steps" in last.text and "skipped" in last.text
    assert np.isnan(trainer.history[-1]["loss_G"])
    slow.advance()
    assert slow.finish().count == 12  # pretraining over: G's turn again


def _n(v: float) -> str:
    return f"{v:.3g}"


def test_each_stage_says_its_numbers_in_one_line(ring_trainer):
    trainer = ring_trainer()
    trainer.train(3)
    slow = slowmo.SlowMotion(trainer)
    slow.advance()
    slow.finish()
    h = trainer.history[-1]
    text = {s.index: s.text for s in slow.stages}
    for s in slow.stages:
        assert "\n" not in s.text and len(s.text) <= 110, s.text
        assert s.text.startswith(f"{s.index}/{s.count} ")
    assert f"mean D(x)={_n(h['d_real'])}," in text[3] and f"D(G(z))={_n(h['d_fake'])}" in text[3]
    assert f"loss_D = {_n(h['loss_D'])} = −mean log D(x)" in text[4]
    assert f"|∇D| = {_n(h['grad_norm_D'])}" in text[5]
    assert f"mean {_n(h['d_fake_after'])}" in text[9]
    assert f"loss_G = {_n(h['loss_G'])} = −mean log D(G(z))" in text[10]
    assert f"|∇G| = {_n(h['grad_norm_G'])}" in text[11]
    assert "latent space" in text[1]  # latent_dim 2: the z are shown where they land


@pytest.mark.parametrize("loss", losses.LOSSES.values(), ids=lambda loss: loss.name)
def test_every_loss_of_the_table_has_its_words_and_fits_one_line(loss):
    """The longest lines: n_critic 2, big batches, instance noise, soft targets, latent 8."""
    torch.manual_seed(0)
    G = models.MLPGenerator(8, (2,), hidden=(16,))
    D = models.MLPDiscriminator((2,), hidden=(16,))
    cfg = GANConfig(loss=loss.name, latent_dim=8, batch_size=1024, n_critic=2, ema=0.9,
                    instance_noise=0.1, label_smoothing=0.1)
    trainer = Trainer(G, D, toys.ring(), cfg)
    slow = slowmo.SlowMotion(trainer)
    slow.advance()
    slow.finish()
    for s in slow.stages:
        assert "\n" not in s.text and len(s.text) <= 110, (len(s.text), s.text)
    assert slowmo._D_WORDS[loss.d_loss] in slow.stages[3].text  # a new loss needs its words
    assert slowmo._G_WORDS[loss.g_loss] in slow.stages[-3].text
    assert slowmo._SCALE_WORDS[loss.scale] in slow.stages[2].text
    assert "shape (1024, 8)" in slow.stages[0].text  # not 2-D: its shape and z₁'s spread
    if loss.regulariser == "gradient-penalty":
        assert "10·penalty" in slow.stages[3].text
    if loss.regulariser == "clip":
        assert "clipped ±0.01" in slow.stages[5].text


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def test_pictures_are_the_dashboards_size_drawn_in_place_and_differ(ring_trainer):
    trainer = ring_trainer()
    trainer.train(20)
    slow = slowmo.SlowMotion(trainer)
    slow.advance()
    blit = slow._canvas.blit
    slow.finish()
    assert slow._canvas.blit is blit and not blit.full  # one figure, blitted after the first
    size = (round(views.SIZE[0] * views.DPI), round(views.SIZE[1] * views.DPI))
    assert size == (880, 460)
    pictures = [_pixels(s.image) for s in slow.stages]
    for s, px in zip(slow.stages, pictures, strict=True):
        assert s.image.size == size and s.image.mode == "RGB"
        assert px.std() > 20 and len(np.unique(px.reshape(-1, 3), axis=0)) > 200  # not blank
    for i in range(1, len(pictures)):
        changed = np.abs(pictures[i] - pictures[i - 1]).sum(-1) > 0
        assert changed.mean() > 0.002, f"stage {i + 1} looks like stage {i}"
    # What changed is framed: the latent panel in stage 1 (z), the plane in stage 2 (G(z)).
    left, top, _, _ = slowmo._Canvas.LATENT
    focus = np.array([0xF0, 0xA0, 0x00])
    assert (pictures[0][top - 4, left + 20] == focus).all()
    assert not (pictures[1][top - 4, left + 20] == focus).all()
    print(f"\nslow motion: {slow.timing['iteration']:.0f} ms an iteration (the step recorded), "
          f"{slow.timing['build']:.0f} ms the first picture, {slow.timing['picture']:.1f} ms "
          "a stage's picture")


def test_the_recording_is_what_the_step_used(ring_trainer):
    """The recorders keep the step's own tensors: its real batch (from the trainer's stream),
    and the gradient that reached the fakes equals autograd of loss_G through the updated D."""
    trainer = ring_trainer()
    trainer.train(2)
    stream = torch.Generator().manual_seed(0)
    stream.set_state(trainer.generator.get_state())
    x_real = trainer.real.sample(trainer.config.batch_size, generator=stream)
    rounds = []
    with slowmo._recording(trainer, rounds):
        trainer.step()
    d, g = rounds
    assert (d.side, g.side) == ("D", "G")
    assert torch.equal(d.d_in[0], x_real)
    assert torch.equal(d.d_in[1], d.x_fake)  # no instance noise: D scored G's output
    x = g.x_fake.clone().requires_grad_(True)
    D = trainer.D  # as after D's update: G's step does not change it
    (want,) = torch.autograd.grad(trainer.loss.g_loss(D(x)), x)
    assert torch.equal(g.grad_fake[0], want)  # the same operations in the same order
    _equal(d.after, D.state_dict(), "D after its update")
    assert not all(torch.equal(d.before[k], d.after[k]) for k in d.before)


@pytest.mark.parametrize("kind", ["1d", "images"])
def test_refuses_trainers_that_are_not_2d_and_touches_nothing(kind):
    torch.manual_seed(0)
    if kind == "1d":
        G, D = models.MLPGenerator(1, (1,), hidden=(8,)), models.MLPDiscriminator((1,), hidden=(8,))
        trainer, got = Trainer(G, D, toys.mixture_1d(), GANConfig(latent_dim=1)), "(B, 1)"
    else:
        G = models.MLPGenerator(8, (1, 28, 28), hidden=(8,), out_activation="tanh")
        D = models.MLPDiscriminator((1, 28, 28), hidden=(8,))
        images = TensorSampler(torch.rand(20, 1, 28, 28) * 2 - 1)
        trainer, got = Trainer(G, D, images, GANConfig(latent_dim=8)), "(B, 1, 28, 28)"
    trainer.train(1)
    before = _snapshot(trainer)
    with pytest.raises(ValueError, match=r"expected G's output of shape \(B, 2\), got " +
                       got.replace("(", r"\(").replace(")", r"\)")):
        slowmo.SlowMotion(trainer)
    _equal(_state(trainer), before, "after the refusal")


def test_a_failed_step_shows_nothing_and_changes_nothing(ring_trainer):
    trainer = ring_trainer()
    slow = slowmo.SlowMotion(trainer)
    slow.advance()
    slow.finish()
    shown = list(slow.stages)
    trainer.update(optimizer="sgd", lr_D=1e9)  # D's update explodes; G's step then fails
    before = _snapshot(trainer)
    with pytest.raises(TrainingDiverged):
        slow.advance()
    _equal(_state(trainer), before, "after the failed step")
    assert slow.stages == shown and not slow.in_progress
    assert "step_d" not in vars(trainer) and not trainer.D._forward_hooks
    trainer.update(lr_D=1e-3)
    assert slow.advance().index == 1 and trainer.step_count == 2  # and it goes on


# --------------------------------------------------------------------------- from the dashboard


def test_the_dashboards_slow_motion_button_steps_once_and_shows_each_stage():
    from gan_course import presets
    from gan_course.live import Dashboard

    trainer, twin = presets.toy_trainer("ring", seed=0), presets.toy_trainer("ring", seed=0)
    dash = Dashboard(trainer, view="2d", headless=False)
    try:
        dash.draw()
        live_picture = dash.image.value
        dash.controls["lr_D"].value = 1e-3  # queued: the slow-motion step must take it
        button, text = dash.panel.slow["next"], dash.panel.slow["text"]
        seen = []
        for _ in range(12):
            button.click()
            seen.append(dash.image.value)
            assert trainer.step_count == 1, "one iteration: one step, at its first stage"
        assert len(set(seen)) == 12 and live_picture not in seen
        assert "12/12 G&#x27;s update" in text.value and "slow motion of step 1" in text.value
        assert button.description == "Slow motion: next iteration"
        twin.update(lr_D=1e-3)
        twin.step()
        for p, q in zip(trainer.G.parameters(), twin.G.parameters(), strict=True):
            assert torch.equal(p, q), "the slow-motion step is the trainer's own step"
        assert dash.state.numbers["lr_D"] == 1e-3 and "step 1" in dash.status_text()
        button.click()  # a new iteration
        assert trainer.step_count == 2 and "1/12 sample z" in text.value
        dash.panel.slow["end"].click()
        assert text.value == "" and dash.panel.slow["end"].disabled
        assert dash.image.value not in seen and trainer.step_count == 2
    finally:
        dash.close()


def test_slow_motion_refuses_other_views():
    from gan_course import presets
    from gan_course.live import Dashboard

    dash = Dashboard(presets.toy_trainer("mixture", seed=0), view="1d", headless=True)
    with pytest.raises(ValueError, match="slow motion draws the 2-D view"):
        dash.slow_motion()
    assert dash.trainer.step_count == 0
    dash.close()
