"""How a dashboard trains: a task on the kernel's event loop between its messages, or blocking.

- In a Jupyter kernel, Start schedules `Runner.start`'s task on the kernel's own asyncio loop:
  it steps the trainer for about `SLICE` seconds, then yields to the loop `YIELDS` times, in
  which the kernel handles the widget messages that arrived meanwhile. Everything runs on the
  kernel's main thread, so torch keeps its full speed (a background thread ran the MNIST
  dashboards at 0.52-0.70x of a plain loop on a 2-core CPU: BENCHMARKS.md, live dashboard).
- Blocking (`Runner.blocking`): headless runs, a script, a cell that must have the trained
  model; the same step and picture code.

Pictures are paced by wall-clock time (`Pacer`). One lock per trainer (`trainer_lock`), shared by
every dashboard on it: whoever steps or draws holds it, so two runs never step one trainer at
once, whichever thread asks.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import os
import statistics
import threading
import time
import traceback
import weakref
from typing import Any, Protocol

import torch

from gan_course.live.state import RunState
from gan_course.monitor import HealthMonitor
from gan_course.training import Trainer, TrainingDiverged

__all__ = ["Pacer", "Run", "Runner", "Host", "trainer_lock", "running_loop", "pinned_threads",
           "cores_busy"]

STOP_TIMEOUT = 5.0  # seconds a Pause from another thread waits for the step under way
SLICE = 0.02  # seconds of steps between the kernel's turns (task runs): slider latency
YIELDS = 8  # loop turns per yield: a message needs a few to reach its callback
MAX_INTERVAL = 3.0  # seconds between pictures at most, however slow drawing is
_TRAINER_LOCKS: weakref.WeakKeyDictionary[Trainer, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def trainer_lock(trainer: Trainer) -> threading.RLock:
    """The one lock of ``trainer``: held by whoever steps it or draws it."""
    with _LOCKS_GUARD:
        lock = _TRAINER_LOCKS.get(trainer)
        if lock is None:
            lock = _TRAINER_LOCKS[trainer] = threading.RLock()
        return lock


def cores_busy(threads: int) -> str | None:
    """A warning when other programs keep the cores busy while training uses all of them.

    On the course's 2-core machine, one other busy process cut the DCGAN on 2 torch threads from
    about 7 to 1.5 steps/s: the two threads wait for each other. The 1-minute load average counts
    this process's own threads too, so more than ``cores + 0.5`` means something else runs.
    """
    cores = os.cpu_count() or 1
    if threads < cores or not hasattr(os, "getloadavg"):
        return None
    load = os.getloadavg()[0]
    if load <= cores + 0.5:
        return None
    return (f"the CPU is busy with other work (load {load:.1f} on {cores} cores): with "
            f"{threads} torch threads training can slow several-fold; close the other program, "
            "or build the dashboard with threads=1")


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The asyncio loop running in this thread (a Jupyter kernel's), or None (a script)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@contextlib.contextmanager
def pinned_threads(threads: int):
    """``threads`` torch CPU threads for a stretch of steps, then the learner's setting back."""
    before = torch.get_num_threads()
    if before != threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if before != threads:
            torch.set_num_threads(before)


class Pacer:
    """When to draw: every ``refresh`` seconds of wall clock, stretched so that drawing takes at
    most about 8% of the time (at most MAX_INTERVAL apart), and soon (~0.3 s of steps) after a
    control change, so that its effect shows within a second."""

    def __init__(self, refresh: float, step: int) -> None:
        self.refresh, self.interval = refresh, refresh
        self.costs: collections.deque[float] = collections.deque(maxlen=5)
        self.last, self.step, self.now = time.perf_counter(), step, 0.0

    def due(self, changed_at: float) -> bool:
        self.now = time.perf_counter()
        due = self.last + self.interval
        if changed_at > self.last:
            due = min(due, max(changed_at + 0.3, self.last + self.refresh))
        return self.now >= due

    def speed(self, step: int) -> float:
        """Steps per second since the last picture (call when due)."""
        return (step - self.step) / max(self.now - self.last, 1e-9)

    def drew(self, step: int, *, full: bool = False) -> None:
        """A picture was drawn; ``full``: a full redraw, rare and slow, which sets no pace."""
        end = time.perf_counter()
        if not full:
            self.costs.append(end - self.now)
        if self.costs:  # the median: a rare slow picture (classifier metrics) sets no pace either
            self.interval = min(max(self.refresh, 12 * statistics.median(self.costs)),
                                MAX_INTERVAL)
        self.last, self.step = end, step


