"""The live dashboard from Python (no browser): controls reach the running trainer, buttons,
reset, divergence, errors, threads; the health monitor; the views leave training untouched."""

from __future__ import annotations

import io
import threading
import time

import pytest
import torch
from PIL import Image

from gan_course import live, models, toys, views
from gan_course.monitor import HealthMonitor
from gan_course.training import GANConfig, Trainer


def until(condition, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def ring_trainer(seed: int = 0, real=None, **config) -> Trainer:
    def build():
        return models.MLPGenerator(2, (2,), hidden=(32, 32)), models.MLPDiscriminator((2,), hidden=(32, 32))

    torch.manual_seed(seed)
    G, D = build()
    cfg = GANConfig(latent_dim=2, lr_G=1e-3, lr_D=1e-3, batch_size=64, seed=seed, **config)
    return Trainer(G, D, real if real is not None else toys.ring(), cfg, build=build)


def dashboard_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("gan-course-dashboard")]


class StubView:
    """Draws nothing (a blank picture): these tests are about threads and controls."""

    def capture(self, trainer):
        return {"step": trainer.step_count}

    def draw(self, frame):
        return Image.new("RGB", (16, 8), "white")


@pytest.fixture
def dash():
    d = live.Dashboard(ring_trainer(), view=StubView(), refresh=0.05, headless=False)
    yield d
    d.close()
    assert until(lambda: not dashboard_threads(), 5)


# --------------------------------------------------------------------------- controls


def test_slider_reaches_the_running_trainer_on_the_next_step(dash):
    dash.start()
    assert until(lambda: dash.trainer.step_count > 5)
    for lr in (3e-3, 1e-4, 2e-2):  # more than once: a slider dead after its first change fails
        dash.controls["lr_D"].value = lr
        at = dash.trainer.step_count  # steps done when the slider moved
        assert until(lambda lr=lr, at=at: any(h["lr_D"] == lr for h in dash.trainer.history[at:]))
        first = next(h["step"] for h in dash.trainer.history[at:] if h["lr_D"] == lr)
        assert first <= at + 2, "the step under way may miss it, the next one must not"
        assert dash.trainer.opt_D.param_groups[0]["lr"] == lr
    dash.controls["loss"].value = "hinge"
    dash.controls["n_critic"].value = 3
    dash.controls["batch_size"].value = 32
    dash.controls["noisy_labels"].value = True
    dash.controls["instance_noise"].value = 0.1
    want = dict(loss="hinge", n_critic=3, batch_size=32, noisy_labels=True, instance_noise=0.1)
    assert until(lambda: all(getattr(dash.trainer.config, k) == v for k, v in want.items()))
    assert dash.running and dash.error is None
    dash.pause()
    assert "lr_D 2.00e-02" in dash.status_text()


def test_changes_while_paused_apply_on_the_next_step(dash):
    dash.controls["lr_G"].value = 5e-3
    assert dash.trainer.config.lr_G == 1e-3  # nothing touched the trainer yet
    assert "next step" in dash.status_text()
    numbers = dash.step()
    assert numbers["lr_G"] == 5e-3


# --------------------------------------------------------------------------- buttons


