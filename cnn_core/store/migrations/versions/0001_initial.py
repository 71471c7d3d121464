"""Workspaces, runs (with their models), solved exercises, rooms and their members.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
    )
    op.create_index("ix_workspaces_code", "workspaces", ["code"], unique=True)
    op.create_index("ix_workspaces_last_seen_at", "workspaces", ["last_seen_at"])
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("dataset", sa.String(120), nullable=False),
        sa.Column("classes", sa.JSON, nullable=False),
        sa.Column("architecture", sa.JSON, nullable=False),
        sa.Column("train_config", sa.JSON, nullable=False),
        sa.Column("precision", sa.String(8)),
        sa.Column("device", sa.String(16)),
        sa.Column("reason", sa.String(16)),
        sa.Column("curves", sa.JSON, nullable=False),
        sa.Column("test_accuracy", sa.Float),
        sa.Column("per_class", sa.JSON),
        sa.Column("confusion", sa.JSON),
        sa.Column("params", sa.Integer, nullable=False),
        sa.Column("seconds", sa.Float),
        sa.Column("images_per_s", sa.Float),
        sa.Column("pinned", sa.Boolean, nullable=False),
        sa.Column("model_size", sa.Integer, nullable=False),
        sa.Column("model", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_runs_workspace_id", "runs", ["workspace_id"])
    op.create_table(
        "exercises_solved",
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("exercise_id", sa.String(40), primary_key=True),
        sa.Column("solved_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("closed_at", sa.DateTime),
    )
    op.create_index("ix_rooms_code", "rooms", ["code"], unique=True)
    op.create_table(
        "room_members",
        sa.Column("room_id", sa.Integer, sa.ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("nickname", sa.String(30), nullable=False),
        sa.Column("joined_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("room_members", "rooms", "exercises_solved", "runs", "workspaces"):
        op.drop_table(table)
