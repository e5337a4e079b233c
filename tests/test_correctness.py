"""The reproductions of the "correct on every machine" review, each as a test.

Each test is a probe that once went wrong: a diverging step that kept half its update, a refused
checkpoint that changed the trainer, a reset that drew wrongly initialised networks, inputs of
the wrong shape or range that trained silently, controls that drifted from the trainer.
"""

import math
import random
import shutil

import numpy as np
import pytest
import torch

from gan_course import checkpoints, data, live, losses, metrics, models, presets, toys, utils
from gan_course.training import GANConfig, Trainer, TrainingDiverged


def state_of(t: Trainer) -> dict:
    """Everything a step may change, as plain copies."""
    opt = [{k: v.clone() if isinstance(v, torch.Tensor) else v for st in o.state.values()
            for k, v in st.items()} for o in (t.opt_G, t.opt_D)]
    return {"G": {k: v.clone() for k, v in t.G.state_dict().items()},
            "D": {k: v.clone() for k, v in t.D.state_dict().items()},
            "ema": None if t.G_ema is None else [p.clone() for p in t.G_ema.parameters()],
            "opt_sizes": [len(o.state) for o in (t.opt_G, t.opt_D)], "opt": opt,
            "rng": t.generator.get_state().clone(), "step": t.step_count,
            "history": len(t.history), "config": t.config}


def assert_same_state(a: dict, b: dict) -> None:
    for net in ("G", "D"):
        assert a[net].keys() == b[net].keys()
        assert all(torch.equal(a[net][k], b[net][k]) for k in a[net]), net
    assert (a["ema"] is None) == (b["ema"] is None)
    if a["ema"] is not None:
        assert all(torch.equal(x, y) for x, y in zip(a["ema"], b["ema"], strict=True))
    assert a["opt_sizes"] == b["opt_sizes"]
    for x, y in zip(a["opt"], b["opt"], strict=True):
        assert x.keys() == y.keys()
        assert all(torch.equal(x[k], y[k]) if isinstance(x[k], torch.Tensor) else x[k] == y[k]
                   for k in x)
    assert torch.equal(a["rng"], b["rng"])
    assert (a["step"], a["history"], a["config"]) == (b["step"], b["history"], b["config"])


# --------------------------------------------------------------------------- 2. divergence


def test_divergence_repro_then_the_advice_works():
    t = presets.toy_trainer("ring", "vanilla", hidden=(32, 32))
    t.train(3)
    before = state_of(t)
    t.update(lr_D=1e6, lr_G=1e6)
    with pytest.raises(TrainingDiverged, match="nothing of this step was kept") as err:
        t.train(5)
    assert "step 4:" in str(err.value)  # the step the history would have called 4
    t.update(lr_D=before["config"].lr_D, lr_G=before["config"].lr_G)
    assert_same_state(state_of(t), before)
    t.update(lr_D=1e-3, lr_G=1e-3)  # the message's advice
    out = t.train(5)
    assert len(out) == 5 and t.step_count == 8
    biggest = max(p.abs().max().item() for p in (*t.G.parameters(), *t.D.parameters()))
    assert biggest < 10


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
@pytest.mark.parametrize("loss", list(losses.LOSSES))
def test_a_failing_g_half_undoes_d_half_too(optimizer, loss):
    """G's learning rate alone blows G up: D's update of the same step must go as well."""
    t = presets.toy_trainer("ring", "vanilla", hidden=(16, 16), loss=loss, optimizer=optimizer,
                            n_critic=2, ema=0.9)
    t.train(2)
    before = state_of(t)
    t.update(lr_G=1e30)  # any optimizer, any loss: G leaves WEIGHT_LIMIT in one step
    with pytest.raises(TrainingDiverged):
        t.step()
    t.update(lr_G=before["config"].lr_G)
    assert_same_state(state_of(t), before)
    t.step()  # and it goes on


def test_a_first_step_that_fails_leaves_no_optimizer_state():
    t = presets.toy_trainer("ring", "vanilla", hidden=(16, 16), lr_D=1e8)
    with pytest.raises(TrainingDiverged):
        t.step()
    assert len(t.opt_D.state) == 0 and len(t.opt_G.state) == 0 and t.history == []


def test_dashboard_pauses_says_why_and_shows_the_settings_in_use():
    t = presets.toy_trainer("ring", "vanilla", hidden=(16, 16))
    dash = live.Dashboard(t, view=StubView(), headless=True)
    dash.set(lr_D=1e6)
    dash.run(5)
    assert t.step_count == 0 and dash.diverged and "nothing of this step was kept" in dash.diverged
    assert "lr_D 1.00e+06" in dash.status_text() and dash.controls["lr_D"].value == 1e6
    dash.set(lr_D=1e-3)
    dash.run(3)
    assert t.step_count == 3 and dash.diverged is None
    dash.close()


