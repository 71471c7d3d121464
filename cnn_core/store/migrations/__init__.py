"""Alembic migrations of the storage schema, applied by :func:`upgrade` whenever a Storage opens.

To change what the database holds: edit the models in ``cnn_core/store/storage.py``,
then write the next revision in ``versions/`` (``alembic revision
--autogenerate -m "what"`` from the repository root drafts it, using
``alembic.ini``). Every app start brings an older database up to the newest
revision; several servers starting at once take turns (a PostgreSQL advisory
lock, or a lock file beside the SQLite database).
"""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine

HERE = Path(__file__).resolve().parent
PG_LOCK_ID = 0x434E4E50  # "CNNP": any fixed number shared by every replica


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


@contextlib.contextmanager
def _sqlite_file_lock(engine: Engine):
    path = engine.url.database
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.migrate-lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision (creating it if empty)."""
    cfg = config()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": PG_LOCK_ID})  # held by the session
            conn.commit()
            try:
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": PG_LOCK_ID})
                conn.commit()
        return
    with _sqlite_file_lock(engine), engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
