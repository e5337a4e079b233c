"""Shared test settings: one CPU thread (1 and 2 threads give different bits), no quick-mode leak."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
    yield
