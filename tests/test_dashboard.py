"""The live dashboard from Python (no browser): controls reach the running trainer, buttons,
reset, the run's budget, divergence, errors, several dashboards, headless runs.

A running dashboard trains as a task on an event loop, as in a kernel: those tests run their
bodies with the `in_loop` fixture (see tests/conftest.py and tests/test_runner.py)."""

from __future__ import annotations

import asyncio
import io
import os
import time

import pytest
import torch
from PIL import Image

from gan_course import live, models, toys
from gan_course.data import TensorSampler
from gan_course.training import GANConfig, Trainer


@pytest.fixture
def dash(ring_trainer, stub_view):
    """A dashboard nobody started: for what works between runs (step, reset, set)."""
    d = live.Dashboard(ring_trainer(), view=stub_view(), refresh=0.05, headless=False)
    yield d
    d.close()


def weights(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


# --------------------------------------------------------------------------- controls


def test_slider_reaches_the_running_trainer_on_the_next_step(in_loop, until):
    async def body(dash):
        dash.start()
        assert await until(lambda: dash.trainer.step_count > 5)
        for lr in (3e-3, 1e-4, 2e-2):  # more than once: a slider dead after its first change
            dash.controls["lr_D"].value = lr
            at = dash.trainer.step_count  # steps done when the slider moved
            assert await until(lambda lr=lr, at=at: any(h["lr_D"] == lr
                                                        for h in dash.trainer.history[at:]))
            first = next(h["step"] for h in dash.trainer.history[at:] if h["lr_D"] == lr)
            assert first <= at + 2, "the step under way may miss it, the next one must not"
            assert dash.trainer.opt_D.param_groups[0]["lr"] == lr
        dash.controls["loss"].value = "hinge"
        dash.controls["n_critic"].value = 3
        dash.controls["batch_size"].value = 32
        dash.controls["noisy_labels"].value = True
        dash.controls["instance_noise"].value = 0.1
        want = dict(loss="hinge", n_critic=3, batch_size=32, noisy_labels=True,
                    instance_noise=0.1)
        assert await until(lambda: all(getattr(dash.trainer.config, k) == v
                                       for k, v in want.items()))
        assert dash.running and dash.error is None
        dash.pause()
        assert "lr_D 2.00e-02" in dash.status_text()
    in_loop(body)


def test_changes_while_paused_apply_on_the_next_step(dash):
    dash.controls["lr_G"].value = 5e-3
    assert dash.trainer.config.lr_G == 1e-3  # nothing touched the trainer yet
    assert "next step" in dash.status_text()
    numbers = dash.step()
    assert numbers["lr_G"] == 5e-3


def test_set_changes_settings_without_a_control(in_loop, until):
    async def body(dash):
        dash.start()
        dash.set(gp_lambda=3.0, lr_G=2e-3, lr_D=0.5)  # 0.5 lies beyond the slider's end
        assert dash.controls["lr_G"].value == 2e-3
        want = dict(gp_lambda=3.0, lr_G=2e-3, lr_D=0.5)
        assert await until(lambda: all(getattr(dash.trainer.config, k) == v
                                       for k, v in want.items()))
        dash.pause()
        with pytest.raises(ValueError, match="unknown"):
            dash.set(learning_rate=1e-3)
    in_loop(body)


# --------------------------------------------------------------------------- buttons


def test_step_buttons_update_one_side(dash):
    t = dash.trainer
    g0, d0 = weights(t.G), weights(t.D)
    dash.buttons["step_d"].click()
    assert t.step_count == 1 and same(weights(t.G), g0) and not same(weights(t.D), d0)
    g1, d1 = weights(t.G), weights(t.D)
    dash.buttons["step_g"].click()
    assert t.step_count == 2 and same(weights(t.D), d1) and not same(weights(t.G), g1)
    dash.buttons["step"].click()
    assert t.step_count == 3 and dash.image.value  # each step draws a picture
    assert dash.error is None


def test_start_pause_button(in_loop, until):
    async def body(dash):
        start = dash.buttons["start"]
        start.click()
        assert dash.running and start.description == "Pause"
        assert await until(lambda: dash.trainer.step_count > 3)
        begin = time.perf_counter()
        start.click()
        assert time.perf_counter() - begin < 1.0, "Pause must stop training within a second"
        assert not dash.running and start.description == "Start"
        steps = dash.trainer.step_count
        await asyncio.sleep(0.1)
        assert dash.trainer.step_count == steps
    in_loop(body)


def test_reset_restores_initial_weights_and_seed_gives_fresh_ones(dash):
    t = dash.trainer
    g0, d0 = weights(t.G), weights(t.D)
    dash.run(20)
    assert not same(weights(t.G), g0)
    dash.buttons["reset"].click()
    assert t.step_count == 0 and t.history == []
    assert same(weights(t.G), g0) and same(weights(t.D), d0)
    dash.seed.value = 7  # a changed seed: fresh weights from that seed
    assert t.config.seed == 7 and t.step_count == 0 and not same(weights(t.G), g0)
    g7 = weights(t.G)
    dash.run(5)
    dash.reset()  # same seed: back to the weights of seed 7
    assert same(weights(t.G), g7)
    assert dash.error is None


def test_reset_while_running_restarts_the_run(in_loop, until):
    async def body(dash):
        t = dash.trainer
        g0 = weights(t.G)
        dash.start()
        assert await until(lambda: t.step_count > 30)
        dash.buttons["reset"].click()
        assert await until(lambda: t.step_count < 30)
        dash.pause()
        assert dash.error is None
        t.reset()
        assert same(weights(t.G), g0)
    in_loop(body)


# --------------------------------------------------------------------------- the run's length


def test_run_stops_after_its_budget(in_loop):
    async def body(dash):
        dash.state.budget = 25
        dash.start()
        dash.wait(10)
        assert dash.trainer.step_count == 25 and not dash.running
        assert "finished a run of 25 steps" in dash.status.value
        dash.start()  # the next Start trains as many more
        dash.wait(10)
        assert dash.trainer.step_count == 50
    in_loop(body)


def test_the_start_trains_menu_sets_the_budget(in_loop, until):
    """The menu next to Start says how many steps a run trains; a change reaches the run at once."""
    async def body(dash):
        dash.budget.value = 100
        assert dash.state.budget == 100
        dash.start()
        dash.wait(10)
        assert dash.trainer.step_count == 100
        dash.budget.label = "until Pause"
        dash.start()
        assert await until(lambda: dash.trainer.step_count > 130)
        assert dash.running
        dash.budget.value = 100  # mid-run: 100 more from now, then it stops by itself
        stopped_at = dash.state.target
        dash.wait(10)
        assert not dash.running and dash.trainer.step_count == stopped_at
        assert "finished a run of 100 steps" in dash.status_text()
    in_loop(body)


def test_show_until_pause_keeps_the_lessons_count_in_the_menu(in_loop):
    async def body(dash):
        dash.show(steps=1500, until_pause=True)
        assert dash.budget.label == "until Pause" and dash.state.budget is None
        assert ("1,500 steps", 1500) in dash.budget.options
        dash.show(steps=1500)
        assert dash.budget.value == 1500
        dash.start(steps=333)  # a count the menu lacks is added to it
        dash.pause()
        assert dash.budget.value == 333 and ("333 steps", 333) in dash.budget.options
    in_loop(body)


# --------------------------------------------------------------------------- failures


class Poisoned:
    """A ring sampler that starts returning NaN when told to."""

    def __init__(self) -> None:
        self.toy, self.poison = toys.ring(), False

    def sample(self, n, *, generator=None):
        x = self.toy.sample(n, generator=generator)
        return x * float("nan") if self.poison else x


def test_nan_pauses_with_the_message_and_keeps_the_weights(in_loop, until, ring_trainer):
    real = Poisoned()

    async def body(d):
        d.start()
        assert await until(lambda: d.trainer.step_count > 5)
        real.poison = True
        d.wait(10)
        assert d.diverged and "loss_D" in d.diverged
        assert "NaN" in d.status.value and "diverged" in d.status.value
        assert all(torch.isfinite(p).all() for p in d.trainer.D.parameters())
        assert d.error is None and not d.running
        real.poison = False  # the learner fixes the cause and goes on
        d.start()
        assert await until(lambda: d.trainer.step_count > 20)
        d.pause()
        assert d.diverged is None and "NaN" not in d.status.value
    in_loop(body, ring_trainer(real=real))


def test_error_in_a_callback_is_shown(dash, monkeypatch):
    def broken(seed=None):
        raise RuntimeError("reset failed")

    monkeypatch.setattr(dash.trainer, "reset", broken)
    dash.buttons["reset"].click()  # ipywidgets would only log this
    assert "reset failed" in dash.error and "reset failed" in dash.errors.value


def test_invalid_change_is_reported_and_changes_nothing(dash):
    dash.state.queue(label_flip=0.9)  # outside [0, 0.5]: the trainer refuses it
    dash.step()
    assert "label_flip" in dash.error and dash.trainer.config.label_flip == 0.0


def test_bad_arguments(ring_trainer):
    t = ring_trainer()
    with pytest.raises(ValueError, match="call it"):
        live.Dashboard(t, toy=toys.ring, headless=False)
    with pytest.raises(ValueError, match="threads"):
        live.Dashboard(t, threads=0, headless=False)


# --------------------------------------------------------------------------- several dashboards


def test_two_dashboards_do_not_interfere(ring_trainer, stub_view, until):
    async def main():
        a = live.Dashboard(ring_trainer(0), view=stub_view(), refresh=0.05, headless=False)
        b = live.Dashboard(ring_trainer(1), view=stub_view(), refresh=0.05, headless=False)
        try:
            a.start()
            b.start()
            a.controls["lr_D"].value = 5e-3
            assert await until(lambda: a.trainer.config.lr_D == 5e-3 and b.trainer.step_count > 10)
            assert a.running and b.running and b.trainer.config.lr_D == 1e-3
            a.pause()
            assert b.running
        finally:
            a.close()
            b.close()
    asyncio.run(main())


def test_new_dashboard_stops_the_old_one_on_the_same_models_or_name(ring_trainer, stub_view,
                                                                     until):
    async def main():
        trainer = ring_trainer()
        old = live.Dashboard(trainer, view=stub_view(), headless=False, name="lesson")
        old.start()
        assert await until(lambda: trainer.step_count > 3)
        new = live.Dashboard(trainer, view=stub_view(), headless=False)  # same models
        assert not old.running and "took over" in old.status.value
        new.start()
        other = live.Dashboard(ring_trainer(3), view=stub_view(), headless=False, name="lesson")
        assert not old.running and old.widget.comm is None  # closed
        new.close()
        other.close()
    asyncio.run(main())


# --------------------------------------------------------------------------- pictures


def test_live_pictures_while_training(in_loop, until):
    async def body(d):
        d.draw()  # what show() does first: builds the figure
        d.start()
        assert await until(lambda: d.frames >= 2, 30)
        d.pause()
        img = Image.open(io.BytesIO(d.image.value))
        assert img.size == (880, 460) and d.image.format == "jpeg" and d.error is None
    in_loop(body, view="2d")


# --------------------------------------------------------------------------- headless


def test_headless_show_trains_blocking_and_shows_the_picture(capsys, ring_trainer):
    d = live.Dashboard(ring_trainer(), view="2d", headless=True)
    d.show(steps=12)
    assert d.trainer.step_count == 12 and not d.running
    assert Image.open(io.BytesIO(d.png)).size == (880, 460)
    assert "step 12" in capsys.readouterr().out
    with pytest.raises(ValueError, match="step count"):
        d.show()


def test_headless_follows_the_environment(monkeypatch, ring_trainer, stub_view):
    monkeypatch.setenv("GAN_COURSE_HEADLESS", "1")
    assert live.Dashboard(ring_trainer(), view=stub_view()).headless
    monkeypatch.delenv("GAN_COURSE_HEADLESS")
    monkeypatch.delenv("GAN_COURSE_QUICK", raising=False)
    assert not live.Dashboard(ring_trainer(), view=stub_view()).headless


def test_default_threads(ring_trainer):
    assert live.default_threads(ring_trainer()) == 1
    G, D = models.DCGANGenerator(8, base_channels=4), models.DCGANDiscriminator(base_channels=4)
    t = Trainer(G, D, TensorSampler(torch.zeros(4, 1, 28, 28)), GANConfig(latent_dim=8))
    assert live.default_threads(t) == min(2, os.cpu_count())


# --------------------------------------------------------------------------- layers


def test_a_layer_toggle_redraws_a_paused_dashboard_at_once(ring_trainer):
    d = live.Dashboard(ring_trainer(), view="2d", headless=False)
    try:
        d.draw()
        toggles = d.panel.layers
        assert set(toggles) == {"real", "fake", "heat", "arrows", "manifold"}
        assert "gc-layer-arrows" in toggles["arrows"]._dom_classes
        frames, before = d.frames, d.image.value
        toggles["arrows"].value = False  # what a click does
        assert d.view.layers["arrows"] is False and not d.view.quiver.get_visible()
        assert d.frames == frames + 1 and d.image.value != before
        assert d.trainer.step_count == 0 and d.error is None
        d.show_layers(heat=False)
        assert toggles["heat"].value is False  # the toggle shows it
        with pytest.raises(ValueError, match="unknown layer"):
            d.show_layers(heatmap=True)
        with pytest.raises(ValueError, match="True or False"):
            d.show_layers(real="yes")
        assert d.view.layers == {"real": True, "fake": True, "heat": False, "arrows": False,
                                 "manifold": False}
    finally:
        d.close()


def test_a_layer_toggle_while_training_acts_on_the_next_picture(in_loop, until):
    async def body(d):
        d.draw()
        d.start()
        assert await until(lambda: d.trainer.step_count > 5)
        d.panel.layers["fake"].value = False
        assert d.running  # training was not paused for it
        frames, step = d.frames, d.trainer.step_count
        assert await until(lambda: d.frames > frames and d.trainer.step_count > step + 5, 30)
        assert not d.view.fake.get_visible() and d.error is None
        d.pause()
    in_loop(body, view="2d")


def test_layers_need_a_view_that_has_them(dash):
    assert dash.panel.layers == {}  # no toggles for a view without layers
    with pytest.raises(ValueError, match="no layers"):
        dash.show_layers(arrows=False)
