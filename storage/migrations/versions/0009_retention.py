"""retention: when a record's personal and typed fields were cleared, and how long a safeguarding lead chose to keep
a concern; and the claim of a job that runs once a month

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REDACTED = ("concern", "contact_check", "contact_permission", "declaration")


def upgrade() -> None:
    for table in REDACTED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("redacted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keep_until", sa.Date(), nullable=True))
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "period"),
    )


def downgrade() -> None:
    op.drop_table("job_run")
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_column("keep_until")
    for table in reversed(REDACTED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("redacted_at")
