"""row-level security: on PostgreSQL, a second wall between the schools

Every table of a school's rows gets row-level security, enabled and forced (the table's owner is held to it too), with
one policy: a row is seen, and may be written, only in a transaction that has set `policybot.school` to its school
(storage.tenancy sets it at the start of each). A transaction that set no school sees none of them. A superuser, or a
role with BYPASSRLS, is not held to it: policybot's own role (DATABASE_URL) should be neither, and own no table
(DATABASE_OWNER_URL is the owner's, for `policybot db upgrade`).

Nothing changes on SQLite, which has no row-level security: there the code alone keeps the schools apart.

A later migration that reads or writes a school's rows runs as the owner, and is held to this too: it must name each
school in turn (storage.tenancy.act_as), or it sees none of them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPED = (
    "concern",
    "audit_entry",
    "reference_counter",
    "contact_check",
    "contact_permission",
    "declaration",
    "policy_review",
    "policy_version",
    "job_run",
    "review_reminder",
    "outbox_message",
)
THIS_SCHOOL = "school_id = NULLIF(current_setting('policybot.school', true), '')::integer"
POLICY = "one_school"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in SCOPED:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({THIS_SCHOOL}) WITH CHECK ({THIS_SCHOOL})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in SCOPED:
        op.execute(f"DROP POLICY {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
