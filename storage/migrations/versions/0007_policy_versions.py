"""the policy in force, and every record stamped with it

A policy_version table says which version of the policy was in force from when (the POLICY_VERSION setting, and
versions governors record at a review); concerns, contact questions, standing permissions, declarations and reviews
each carry the version in force when they were made (storage.policy), and a review the version it adopted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAMPED = ("concern", "contact_check", "contact_permission", "declaration", "policy_review")


def upgrade() -> None:
    op.create_table(
        "policy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("in_force_from", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for table in STAMPED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("policy_version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    with op.batch_alter_table("policy_review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("adopted_version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("policy_review", schema=None) as batch_op:
        batch_op.drop_column("adopted_version")
    for table in reversed(STAMPED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("policy_version")
    op.drop_table("policy_version")
