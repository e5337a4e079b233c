"""The live dashboard in a real JupyterLab driven by a real Chromium (Playwright).

What only a browser shows: that the sliders stay alive while the training thread runs (a slider
dead after its first change shows only on the second drag, so we drag three times), that each
learning rate dragged to is the one the trainer uses within a second, that Pause stops the
steps, and that the widgets render without an error. A screenshot goes to tests/artifacts/.

Needs Debian's /usr/bin/chromium (``make browser``); skipped without it.
"""

from __future__ import annotations

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

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "gan-course-browser-test"

# What a lesson cell does: the course's 2-D GAN on the ring, with its dashboard.
CELL = """\
from gan_course import live, presets

trainer = presets.toy_trainer("ring", "course", seed=0)
dash = live.Dashboard(trainer, view="2d", name="browser-test")
dash.show()
"""

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (install it with `make browser`)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path: Path) -> None:
    nb = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "dashboard",
                   "metadata": {}, "outputs": [], "source": CELL.splitlines(keepends=True)}],
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb))


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on a free port, with its own config, settings and workspace dirs."""
    root = tmp_path / "nb"
    root.mkdir()
    write_notebook(root / "dashboard.ipynb")
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
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
         "--ServerApp.port_retries=0", "--allow-root"],
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
                                       + (tmp_path / "lab.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def status(page) -> str:
    return page.locator(".gc-status").inner_text()


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
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; status: {status(page)!r}")


def drag(page, slider: str, dx: float) -> float:
    """Drag a slider's handle by dx pixels; return the value its readout shows after."""
    handle = page.locator(f"{slider} .noUi-handle")
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 11):  # a real drag: several moves, values stream to the kernel
        page.mouse.move(x + dx * i / 10, y)
        page.wait_for_timeout(20)
    page.mouse.up()
    return float(page.locator(f"{slider} .widget-readout").inner_text())


def test_dashboard_in_jupyterlab(lab):
    ARTIFACTS.mkdir(exist_ok=True)
    latencies = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.goto(f"{lab}/lab/tree/dashboard.ipynb?token={TOKEN}")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
            page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=60_000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            page.wait_for_selector(".gc-status", timeout=90_000)
            page.wait_for_selector(".gc-image img, img.gc-image", timeout=60_000)
            wait_for(page, lambda: "paused" in status(page), 30, "the first picture")

            page.locator("button.gc-start").click()
            wait_for(page, lambda: "running" in status(page) and step_of(status(page)) > 20, 30,
                     "training to start")

            slider = ".gc-lr_D"
            shown = [float(page.locator(f"{slider} .widget-readout").inner_text())]
            for dx in (18, 18, -30):  # up, up again, back down: the slider must stay alive
                before = step_of(status(page))
                shown.append(drag(page, slider, dx))
                assert shown[-1] != shown[-2], "the drag moved the slider"
                moved = time.monotonic()
                wait_for(page, lambda lr=shown[-1]: abs(lr_in_use(status(page)) / lr - 1) < 0.01,
                         10, f"the trainer to use lr_D = {shown[-1]}")
                latencies.append(time.monotonic() - moved)
                wait_for(page, lambda before=before: step_of(status(page)) > before, 5,
                         "steps to go on")
            page.wait_for_timeout(1500)  # let D's heat-map show the change
            page.screenshot(path=str(ARTIFACTS / "dashboard_running.png"), full_page=True)

            page.locator("button.gc-start").click()  # Pause
            wait_for(page, lambda: "paused" in status(page), 5, "Pause")
            stopped = step_of(status(page))
            page.wait_for_timeout(1500)
            assert step_of(status(page)) == stopped, "Pause must stop the steps"

            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
            body = page.locator("body").inner_text()
            assert "Error displaying widget" not in body and "Traceback" not in body
            assert page.locator(".gc-errors").inner_text().strip() == ""
        finally:
            browser.close()
    print(f"\nlr_D dragged to {shown[1:]}; drag-to-status latencies (s): "
          f"{[round(t, 2) for t in latencies]}")
    assert max(latencies) < 3.0

