"""Each run's model digest (SHA-256), unique per workspace: the same model file pressed again is one run.

Existing runs get the digest of the model they hold. Where an older version
let the same file in twice (quick repeated presses of "Use this model"), the
oldest run of those keeps the digest and the later copies keep none: they stay
ordinary runs the user can delete, and the unique index holds from now on.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
import hashlib

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("model_sha256", sa.String(64), nullable=True))
    conn = op.get_bind()
    runs = sa.table("runs", sa.column("id", sa.Integer), sa.column("workspace_id", sa.Integer),
                    sa.column("created_at", sa.DateTime), sa.column("model", sa.LargeBinary),
                    sa.column("model_sha256", sa.String))
    ids = conn.execute(sa.select(runs.c.id, runs.c.workspace_id)
                       .order_by(runs.c.workspace_id, runs.c.created_at, runs.c.id)).all()
    seen = set()
    for run_id, workspace_id in ids:  # one model in memory at a time: a workspace holds up to 100 MB of them
        model = conn.scalar(sa.select(runs.c.model).where(runs.c.id == run_id))
        digest = hashlib.sha256(model).hexdigest()
        if (workspace_id, digest) in seen:
            continue
        seen.add((workspace_id, digest))
        conn.execute(sa.update(runs).where(runs.c.id == run_id).values(model_sha256=digest))
    op.create_index("ix_runs_workspace_model", "runs", ["workspace_id", "model_sha256"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_runs_workspace_model", table_name="runs")
    with op.batch_alter_table("runs") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("model_sha256")
