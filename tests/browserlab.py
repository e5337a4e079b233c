"""What the real-browser tests share: a JupyterLab server serving one notebook, a Debian
Chromium driven by Playwright, and the page's dashboard (status line, sliders, picture).

Each test file calls ``require()`` at import: it skips the file without /usr/bin/chromium
(``make browser``) or Playwright, and returns Playwright's sync API.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "gan-course-browser-test"


def require():
    """Skip the calling test module without Chromium or Playwright; return the sync API."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (install it with `make browser`)",
                    allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")


def launch(p):
    """Debian's Chromium with the launch arguments that work offline and as root."""
    return p.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path: Path, cells: tuple[str, ...]) -> None:
    nb = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"cell{i}", "metadata": {},
                   "outputs": [], "source": cell.splitlines(keepends=True)}
                  for i, cell in enumerate(cells)],
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))


@contextlib.contextmanager
def jupyter_lab(tmp_path: Path, cells: tuple[str, ...]):
    """A JupyterLab server on a free port, with its own config, settings and workspace dirs,
    serving one notebook, dashboard.ipynb, made of ``cells``. Yields the base URL."""
    root = tmp_path / "nb"
    root.mkdir()
    write_notebook(root / "dashboard.ipynb", cells)
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {k: v for k, v in os.environ.items()
           if k not in ("GAN_COURSE_QUICK", "GAN_COURSE_HEADLESS")}  # interactive, not headless
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    port = free_port()
    log_path = tmp_path / "lab.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
             "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
             f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0", "--allow-root"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        log.flush()
                        raise RuntimeError("JupyterLab did not start:\n"
                                           + log_path.read_text()[-3000:]) from None
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()  # the server shuts its kernels down
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def open_notebook_and_run(page, url: str) -> None:
    """Open dashboard.ipynb, wait for its kernel, run all cells."""
    page.goto(f"{url}/lab/tree/dashboard.ipynb?token={TOKEN}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=60_000)
    run_all(page)


def open_and_run(page, url: str) -> None:
    """Open dashboard.ipynb, run all cells, wait for the dashboard's first picture."""
    open_notebook_and_run(page, url)
    page.wait_for_selector(".gc-status", timeout=90_000)
    page.wait_for_selector(".gc-image img, img.gc-image", timeout=60_000)
    wait_for(page, lambda: "paused" in status(page), 30, "the first picture")


def thread_check(page) -> tuple[int, int, str] | None:
    """(run, training loops, how the previous dashboard trained) printed by the second cell, or
    None before it ran."""
    match = re.search(r"run (\d+): (\d+) training loops; the previous dashboard trained as a "
                      r"(\w+)", page.locator("body").inner_text())
    return (int(match.group(1)), int(match.group(2)), match.group(3)) if match else None


def status(page) -> str:
    """The (first) dashboard's status line."""
    return page.locator(".gc-status").first.inner_text()


def step_of(text: str) -> int:
    return int(re.search(r"step (\d+)", text).group(1))


def lr_in_use(text: str, name: str = "lr_D") -> float:
    return float(re.search(rf"{name} ([0-9.e+-]+)", text).group(1))


def wait_for(page, condition, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                         f"status: {status(page)!r}")


def drag(page, slider: str, dx: float, *, readout: bool = True) -> float | None:
    """Drag a slider's handle by dx pixels; return the value its readout shows after (None for
    a slider without a readout: the timeline)."""
    handle = page.locator(f"{slider} .noUi-handle")
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 11):  # a real drag: several moves, values stream to the kernel
        page.mouse.move(x + dx * i / 10, y)
        page.wait_for_timeout(20)
    page.mouse.up()
    if not readout:
        return None
    return float(page.locator(f"{slider} .widget-readout").inner_text())


def timeline_note(page) -> str:
    """Rewind's note: which picture shows, how many are kept, where Export wrote."""
    return page.locator(".gc-timeline-note").inner_text()


def settings_line(page) -> str:
    """The line Share wrote (empty before Share was pressed)."""
    return page.locator(".gc-settings textarea").input_value()


def picture(page):
    return page.locator(".gc-image img, img.gc-image").first
