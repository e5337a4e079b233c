"""The dashboard inside an asyncio event loop, as in a Jupyter kernel: Start trains as a task on
the loop's thread, between the loop's other work (the kernel's widget messages), with no thread.

Each test body is a coroutine run by `asyncio.run`; awaiting `until` is the kernel sitting idle
between cells, when the loop gives the training task its turns.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from test_live import StubView, dashboard_threads, pause_from_the_view, ring_trainer

from gan_course import live


async def until(condition, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        await asyncio.sleep(0.005)
    return condition()


def in_loop(body):
    """Run ``body(dash)`` in a fresh event loop with a ring dashboard; close it after."""
    async def main():
        dash = live.Dashboard(ring_trainer(), view=StubView(), refresh=0.05, headless=False)
        try:
            await body(dash)
        finally:
            dash.close()
        assert not dash.running and (dash._run is None or dash._run.done.is_set())
    asyncio.run(main())
    assert not dashboard_threads()


def test_start_trains_as_a_task_while_the_loop_is_idle():
    async def body(dash):
        dash.start()
        assert dash.backend == "task" and dash.running and not dashboard_threads()
        assert dash.trainer.step_count == 0  # nothing until the cell ends and the loop idles
        assert await until(lambda: dash.trainer.step_count > 30)
        assert "running" in dash.status.value
    in_loop(body)


def test_the_loop_serves_other_work_between_slices():
    """Another coroutine keeps getting turns while the dashboard trains, and training goes on
    between its turns: the kernel's widget messages are served the same way."""
    async def body(dash):
        seen: list[int] = []  # the step count at each of the other coroutine's turns

        async def other():
            while len(seen) < 50:
                seen.append(dash.trainer.step_count)
                await asyncio.sleep(0.001)

        dash.start()
        await other()
        assert dash.running  # the run has no budget: it went on all along
        advanced = sum(b > a for a, b in zip(seen, seen[1:], strict=False))
        assert advanced >= 40  # steps between nearly every two turns: interleaved, not hogged
    in_loop(body)


def test_control_change_reaches_the_running_task():
    async def body(dash):
        dash.start()
        assert await until(lambda: dash.trainer.step_count > 5)
        dash.controls["lr_D"].value = 3e-3  # a slider drag: a callback between two slices
        assert await until(lambda: dash.trainer.config.lr_D == 3e-3, 2)
        assert await until(lambda: "lr_D 3.00e-03" in dash.status.value, 2)
        step = dash.trainer.step_count
        assert await until(lambda: dash.trainer.step_count > step + 5)
    in_loop(body)


def test_pause_stops_at_once_and_draws_the_last_step():
    async def body(dash):
        dash.start()
        assert await until(lambda: dash.trainer.step_count > 10)
        frames = dash.frames
        dash.pause()  # on the loop's thread: the task sits between two steps
        stopped = dash.trainer.step_count
        assert not dash.running and dash._run.done.is_set() and dash.frames == frames + 1
        assert "paused" in dash.status.value and dash.buttons["start"].description == "Start"
        await asyncio.sleep(0.2)
        assert dash.trainer.step_count == stopped
        dash.buttons["start"].click()  # and Start again
        assert await until(lambda: dash.trainer.step_count > stopped + 10)
        dash.buttons["start"].click()
        assert not dash.running
    in_loop(body)


def test_run_budget_and_wait_in_a_cell_trains_the_rest_there():
    async def body(dash):
        dash.start(steps=40)
        assert await until(lambda: dash.trainer.step_count > 3)
        dash.wait()  # a cell that needs the trained model: the loop gets no turn meanwhile
        assert dash.trainer.step_count == 40 and not dash.running
        assert "finished a run of 40 steps" in dash.status.value
        await asyncio.sleep(0.1)  # the cancelled task ends quietly
        assert dash.trainer.step_count == 40 and dash.error is None
        dash.start()  # the next Start trains as many more
        assert await until(lambda: dash.trainer.step_count == 80)
        assert await until(lambda: not dash.running)
    in_loop(body)


def test_wait_with_a_timeout_hands_the_rest_back_to_the_loop():
    async def body(dash):
        dash.start()  # no budget: runs until paused
        dash.wait(0.2)
        step = dash.trainer.step_count
        assert step > 0 and dash.running
        assert await until(lambda: dash.trainer.step_count > step + 20)
        dash.pause()
        assert dash.error is None
    in_loop(body)


def test_error_in_the_task_is_shown_and_ends_the_run():
    async def body(dash):
        def broken(trainer):
            raise RuntimeError("a bug in the view")

        dash.view.capture = broken
        dash.start()
        assert await until(lambda: not dash.running)
        assert "a bug in the view" in dash.error and "error" in dash.status.value
    in_loop(body)


def test_start_pause_100_times_leaves_no_tasks(monkeypatch):
    async def body(dash):
        monkeypatch.setattr(dash, "_publish", lambda fmt="jpeg": None)
        for _ in range(100):
            dash.start()
            await asyncio.sleep(0)
            dash.pause()
        await asyncio.sleep(0.05)
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert not others and dash.error is None
    in_loop(body)


def test_torch_threads_are_the_learners_between_slices():
    import torch

    async def body(dash):
        dash.threads = 2
        torch.set_num_threads(1)
        dash.start()
        assert await until(lambda: dash.trainer.step_count > 10)
        assert torch.get_num_threads() == 1  # the kernel's own setting while it has its turn
        dash.pause()
    in_loop(body)


def test_pause_from_another_thread_waits_for_the_task():
    async def body(dash):
        dash.start()
        assert await until(lambda: dash.trainer.step_count > 5)
        other = threading.Thread(target=dash.pause)
        other.start()
        assert await until(lambda: not other.is_alive(), 5)
        assert not dash.running and dash._run.done.is_set() and dash.error is None
    in_loop(body)


@pytest.mark.parametrize("how", ["rerun", "same models"])
def test_new_dashboard_stops_the_running_task(how):
    async def main():
        first = live.Dashboard(ring_trainer(), view=StubView(), refresh=0.05, headless=False,
                               name="a")
        first.start()
        assert await until(lambda: first.trainer.step_count > 5)
        trainer = first.trainer if how == "same models" else ring_trainer()
        second = live.Dashboard(trainer, view=StubView(), refresh=0.05, headless=False,
                                name="a" if how == "rerun" else None)
        assert not first.running and first._run.done.is_set()
        second.start()
        assert await until(lambda: second.trainer.step_count > 10)
        second.close()
        first.close()
    asyncio.run(main())


def test_interrupting_a_waiting_cell_ends_the_run(monkeypatch):
    async def body(dash):
        step = dash.trainer.step

        def interrupted(**kwargs):
            if dash.trainer.step_count >= 15:
                raise KeyboardInterrupt  # the kernel's interrupt button during `wait`
            return step(**kwargs)

        dash.start(steps=100)
        monkeypatch.setattr(dash.trainer, "step", interrupted)
        with pytest.raises(KeyboardInterrupt):
            dash.wait()
        assert not dash.running and dash._run.done.is_set()
        assert "paused" in dash.status.value and dash.buttons["start"].description == "Start"
        monkeypatch.setattr(dash.trainer, "step", step)
        dash.start()  # and the learner goes on
        assert await until(lambda: dash.trainer.step_count > 20)
    in_loop(body)


def test_pause_from_inside_the_task_stops_it():
    async def body(dash):
        pause_from_the_view(dash)
        dash.start()
        assert await until(lambda: dash._run.done.is_set())
        assert not dash.running and dash.error is None
        assert "paused by the view" in dash.status.value
    in_loop(body)
