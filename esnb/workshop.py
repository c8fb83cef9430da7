"""A workshop room on JupyterHub: a PostgreSQL database per learner, the notebooks to start from, and cleanup.

    python -m esnb.workshop list                # the learners' databases: name, learner, size
    python -m esnb.workshop drop --all          # drop every learner's database and role after the workshop
    python -m esnb.workshop drop NAME [NAME...] # drop these learners' (by learner name or database name)

ESNB_WORKSHOP_DATABASE_URL names the shared server as a SQLAlchemy URL (postgresql+psycopg://USER@HOST/DB)
whose user may create roles and databases, such as postgres. Only databases whose names start with the
workshop's prefix (ESNB_WORKSHOP_PREFIX, default "esnb_learner_") are listed or dropped.

The hub (workshop/jupyterhub_config.py) uses the rest:
- `pre_spawn_hook`, before a learner's server starts, makes sure the learner has a role and a database of
  their own, both named by `database_name`, that no other learner may connect to; it gives the role a new
  password and sets ESNB_DATABASE_URL for that server. If that fails, the spawn fails with a message that
  says so, and no server starts.
- `python -m esnb.workshop singleuser ARGS...` is the learner's server command: on its first start it
  writes the student notebooks into ~/esnb-course, then runs jupyterhub-singleuser ARGS. It runs as the
  learner, on any spawner, so the files are theirs; later starts leave the folder, and their work, alone.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import secrets
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import URL, make_url

from esnb.databases import ENVIRONMENT_VARIABLE

ADMIN_URL_VARIABLE = "ESNB_WORKSHOP_DATABASE_URL"
PREFIX_VARIABLE = "ESNB_WORKSHOP_PREFIX"
DEFAULT_PREFIX = "esnb_learner_"
PREFIX_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,23}_")
MAX_IDENTIFIER_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1
HASH_CHARACTERS = 10
CONNECT_TIMEOUT = 10  # seconds
COURSE_FOLDER = "esnb-course"


class WorkshopError(RuntimeError):
    """A learner's database could not be made, listed or dropped; the message says why and what to do."""

    @property
    def jupyterhub_message(self) -> str:
        """What JupyterHub shows the learner when their server does not start."""
        return str(self)


def prefix() -> str:
    """The workshop's database prefix: ESNB_WORKSHOP_PREFIX, or esnb_learner_."""
    chosen = os.environ.get(PREFIX_VARIABLE) or DEFAULT_PREFIX
    if not PREFIX_PATTERN.fullmatch(chosen):
        raise WorkshopError(f"{PREFIX_VARIABLE}={chosen!r} is not a prefix: use a lower-case letter, then up to 23"
                            " lower-case letters, digits or _, ending in _ (such as esnb_learner_)")
    return chosen


def database_name(learner: str, workshop_prefix: str | None = None) -> str:
    """The name of a learner's database and role: the prefix, a readable ASCII slug, and a hash of the name.

    The hash tells apart names whose slugs are the same ("Ana Lee", "ana_lee", "Ána Lee"), and the slug is
    cut so the whole stays within PostgreSQL's 63 bytes. Only a-z, 0-9 and _ ever appear in it.
    """
    if not learner.strip():
        raise ValueError("a learner name must not be empty")
    start = workshop_prefix or prefix()
    digest = hashlib.sha256(learner.encode("utf-8")).hexdigest()[:HASH_CHARACTERS]
    ascii_name = unicodedata.normalize("NFKD", learner).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")
    room = MAX_IDENTIFIER_BYTES - len(start) - len(digest) - 1
    slug = slug[:room].rstrip("_")
    return f"{start}{slug}_{digest}" if slug else f"{start}{digest}"


