"""The workshop's parts one by one: learners' database names, the spawn hook, handing out notebooks, the
instructor's command, and the course's JupyterLab settings. tests/test_hub.py runs them together in a hub.

Tests that make databases need PostgreSQL (ESNB_DATABASE_URL) and use a prefix of their own, so they never
meet another run's databases or a real workshop's.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import psycopg
import pytest
from sqlalchemy import URL, make_url

from esnb import lab_settings, workshop
from esnb.databases import ENVIRONMENT_VARIABLE, backend_name, database_url
from esnb.editions import SOLUTION_TAG, tags
from esnb.handout_notebooks import STUDENT_FOLDER
from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent
AWKWARD_NAMES = [
    "ada",
    "Zoë O'Brien",
    'a "quoted" name',
    "robert'); DROP DATABASE test; --",
    "名前",
    "x" * 100,
    "ana lee",
    "ana_lee",
    "Ána Lee",
    "---",  # nothing left for a readable part: the prefix and the hash
]


# Names


@pytest.mark.parametrize("learner", AWKWARD_NAMES)
def test_a_learners_database_name_is_a_safe_identifier_of_at_most_63_bytes(learner: str):
    name = workshop.database_name(learner, "esnb_learner_")
    assert name.startswith("esnb_learner_")
    assert len(name.encode()) <= 63
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789_")
    assert workshop.database_name(learner, "esnb_learner_") == name, "the same learner gets the same name"


def test_names_that_look_alike_get_databases_of_their_own():
    names = {workshop.database_name(learner, "esnb_learner_") for learner in AWKWARD_NAMES}
    assert len(names) == len(AWKWARD_NAMES)
    assert workshop.database_name("Zoë O'Brien", "esnb_learner_").startswith("esnb_learner_zoe_o_brien_")


@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_an_empty_learner_name_is_refused(blank: str):
    with pytest.raises(ValueError, match="must not be empty"):
        workshop.database_name(blank, "esnb_learner_")


@pytest.mark.parametrize("bad", ["Esnb_", "esnb", "1esnb_", "esnb-learner_", "e" * 30 + "_", "pg_x'; --_"])
def test_a_prefix_that_is_not_a_plain_lower_case_name_is_refused(bad: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(workshop.PREFIX_VARIABLE, bad)
    with pytest.raises(workshop.WorkshopError, match=workshop.PREFIX_VARIABLE):
        workshop.database_name("ada")


@pytest.mark.parametrize("url, complaint", [
    (None, "set ESNB_WORKSHOP_DATABASE_URL"),
    ("sqlite:///:memory:", "must name a PostgreSQL server"),
    ("mysql+pymysql://root@127.0.0.1/test", "must name a PostgreSQL server"),
    ("not a url", "is not a database URL"),
])
def test_the_workshop_needs_a_postgresql_url(url: str | None, complaint: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(workshop.ADMIN_URL_VARIABLE, raising=False)
    with pytest.raises(workshop.WorkshopError, match=complaint):
        workshop.admin_url(url)


# The spawn hook, without a server


def spawner(name: str) -> Any:
    return SimpleNamespace(user=SimpleNamespace(name=name), environment={"KEEP": "me"})


def test_when_the_database_cannot_be_made_the_spawn_fails_with_a_message_for_the_hub(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(workshop.ADMIN_URL_VARIABLE, f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/postgres")
    learner = spawner("Zoë O'Brien")
    with pytest.raises(workshop.WorkshopError) as raised:
        asyncio.run(workshop.pre_spawn_hook(learner))
    assert "did not let us in" in raised.value.jupyterhub_message
    assert learner.environment == {"KEEP": "me"}, "no URL for a database that was not made"


# Handing out the notebooks


def test_the_first_start_hands_out_the_student_notebooks_and_later_starts_keep_the_learners_work(tmp_path: Path):
    folder = tmp_path / "home" / STUDENT_FOLDER
    assert workshop.hand_out_notebooks(folder) is True
    names = sorted(path.name for path in folder.glob("*.ipynb"))
    assert names == sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in folder.glob("*.ipynb"):
        assert not [cell for cell in nbformat.read(path, as_version=4).cells if SOLUTION_TAG in tags(cell)]
    (folder / "01_domain_events.ipynb").write_text("my work")
    (folder / "07_event_store.ipynb").unlink()
    assert workshop.hand_out_notebooks(folder) is False
    assert (folder / "01_domain_events.ipynb").read_text() == "my work"
    assert not (folder / "07_event_store.ipynb").exists()


def test_a_start_that_fails_while_handing_out_leaves_no_half_folder(tmp_path: Path):
    home = tmp_path / "home"
    with pytest.raises(FileNotFoundError, match="no course notebooks"):
        workshop.hand_out_notebooks(home / STUDENT_FOLDER, notebooks_dir=tmp_path / "empty")
    assert list(home.iterdir()) == []


# On the shared PostgreSQL


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[URL]:
    """The configured PostgreSQL, with a workshop prefix of this test's own; its databases are dropped after."""
    url = database_url()
    if backend_name(url) != "postgresql":
        pytest.skip(f"needs PostgreSQL: set {ENVIRONMENT_VARIABLE}=postgresql+psycopg://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv(workshop.PREFIX_VARIABLE, f"esnb_t{secrets.token_hex(4)}_")
    admin = workshop.admin_url(url)
    try:
        yield admin
    finally:
        for name in {database.name for database in workshop.learner_databases(admin)} | set(
                workshop.learner_roles(admin)):
            workshop.drop_learner_database(name, admin)


def connect(url: str) -> psycopg.Connection[Any]:
    parsed = make_url(url)
    return psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
                           dbname=parsed.database, connect_timeout=10, autocommit=True)


