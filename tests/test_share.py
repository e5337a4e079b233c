"""Share a setup: the dashboard's one line of Python builds the same trainer (preset, seed, every
changed setting) and dashboard; a trainer the line cannot name gets a clear message instead."""

from __future__ import annotations

import pytest

from gan_course import live, presets, toys


@pytest.fixture
def closing():
    made = []
    yield made.append
    for d in made:
        d.close()


def make(closing, *args, dashboard=None, **kwargs):
    d = live.Dashboard(presets.toy_trainer(*args, **kwargs), headless=False,
                       **({"view": "2d"} if dashboard is None else dashboard))
    closing(d)
    return d


def losses_of(trainer, steps: int = 3) -> list[tuple[float, float]]:
    trainer.train(steps)
    return [(h["loss_D"], h["loss_G"]) for h in trainer.history]


def test_the_line_builds_the_same_trainer_and_the_same_run(closing):
    dash = make(closing, "ring", "vanilla", seed=3, batch_size=32)  # an override of the recipe
    dash.set(lr_D=0.1, loss="hinge", gp_lambda=3.0)  # gp_lambda has no control
    dash.step()  # applies them
    dash.show_layers(arrows=False)
    line = dash.settings_line()
    assert line.startswith("live.Dashboard.from_settings('toy_trainer', dataset='ring', "
                           "recipe='vanilla', seed=3, config=")
    again = eval(line, {"live": live})
    closing(again)
    assert again.trainer.config == dash.trainer.config
    assert again.view.layers["arrows"] is False and isinstance(again.view, live.views.View2D)
    fresh = presets.toy_trainer("ring", "vanilla", seed=3, batch_size=32, lr_D=0.1, loss="hinge",
                                gp_lambda=3.0)
    assert losses_of(again.trainer) == losses_of(fresh)  # identical, not close


def test_the_line_says_only_what_differs_from_the_recipe(closing):
    dash = make(closing, "ring", "course", seed=0)
    assert dash.settings_line() == ("live.Dashboard.from_settings('toy_trainer', dataset='ring', "
                                    "recipe='course', seed=0, dashboard={'view': '2d'})")
    dash.controls["lr_G"].value = 5e-3  # queued for the next step: the controls show it already
    assert "config={'lr_G': 0.005}" in dash.settings_line()
    dash.reset(seed=7)  # a new seed is a new run: the line names it
    assert "seed=7" in dash.settings_line()
    assert eval(dash.settings_line(), {"live": live}).trainer.config == dash.trainer.checked(
        **dash.state.queued())


def test_share_button_shows_the_line_and_follows_changes(closing):
    dash = make(closing, "ring", "course", seed=0)
    assert dash.panel.settings.layout.display == "none"  # until pressed
    dash.buttons["share"].click()
    assert dash.panel.settings.value == dash.settings_line() and dash.error is None
    dash.set(lr_D=0.02)
    assert "'lr_D': 0.02" in dash.panel.settings.value


def test_a_trainer_not_built_by_a_preset_gets_a_message_not_a_line(ring_trainer, closing):
    d = live.Dashboard(ring_trainer(), view="2d", headless=False)
    closing(d)
    with pytest.raises(ValueError, match="not built by gan_course.presets"):
        d.settings_line()
    d.buttons["share"].click()
    assert d.panel.settings.value.startswith("# cannot share this setup: this trainer was not")
    assert d.error is None


def test_what_a_line_cannot_name_is_refused(closing, stub_view):
    own_toy = make(closing, toys.ring(std=0.05), "course")
    with pytest.raises(ValueError, match="not one of gan_course.toys' named toys"):
        own_toy.settings_line()
    named = make(closing, toys.ring(), "course")  # the named toy, passed as an object
    assert "dataset='ring'" in named.settings_line()
    viewed = make(closing, "ring", "course", dashboard={"view": stub_view()})
    with pytest.raises(ValueError, match="view object"):
        viewed.settings_line()
    options = make(closing, "ring", "course", dashboard={"view": "2d", "n_fake": 256,
                                                         "name": "try-this", "refresh": 1.0})
    again = eval(options.settings_line(), {"live": live})
    closing(again)
    assert again.options() == options.options() == {"view": "2d", "n_fake": 256,
                                                    "name": "try-this", "refresh": 1.0}
    assert len(again.view.z) == 256


def test_from_settings_refuses_bad_input():
    with pytest.raises(ValueError, match="unknown preset"):
        live.Dashboard.from_settings("my_trainer", dataset="ring")
    with pytest.raises(ValueError, match="config to be a dict"):
        live.Dashboard.from_settings("toy_trainer", config=[("lr_D", 0.1)])
    with pytest.raises(ValueError, match="both"):
        live.Dashboard.from_settings("toy_trainer", seed=1, config={"seed": 2})
    with pytest.raises(ValueError, match="lr_D"):
        live.Dashboard.from_settings("toy_trainer", config={"lr_D": -1.0})


def test_presets_record_how_they_built_the_trainer():
    t = presets.toy_trainer("grid", "collapse", seed=2, hidden=(16,), lr_G=1e-3)
    b = presets.built(t)
    assert b.function == "toy_trainer" and b.unshareable is None
    assert dict(b.arguments) == {"dataset": "grid", "recipe": "collapse", "seed": 2,
                                 "device": "cpu", "hidden": (16,)}
    assert b.recipe_config.lr_G == presets.TOY_RECIPES["collapse"].config["lr_G"] != 1e-3
    assert presets.built(object()) is None


def test_an_mnist_line_and_networks_of_your_own(closing):
    from gan_course import models

    dash = live.Dashboard(presets.mnist_trainer("mlp", seed=1, lr_G=5e-4), headless=False,
                          metrics_every=0)
    closing(dash)
    line = dash.settings_line()
    assert line == ("live.Dashboard.from_settings('mnist_trainer', model='mlp', seed=1, "
                    "config={'lr_G': 0.0005}, dashboard={'metrics_every': 0})")
    again = eval(line, {"live": live})
    closing(again)
    assert again.trainer.config == dash.trainer.config
    assert losses_of(again.trainer, 2) == losses_of(presets.mnist_trainer("mlp", seed=1,
                                                                          lr_G=5e-4), 2)
    own = live.Dashboard(presets.mnist_trainer("mlp", G=models.mnist_mlp_generator()),
                         headless=False, metrics_every=0)
    closing(own)
    with pytest.raises(ValueError, match="its own networks"):
        own.settings_line()
