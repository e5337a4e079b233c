"""A/B on one seed (`live.Compare`): the same initial weights, lock-step training that leaves each
run as it would be alone, the measurements, the picture, bad input, divergence, headless and
running in an event loop (as in a kernel: `asyncio.run`, see tests/conftest.py)."""

from __future__ import annotations

import asyncio
import io
import time

import numpy as np
import pytest
import torch
from PIL import Image

from gan_course import live, presets
from gan_course.live import compare

# The plain tutorial recipe: the cheapest toy step (about 2 ms on the course's machine).
RING = dict(dataset="ring", recipe="vanilla", seed=0)


def make(b=None, **options):
    options.setdefault("headless", False)
    return live.Compare("toy_trainer", b=b or {"noisy_labels": True}, **{**RING, **options})


def tensors(trainer) -> list[torch.Tensor]:
    models = [trainer.G, trainer.D] + ([trainer.G_ema] if trainer.G_ema is not None else [])
    return [t.detach().clone() for m in models for t in (*m.parameters(), *m.buffers())]


def equal(x: list[torch.Tensor], y: list[torch.Tensor]) -> bool:
    return len(x) == len(y) and all(torch.equal(a, b) for a, b in zip(x, y, strict=True))


@pytest.fixture
def ab():
    made = make(every=5)
    yield made
    made.close()


# --------------------------------------------------------------------------- building


def test_both_runs_start_from_the_same_weights_and_differ_in_b_only(ab):
    A, B = ab.trainers["A"], ab.trainers["B"]
    assert A is not B and A.G is not B.G
    assert equal([p for p in A.G.state_dict().values()], [p for p in B.G.state_dict().values()])
    assert equal([p for p in A.D.state_dict().values()], [p for p in B.D.state_dict().values()])
    assert compare.same_start(A, B)
    assert ab.differ == ["noisy_labels"]
    assert A.config.noisy_labels is False and B.config.noisy_labels is True
    assert ab.titles == {"A": "A: noisy_labels=False", "B": "B: noisy_labels=True"}
    # The measurement at step 0 is the same for both: the same G on the same z.
    first = {name: {k: v[0] for k, v in run.items()} for name, run in ab.metrics().items()}
    assert first["A"]["step"] == 0 and first["A"]["js"] == first["B"]["js"]


def test_a_and_b_both_apply_and_name_every_setting_that_differs():
    ab = make(a={"lr_D": 1e-3}, b={"lr_D": 1e-2, "label_smoothing": 0.1})
    try:
        assert ab.trainers["A"].config.lr_D == 1e-3 and ab.trainers["B"].config.lr_D == 1e-2
        assert ab.trainers["B"].opt_D.param_groups[0]["lr"] == 1e-2
        assert ab.differ == ["lr_D", "label_smoothing"]  # GANConfig's order
        assert ab.titles["A"] == "A: lr_D=0.001, label_smoothing=0"
        assert ab.titles["B"] == "B: lr_D=0.01, label_smoothing=0.1"
    finally:
        ab.close()


@pytest.mark.parametrize("preset, kwargs, message", [
    ("toy_trainer", dict(b={"learning_rate": 1e-3}), "unknown hyperparameter"),
    ("toy_trainer", dict(b={"noisy_labels": 3}), "noisy_labels: expected True or False, got 3"),
    ("toy_trainer", dict(b={"lr_D": -1.0}), "lr_D: expected a finite learning rate"),
    ("toy_trainer", dict(b={"noisy_labels": False}), "expected a and b to differ"),
    ("toy_trainer", dict(a={"lr_D": 1e-3}, b={"lr_D": 1e-3}), "expected a and b to differ"),
    ("toy_trainer", dict(b={"seed": 1}), "seed changes only through reset"),
    ("toy_trainer", dict(b=["noisy_labels"]), "expected b to be a dict"),
    ("toy_trainer", dict(a=True, b={"noisy_labels": True}), "expected a to be a dict"),
    ("toy_trainer", dict(b={"noisy_labels": True}, dataset="gaussian"), "expected a 2-D toy"),
    ("toy_trainer", dict(b={"noisy_labels": True}, recipe="dcgan"), "unknown recipe"),
    ("toy_trainer", dict(b={"noisy_labels": True}, lr=1e-3), "expected presets.toy_trainer"),
    ("mnist_trainer", dict(b={"noisy_labels": True}), "expected preset 'toy_trainer'"),
    ("ring", dict(b={"noisy_labels": True}), "expected preset 'toy_trainer'"),
])
def test_bad_input_is_refused_and_changes_nothing(preset, kwargs, message):
    with asyncio.Runner() as loop:
        async def start_one():
            old = make(name="ab")
            old.start()
            return old

        old = loop.run(start_one())
        try:
            before = set(compare._COMPARES)
            arguments = {**RING, **{k: v for k, v in kwargs.items() if k not in ("a", "b")}}
            with pytest.raises(ValueError, match=message):
                live.Compare(preset, name="ab", headless=False, a=kwargs.get("a"), b=kwargs["b"],
                             **arguments)
            assert set(compare._COMPARES) == before, "nothing was built or registered"
            assert old.running, "a refused comparison stops no other one"
        finally:
            old.close()


