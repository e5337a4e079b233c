"""A class on one JupyterHub: teach/jupyterhub_config.py, two students, an nbgitpuller link each.

The hub (dummy authenticator, simple local spawner, configurable-http-proxy from npm) listens on
127.0.0.1 only. Each student logs in with Chromium through the nbgitpuller link of
docs/teaching.md, which clones the course repository (a local file:// copy here, offline) into
their own home and opens lesson 00; its environment check must pass. Then the hub stops, and
with it the proxy and both students' servers.

Needs the `teach` extra (`make teach`), the proxy (`make teach` installs it with npm) and Debian's
/usr/bin/chromium; skipped, saying which is missing, without them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browserlab import ARGS, ARTIFACTS, CHROMIUM, free_port

from teach import guide

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
PROXY = ROOT / "build" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
USERS = ("ada", "alan")
LESSON = "notebooks/00_welcome.ipynb"
CHECK_PASSED = "everything the course needs is here."

pytest.importorskip("jupyterhub", reason="JupyterHub is in the teach extra: pip install -e '.[teach]'")
pytest.importorskip("nbgitpuller", reason="nbgitpuller is in the teach extra: pip install -e '.[teach]'")
if not (PROXY.exists() or shutil.which("configurable-http-proxy")):
    pytest.skip("no configurable-http-proxy (make teach installs it from npm; needs npm)",
                allow_module_level=True)
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (install it with `make browser`)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def course_repository(tmp_path: Path) -> Path:
    """A git repository holding this checkout's notebooks, as the class's course repository."""
    repo = tmp_path / "gan-course"
    shutil.copytree(ROOT / "notebooks", repo / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    git = ["git", "-C", str(repo), "-c", "user.name=course", "-c", "user.email=course@localhost"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "the course"], check=True)
    return repo


def lab_settings(home: Path) -> None:
    """No 'fetch Jupyter news?' toast over the cells, and every cell in the page (no windowing),
    in each new user's JupyterLab settings."""
    user = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    for extension, name, value in (
            ("apputils-extension", "notification", {"fetchNews": "false", "checkForUpdates": False}),
            ("notebook-extension", "tracker", {"windowingMode": "none"})):
        (user / extension).mkdir(parents=True, exist_ok=True)
        (user / extension / f"{name}.jupyterlab-settings").write_text(json.dumps(value))


def our_processes(state: Path) -> list[int]:
    """Processes working inside this test's hub folder (students' servers and kernels)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(state) in os.readlink(proc / "cwd"):
                found.append(int(proc.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


def wait_for_server(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterHub did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.3)


def run_environment_check(page, link: str, user: str) -> str:
    page.goto(link)
    page.fill("#username_input", user)
    page.fill("#password_input", "any")  # the dummy authenticator takes any password
    page.click("#login_submit")
    # hub: spawn the server -> nbgitpuller: clone, then open the lesson in JupyterLab
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=60_000)
    index = guide.environment_check_cell(ROOT / LESSON)
    cell = page.locator(".jp-NotebookPanel .jp-Notebook-cell").nth(index)
    cell.locator(".jp-InputPrompt").first.click()  # select the environment check's cell
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Above Selected Cell").first.click()
    cell.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Shift+Enter")  # queued after the cells above: runs once they have
    out = cell.locator(".jp-OutputArea")
    end = time.monotonic() + 120
    while CHECK_PASSED not in out.inner_text() and time.monotonic() < end:
        page.wait_for_timeout(200)
    return out.inner_text()


def test_two_students_open_lesson_00_through_nbgitpuller(tmp_path):
    repo = course_repository(tmp_path)
    state = tmp_path / "hub"
    for user in USERS:
        lab_settings(state / "home" / user)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, GAN_COURSE_HUB_DIR=str(state), GAN_COURSE_HUB_URL=url,
               GAN_COURSE_HUB_USERS=",".join(USERS),
               GAN_COURSE_HUB_PORTS=f"{free_port()},{free_port()}",
               GAN_COURSE_HUB_PROXY=str(PROXY if PROXY.exists() else
                                        shutil.which("configurable-http-proxy")),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    for key in ("GAN_COURSE_QUICK", "GAN_COURSE_HEADLESS"):  # the students' kernels: learner mode
        env.pop(key, None)
    log_path = tmp_path / "hub.log"
    started = time.monotonic()
    with open(log_path, "w") as log:
        hub = subprocess.Popen([Path(sys.executable).with_name("jupyterhub"), "-f",
                                ROOT / "teach" / "jupyterhub_config.py"], cwd=tmp_path, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
        outputs = {}
        try:
            wait_for_server(f"{url}/hub/api", hub, log_path, timeout=60)
            link = guide.nbgitpuller_link(url, f"file://{repo}", branch="main")
            with sync_api.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    for user in USERS:  # each in its own browser context: its own cookies
                        page = browser.new_context(viewport={"width": 1280, "height": 1000}
                                                   ).new_page()
                        try:
                            outputs[user] = run_environment_check(page, link, user)
                        finally:  # what the student saw, also when a step timed out
                            ARTIFACTS.mkdir(exist_ok=True)
                            page.screenshot(path=str(ARTIFACTS / f"hub_{user}.png"))
                finally:
                    browser.close()
        finally:
            hub.terminate()  # the hub stops both students' servers and the proxy
            try:
                hub.wait(30)
            except subprocess.TimeoutExpired:
                hub.kill()
    print(f"\nhub test: {time.monotonic() - started:.1f} s for {len(USERS)} students")
    # A kernel notices its server is gone by polling its parent (about once a second) and
    # then stops itself ("Parent appears to have exited"): allow it a few seconds to do so.
    deadline = time.monotonic() + 10
    while (left := our_processes(state)) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in left:  # never leave a server behind, even when the hub failed to stop it
        os.kill(pid, 9)
    assert not left, f"the hub left processes running: {left}\n{log_path.read_text()[-3000:]}"
    for user in USERS:
        assert CHECK_PASSED in outputs[user], f"{user}: {outputs[user]}"
        assert "MISSING" not in outputs[user]
        copy = state / "home" / user / "gan-course" / LESSON
        assert copy.exists(), f"nbgitpuller did not give {user} a copy of the lessons"
        assert (copy.parent.parent / ".git").is_dir()
    homes = {(state / "home" / u / "gan-course").resolve() for u in USERS}
    assert len(homes) == len(USERS), "each student has a copy of their own"
