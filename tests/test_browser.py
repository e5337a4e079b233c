"""The live dashboard in a real JupyterLab driven by a real Chromium (Playwright).

What only a browser shows: that the sliders stay alive while training runs (a slider
dead after its first change shows only on the second drag, so we drag three times), that each
learning rate dragged to is the one the trainer uses within a second, that Pause stops the
steps, and that the widgets render without an error. A screenshot goes to tests/artifacts/.

Needs Debian's /usr/bin/chromium (``make browser``); skipped without it.
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

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "gan-course-browser-test"

# What a lesson cell does: the course's 2-D GAN on the ring, with its dashboard.
CELLS = ("""\
from gan_course import live, presets

previous = globals().get("dash")  # the last run's dashboard, if any
trainer = presets.toy_trainer("ring", "course", seed=0)
dash = live.Dashboard(trainer, view="2d")
dash.show()
""", """\
loops = [d for d in list(live.dashboard._DASHBOARDS) if d.running]
print(f"run {len(In)}: {len(loops)} training loops; "
      f"the previous dashboard trained as a {previous and previous.backend}")
""", """\
import os

if os.path.exists("train_in_cell"):  # the test's last phase: a long run blocking in this cell
    dash.run(2500)
""")

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (install it with `make browser`)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


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
def jupyter_lab(tmp_path: Path, cells: tuple[str, ...] = CELLS):
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


def open_and_run(page, url: str) -> None:
    """Open dashboard.ipynb, run all cells, wait for the dashboard's first picture."""
    page.goto(f"{url}/lab/tree/dashboard.ipynb?token={TOKEN}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=60_000)
    run_all(page)
    page.wait_for_selector(".gc-status", timeout=90_000)
    page.wait_for_selector(".gc-image img, img.gc-image", timeout=60_000)
    wait_for(page, lambda: "paused" in status(page), 30, "the first picture")


def thread_check(page) -> tuple[int, int, str] | None:
    """(run, training loops, how the previous dashboard trained) printed by the second cell, or
    None before it ran."""
    match = re.search(r"run (\d+): (\d+) training loops; the previous dashboard trained as a "
                      r"(\w+)", page.locator("body").inner_text())
    return (int(match.group(1)), int(match.group(2)), match.group(3)) if match else None


@pytest.fixture
def lab(tmp_path):
    with jupyter_lab(tmp_path) as url:
        yield url


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
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                         f"status: {status(page)!r}")


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


def picture(page):
    return page.locator(".gc-image img, img.gc-image").first


def test_dashboard_in_jupyterlab(lab, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    latencies = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            open_and_run(page, lab)
            # The first picture is laid out at its size before anything was pressed.
            box = wait_for(page, lambda: (b := picture(page).bounding_box()) and b["width"] > 300
                           and b["height"] > 150 and b, 10, "the first picture's size")
            assert box["width"] > 300 and box["height"] > 150
            # The slider shows the configured learning rate exactly, and Start keeps it.
            assert float(page.locator(".gc-lr_D .widget-readout").inner_text()) == 3e-3
            assert "changes apply" not in status(page), "nothing was touched yet"
            # The run's length is in sight: this dashboard trains until Pause.
            menu = page.locator(".gc-budget select")
            chosen = menu.locator("option:checked").inner_text(timeout=5000)
            assert chosen.replace("\xa0", " ") == "until Pause"  # ipywidgets writes nbsp

            page.locator("button.gc-start").click()
            wait_for(page, lambda: "running" in status(page) and step_of(status(page)) > 20, 30,
                     "training to start")
            assert lr_in_use(status(page)) == 3e-3, "pressing Start must not change lr_D"

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

            # Re-run every cell while training runs: the new dashboard stops the old loop.
            first_run = wait_for(page, lambda: thread_check(page), 10, "the thread check")[0]
            run_all(page)
            check = wait_for(page, lambda: (c := thread_check(page)) and c[0] > first_run and c,
                             60, "the re-run thread check")
            assert check[1] == 0, "re-running the cell must stop the old training loop"
            assert check[2] == "task", "in a kernel, training runs on its event loop"
            assert page.locator(".gc-status").count() == 1
            wait_for(page, lambda: "step 0" in status(page), 10, "the new dashboard")
            page.locator("button.gc-start").click()
            wait_for(page, lambda: step_of(status(page)) > 5, 30, "training to start again")

            page.locator("button.gc-start").click()  # Pause
            wait_for(page, lambda: "paused" in status(page), 5, "Pause")
            stopped = step_of(status(page))
            page.wait_for_timeout(1500)
            assert step_of(status(page)) == stopped, "Pause must stop the steps"

            # A long run blocking in a cell: the picture and the step count still update.
            (tmp_path / "nb" / "train_in_cell").write_text("")
            run_all(page)
            wait_for(page, lambda: "training in this cell" in status(page), 60,
                     "the run in the cell")
            first = step_of(status(page))
            src = picture(page).get_attribute("src")
            wait_for(page, lambda: step_of(status(page)) > first + 50, 20,
                     "the step count to move while the cell trains")
            wait_for(page, lambda: picture(page).get_attribute("src") != src, 10,
                     "a new picture while the cell trains")
            page.screenshot(path=str(ARTIFACTS / "dashboard_cell.png"), full_page=True)
            wait_for(page, lambda: "training in this cell" not in status(page), 120,
                     "the cell's run to end")

            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
            body = page.locator("body").inner_text()
            assert "Error displaying widget" not in body and "Traceback" not in body
            assert page.locator(".gc-errors").inner_text().strip() == ""
        finally:
            browser.close()
    print(f"\nlr_D dragged to {shown[1:]}; drag-to-status latencies (s): "
          f"{[round(t, 2) for t in latencies]}")
    assert max(latencies) < 3.0