def weights(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


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


def test_start_pause_button(dash):
    start = dash.buttons["start"]
    start.click()
    assert dash.running and start.description == "Pause"
    assert until(lambda: dash.trainer.step_count > 3)
    begin = time.perf_counter()
    start.click()
    assert time.perf_counter() - begin < 1.0, "Pause must stop training within a second"
    assert not dash.running and start.description == "Start" and not dashboard_threads()
    steps = dash.trainer.step_count
    time.sleep(0.1)
    assert dash.trainer.step_count == steps


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


def test_reset_while_running_restarts_the_run(dash):
    t = dash.trainer
    g0 = weights(t.G)
    dash.start()
    assert until(lambda: t.step_count > 30)
    dash.buttons["reset"].click()
    assert until(lambda: t.step_count < 30)
    dash.pause()
    assert dash.error is None
    t.reset()
    assert same(weights(t.G), g0)


def test_run_stops_after_its_budget(dash):
    dash._budget = 25
    dash.start()
    dash.wait(10)
    assert dash.trainer.step_count == 25 and not dashboard_threads()
    assert "finished a run of 25 steps" in dash.status.value
    dash.start()  # the next Start trains as many more
    dash.wait(10)
    assert dash.trainer.step_count == 50


def test_the_start_trains_menu_sets_the_budget(dash):
    """The menu next to Start says how many steps a run trains; a change reaches the run at once."""
    dash.budget.value = 100
    assert dash._budget == 100
    dash.start()
    dash.wait(10)
    assert dash.trainer.step_count == 100
    dash.budget.value = None  # until Pause
    dash.start()
    assert until(lambda: dash.trainer.step_count > 130)
    assert dash.running
    dash.budget.value = 100  # mid-run: 100 more from now, then it stops by itself
    stopped_at = dash._target
    dash.wait(10)
    assert not dash.running and dash.trainer.step_count == stopped_at
    assert "finished a run of 100 steps" in dash.status_text()


def test_show_until_pause_keeps_the_lessons_count_in_the_menu(dash):
    dash.show(steps=1500, until_pause=True)
    assert dash.budget.value is None and dash._budget is None
    assert ("1,500 steps", 1500) in dash.budget.options
    dash.show(steps=1500)
    assert dash.budget.value == 1500
    dash.start(steps=333)  # a count the menu lacks is added to it
    dash.pause()
    assert dash.budget.value == 333 and ("333 steps", 333) in dash.budget.options


# --------------------------------------------------------------------------- failures


class Poisoned:
    """A ring sampler that starts returning NaN when told to."""

    def __init__(self) -> None:
        self.toy, self.poison = toys.ring(), False

    def sample(self, n, *, generator=None):
        x = self.toy.sample(n, generator=generator)
        return x * float("nan") if self.poison else x


def test_nan_pauses_with_the_message_and_keeps_the_weights():
    real = Poisoned()
    d = live.Dashboard(ring_trainer(real=real), view=StubView(), refresh=0.05, headless=False)
    try:
        d.start()
        assert until(lambda: d.trainer.step_count > 5)
        real.poison = True
        d.wait(10)
        assert d.diverged and "loss_D" in d.diverged
        assert "NaN" in d.status.value and "diverged" in d.status.value
        assert all(torch.isfinite(p).all() for p in d.trainer.D.parameters())
        assert d.error is None and not dashboard_threads()
        real.poison = False  # the learner fixes the cause and goes on
        d.start()
        assert until(lambda: d.trainer.step_count > 20)
        d.pause()
        assert d.diverged is None and "NaN" not in d.status.value
    finally:
        d.close()


def test_error_in_the_training_thread_is_shown(dash):
    def broken(trainer):
        raise RuntimeError("a bug in the view")

    dash.view.capture = broken
    dash.start()
    dash.wait(10)
    assert "a bug in the view" in dash.error and "a bug in the view" in dash.errors.value
    assert dash.errors.layout.display != "none" and "error" in dash.status.value
    assert not dashboard_threads()


def test_error_in_a_callback_is_shown(dash, monkeypatch):
    def broken(seed=None):
        raise RuntimeError("reset failed")

    monkeypatch.setattr(dash.trainer, "reset", broken)
    dash.buttons["reset"].click()  # ipywidgets would only log this
    assert "reset failed" in dash.error and "reset failed" in dash.errors.value


def test_invalid_change_is_reported_and_changes_nothing(dash):
    with dash._pending_lock:
        dash._pending["label_flip"] = 0.9  # outside [0, 0.5]: the trainer refuses it
    dash.step()
    assert "label_flip" in dash.error and dash.trainer.config.label_flip == 0.0


def test_start_pause_100_times_leaves_no_threads(dash, monkeypatch):
    monkeypatch.setattr(dash, "_publish", lambda fmt="jpeg": None)  # threads only, no drawing
    before = threading.active_count()
    for _ in range(100):
        dash.start()
        dash.pause()
    assert not dashboard_threads() and threading.active_count() == before
    assert dash.error is None


def test_training_thread_is_a_daemon(dash):
    dash.start()
    assert dash.backend == "thread" and dash._run.thread.daemon  # a restart does not wait
    dash.pause()


def pause_from_the_view(dash, after: int = 5) -> None:
    """Make the dashboard's view press Pause once the trainer is past ``after`` steps (as a
    custom view that stops training when it sees something might)."""
    capture = dash.view.capture

    def pausing(trainer):
        if trainer.step_count > after:
            dash.pause(note="paused by the view")
        return capture(trainer)

    dash.view.capture = pausing


def test_pause_from_inside_the_run_stops_it(dash):
    pause_from_the_view(dash)
    dash.start()
    assert until(lambda: not dash.running and dash._run.done.is_set())
    assert dash.error is None and not dashboard_threads()


def test_pacer_draws_by_wall_clock_and_soon_after_a_change(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])
    pacer = live._Pacer(0.5, step=0)

    def at(t, changed_at=0.0):
        clock[0] = t
        return pacer.due(changed_at)

    assert not at(0.4) and at(0.5)
    assert pacer.speed(50) == 100.0  # 50 steps in 0.5 s
    clock[0] = 0.7  # that picture took 0.2 s: pictures now every 12 x 0.2 s
    pacer.drew(50)
    assert not at(3.0) and at(3.1)
    assert at(1.25, changed_at=0.9), "0.3 s after a change, once the last picture is 0.5 s old"
    assert not at(1.1, changed_at=0.9)
    at(3.0)
    clock[0] = 5.0  # a full redraw of 2 s sets no pace
    pacer.drew(60, full=True)
    assert pacer.interval == pytest.approx(2.4)
    for t in range(6, 11):  # neither do slow pictures beyond MAX_INTERVAL
        at(t)
        clock[0] = t + 0.9
        pacer.drew(60)
    assert pacer.interval == live.MAX_INTERVAL


