"""The live dashboard in a real JupyterLab driven by a real Chromium (Playwright).

What only a browser shows: that the sliders stay alive while training runs (a slider
dead after its first change shows only on the second drag, so we drag three times), that each
learning rate dragged to is the one the trainer uses within a second, that Pause stops the
steps, that a layer toggle redraws the picture and Share's line follows the toggles and the
sliders, that the timeline scrubs back while the run goes on and Export writes a GIF, and that the widgets render without an error. A screenshot goes to tests/artifacts/.

Needs Debian's /usr/bin/chromium (``make browser``); skipped without it.
"""

from __future__ import annotations

import re
import time

import pytest
from browserlab import (
    ARTIFACTS,
    drag,
    jupyter_lab,
    launch,
    lr_in_use,
    open_and_run,
    picture,
    require,
    run_all,
    settings_line,
    status,
    step_of,
    thread_check,
    timeline_note,
    wait_for,
)
from PIL import Image

pytestmark = pytest.mark.browser

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

sync_api = require()


@pytest.fixture
def lab(tmp_path):
    with jupyter_lab(tmp_path, CELLS) as url:
        yield url


def test_dashboard_in_jupyterlab(lab, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    latencies = []
    with sync_api.sync_playwright() as p:
        browser = launch(p)
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

            # A layer toggle redraws the paused picture; Share writes the line with it.
            src = picture(page).get_attribute("src")
            page.locator(".gc-layer-arrows input").click()
            wait_for(page, lambda: picture(page).get_attribute("src") != src, 10,
                     "the picture without G's arrows")
            page.locator("button.gc-share").click()
            line = wait_for(page, lambda: "layers" in settings_line(page) and settings_line(page),
                            10, "Share's line")
            assert line.startswith("live.Dashboard.from_settings('toy_trainer', dataset='ring', "
                                   "recipe='course', seed=0"), line
            assert "'layers': {'arrows': False}" in line and "config=" not in line, line
            page.locator(".gc-layer-arrows input").click()  # arrows back for the screenshots
            wait_for(page, lambda: "layers" not in settings_line(page), 10,
                     "the line without layers")

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
            # Share's line follows the slider: the learning rate dragged to last.
            def line_lr():
                found = re.search(r"'lr_D': ([0-9.e+-]+)", settings_line(page))
                return found and abs(float(found.group(1)) / shown[-1] - 1) < 0.01
            wait_for(page, line_lr, 10, f"the line to say lr_D = {shown[-1]}")
            page.wait_for_timeout(1500)  # let D's heat-map show the change
            page.screenshot(path=str(ARTIFACTS / "dashboard_running.png"), full_page=True)

            # Rewind: dragging the timeline back shows an older picture while the run goes on;
            # Live follows the run again; Export writes the kept pictures as a GIF.
            wait_for(page, lambda: "pictures kept" in timeline_note(page), 10, "kept pictures")
            before = step_of(status(page))
            drag(page, ".gc-timeline", -200, readout=False)
            wait_for(page, lambda: "showing step" in timeline_note(page), 10, "an older picture")
            wait_for(page, lambda: step_of(status(page)) > before + 20 and "running"
                     in status(page), 10, "training to go on while rewound")
            page.locator("button.gc-live").click()
            wait_for(page, lambda: timeline_note(page).startswith("live"), 10, "Live")
            gif = tmp_path / "nb" / "gan-run.gif"
            page.locator("button.gc-export").click()
            wait_for(page, lambda: "Export wrote" in timeline_note(page) and gif.exists(), 60,
                     "the exported GIF")
            with Image.open(gif) as exported:
                assert exported.n_frames > 1

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

