"""The dashboard's second-edition features in a real JupyterLab and Chromium (Playwright):
slow motion (three stages of one iteration), drawing the real data with the mouse, G's manifold
layer, and the 1-D view.

tests/test_browser.py covers the sliders, Pause, layer toggles, Share, Rewind and Export;
tests/test_browser_compare.py the A/B comparison. Needs /usr/bin/chromium (``make browser``).
"""

from __future__ import annotations

import re

import pytest
from browserlab import ARTIFACTS, jupyter_lab, launch, open_and_run, require, wait_for

pytestmark = pytest.mark.browser

CELLS = ("""\
from gan_course import live, presets

ring = live.Dashboard(presets.toy_trainer("ring", "course", seed=0), view="2d")
ring.show(until_pause=True)
""", """\
line = live.Dashboard(presets.toy_trainer("mixture", "course", seed=0), view="1d")
line.show(steps=300)
""", """\
print("drawn:", ring.trainer.real.name, ring.trainer.real.n_modes)
""")

sync_api = require()


@pytest.fixture
def lab(tmp_path):
    with jupyter_lab(tmp_path, CELLS) as url:
        yield url


def cell(page, i: int):
    return page.locator(".jp-Notebook .jp-CodeCell").nth(i)


def status_in(root) -> str:
    return root.locator(".gc-status").inner_text()


def step_in(root) -> int:
    return int(re.search(r"step (\d+)", status_in(root)).group(1))


def picture_in(root):
    return root.locator(".gc-image img, img.gc-image").first


def test_draw_manifold_and_the_1d_view(lab):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            open_and_run(page, lab)
            ring = cell(page, 0)
            pic = picture_in(ring)
            box = wait_for(page, lambda: (b := pic.bounding_box()) and b["width"] > 300 and b,
                           10, "the ring's picture")

            # Slow motion: each press shows the next stage of one real iteration, with its line.
            stage = ring.locator(".gc-stage")
            srcs = [pic.get_attribute("src")]
            for k, words in ((1, "sample z"), (2, "G(z)"), (3, "D scores")):
                ring.locator("button.gc-slowmo").click()
                wait_for(page, lambda k=k, words=words: f"{k}/12 {words}" in stage.inner_text(),
                         20, f"slow-motion stage {k}")
                wait_for(page, lambda: pic.get_attribute("src") not in srcs, 10,
                         f"stage {k}'s picture")
                srcs.append(pic.get_attribute("src"))
            assert step_in(ring) == 1, "the stages replay one step"
            page.screenshot(path=str(ARTIFACTS / "dashboard_slow_motion.png"), full_page=True)
            ring.locator("button.gc-slowmo-end").click()
            wait_for(page, lambda: stage.inner_text().strip() == "", 10, "the end of slow motion")

            # Draw: a drag over the plane paints points where the mouse went.
            ring.locator("button.gc-draw").click()
            note = ring.locator(".gc-draw-note")
            wait_for(page, lambda: "drag over the plane" in note.inner_text(), 10, "Draw on")
            sx, sy = box["width"] / 880, box["height"] / 460  # the picture's pixels on screen
            start, end = (140, 120), (340, 300)  # inside the plane (pixels of the picture)
            page.mouse.move(box["x"] + start[0] * sx, box["y"] + start[1] * sy)
            page.mouse.down()
            for i in range(1, 31):
                t = i / 30
                page.mouse.move(box["x"] + (start[0] + t * (end[0] - start[0])) * sx,
                                box["y"] + (start[1] + t * (end[1] - start[1])) * sy)
                page.wait_for_timeout(25)
            page.mouse.up()
            painted = wait_for(page, lambda: (m := re.search(r"(\d+) points painted",
                                                             note.inner_text()))
                               and int(m.group(1)) >= 10 and int(m.group(1)), 10,
                               "the painted points")
            page.screenshot(path=str(ARTIFACTS / "dashboard_painted.png"), full_page=True)
            ring.locator("button.gc-draw-use").click()
            used = wait_for(page, lambda: (m := re.search(r"training on your drawing: (\d+) points",
                                                          note.inner_text())) and int(m.group(1)),
                            10, "Train on drawing")
            assert used >= painted  # the last moves may arrive after the note was read
            # The kernel trains on them: the third cell reports the drawn data.
            ring.locator("button.gc-start").click()
            wait_for(page, lambda: "running" in status_in(ring) and step_in(ring) > 100, 40,
                     "training on the drawing")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(ARTIFACTS / "dashboard_drawn.png"), full_page=True)

            # G's manifold on: the running picture changes and the legend's layer shows.
            ring.locator(".gc-layer-manifold input").click()
            src = pic.get_attribute("src")
            wait_for(page, lambda: pic.get_attribute("src") != src, 10, "a picture with G's manifold")
            ring.locator("button.gc-start").click()  # Pause
            wait_for(page, lambda: "paused" in status_in(ring), 10, "Pause")
            page.screenshot(path=str(ARTIFACTS / "dashboard_manifold.png"), full_page=True)

            # The 1-D view from the same dashboard: densities, D and D*, training.
            line = cell(page, 1)
            line.scroll_into_view_if_needed()
            line.locator("button.gc-start").click()
            wait_for(page, lambda: step_in(line) >= 300 and "paused" in status_in(line), 60,
                     "the 1-D run of 300 steps")
            lbox = picture_in(line).bounding_box()
            assert lbox and lbox["width"] > 300 and lbox["height"] > 150
            page.screenshot(path=str(ARTIFACTS / "dashboard_1d.png"), full_page=True)

            # What the kernel holds: the drawn data, as many points as the note said.
            page.locator(".jp-Notebook .jp-CodeCell").nth(2).click()
            page.keyboard.press("Shift+Enter")
            report = wait_for(page, lambda: (m := re.search(r"drawn: (\w+) (\d+)",
                                                            page.locator("body").inner_text()))
                              and m, 20, "the third cell's report")
            assert report.group(1) == "drawn" and int(report.group(2)) == used
            body = page.locator("body").inner_text()
            assert "Error displaying widget" not in body and "Traceback" not in body
        finally:
            browser.close()
    print(f"\npainted {used} points with a 30-move drag")
