"""a school's own calendar and rules: working hours, closures, the governors' review date, section 6's contact rules

A trust's schools file may give each school its own working hours (when ordinary nudges go out), closures (holidays
and INSET days, as the closures file's lines), policy review date and contact rules (the rules file's text); a school
that gives none keeps the settings' (WORKING_HOURS, SCHOOL_CLOSURES_FILE, POLICY_REVIEW_DATE, CONTACT_RULES_FILE).
The school run from the settings never has them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("school") as table:
        table.add_column(sa.Column("working_hours", sa.String(length=60), nullable=True))
        table.add_column(sa.Column("closures", sa.Text(), nullable=True))
        table.add_column(sa.Column("policy_review_date", sa.Date(), nullable=True))
        table.add_column(sa.Column("contact_rules", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("school") as table:
        table.drop_column("contact_rules")
        table.drop_column("policy_review_date")
        table.drop_column("closures")
        table.drop_column("working_hours")
