"""The dashboard's widgets: the loss menu is the loss table; a control shows any value it is given."""

import ipywidgets as widgets

from gan_course import losses
from gan_course.live import controls
from gan_course.training import GANConfig


def test_the_loss_menu_is_the_loss_table():
    assert controls.LOSS_OPTIONS == [(loss.label, name) for name, loss in losses.LOSSES.items()]
    menu = controls.make_controls(GANConfig(loss="wgan-gp"))["loss"]
    assert menu.value == "wgan-gp" and "gc-loss" in menu._dom_classes


def test_show_value_widens_a_control_to_the_value_in_use():
    lr = controls.make_controls(GANConfig(lr_D=0.5))["lr_D"]  # beyond the slider's end
    assert lr.value == 0.5 and lr.max >= 0
    k = widgets.IntSlider(value=1, min=1, max=10)
    assert controls.show_value(k, 25).value == 25 and k.max == 25
    size = widgets.Dropdown(options=[16, 32], value=16)
    assert controls.show_value(size, 48).value == 48 and 48 in size.options


def test_the_start_trains_menu_keeps_the_lessons_count():
    options = controls.budget_options(1500)
    assert ("1,500 steps", 1500) in options and options[-1] == controls.UNTIL_PAUSE
    menu = controls.make_budget(None)
    assert menu.label == "until Pause" and menu.index == len(menu.options) - 1  # a choice shows
    assert controls.budget_steps(menu.value) is None and controls.budget_steps(100) == 100


def test_layer_toggles_and_share_carry_their_css_classes():
    boxes = controls.make_layers({"real": True, "arrows": False},
                                 {"real": "real samples", "arrows": "G's arrows"})
    assert boxes["arrows"].value is False and "gc-layer-arrows" in boxes["arrows"]._dom_classes
    assert boxes["real"].description == "real samples"
    assert "gc-share" in controls.make_buttons()["share"]._dom_classes
    assert "gc-settings" in controls.make_settings()._dom_classes
