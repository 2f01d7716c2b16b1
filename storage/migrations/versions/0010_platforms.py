"""platforms from the school's list: which platform "Other" was, on a concern; and on which platform a contact
question (and the standing permission it made) is

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("platform_other", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False, server_default="")
        )
    with op.batch_alter_table("contact_check", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("platform_other", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False, server_default="")
        )
    with op.batch_alter_table("contact_permission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact_permission", schema=None) as batch_op:
        batch_op.drop_column("platform")
    with op.batch_alter_table("contact_check", schema=None) as batch_op:
        batch_op.drop_column("platform_other")
        batch_op.drop_column("platform")
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_column("platform_other")