class Run:
    """One stretch of training from Start to its end: how it is stopped, paced and driven."""

    def __init__(self, refresh: float, step: int) -> None:
        self.stop = threading.Event()  # asks the loop to end after its current step
        self.done = threading.Event()  # set once the run has ended and drawn its last picture
        self.finishing = False  # `Runner.finish` has begun
        self.pacer = Pacer(refresh, step)
        self.status_at = self.pacer.last
        self.task: asyncio.Task | None = None
        self.loop_thread = threading.get_ident()  # the thread whose event loop runs the task

    def on_loop_thread(self) -> bool:
        return self.loop_thread == threading.get_ident()


class Host(Protocol):
    """What a runner drives (the `Dashboard`): a trainer, its lock, state and monitor, and the
    output (the picture, the status line, the red box, the widgets' values)."""

    trainer: Trainer
    state: RunState
    monitor: HealthMonitor
    lock: threading.RLock
    threads: int
    refresh: float
    headless: bool
    view: Any
    panel: Any  # `panel.Panel`: publish (a picture), set_status, show_error, sync (the widgets)

    def stopped(self) -> None: ...  # the current run has ended: show Start again


class Runner:
    """Trains a `Host`'s trainer: as an asyncio task (`start`) or blocking (`blocking`)."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.run: Run | None = None  # the current or last run

    @property
    def running(self) -> bool:
        """True while a run trains (and was not asked to stop)."""
        run = self.run
        return run is not None and not run.stop.is_set() and not run.done.is_set()

    def apply_pending(self) -> bool:
        """Hand the queued changes and resets to the trainer; True if there were any."""
        host, state = self.host, self.host.state
        changes, resets = state.take()
        if changes:
            try:
                host.trainer.update(**changes)
            except ValueError as err:  # the trainer changed nothing; say why
                host.panel.show_error(f"could not apply {changes}: {err}")
        if resets:
            if host.trainer.step_count > 0:  # keep the run a Reset discards, for Undo reset
                state.undo = copy.deepcopy(host.trainer.state_dict())
            try:
                host.trainer.reset(seed=resets[-1])
            except ValueError as err:
                host.panel.show_error(f"could not reset: {err}")
            host.monitor.reset()
            state.forget_run()
            if state.budget is not None:
                state.target = state.budget
        if changes or resets:
            host.panel.sync()  # what the trainer took, or kept
        return bool(changes or resets)

    def train_one(self, *, d: bool = True, g: bool = True) -> dict[str, float] | None:
        """Apply the queued changes and take one step; None if the trainer diverged."""
        host, state = self.host, self.host.state
        changed = self.apply_pending()
        try:
            numbers = host.trainer.step(d=d, g=g)
        except TrainingDiverged as err:
            state.diverged = str(err)
            state.flags = host.monitor.diverged(str(err))
            host.panel.sync()
            return None
        state.numbers = numbers
        state.flags = host.monitor.update(numbers, loss=host.trainer.config.loss)
        if changed:
            state.changed_at = time.perf_counter()
            host.panel.set_status()  # show the values in use now, not at the next picture
        return numbers

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Train as a task on ``loop`` (this thread's running loop) until the run ends."""
        run = self.run = Run(self.host.refresh, self.host.trainer.step_count)
        run.task = loop.create_task(self._task_main(run))

    def end(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop the current run and wait for its end; False (and a red box) if it did not end."""
        run = self.run
        if run is None or run.done.is_set():
            return True
        run.stop.set()
        if run.on_loop_thread():  # its task waits for its next turn, between two steps
            run.task.cancel()
            self.finish(run)
            return True
        run.done.wait(timeout)  # asked from another thread: the task stops after its step
        if not run.done.is_set():
            self.host.panel.show_error(f"training did not stop within {timeout:g} s "
                                 "(a very slow step?); press Pause again")
            return False
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Block until the current run ends; on the loop's thread, by training the rest here (the
        loop's turns come after the cell), handing what is left back after ``timeout`` s."""
        run = self.run
        if run is None or run.done.is_set():
            return
        if not run.on_loop_thread():
            run.done.wait(timeout)
            return
        end = None if timeout is None else time.perf_counter() + timeout
        run.task.cancel()
        try:
            with pinned_threads(self.host.threads):
                going = self._guarded_slices(run, until=end)
        except BaseException:  # the kernel's interrupt button: the run ends here
            self.finish(run)
            raise
        if going:  # out of time: the loop trains the rest
            run.task = asyncio.get_running_loop().create_task(self._task_main(run))
        else:
            self.finish(run)

    def blocking(self, steps: int) -> int:
        """Train ``steps`` steps in the calling thread (drawing as it goes unless headless) and
        return how many were done (fewer if the trainer diverged)."""
        host, state = self.host, self.host.state
        pacer, done = Pacer(host.refresh, host.trainer.step_count), 0
        start = time.perf_counter()
        state.in_cell = host.trainer.step_count + steps
        try:
            while done < steps and self.train_one() is not None:
                done += 1
                # In a kernel the picture and the step count still reach the browser while the
                # cell trains (outgoing widget messages are not held back), so a long blocking
                # run does not look frozen. Headless runs draw once, at the end.
                if not host.headless and pacer.due(state.changed_at):
                    state.speed = pacer.speed(host.trainer.step_count)
                    host.panel.publish()
                    pacer.drew(host.trainer.step_count)
        finally:
            state.in_cell = None
        state.speed = done / max(time.perf_counter() - start, 1e-9)
        return done

    def _slices(self, run: Run, *, until: float | None = None,
                slice_s: float | None = None) -> bool:
        """Train the run's steps, drawing when due, for ``slice_s`` seconds (None: to its end)
        or to ``until`` (a perf_counter time). True if the run goes on, False once it has ended."""
        host, state, pacer = self.host, self.host.state, run.pacer
        start = time.perf_counter()
        while not run.stop.is_set():
            if state.target is not None and host.trainer.step_count >= state.target:
                state.note = (f"finished a run of {state.budget:,} steps; Start trains as many "
                              "more (the Start trains menu sets how many)")
                return False
            with host.lock:
                if self.train_one() is None:
                    state.note = ("paused: training diverged, so that step was undone (see the "
                                  "message below); lower a learning rate and Start again")
                    return False
                if pacer.due(state.changed_at):
                    state.speed = pacer.speed(host.trainer.step_count)
                    host.panel.publish()
                    blit = getattr(host.view, "blit", None)
                    pacer.drew(host.trainer.step_count, full=bool(getattr(blit, "full", 0)))
                    run.status_at = pacer.last
                elif pacer.now - run.status_at >= host.refresh:  # the step count keeps ticking
                    host.panel.set_status()
                    run.status_at = pacer.now
            now = time.perf_counter()
            if ((slice_s is not None and now - start >= slice_s)
                    or (until is not None and now >= until)):
                return True
        return False

    def _guarded_slices(self, run: Run, **kwargs: Any) -> bool:
        """`_slices`, with an error shown in the red box and ending the run."""
        try:
            return self._slices(run, **kwargs)
        except Exception:
            self.host.panel.show_error(traceback.format_exc())
            self.host.state.note = "stopped by an error (see the red box)"
            return False

    async def _task_main(self, run: Run) -> None:
        try:
            while True:
                with pinned_threads(self.host.threads):
                    going = self._guarded_slices(run, slice_s=SLICE)
                if not going:
                    break
                for _ in range(YIELDS):  # the kernel's turn: widget messages, other tasks
                    await asyncio.sleep(0)
        except (asyncio.CancelledError, KeyboardInterrupt):
            pass  # Pause, `wait` or the loop's shutdown; they end the run
        finally:
            if run.task is asyncio.current_task():  # not handed on to `wait`
                self.finish(run)

    def finish(self, run: Run) -> None:
        """End a run once: draw its last step, show Start again."""
        if run.finishing:  # done, or under way (the last picture may call pause: a view)
            return
        run.finishing = True
        run.stop.set()
        try:
            with self.host.lock:
                self.host.panel.publish()  # the picture of the last step
        except Exception:
            self.host.panel.show_error(traceback.format_exc())
        finally:
            run.done.set()
        if run is self.run:
            self.host.stopped()
