"""The plumbing every lesson shares: seeds, counts, threads, quick and headless modes."""

import pytest
import torch

from gan_course import utils


def test_seed_and_count_validators_name_what_they_expect():
    assert utils.check_seed(5) == 5 and utils.check_count(3, "n") == 3
    assert utils.check_count(0, "a step count", minimum=0) == 0
    for bad in (-1, 2**32, 1.5, True, "3"):
        with pytest.raises(ValueError, match="non-negative integer seed"):
            utils.check_seed(bad)
    with pytest.raises(ValueError, match="expected n to be a positive integer, got 0"):
        utils.check_count(0, "n")
    with pytest.raises(ValueError, match="expected steps to be an integer >= 0, got -2"):
        utils.check_count(-2, "steps", minimum=0)


def test_seed_everything_returns_a_seeded_generator():
    a = torch.rand(3, generator=utils.seed_everything(4))
    b = torch.rand(3, generator=utils.seed_everything(4))
    assert torch.equal(a, b)


def test_pick_and_modes(monkeypatch):
    monkeypatch.setenv(utils.QUICK_ENV, "1")
    assert utils.pick(full=3000, quick=50) == 50 and utils.headless()
    monkeypatch.delenv(utils.QUICK_ENV)
    monkeypatch.delenv(utils.HEADLESS_ENV, raising=False)
    assert utils.pick(full=3000, quick=50) == 3000 and not utils.headless()


def test_set_threads():
    assert utils.set_threads(1) == 1
    with pytest.raises(ValueError, match="thread count"):
        utils.set_threads(0)