class StubView:
    def capture(self, trainer):
        return {}

    def draw(self, frame):
        from PIL import Image
        return Image.new("RGB", (4, 4))


# --------------------------------------------------------------------------- 3. one run per trainer


def test_a_closed_dashboard_refuses_to_start_and_one_run_trains_a_trainer():
    t = presets.toy_trainer("ring", "vanilla", hidden=(16, 16))
    d = live.Dashboard(t, view=StubView(), headless=False)
    d.close()
    with pytest.raises(RuntimeError, match="closed"):
        d.start()
    with pytest.raises(RuntimeError, match="closed"):
        d.step()
    other = live.Dashboard(t, view=StubView(), headless=False)
    other.start(steps=30)
    other.wait(timeout=30)
    assert other.error is None and t.step_count == 30
    other.close()


def test_two_dashboards_on_one_trainer_share_one_lock():
    t = presets.toy_trainer("ring", "vanilla", hidden=(16, 16))
    a = live.Dashboard(t, view=StubView(), headless=False)
    b = live.Dashboard(t, view=StubView(), headless=False)
    assert a._model_lock is b._model_lock
    a.close()
    b.close()


# --------------------------------------------------------------------------- 4. checkpoints


def test_a_refused_load_changes_nothing(tmp_path):
    wide = presets.toy_trainer("ring", "vanilla", hidden=(32, 32), lr_D=5e-3, batch_size=128,
                               loss="hinge")
    wide.save(tmp_path / "wide.pt")
    t = presets.toy_trainer("ring", "vanilla", hidden=(16, 16))
    t.train(2)
    before = state_of(t)
    with pytest.raises(ValueError, match="does not fit"):
        t.load(tmp_path / "wide.pt")
    assert_same_state(state_of(t), before)
    assert [g["lr"] for g in t.opt_D.param_groups] == [before["config"].lr_D]


def test_numpy_values_are_stored_as_python_types(tmp_path):
    t = presets.toy_trainer("ring", "vanilla", hidden=(16, 16))
    t.update(lr_D=np.float64(5e-4), n_critic=np.int64(2), noisy_labels=np.bool_(True))
    assert type(t.config.lr_D) is float and type(t.config.n_critic) is int
    assert type(t.config.noisy_labels) is bool
    t.save(tmp_path / "x.pt")
    t.load(tmp_path / "x.pt")
    assert t.config.lr_D == 5e-4


def test_every_flipped_byte_is_caught(tmp_path):
    t = presets.toy_trainer("ring", "vanilla", hidden=(8,))
    t.train(1)
    path = tmp_path / "ok.pt"
    t.save(path)
    blob = path.read_bytes()
    for position in np.linspace(0, len(blob) - 1, 12).astype(int):
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        bad = tmp_path / f"flip{position}.pt"
        bad.write_bytes(bytes(damaged))
        with pytest.raises(ValueError, match="corrupt"):
            checkpoints.load(bad)


