"""The dashboard's run state: plain data that pickles, a queue of changes, the status line."""

import pickle

from gan_course import live
from gan_course.live.state import RunState, plain_text
from gan_course.monitor import Flag
from gan_course.training import GANConfig


def test_the_run_state_is_plain_data(ring_trainer, stub_view):
    """No widgets in it: it pickles, with the changes it holds, even after a run."""
    dash = live.Dashboard(ring_trainer(), view=stub_view(), headless=True)
    dash.set(lr_D=2e-3)
    dash.run(3)
    dash.set(lr_G=5e-3)
    copy = pickle.loads(pickle.dumps(dash.state))
    assert copy.pending == {"lr_G": 5e-3} and copy.numbers["step"] == 3
    assert copy.take() == ({"lr_G": 5e-3}, [])
    dash.close()


def test_queue_take_and_resets():
    state = RunState()
    state.queue(lr_D=1e-3)
    state.queue(lr_D=2e-3, n_critic=2)  # a later value of a field replaces the earlier
    assert state.queued(beta1=0.5) == {"lr_D": 2e-3, "n_critic": 2, "beta1": 0.5}
    state.request_reset(7)
    state.request_reset(None)  # only the last reset counts
    assert state.take() == ({"lr_D": 2e-3, "n_critic": 2}, [None])
    assert state.take() == ({}, [])


def test_status_line_says_what_trains_and_why_it_stopped():
    state = RunState(target=300, speed=12.5, note="finished a run of 300 steps",
                     flags=[Flag("d_wins", "warning", "D wins <now>")])
    cfg = GANConfig(lr_D=1e-3, lr_G=2e-3, loss="hinge")
    running = plain_text(state.status_html(cfg, 120, running=True))
    assert running.startswith("running · step 120 of 300 · 12.5 steps/s")
    assert "lr_D 1.00e-03, lr_G 2.00e-03, k 1, hinge" in running and "finished" not in running
    paused = plain_text(state.status_html(cfg, 300, running=False))
    assert "paused · step 300 ·" in paused and "\nfinished a run of 300 steps" in paused
    assert "⚠ D wins <now>" in paused  # escaped in the HTML, read back as text
    state.in_cell = 500
    assert "training in this cell" in plain_text(state.status_html(cfg, 320, running=False))
    assert state.horizon == 500
