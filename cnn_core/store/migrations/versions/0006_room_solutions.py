"""Whether a room's members may ask for exercises' solutions: the instructor allows it, a room starts without.

Rooms opened before it had no such choice: their members never got solutions, so they stay without.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rooms", sa.Column("solutions", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("rooms") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("solutions")
