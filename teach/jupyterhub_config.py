"""A JupyterHub for a gan-course class on one machine (docs/teaching.md, "A class on one hub").

    make teach                      # the course with nbgrader, JupyterHub, nbgitpuller, the proxy
    GAN_COURSE_HUB_USERS=ada,alan .venv/bin/jupyterhub -f teach/jupyterhub_config.py

The course is installed once, in the environment the hub runs from: every student's JupyterLab
(``jupyterhub-singleuser``) and kernel come from it. Each student opens the nbgitpuller link that
docs/teaching.md builds, which clones the course repository into their home folder (or, later,
merges new commits into it without touching their edits) and opens lesson 00.

As written this is a rehearsal hub: the dummy authenticator accepts any password for the listed
users and the simple spawner runs everyone's server as the hub's own user, with homes under
GAN_COURSE_HUB_DIR; it listens on 127.0.0.1 only. For a real class keep everything else and
switch to system accounts (one Linux user per student, homes in /home):

    c.JupyterHub.authenticator_class = "pam"
    c.JupyterHub.spawner_class = "localprocess"

Settings (environment variables, so that tests/test_hub.py runs this very file):
GAN_COURSE_HUB_URL (public URL, default http://127.0.0.1:8000), GAN_COURSE_HUB_PORTS (the hub's
and the proxy API's ports, default 8081,8001), GAN_COURSE_HUB_DIR (state and homes, default
./hub-state), GAN_COURSE_HUB_USERS (comma-separated user names), GAN_COURSE_HUB_PROXY (the
configurable-http-proxy command, default the one `make teach` installs under build/hub).
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub's config loader provides get_config)

ROOT = Path(__file__).resolve().parents[1]
state = Path(os.environ.get("GAN_COURSE_HUB_DIR", "hub-state")).resolve()
state.mkdir(parents=True, exist_ok=True)
hub_port, api_port = os.environ.get("GAN_COURSE_HUB_PORTS", "8081,8001").split(",")
proxy = os.environ.get("GAN_COURSE_HUB_PROXY",
                       str(ROOT / "build" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"))

# Loopback only: the proxy (students' entry point), the hub and every student's server.
c.JupyterHub.bind_url = os.environ.get("GAN_COURSE_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [proxy]
c.Spawner.ip = "127.0.0.1"

c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server

c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {u for u in os.environ.get("GAN_COURSE_HUB_USERS", "").split(",") if u}
c.Authenticator.admin_users = set()

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "home" / "{username}")
# The students' JupyterLab comes from this environment, where the course is installed.
c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]
c.Spawner.default_url = "/lab"
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []  # containers run as root
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# nbgitpuller opens the lesson in JupyterLab, not in the classic notebook.
c.Spawner.environment = {"NBGITPULLER_APP": "lab"}
