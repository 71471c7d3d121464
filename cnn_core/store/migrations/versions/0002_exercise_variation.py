"""The exercises' variation a workspace is on, so a reload with the link brings it back with its progress.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing workspaces were on the tutorial's numbers (variation 0): the server default fills them in.
    op.add_column("workspaces", sa.Column("exercise_variation", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("exercise_variation")
