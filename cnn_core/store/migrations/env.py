"""Alembic's entry: migrate the connection handed over by cnn_core.store.migrations.upgrade, or the configured URL."""

from alembic import context
from sqlalchemy import create_engine

from cnn_core.store.storage import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")


def run(conn) -> None:
    context.configure(connection=conn, target_metadata=target_metadata,
                      render_as_batch=conn.dialect.name == "sqlite")  # SQLite alters tables by copying them
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:  # the alembic command line: alembic.ini's URL, or CNN_PLAYGROUND_DATABASE_URL / the default file
    from cnn_core.base import env

    url = context.config.get_main_option("sqlalchemy.url") or env.database_url()
    with create_engine(url).connect() as conn:
        run(conn)
        conn.commit()
