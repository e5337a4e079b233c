"""A/B on one seed (`live.Compare`) in a real JupyterLab and Chromium (Playwright): Start trains
both runs while the kernel stays idle, the step count and the picture move, Pause stops the
steps, re-running the cell stops the old comparison, and the widgets render without an error.
A screenshot goes to tests/artifacts/. Needs /usr/bin/chromium (``make browser``).
"""

from __future__ import annotations

import re

import pytest
from browserlab import (
    ARTIFACTS,
    jupyter_lab,
    launch,
    open_notebook_and_run,
    require,
    run_all,
    step_of,
    wait_for,
)

pytestmark = pytest.mark.browser

# What lesson 7's cell does, with a budget the test never reaches (it pauses first).
CELLS = ("""\
from gan_course import live

ab = live.Compare("toy_trainer", dataset="ring", recipe="vanilla", seed=0,
                  b={"noisy_labels": True})
ab.show(steps=20_000)
""", """\
running = [c for c in list(live.compare._COMPARES) if c.running]
print(f"run {len(In)}: {len(running)} comparisons training")
""")

sync_api = require()


@pytest.fixture
def lab(tmp_path):
    with jupyter_lab(tmp_path, CELLS) as url:
        yield url


def status(page) -> str:
    return page.locator(".gc-ab-status").inner_text()


def picture(page):
    return page.locator(".gc-ab-image img, img.gc-ab-image").first


def training_check(page) -> tuple[int, int] | None:
    """(run, comparisons training) printed by the second cell, or None before it ran."""
    found = re.search(r"run (\d+): (\d+) comparisons training", page.locator("body").inner_text())
    return (int(found.group(1)), int(found.group(2))) if found else None


def test_compare_in_jupyterlab(lab):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            open_notebook_and_run(page, lab)
            page.wait_for_selector(".gc-ab-status", timeout=90_000)
            wait_for(page, lambda: picture(page).get_attribute("src"), 30, "the first picture")
            wait_for(page, lambda: "paused" in status(page) and step_of(status(page)) == 0, 10,
                     "the paused comparison")
            assert "A: noisy_labels=False vs B: noisy_labels=True" in status(page)

            src = picture(page).get_attribute("src")
            page.locator("button.gc-ab-start").click()
            wait_for(page, lambda: "running" in status(page) and step_of(status(page)) > 50, 30,
                     "both runs to train")
            wait_for(page, lambda: picture(page).get_attribute("src") != src, 10,
                     "a new picture while they train")
            first = step_of(status(page))
            wait_for(page, lambda: step_of(status(page)) > first + 50, 10, "the steps to go on")
            page.screenshot(path=str(ARTIFACTS / "compare_running.png"), full_page=True)

            page.locator("button.gc-ab-start").click()  # Pause
            wait_for(page, lambda: "paused" in status(page), 5, "Pause")
            stopped = step_of(status(page))
            page.wait_for_timeout(1500)
            assert step_of(status(page)) == stopped, "Pause must stop the steps"

            # Re-run every cell while training: the new comparison stops the old one.
            page.locator("button.gc-ab-start").click()
            wait_for(page, lambda: step_of(status(page)) > stopped + 20, 10, "training again")
            before = wait_for(page, lambda: training_check(page), 10, "the training check")[0]
            run_all(page)
            check = wait_for(page, lambda: (c := training_check(page)) and c[0] > before and c,
                             60, "the re-run training check")
            assert check[1] == 0, "re-running the cell must stop the old comparison"
            assert page.locator(".gc-ab-status").count() == 1
            wait_for(page, lambda: step_of(status(page)) == 0, 10, "the new comparison")

            body = page.locator("body").inner_text()
            assert "Error displaying widget" not in body and "Traceback" not in body
            assert page.locator(".gc-ab-errors").inner_text().strip() == ""
        finally:
            browser.close()
