"""The runner: inside an asyncio event loop, as in a Jupyter kernel, Start trains as a task on
the loop's thread, between the loop's other work (the kernel's widget messages), with no thread;
pictures are paced by wall-clock time.

Each test body is a coroutine run by `asyncio.run` (the `in_loop` fixture); awaiting `until` is
the kernel sitting idle between cells, when the loop gives the training task its turns.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from gan_course import live
from gan_course.live import runner


def pause_from_the_view(dash, after: int = 5) -> None:
    """Make the dashboard's view press Pause once the trainer is past ``after`` steps (as a
    custom view that stops training when it sees something might)."""
    capture = dash.view.capture

    def pausing(trainer):
        if trainer.step_count > after:
            dash.pause(note="paused by the view")
        return capture(trainer)

    dash.view.capture = pausing


def test_start_trains_as_a_task_while_the_loop_is_idle(in_loop, until):
    async def body(dash):
        threads = threading.active_count()
        dash.start()
        assert dash.backend == "task" and dash.running and threading.active_count() == threads
        assert dash.trainer.step_count == 0  # nothing until the cell ends and the loop idles
        assert await until(lambda: dash.trainer.step_count > 30)
        assert "running" in dash.status.value
    in_loop(body)


def test_the_loop_serves_other_work_between_slices(in_loop, until):
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


def test_control_change_reaches_the_running_task(in_loop, until):
    async def body(dash):
        dash.start()
        assert await until(lambda: dash.trainer.step_count > 5)
        dash.controls["lr_D"].value = 3e-3  # a slider drag: a callback between two slices
        assert await until(lambda: dash.trainer.config.lr_D == 3e-3, 2)
        assert await until(lambda: "lr_D 3.00e-03" in dash.status.value, 2)
        step = dash.trainer.step_count
        assert await until(lambda: dash.trainer.step_count > step + 5)
    in_loop(body)


def test_pause_stops_at_once_and_draws_the_last_step(in_loop, until):
    async def body(dash):
        dash.start()
        assert await until(lambda: dash.trainer.step_count > 10)
        frames = dash.frames
        dash.pause()  # on the loop's thread: the task sits between two steps
        stopped = dash.trainer.step_count
        assert not dash.running and dash.runner.run.done.is_set() and dash.frames == frames + 1
        assert "paused" in dash.status.value and dash.buttons["start"].description == "Start"
        await asyncio.sleep(0.2)
        assert dash.trainer.step_count == stopped
        dash.buttons["start"].click()  # and Start again
        assert await until(lambda: dash.trainer.step_count > stopped + 10)
        dash.buttons["start"].click()
        assert not dash.running
    in_loop(body)


def test_run_budget_and_wait_in_a_cell_trains_the_rest_there(in_loop, until):
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


def test_wait_with_a_timeout_hands_the_rest_back_to_the_loop(in_loop, until):
    async def body(dash):
        dash.start()  # no budget: runs until paused
        dash.wait(0.2)
        step = dash.trainer.step_count
        assert step > 0 and dash.running
        assert await until(lambda: dash.trainer.step_count > step + 20)
        dash.pause()
        assert dash.error is None
    in_loop(body)


def test_error_in_the_task_is_shown_and_ends_the_run(in_loop, until):
    async def body(dash):
        def broken(trainer):
            raise RuntimeError("a bug in the view")

        dash.view.capture = broken
        dash.start()
        assert await until(lambda: not dash.running)
        assert "a bug in the view" in dash.error and "a bug in the view" in dash.errors.value
        assert dash.errors.layout.display != "none" and "error" in dash.status.value
        dash.start()  # and when a cell waits for the run, training in the cell
        dash.wait(10)
        assert not dash.running and "a bug in the view" in dash.error
    in_loop(body)


def test_start_pause_100_times_leaves_no_tasks(in_loop, until, monkeypatch):
    async def body(dash):
        monkeypatch.setattr(dash.panel, "publish", lambda fmt="jpeg": None)
        threads = threading.active_count()
        for _ in range(100):
            dash.start()
            await asyncio.sleep(0)
            dash.pause()
        await asyncio.sleep(0.05)
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert not others and dash.error is None and threading.active_count() == threads
    in_loop(body)


def test_torch_threads_are_the_learners_between_slices(in_loop, until):
    import torch

    async def body(dash):
        dash.threads = 2
        torch.set_num_threads(1)
        dash.start()
        assert await until(lambda: dash.trainer.step_count > 10)
        assert torch.get_num_threads() == 1  # the kernel's own setting while it has its turn
        dash.pause()
    in_loop(body)


def test_pause_from_another_thread_waits_for_the_task(in_loop, until):
    async def body(dash):
        dash.start()
        assert await until(lambda: dash.trainer.step_count > 5)
        other = threading.Thread(target=dash.pause)
        other.start()
        assert await until(lambda: not other.is_alive(), 5)
        assert not dash.running and dash.runner.run.done.is_set() and dash.error is None
    in_loop(body)


@pytest.mark.parametrize("how", ["rerun", "same models"])
def test_new_dashboard_stops_the_running_task(how, ring_trainer, stub_view, until):
    async def main():
        first = live.Dashboard(ring_trainer(), view=stub_view(), refresh=0.05, headless=False,
                               name="a")
        first.start()
        assert await until(lambda: first.trainer.step_count > 5)
        trainer = first.trainer if how == "same models" else ring_trainer()
        second = live.Dashboard(trainer, view=stub_view(), refresh=0.05, headless=False,
                                name="a" if how == "rerun" else None)
        assert not first.running and first.runner.run.done.is_set()
        second.start()
        assert await until(lambda: second.trainer.step_count > 10)
        second.close()
        first.close()
    asyncio.run(main())


def test_interrupting_a_waiting_cell_ends_the_run(in_loop, until, monkeypatch):
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
        assert not dash.running and dash.runner.run.done.is_set()
        assert "paused" in dash.status.value and dash.buttons["start"].description == "Start"
        monkeypatch.setattr(dash.trainer, "step", step)
        dash.start()  # and the learner goes on
        assert await until(lambda: dash.trainer.step_count > 20)
    in_loop(body)


def test_pause_from_inside_the_task_stops_it(in_loop, until):
    async def body(dash):
        pause_from_the_view(dash)
        dash.start()
        assert await until(lambda: dash.runner.run.done.is_set())
        assert not dash.running and dash.error is None
        assert "paused by the view" in dash.status.value
    in_loop(body)


def test_outside_an_event_loop_start_trains_its_steps_blocking(ring_trainer, stub_view):
    """A script has no loop to share with widget messages: Start trains its run there and then,
    in the calling thread (no thread is started), and says it needs a step count."""
    dash = live.Dashboard(ring_trainer(), view=stub_view(), headless=False)
    threads = threading.active_count()
    dash.start(steps=25)
    assert dash.trainer.step_count == 25 and not dash.running
    assert threading.active_count() == threads and dash.error is None
    dash.budget.label = "until Pause"  # nothing would ever pause it
    with pytest.raises(ValueError, match="step count"):
        dash.start()
    dash.close()


def test_pacer_draws_by_wall_clock_and_soon_after_a_change(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])
    pacer = runner.Pacer(0.5, step=0)

    def at(t, changed_at=0.0):
        clock[0] = t
        return pacer.due(changed_at)

    assert not at(0.4) and at(0.5)
    assert pacer.speed(50) == 100.0  # 50 steps in 0.5 s
    clock[0] = 0.7  # that picture took 0.2 s: pictures now every 12 x 0.2 s
    pacer.drew(50)
    assert not at(3.0) and at(3.1)
    assert at(1.25, changed_at=0.9), "0.3 s after a change, once the last picture is 0.5 s old"
    assert not at(1.1, changed_at=0.9)
    at(3.0)
    clock[0] = 5.0  # a full redraw of 2 s sets no pace
    pacer.drew(60, full=True)
    assert pacer.interval == pytest.approx(2.4)
    for t in range(6, 11):  # neither do slow pictures beyond MAX_INTERVAL
        at(t)
        clock[0] = t + 0.9
        pacer.drew(60)
    assert pacer.interval == runner.MAX_INTERVAL