def test_bad_options_are_refused():
    for options, message in ((dict(every=0), "every"), (dict(refresh=0), "refresh"),
                             (dict(threads=0), "threads")):
        with pytest.raises(ValueError, match=message):
            make(**options)


# --------------------------------------------------------------------------- training


def test_lock_step_trains_both_the_same_number_of_steps(ab):
    order = []
    for name, trainer in ab.trainers.items():
        step = trainer.step

        def logged(*args, name=name, step=step, **kwargs):
            order.append(name)
            return step(*args, **kwargs)

        trainer.step = logged
    ab.run(7)
    assert order == ["A", "B"] * 7  # one step of A, then one of B
    assert ab.trainers["A"].step_count == ab.trainers["B"].step_count == ab.trainer.step_count == 7
    assert len(ab.trainers["A"].history) == len(ab.trainers["B"].history) == 7


def test_runs_part_when_the_setting_matters(ab):
    ab.run(3)
    A, B = ab.trainers["A"], ab.trainers["B"]
    assert not equal(tensors(A), tensors(B))
    # Noisy labels change D's targets only: the same real batch and noise, other losses.
    assert A.history[0]["loss_D"] != B.history[0]["loss_D"]


def test_a_in_lock_step_is_exactly_a_run_alone():
    """Same operations in the same order, each trainer on its own generator: measurements and
    pictures between steps (refresh 0.01 s, every 3 steps) must leave both runs untouched."""
    ab = make(b={"lr_D": 1e-2}, every=3, refresh=0.01)
    try:
        ab.run(25)
        assert ab.state.frames > 1, "pictures were drawn while it trained"
        for name, change in (("A", {}), ("B", {"lr_D": 1e-2})):
            alone = presets.toy_trainer(**RING)
            alone.update(**change)
            alone.train(25)
            assert equal(tensors(alone), tensors(ab.trainers[name])), name
            assert [h["loss_D"] for h in alone.history] == \
                [h["loss_D"] for h in ab.trainers[name].history]
    finally:
        ab.close()


def test_metrics_have_a_row_at_0_every_few_steps_and_at_the_end(ab):
    ab.run(12)
    m = ab.metrics()
    assert set(m) == {"A", "B"}
    for run in m.values():
        assert set(run) == {"step", "loss_D", "loss_G", "modes", "high_quality", "kl", "js"}
        assert run["step"].tolist() == [0, 5, 10, 12]
        assert all(v.shape == (4,) and v.dtype == np.float64 for v in run.values())
        assert np.isnan(run["loss_D"][0]) and np.isfinite(run["loss_D"][1:]).all()
        assert ((0 <= run["modes"]) & (run["modes"] <= 8)).all()
        assert ((0 <= run["js"]) & (run["js"] <= np.log(2) + 1e-9)).all()
    # loss_D of a row is the mean of the steps since the row before
    history = ab.trainers["B"].history
    assert m["B"]["loss_D"][2] == pytest.approx(np.mean([h["loss_D"] for h in history[5:10]]))
    ab.run(3)
    assert ab.metrics()["A"]["step"].tolist() == [0, 5, 10, 12, 15]


def test_a_toy_without_a_density_measures_the_losses():
    ab = make(dataset="spiral", every=4)
    try:
        ab.run(8)
        m = ab.metrics()["A"]
        assert set(m) == {"step", "loss_D", "loss_G"} and m["step"].tolist() == [0, 4, 8]
        assert "loss_D" in ab.summary()
        assert Image.open(io.BytesIO(ab.png)).size == (960, 440)
    finally:
        ab.close()


def test_a_divergence_stops_both_and_names_the_run():
    ab = make(b={"lr_D": 1e6})  # one Adam step puts D's weights near 1e6: beyond WEIGHT_LIMIT
    try:
        ab.run(10)
        assert ab.diverged.startswith("run B diverged")
        assert ab.trainers["A"].step_count == 1 and ab.trainers["B"].step_count == 0
        text = ab.status_text()
        assert "run B diverged" in text and "A trained 1, B trained 0" in text
        with pytest.raises(RuntimeError, match="run B diverged"):
            ab.run(5)
        assert ab.trainers["A"].step_count == 1
    finally:
        ab.close()