# --------------------------------------------------------------------------- several dashboards


def test_two_dashboards_do_not_interfere():
    a = live.Dashboard(ring_trainer(0), view=StubView(), refresh=0.05, headless=False)
    b = live.Dashboard(ring_trainer(1), view=StubView(), refresh=0.05, headless=False)
    try:
        a.start()
        b.start()
        a.controls["lr_D"].value = 5e-3
        assert until(lambda: a.trainer.config.lr_D == 5e-3 and b.trainer.step_count > 10)
        assert a.running and b.running and b.trainer.config.lr_D == 1e-3
        a.pause()
        assert b.running
    finally:
        a.close()
        b.close()
    assert until(lambda: not dashboard_threads())


def test_new_dashboard_stops_the_old_one_on_the_same_models_or_name():
    trainer = ring_trainer()
    old = live.Dashboard(trainer, view=StubView(), headless=False, name="lesson")
    old.start()
    assert until(lambda: trainer.step_count > 3)
    new = live.Dashboard(trainer, view=StubView(), headless=False)  # same models
    assert not old.running and "took over" in old.status.value
    new.start()
    other = live.Dashboard(ring_trainer(3), view=StubView(), headless=False, name="lesson")
    assert not old.running and old.widget.comm is None  # closed
    new.close()
    other.close()
    assert until(lambda: not dashboard_threads())


# --------------------------------------------------------------------------- pictures


def test_live_pictures_while_training():
    d = live.Dashboard(ring_trainer(), view="2d", refresh=0.05, headless=False)
    try:
        d.draw()  # what show() does first: builds the figure
        d.start()
        assert until(lambda: d.frames >= 2, 30)
        d.pause()
        img = Image.open(io.BytesIO(d.image.value))
        assert img.size == (880, 460) and d.image.format == "jpeg" and d.error is None
    finally:
        d.close()


# --------------------------------------------------------------------------- headless


def test_headless_picture_shows_the_one_modes_count():
    """A headless run draws one picture, so the modes curve has one point: a dot shows it."""
    d = live.Dashboard(ring_trainer(), view="2d", headless=True)
    d.run(20)
    line = d.view.third.lines[0]
    assert len(d.view.modes_log) == 1 and len(line.get_xdata()) == 1
    assert line.get_marker() == "o" and line.get_markevery() == [-1]


def test_headless_show_trains_blocking_and_shows_the_picture(capsys):
    d = live.Dashboard(ring_trainer(), view="2d", headless=True)
    d.show(steps=12)
    assert d.trainer.step_count == 12 and not dashboard_threads()
    assert Image.open(io.BytesIO(d.png)).size == (880, 460)
    assert "step 12" in capsys.readouterr().out
    with pytest.raises(ValueError, match="step count"):
        d.show()


