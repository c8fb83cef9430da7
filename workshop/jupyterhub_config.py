"""JupyterHub for an esnb workshop room, on one machine: `./course hub` starts it with this file.

Learners log in with any name and the workshop's shared password. Each learner's server starts with the
student notebooks in ~/esnb-course (written on the first start only) and ESNB_DATABASE_URL naming a
PostgreSQL database and role of their own (esnb.workshop.pre_spawn_hook). Set, in the hub's environment:

    ESNB_WORKSHOP_PASSWORD        the password the room shares (8 characters or more)
    ESNB_WORKSHOP_DATABASE_URL    the shared PostgreSQL, as a user who may create roles and databases
    ESNB_WORKSHOP_DIR             where the hub keeps its state and the learners' folders
                                  (default: workshop-room/ in the folder the hub starts in)
    ESNB_WORKSHOP_URL             where the hub listens (default: http://0.0.0.0:8000, every address)

The learners' servers are local processes of the hub's own user (JupyterHub's SimpleLocalProcessSpawner):
fine for a room of trusted learners on a machine of its own, not for strangers. The README says how the
same hook and command carry over to The Littlest JupyterHub and Zero to JupyterHub.
"""

import os
import shutil
import sys
from pathlib import Path

from esnb import workshop

c = get_config()  # noqa: F821 -- JupyterHub defines get_config for its config files

password = os.environ.get("ESNB_WORKSHOP_PASSWORD", "")
if len(password) < 8:
    sys.exit("Set ESNB_WORKSHOP_PASSWORD to the room's shared password, 8 characters or more.")
workshop.admin_url()  # refuse to start without a PostgreSQL to give learners databases on
room = Path(os.environ.get("ESNB_WORKSHOP_DIR") or "workshop-room").resolve()
(room / "learners").mkdir(parents=True, exist_ok=True)

# Logging in: any name, the shared password.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = password
c.Authenticator.allow_all = True

# The learners' servers: local processes, each in a folder of its own, with the course's command and hook.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(room / "learners" / "{username}")
c.Spawner.cmd = [sys.executable, "-m", "esnb.workshop", "singleuser"]
c.Spawner.pre_spawn_hook = workshop.pre_spawn_hook
c.Spawner.default_url = f"/lab/tree/{workshop.COURSE_FOLDER}/00_welcome.ipynb"
if os.geteuid() == 0:  # as on a container or CI machine run as root, like the hub itself
    c.Spawner.args = ["--allow-root"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# The hub's own state, and its proxy from npm (./course installs it into workshop/node_modules).
c.JupyterHub.bind_url = os.environ.get("ESNB_WORKSHOP_URL", "http://0.0.0.0:8000")
c.JupyterHub.db_url = f"sqlite:///{room / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(room / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(room / "jupyterhub.pid")
proxy = Path(__file__).resolve().parent / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(proxy) if proxy.exists() else shutil.which("configurable-http-proxy")
                                   or "configurable-http-proxy"]
c.ConfigurableHTTPProxy.pid_file = str(room / "jupyterhub-proxy.pid")