def admin_url(url: str | None = None) -> URL:
    """The shared server's URL, from the argument or ESNB_WORKSHOP_DATABASE_URL; it must be PostgreSQL."""
    configured = url or os.environ.get(ADMIN_URL_VARIABLE)
    if not configured:
        raise WorkshopError(f"set {ADMIN_URL_VARIABLE} to the workshop's PostgreSQL, such as "
                            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        parsed = make_url(configured)
    except Exception as error:
        raise WorkshopError(f"{ADMIN_URL_VARIABLE} is not a database URL: {error}") from None
    if parsed.get_backend_name() != "postgresql":
        raise WorkshopError(f"{ADMIN_URL_VARIABLE} must name a PostgreSQL server (postgresql+psycopg://...), "
                            f"not {parsed.get_backend_name()}: each learner gets a database and a role on it")
    return parsed.set(drivername="postgresql+psycopg")


@contextmanager
def _admin_connection(url: URL) -> Iterator[Any]:
    """A psycopg connection to the shared server, in autocommit (CREATE DATABASE runs outside transactions)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    settings: dict[str, str | int | None] = {
        "host": url.host, "port": url.port, "user": url.username, "password": url.password,
        "dbname": url.database or "postgres", "connect_timeout": CONNECT_TIMEOUT,
    }
    settings.update({key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()})
    try:
        connection = psycopg.connect(
            make_conninfo("", **{key: value for key, value in settings.items() if value is not None}),
            autocommit=True,
        )
    except psycopg.Error as error:
        raise WorkshopError(f"the workshop's PostgreSQL at {url.render_as_string()} did not let us in: "
                            f"{_first_line(error)}") from error
    with connection:
        yield connection


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def ensure_learner_database(learner: str, url: URL) -> str:
    """Make the learner's role and database if they are missing, give the role a new password, and return
    the learner's ESNB_DATABASE_URL. Names are quoted as identifiers by psycopg, never spliced into SQL.

    The database belongs to the learner's role and no one else may connect to it. One that exists but
    belongs to another role is refused, never handed out.
    """
    import psycopg
    from psycopg import sql

    name = database_name(learner)
    password = secrets.token_urlsafe(24)
    role, database = sql.Identifier(name), sql.Identifier(name)
    try:
        with _admin_connection(url) as connection:
            owner = connection.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if owner is not None and owner[0] != name:
                raise WorkshopError(f"the database {name} for {learner!r} already exists and belongs to {owner[0]}, "
                                    "not to the learner: ask the instructor to drop it (python -m esnb.workshop "
                                    "drop) before this learner starts")
            exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            connection.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(password)))
            if owner is None:
                connection.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(database, role))
                connection.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
                connection.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(database, sql.Literal(learner)))
    except psycopg.Error as error:
        raise WorkshopError(f"could not make a database for {learner!r} on the workshop's PostgreSQL: "
                            f"{_first_line(error)}. Ask the instructor.") from error
    return url.set(username=name, password=password, database=name).render_as_string(hide_password=False)


@dataclass(frozen=True)
class LearnerDatabase:
    name: str
    learner: str  # as the learner logged in, from the database's comment
    size: str


def learner_databases(url: URL) -> list[LearnerDatabase]:
    """The databases on the server whose names start with the workshop's prefix, by name."""
    with _admin_connection(url) as connection:
        rows = connection.execute(
            "SELECT datname, coalesce(shobj_description(oid, 'pg_database'), ''), "
            "pg_size_pretty(pg_database_size(datname)) FROM pg_database "
            "WHERE starts_with(datname, %s) ORDER BY datname", (prefix(),)
        ).fetchall()
    return [LearnerDatabase(*row) for row in rows]


def learner_roles(url: URL) -> list[str]:
    """The roles on the server whose names start with the workshop's prefix, by name."""
    with _admin_connection(url) as connection:
        rows = connection.execute("SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s) ORDER BY rolname",
                                  (prefix(),)).fetchall()
    return [row[0] for row in rows]


def drop_learner_database(name: str, url: URL) -> bool:
    """Drop one learner's database (closing its connections) and role; only names with the prefix.
    Returns whether there was a database or role to drop."""
    from psycopg import sql

    if not name.startswith(prefix()):
        raise WorkshopError(f"{name!r} is not a learner's database: only names starting with {prefix()!r} are dropped")
    with _admin_connection(url) as connection:
        found = connection.execute(
            "SELECT (SELECT count(*) FROM pg_database WHERE datname = %s) + "
            "(SELECT count(*) FROM pg_roles WHERE rolname = %s)", (name, name)
        ).fetchone()
        identifier = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        connection.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(identifier))
    return bool(found and found[0])


class Spawner(Protocol):
    """What the hook needs of a JupyterHub spawner."""

    environment: dict[str, Any]

    @property
    def user(self) -> Any: ...


async def pre_spawn_hook(spawner: Spawner) -> None:
    """JupyterHub's Spawner.pre_spawn_hook: the learner's database, and ESNB_DATABASE_URL pointing at it."""
    learner_url = await asyncio.to_thread(ensure_learner_database, spawner.user.name, admin_url())
    spawner.environment = {**spawner.environment, ENVIRONMENT_VARIABLE: learner_url}


def hand_out_notebooks(destination: Path, notebooks_dir: Path | None = None) -> bool:
    """Write the student notebooks into `destination` if it does not exist yet; return whether it did.

    They are written into a temporary folder beside it and renamed into place, so a start that fails
    half-way leaves no half folder that later starts would take for the learner's work.
    """
    from esnb.handout_notebooks import write_edition
    from esnb.sync import DEFAULT_NOTEBOOKS

    if destination.exists():
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent))
    try:
        write_edition("student", notebooks_dir or DEFAULT_NOTEBOOKS, partial)
        partial.rename(destination)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return True


def singleuser(arguments: Sequence[str]) -> None:
    """Hand out the notebooks on the learner's first start, then become jupyterhub-singleuser."""
    hand_out_notebooks(Path.home() / COURSE_FOLDER)
    os.execv(sys.executable, [sys.executable, "-m", "jupyterhub.singleuser", *arguments])


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["singleuser"]:
        singleuser(arguments[1:])
    parser = argparse.ArgumentParser(prog="python -m esnb.workshop", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help=f"the workshop's PostgreSQL (default: ${ADMIN_URL_VARIABLE})")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the learners' databases")
    drop = commands.add_parser("drop", help="drop learners' databases and roles")
    drop.add_argument("names", nargs="*", metavar="NAME", help="a learner's name, or their database's name")
    drop.add_argument("--all", action="store_true", help="drop every database with the workshop's prefix")
    commands.add_parser("singleuser", help="(for the hub) hand out the notebooks, then run jupyterhub-singleuser")
    options = parser.parse_args(arguments)
    try:
        url = admin_url(options.database_url)
        if options.command == "list":
            found = learner_databases(url)
            for database in found:
                print(f"{database.name}\t{database.learner}\t{database.size}")
            print(f"{len(found)} learner databases on {url.render_as_string()}", file=sys.stderr)
            return 0
        if bool(options.names) == options.all:
            parser.error("drop needs learner names or --all, not both")
        if options.all:  # a role whose database was never made has no database to list it by
            names = sorted({database.name for database in learner_databases(url)} | set(learner_roles(url)))
        else:
            names = [name if name.startswith(prefix()) else database_name(name) for name in options.names]
        for name in names:
            print(f"dropped {name}" if drop_learner_database(name, url) else f"{name}: no such database")
        return 0
    except WorkshopError as error:
        print(f"esnb.workshop: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
