"""Whether a noted exercise was solved or only revealed ("Show the solution"): revealed never counts as solved.

Existing rows were all solved by an answer (revealing kept nothing before), so they stay solved.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("exercises_solved", sa.Column("revealed", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("exercises_solved") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("revealed")
