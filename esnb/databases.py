"""Which database the notebooks and the tests use, and throwaway databases for test runs."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy_utils import create_database, drop_database

ENVIRONMENT_VARIABLE = "ESNB_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///:memory:"


def database_url() -> str:
    """The URL in ESNB_DATABASE_URL, or SQLite in memory when it is not set."""
    return os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_DATABASE_URL


def backend_name(url: str) -> str:
    """'sqlite', 'postgresql' or 'mysql' (MariaDB included) for a SQLAlchemy URL."""
    return make_url(url).get_backend_name()


def is_in_memory(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """Yield the URL of a new, empty database like the one `url` names, and remove it afterwards.

    SQLite in memory is already new each time. A SQLite file gets a fresh file in a
    temporary folder. A server gets a database with a random name on the same server,
    which is dropped at the end; nothing else on the server is touched.
    """
    if is_in_memory(url):
        yield url
    elif backend_name(url) == "sqlite":
        with tempfile.TemporaryDirectory(prefix="esnb-") as folder:
            yield make_url(url).set(database=str(Path(folder) / "esnb.sqlite")).render_as_string(hide_password=False)
    else:
        scratch = make_url(url).set(database=f"esnb_scratch_{uuid.uuid4().hex[:12]}")
        create_database(scratch)
        try:
            yield scratch.render_as_string(hide_password=False)
        finally:
            drop_database(scratch)
