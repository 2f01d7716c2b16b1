"""no leftovers: a deletion's ts in a column of its own

A deletion in the outbox (send 'delete') kept the ts of the message it deletes in `document`, which is a file's
spec otherwise: it moves to `deletes_ts`, and `document` means a file's spec only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deletes_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    op.execute("UPDATE outbox_message SET deletes_ts = NULLIF(document, ''), document = '' WHERE send = 'delete'")


def downgrade() -> None:
    op.execute("UPDATE outbox_message SET document = COALESCE(deletes_ts, '') WHERE send = 'delete'")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("deletes_ts")