def test_every_awkward_name_gets_a_database_of_its_own_and_nothing_is_spliced_into_sql(server: URL):
    urls = {learner: workshop.ensure_learner_database(learner, server) for learner in AWKWARD_NAMES}
    listed = {database.name: database.learner for database in workshop.learner_databases(server)}
    assert listed == {workshop.database_name(learner): learner for learner in AWKWARD_NAMES}
    for learner, url in urls.items():
        with connect(url) as connection:
            assert connection.execute("SELECT current_database(), current_user").fetchone() == (
                workshop.database_name(learner), workshop.database_name(learner))
    with connect(server.render_as_string(hide_password=False)) as connection:
        assert connection.execute("SELECT 1 FROM pg_database WHERE datname = 'test'").fetchone(), \
            "the name that says DROP DATABASE test dropped it"


def test_a_learner_may_not_connect_to_another_learners_database(server: URL):
    ada = make_url(workshop.ensure_learner_database("ada", server))
    zoe = make_url(workshop.ensure_learner_database("zoë", server))
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        connect(ada.set(database=zoe.database).render_as_string(hide_password=False))


def test_a_restart_keeps_the_learners_events_and_hands_out_a_new_password(server: URL):
    first = workshop.ensure_learner_database("ada", server)
    with connect(first) as connection:
        connection.execute("CREATE TABLE notes (text text)")
        connection.execute("INSERT INTO notes VALUES ('mine')")
    second = workshop.ensure_learner_database("ada", server)
    assert make_url(second).password != make_url(first).password
    with connect(second) as connection:
        assert connection.execute("SELECT text FROM notes").fetchall() == [("mine",)]


def test_a_database_that_belongs_to_someone_else_is_never_handed_out(server: URL):
    name = workshop.database_name("ada")
    with connect(server.render_as_string(hide_password=False)) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # the name is a-z, 0-9 and _ only
    with pytest.raises(workshop.WorkshopError, match="belongs to"):
        workshop.ensure_learner_database("ada", server)
    assert workshop.learner_roles(server) == [], "no role is made for a learner who gets no database"


def test_the_hook_sets_the_learners_database_url_for_their_server_only(server: URL, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(workshop.ADMIN_URL_VARIABLE, server.render_as_string(hide_password=False))
    learner = spawner("Zoë O'Brien")
    asyncio.run(workshop.pre_spawn_hook(learner))
    assert learner.environment["KEEP"] == "me"
    assert make_url(learner.environment[ENVIRONMENT_VARIABLE]).database == workshop.database_name("Zoë O'Brien")


def instructor(*arguments: str, server: URL) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, workshop.ADMIN_URL_VARIABLE: server.render_as_string(hide_password=False)}
    return subprocess.run([sys.executable, "-m", "esnb.workshop", *arguments], env=environment,
                          capture_output=True, text=True, timeout=120)


def test_the_instructor_lists_and_drops_learners_databases_and_nothing_else(server: URL):
    for learner in ("ada", "Zoë O'Brien", "名前"):
        workshop.ensure_learner_database(learner, server)
    listed = instructor("list", server=server)
    assert listed.returncode == 0, listed.stderr
    assert sorted(line.split("\t")[1] for line in listed.stdout.splitlines()) == sorted(["ada", "Zoë O'Brien", "名前"])

    dropped = instructor("drop", "Zoë O'Brien", server=server)
    assert dropped.stdout == "dropped " + workshop.database_name("Zoë O'Brien") + "\n"
    assert instructor("drop", "Zoë O'Brien", server=server).stdout.endswith(": no such database\n")
    refused = instructor("drop", "--all", "ada", server=server)
    assert refused.returncode == 2 and "not both" in refused.stderr
    with pytest.raises(workshop.WorkshopError, match="not a learner's database"):
        workshop.drop_learner_database("test", server)
    everything = instructor("drop", "--all", server=server)
    assert everything.returncode == 0 and len(everything.stdout.splitlines()) == 2
    assert workshop.learner_databases(server) == [] and workshop.learner_roles(server) == []
    with connect(server.render_as_string(hide_password=False)) as connection:
        assert connection.execute("SELECT 1 FROM pg_database WHERE datname = 'test'").fetchone()


def test_the_instructor_command_says_what_to_set_when_no_server_is_named(monkeypatch: pytest.MonkeyPatch):
    environment = {name: value for name, value in os.environ.items() if name != workshop.ADMIN_URL_VARIABLE}
    finished = subprocess.run([sys.executable, "-m", "esnb.workshop", "list"], env=environment,
                              capture_output=True, text=True, timeout=60)
    assert finished.returncode == 1 and f"set {workshop.ADMIN_URL_VARIABLE}" in finished.stderr


# The course's JupyterLab settings


def test_the_lab_settings_go_into_the_environment_and_turn_off_news_and_update_checks(tmp_path: Path):
    prefix = tmp_path / "env"
    others = prefix / "share/jupyter/lab/settings/overrides.d/other.json"
    others.parent.mkdir(parents=True)
    others.write_text("{}")
    assert lab_settings.main(["--prefix", str(prefix), "--check"]) == 1
    assert lab_settings.main(["--prefix", str(prefix)]) == 0
    assert lab_settings.main(["--prefix", str(prefix), "--check"]) == 0
    written = json.loads((prefix / "share/jupyter/lab/settings/overrides.d/esnb.json").read_text())
    assert written == {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
    assert others.read_text() == "{}", "other packages' overrides are left alone"
    assert lab_settings.install(prefix) == [], "a second install writes nothing"


def test_this_environment_has_the_course_lab_settings():
    """./course installs them; the browser test checks what they do in JupyterLab."""
    assert lab_settings.stale(Path(sys.prefix)) == [], "run python -m esnb.lab_settings (./course does)"
