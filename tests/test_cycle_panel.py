"""Lesson 10's live panel, from Python: headless blocking run, slider -> model, the task path."""

from __future__ import annotations

import asyncio

import torch

from gan_course import translation as tr
from gan_course.cycle_panel import CyclePanel


def _panel() -> CyclePanel:
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(16, 1, 28, 28, generator=gen) > 0.9).float() * 2 - 1
    model = tr.CycleGAN(x, tr.dilate(x.flip(0)), tr.CycleConfig(channels=4, batch_size=4))
    return CyclePanel(model, x[:4], ink_y=100.0)


def test_headless_show_trains_and_draws(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_HEADLESS", "1")
    panel = _panel()
    panel.show(steps=3)
    assert panel.model.step_count == 3 and bytes(panel.image.value).startswith(b"\x89PNG")


def test_slider_reaches_the_model_and_a_refused_value_shows():
    panel = _panel()
    panel.slider.value = 2.5
    panel.run(1)
    assert panel.model.config.lambda_cycle == 2.5
    panel.pending["lambda_cycle"] = -1.0  # a slider cannot send it; update must refuse it
    panel.run(1)
    assert panel.model.config.lambda_cycle == 2.5 and "lambda_cycle" in panel.error.value


def test_start_trains_as_a_task_on_the_running_loop():
    panel = _panel()

    async def body():
        panel.start(12)
        assert panel.running and panel.button.description == "Pause"
        await asyncio.wait_for(panel.task, timeout=60)

    asyncio.run(body())
    assert panel.model.step_count == 12 and len(panel.history) == 1
    assert panel.button.description == "Start"