def test_headless_follows_the_environment(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_HEADLESS", "1")
    assert live.Dashboard(ring_trainer(), view=StubView()).headless
    monkeypatch.delenv("GAN_COURSE_HEADLESS")
    monkeypatch.delenv("GAN_COURSE_QUICK", raising=False)
    assert not live.Dashboard(ring_trainer(), view=StubView()).headless


# --------------------------------------------------------------------------- health monitor


def healthy(**changes):
    numbers = dict(loss_D=1.3, loss_G=0.8, d_real=0.55, d_fake=0.45, grad_norm_D=1.0,
                   grad_norm_G=1.0)
    return {**numbers, **changes}


def test_monitor_is_quiet_on_healthy_training():
    m = HealthMonitor()
    for _ in range(100):
        flags = m.update(healthy())
    assert flags == []


def test_monitor_flags_d_winning():
    m = HealthMonitor()
    for _ in range(60):
        flags = m.update(healthy(loss_D=0.01, d_real=0.99, d_fake=0.01))
    assert {f.kind for f in flags} == {"d_wins", "gap"}
    m.reset()
    for _ in range(60):  # Wasserstein critics have no floor at 0 and raw scores
        flags = m.update(healthy(loss_D=-3.0, d_real=2.0, d_fake=-1.0), loss="wgan-gp")
    assert flags == []


def test_monitor_waits_for_a_trend_not_one_step():
    m = HealthMonitor()
    for _ in range(50):
        m.update(healthy())
    assert m.update(healthy(loss_D=0.0, d_real=1.0, d_fake=0.0)) == []


def test_monitor_flags_exploding_gradients_for_a_while():
    m = HealthMonitor(window=10)
    m.update(healthy(grad_norm_G=500.0))
    assert [f.kind for f in m.flags()] == ["exploding"] and "500" in m.messages()[0]
    for _ in range(10):
        m.update(healthy())
    assert m.flags() == []


def test_monitor_flags_a_flat_d_and_not_an_equilibrium():
    m = HealthMonitor()
    for _ in range(60):  # equilibrium: D unsure, but its noise still moves G
        flags = m.update(healthy(d_real=0.5, d_fake=0.5, score_gap=0.0))
    assert flags == []
    for _ in range(100):  # D gives G nothing any more (the average forgets the past)
        flags = m.update(healthy(d_real=0.5, d_fake=0.5, score_gap=0.001, grad_norm_G=2e-3))
    assert [f.kind for f in flags] == ["flat"] and "2.0e-03" in flags[0].message


def test_monitor_names_a_dead_d_in_a_real_run():
    """Zero every weight of D (and its optimizer's memory): D(x) = 1/2 everywhere, and no
    gradient reaches its hidden layers any more. The monitor says so; a trained D does not."""
    t = ring_trainer()
    m = HealthMonitor()
    for _ in range(200):
        flags = m.update(t.step(), loss=t.config.loss)
    assert "flat" not in {f.kind for f in flags}
    with torch.no_grad():
        for p in t.D.parameters():
            p.zero_()
    t.opt_D.state.clear()
    for _ in range(60):
        flags = m.update(t.step(), loss=t.config.loss)
    assert "flat" in {f.kind for f in flags}


def test_monitor_divergence_until_recovered():
    m = HealthMonitor()
    flags = m.diverged("step 3: loss_D is nan")
    assert flags[0].kind == "diverged" and flags[0].level == "error"
    m.recovered()
    assert m.flags() == []
    with pytest.raises(ValueError, match="expected loss"):
        m.update(healthy(), loss="bce")


# --------------------------------------------------------------------------- views


def tiny_image_trainer(conv: bool = False) -> Trainer:
    torch.manual_seed(0)
    if conv:  # BatchNorm in D (its statistics), spectral norm (its power-iteration vectors)
        G = models.DCGANGenerator(8, base_channels=4)
        D = models.DCGANDiscriminator(base_channels=4, spectral_norm=True)
    else:  # dropout in D: it draws from the global generator
        G = models.MLPGenerator(8, (1, 28, 28), hidden=(32,), batchnorm=True,
                                out_activation="tanh")
        D = models.MLPDiscriminator((1, 28, 28), hidden=(32,), dropout=0.3)
    images = torch.rand(200, 1, 28, 28) * 2 - 1
    from gan_course.data import TensorSampler

    return Trainer(G, D, TensorSampler(images), GANConfig(latent_dim=8, batch_size=16))


@pytest.mark.parametrize("kind", ["2d", "1d", "images", "images-conv"])
def test_watching_does_not_change_training(kind):
    """Pictures drawn between steps leave the run bit for bit as it would be unwatched."""
    def make():
        if kind.startswith("images"):
            return tiny_image_trainer(conv=kind == "images-conv")
        if kind == "1d":
            torch.manual_seed(0)
            G = models.MLPGenerator(1, (1,), hidden=(16,))
            D = models.MLPDiscriminator((1,), hidden=(16,))
            return Trainer(G, D, toys.mixture_1d(), GANConfig(latent_dim=1, batch_size=32))
        return ring_trainer(ema=0.9)

    plain, watched = make(), make()
    view = views.make_view(kind.split("-")[0], watched,
                           watched.real if isinstance(watched.real, toys.ToyDistribution) else None,
                           **({"metrics_every": 0} if kind.startswith("images") else {}))
    torch.manual_seed(1)  # dropout draws from the global generator
    plain.train(6)
    torch.manual_seed(1)
    for _ in range(3):
        watched.train(2)
        img = view.draw(view.capture(watched))
        assert img.size == (880, 460)
    for a, b in ((plain.G, watched.G), (plain.D, watched.D)):
        for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
            assert torch.equal(x, y), name


def test_auto_view_and_bad_arguments():
    t = ring_trainer()
    assert isinstance(views.make_view("auto", t), views.View2D)
    with pytest.raises(ValueError, match="view"):
        views.make_view("3d", t)
    with pytest.raises(ValueError, match="call it"):
        live.Dashboard(t, toy=toys.ring, headless=False)
    with pytest.raises(ValueError, match="threads"):
        live.Dashboard(t, threads=0, headless=False)


def test_default_threads():
    assert live.default_threads(ring_trainer()) == 1
    G, D = models.DCGANGenerator(8, base_channels=4), models.DCGANDiscriminator(base_channels=4)
    from gan_course.data import TensorSampler

    t = Trainer(G, D, TensorSampler(torch.zeros(4, 1, 28, 28)), GANConfig(latent_dim=8))
    assert live.default_threads(t) == min(2, __import__("os").cpu_count())


def test_images_view_shows_the_classifier_metrics():
    trainer = tiny_image_trainer()
    view = views.ViewImages(trainer, metrics_every=60, n_metrics=50)
    frame = view.capture(trainer)
    assert {"fid", "inception_score", "class_coverage"} <= set(frame["scores"])
    view.draw(frame)
    assert "FID-like" in view.metrics_text[1].text
    assert view.capture(trainer)["scores"] is frame["scores"]  # not again before 60 s


def test_nice_ranges_give_round_ticks():
    from gan_course.fastplot import nice_range

    assert nice_range(0, 8) == (0, 8)
    assert nice_range(0.13, 1.47) == (0.0, 2.0)
    lo, hi = nice_range(-0.3, 0.9)
    assert lo <= -0.3 and hi >= 0.9 and all(abs(v - round(v, 3)) < 1e-9
                                            for v in (lo + f * (hi - lo) for f in (0.25, 0.5)))


def test_binned_keeps_the_newest_points():
    from gan_course.fastplot import binned

    x = torch.arange(1, 1002).double().numpy()
    y = x.copy()
    y[5] = float("nan")  # a step where one side did not run
    bx, by = binned(x, y, max_points=300)
    assert len(bx) <= 300 and bx[-1] == by[-1] == 1001  # the last, partial bin
    assert by[0] == 2.5


def test_set_changes_settings_without_a_control(dash):
    dash.start()
    dash.set(gp_lambda=3.0, lr_G=2e-3, lr_D=0.5)  # 0.5 lies beyond the slider's end
    assert dash.controls["lr_G"].value == 2e-3
    want = dict(gp_lambda=3.0, lr_G=2e-3, lr_D=0.5)
    assert until(lambda: all(getattr(dash.trainer.config, k) == v for k, v in want.items()))
    dash.pause()
    with pytest.raises(ValueError, match="unknown"):
        dash.set(learning_rate=1e-3)


def test_ema_view_draws_the_average():
    trainer = ring_trainer(ema=0.9)
    trainer.train(5)
    view = views.View2D(trainer, toys.ring(), ema=True)
    frame = view.capture(trainer)
    assert torch.allclose(torch.tensor(frame["fake"]), trainer.generate(view.z, ema=True))
    assert not torch.allclose(torch.tensor(frame["fake"]), trainer.generate(view.z, ema=False))