def test_a_failed_save_leaves_no_temporary_file(tmp_path, monkeypatch):
    t = presets.toy_trainer("ring", "vanilla", hidden=(8,))

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(checkpoints.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        t.save(tmp_path / "x.pt")
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_classifier_file_is_refused(tmp_path, monkeypatch):
    damaged = tmp_path / "mnist_classifier.pt"
    shutil.copy(metrics.CLASSIFIER_PATH, damaged)
    blob = bytearray(damaged.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    damaged.write_bytes(bytes(blob))
    monkeypatch.setattr(metrics.mnist, "CLASSIFIER_PATH", damaged)
    metrics.mnist._checkpoint.cache_clear()
    metrics.mnist._classifier_on.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="sha256"):
            metrics.load_classifier()
    finally:
        metrics.mnist._checkpoint.cache_clear()
        metrics.mnist._classifier_on.cache_clear()


# --------------------------------------------------------------------------- 5. reset to a seed

FAMILIES = {
    "toy course": lambda seed: presets.toy_trainer("ring", "course", seed=seed),
    "toy grid (deeper G)": lambda seed: presets.toy_trainer("grid", "course", seed=seed),
    **{f"mnist {name}": (lambda seed, name=name: presets.mnist_trainer(name, seed=seed,
                                                                        set_threads=False))
       for name in presets.MNIST_RECIPES},
}


def _spectral_trainer(seed: int) -> Trainer:
    def build():
        return (models.MLPGenerator(2, (2,), hidden=(16,)),
                models.MLPDiscriminator((2,), hidden=(16,), spectral_norm=True))

    torch.manual_seed(seed)
    G, D = build()
    return Trainer(G, D, toys.ring(), GANConfig(latent_dim=2, seed=seed), build=build)


FAMILIES["spectral norm"] = _spectral_trainer


@pytest.mark.parametrize("family", list(FAMILIES))
def test_reset_to_a_seed_equals_a_fresh_trainer(family):
    make = FAMILIES[family]
    t = make(0)
    t.train(1)
    t.reset(seed=3)
    rng_after_reset = torch.get_rng_state()
    fresh = make(3)
    assert torch.equal(torch.get_rng_state(), rng_after_reset)  # dropout's stream too
    for a, b in ((t.G, fresh.G), (t.D, fresh.D)):  # weights, BatchNorm stats, spectral u and v
        sa, sb = a.state_dict(), b.state_dict()
        assert sa.keys() == sb.keys()
        assert all(torch.equal(sa[k], sb[k]) for k in sa), family
    assert torch.equal(t.fixed_z, fresh.fixed_z) and t.config == fresh.config
    torch.set_rng_state(rng_after_reset)
    a = t.step()
    torch.set_rng_state(rng_after_reset)
    b = fresh.step()  # they train alike: the same operations on the same numbers, the same bits
    assert (a["loss_D"], a["loss_G"]) == (b["loss_D"], b["loss_G"])


def test_dcgan_keeps_its_initialisation_after_reset():
    t = presets.mnist_trainer("dcgan", seed=0, set_threads=False)
    t.reset(seed=1)
    first_conv = next(m for m in t.D.modules() if isinstance(m, torch.nn.Conv2d))
    assert first_conv.weight.std().item() == pytest.approx(0.02, rel=0.15)  # DCGAN's N(0, 0.02)


def test_reset_to_a_seed_without_build_is_refused_and_changes_nothing():
    torch.manual_seed(0)
    t = Trainer(models.MLPGenerator(2, (2,), hidden=(8,)), models.MLPDiscriminator((2,), hidden=(8,)),
                toys.ring(), GANConfig(latent_dim=2))
    g = [p.clone() for p in t.G.parameters()]
    with pytest.raises(ValueError, match="build"):
        t.reset(seed=5)
    assert t.config.seed == 0 and all(torch.equal(p, q) for p, q in zip(t.G.parameters(), g, strict=True))


# --------------------------------------------------------------------------- 6. shapes and ranges


@pytest.mark.parametrize("shape", [(8, 2), (1, 8), (8, 1, 1)])
def test_losses_refuse_scores_that_are_not_one_per_sample(shape):
    scores = torch.zeros(shape)
    for d_loss, g_loss in losses.LOSSES.values():
        with pytest.raises(ValueError, match=r"\(B,\) or \(B, 1\)"):
            d_loss(scores, scores)
        with pytest.raises(ValueError, match=r"\(B,\) or \(B, 1\)"):
            g_loss(scores)


def test_losses_take_b_and_b1():
    for d_loss, g_loss in losses.LOSSES.values():
        a, b = torch.randn(8), torch.randn(8)
        assert torch.equal(d_loss(a, b), d_loss(a[:, None], b[:, None]))
        assert torch.equal(g_loss(a), g_loss(a[:, None]))


def test_real_images_in_0_255_are_refused_and_change_nothing():
    t = presets.mnist_trainer("dcgan", seed=0, set_threads=False)
    images, labels = data.load_mnist(source="bundled", limit=256)
    t.real = data.TensorSampler((images + 1) * 127.5, labels)
    before = state_of(t)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        t.step()
    assert_same_state(state_of(t), before)


def test_a_d_ending_in_a_sigmoid_is_refused():
    torch.manual_seed(0)
    G = models.MLPGenerator(2, (2,), hidden=(8,))
    D = torch.nn.Sequential(models.MLPDiscriminator((2,), hidden=(8,)), torch.nn.Sigmoid())
    with pytest.raises(ValueError, match="logits"):
        Trainer(G, D, toys.ring(), GANConfig(latent_dim=2))


def test_wgan_gp_refuses_a_batchnorm_critic():
    with pytest.raises(ValueError, match="batch normalisation"):
        presets.mnist_trainer("dcgan", loss="wgan-gp", set_threads=False)
    t = presets.mnist_trainer("dcgan", set_threads=False)
    with pytest.raises(ValueError, match="BatchNorm2d"):
        t.update(loss="wgan-gp")
    assert t.config.loss == "non-saturating"


def test_mnist_scores_refuse_0_1_images():
    images, _ = data.load_mnist(source="bundled", limit=50)
    with pytest.raises(ValueError, match=r"\[0, 1\] images"):
        metrics.mnist_scores((images + 1) / 2)


@pytest.mark.parametrize("bad", [{"batch_size": 10**12}, {"instance_noise": 1e30},
                                 {"seed": 2**64}, {"seed": -1}])
def test_absurd_values_are_refused(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        GANConfig(**bad)


def test_toy_and_seed_validation():
    with pytest.raises(ValueError, match="mean"):
        toys.gaussian_1d(mean=float("nan"))
    py_state, np_state = random.getstate(), np.random.get_state()[1].copy()
    torch_state = torch.get_rng_state()
    with pytest.raises(ValueError, match="seed"):
        utils.seed_everything(2**64)
    assert random.getstate() == py_state and np.array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)


# --------------------------------------------------------------------------- 7. controls


def test_controls_show_what_the_trainer_uses():
    t = presets.toy_trainer("ring", "course", n_critic=3)
    dash = live.Dashboard(t, view=StubView(), headless=True)
    assert dash.controls["lr_D"].value == 3e-3  # exactly, no snapping to the slider's steps
    dash.set(n_critic=0)  # refused: the red box, nothing queued, the slider stays at 3
    assert dash.error and "n_critic" in dash.error and dash.controls["n_critic"].value == 3
    dash.run(1)
    assert t.config.n_critic == 3
    dash.set(loss="wgan")  # not a loss: the red box, not a TraitError
    assert "loss" in dash.error and dash.controls["loss"].value == t.config.loss
    dash.set(batch_size=48)  # valid, though not in the menu
    dash.run(1)
    assert t.config.batch_size == 48 and dash.controls["batch_size"].value == 48
    with pytest.raises(ValueError, match="seed"):
        dash.reset(seed=2**40)
    assert dash.seed.value == t.config.seed == 0
    dash.reset(seed=2**31 + 5)  # a large seed within range shows as it is
    dash.run(1)
    assert t.config.seed == dash.seed.value == 2**31 + 5
    dash.close()


# --------------------------------------------------------------------------- 8. data


def test_a_corrupt_full_cache_is_named_and_auto_falls_back(tmp_path, capsys):
    pytest.importorskip("torchvision")
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in data._TORCHVISION_FILES:
        (raw / name).write_bytes(b"\x00\x00\x08\x03garbage")
    data._read_full_cached.cache_clear()
    with pytest.raises(data.CacheError, match="delete the folder"):
        data.load_mnist(source="full", root=tmp_path, download=False)
    images, _ = data.load_mnist(source="auto", root=tmp_path)
    assert images.shape == (10_000, 1, 28, 28)
    out = capsys.readouterr().out
    assert "cannot be used" in out and "bundled" in out and "using the full" not in out


def test_a_mismatched_torchvision_says_what_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def broken(name, *args, **kwargs):
        if name.startswith("torchvision"):
            raise RuntimeError("operator torchvision::nms does not exist")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", broken)
    with pytest.raises(ImportError, match="pip install --upgrade torch torchvision"):
        data._torchvision_mnist()


def test_downloads_have_a_timeout():
    assert 0 < data.DOWNLOAD_TIMEOUT <= 300
    assert math.isfinite(data.DOWNLOAD_TIMEOUT)


def test_a_busy_cpu_is_named_in_the_status_line(monkeypatch):
    monkeypatch.setattr(live.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(live.os, "getloadavg", lambda: (3.4, 3.0, 2.0))
    assert "load 3.4 on 2 cores" in live._cores_busy(2)
    assert live._cores_busy(1) is None  # one thread on two cores: nothing waits for a partner
    monkeypatch.setattr(live.os, "getloadavg", lambda: (2.2, 2.0, 2.0))
    assert live._cores_busy(2) is None  # this process alone


def test_reset_can_be_undone():
    t = presets.toy_trainer("ring", "vanilla", hidden=(16, 16))
    dash = live.Dashboard(t, view=StubView(), headless=True)
    assert dash.buttons["undo_reset"].disabled
    dash.run(20)
    trained = state_of(t)
    dash.buttons["reset"].click()
    assert t.step_count == 0 and not dash.buttons["undo_reset"].disabled
    dash.buttons["undo_reset"].click()
    assert dash.error is None and dash.buttons["undo_reset"].disabled
    assert_same_state(state_of(t), trained)
    dash.run(2)  # and it trains on from step 20
    assert t.step_count == 22
    dash.close()
