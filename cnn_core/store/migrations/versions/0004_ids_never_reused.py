"""Run ids are never reused, and each workspace notes (a digest of) the address that created it.

SQLite gives a deleted newest row's id to the next row unless the table is
AUTOINCREMENT; a tab or a cache that remembered the id would then reach the
new run's model. The runs table is copied into one that is (PostgreSQL's
sequences never reuse an id). ``workspaces.creator`` bounds how many new
workspaces one address starts an hour.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("creator", sa.String(32), nullable=True))
    op.create_index("ix_workspaces_creator", "workspaces", ["creator", "created_at"])
    if op.get_bind().dialect.name == "sqlite":
        # runs has no child tables, so copying it (foreign keys on) removes nothing else.
        with op.batch_alter_table("runs", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade() -> None:
    op.drop_index("ix_workspaces_creator", table_name="workspaces")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("creator")
