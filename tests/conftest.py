"""Shared test settings and fixtures: one CPU thread (1 and 2 threads give different bits); a
small ring trainer, a view that draws nothing, and a way to drive a dashboard as a kernel would
(inside an asyncio event loop, which gives the training task its turns while a test awaits)."""

from __future__ import annotations

import asyncio
import time

import pytest
import torch
from PIL import Image

from gan_course import live, models, toys
from gan_course.training import GANConfig, Trainer


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
    yield


def _ring_trainer(seed: int = 0, real=None, **config) -> Trainer:
    def build():
        return (models.MLPGenerator(2, (2,), hidden=(32, 32)),
                models.MLPDiscriminator((2,), hidden=(32, 32)))

    torch.manual_seed(seed)
    G, D = build()
    cfg = GANConfig(latent_dim=2, lr_G=1e-3, lr_D=1e-3, batch_size=64, seed=seed, **config)
    return Trainer(G, D, real if real is not None else toys.ring(), cfg, build=build)


@pytest.fixture
def ring_trainer():
    """``ring_trainer(seed=0, real=None, **config)``: small MLPs on the ring, with ``build``."""
    return _ring_trainer


class StubView:
    """Draws nothing (a blank picture): for tests about runs, controls and errors."""

    def capture(self, trainer):
        return {"step": trainer.step_count}

    def draw(self, frame, info=None):
        return Image.new("RGB", (16, 8), "white")


@pytest.fixture
def stub_view():
    return StubView


async def _until(condition, timeout: float = 10.0) -> bool:
    """Await (giving the loop's other tasks their turns) until ``condition()`` or a timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        await asyncio.sleep(0.005)
    return condition()


@pytest.fixture
def until():
    return _until


@pytest.fixture
def in_loop():
    """``in_loop(body, trainer=None, **options)`` runs ``await body(dash)`` in a fresh event
    loop with a dashboard (a ring trainer, `StubView`, fast refresh) and closes it after."""
    def run(body, trainer=None, **options):
        async def main():
            options.setdefault("view", StubView())
            dash = live.Dashboard(trainer or _ring_trainer(), refresh=0.05, headless=False,
                                  **options)
            try:
                await body(dash)
            finally:
                dash.close()
            assert not dash.running and (dash.runner.run is None or dash.runner.run.done.is_set())
        asyncio.run(main())
    return run