# --------------------------------------------------------------------------- the picture


def test_the_picture_has_its_size_and_shows_both_runs(ab, tmp_path):
    ab.run(20)
    path = tmp_path / "ab.png"
    ab.save(str(path))
    picture = np.asarray(Image.open(path).convert("RGB")).astype(int)
    assert picture.shape == (440, 960, 3)  # compare.SIZE at views.DPI
    assert len(np.unique(picture.reshape(-1, 3), axis=0)) > 500, "not a blank picture"
    # Each plane carries its run's colour on its frame, and the chart draws both lines.
    for colour in compare.COLORS.values():
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(picture - rgb).sum(axis=2) < 30).sum() > 1000, colour
    # A's plane and B's differ (B's D learnt from other targets)
    left, right = picture[100:330, 65:310], picture[100:330, 348:593]
    assert np.abs(left - right).mean() > 1


def test_headless_show_trains_and_prints_both_runs(capsys):
    ab = make(headless=True, every=5)
    try:
        ab.show(steps=10)
        out = capsys.readouterr().out
        assert "after 10 steps each: A: noisy_labels=False:" in out
        assert "| B: noisy_labels=True:" in out and "modes, JS" in out
        assert ab.trainers["A"].step_count == ab.trainers["B"].step_count == 10
        assert ab.png.startswith(b"\x89PNG")
        with pytest.raises(ValueError, match="expected a step count"):
            ab.show()
    finally:
        ab.close()


# --------------------------------------------------------------------------- in an event loop


def test_start_and_pause_in_an_event_loop(until):
    async def body():
        ab = make(refresh=0.05)
        try:
            ab.show(steps=100_000)
            first = ab.image.value
            ab.button.click()
            assert ab.running and ab.button.description == "Pause"
            assert await until(lambda: ab.trainer.step_count > 30)
            assert await until(lambda: ab.image.value != first), "pictures while it trains"
            assert "running" in ab.status_text() and "of 100000" in ab.status_text()
            begin = time.perf_counter()
            ab.button.click()
            assert time.perf_counter() - begin < 1.0 and not ab.running
            steps = ab.trainer.step_count
            assert ab.trainers["A"].step_count == ab.trainers["B"].step_count == steps
            await asyncio.sleep(0.1)
            assert ab.trainer.step_count == steps
            assert "paused" in ab.status_text() and ab.error is None
        finally:
            ab.close()
    asyncio.run(body())


def test_a_run_stops_after_its_budget_and_start_trains_as_many_more(until):
    async def body():
        ab = make(refresh=0.05)
        try:
            ab.start(steps=15)
            assert await until(lambda: not ab.running)
            assert ab.trainer.step_count == 15 and "finished a run of 15" in ab.status_text()
            ab.start()
            assert await until(lambda: not ab.running)
            assert ab.trainers["A"].step_count == ab.trainers["B"].step_count == 30
        finally:
            ab.close()
    asyncio.run(body())


def test_a_new_comparison_of_the_same_name_stops_the_old_one(until):
    async def body():
        old = make(name="lesson", refresh=0.05)
        old.start()
        assert await until(lambda: old.trainer.step_count > 3)
        new = make(name="lesson")
        try:
            assert not old.running and old not in compare._COMPARES
            with pytest.raises(RuntimeError, match="closed"):
                old.start()
            steps = old.trainer.step_count
            await asyncio.sleep(0.05)
            assert old.trainer.step_count == steps
        finally:
            new.close()
    asyncio.run(body())


def test_outside_an_event_loop_start_trains_blocking():
    ab = make()
    try:
        with pytest.raises(ValueError, match="needs a step count"):
            ab.start()
        ab.start(steps=4)
        assert ab.trainer.step_count == 4 and not ab.running
    finally:
        ab.close()


def test_wait_trains_the_rest_of_the_run_in_the_cell():
    async def body():
        ab = make()
        try:
            ab.start(steps=25)
            assert ab.running and ab.trainer.step_count == 0  # the loop has had no turn yet
            ab.wait()  # a cell that needs the trained runs: it trains them itself
            assert not ab.running
            assert ab.trainers["A"].step_count == ab.trainers["B"].step_count == 25
            assert ab.metrics()["A"]["step"][-1] == 25
        finally:
            ab.close()
    asyncio.run(body())
