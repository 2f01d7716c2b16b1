"""schools: the school as the tenant; every record, audit entry, outbox row and job claim belongs to one

A `school` table (a trust's schools, imported from its schools file) and `school_member` (each school's people by
role). The school run from the environment's settings so far becomes a row of its own (key 'school',
from_settings): everything stored before is its, and it keeps running from the settings as before.

Each table of records gains `school_id` (not null, the school's). What was unique across the database is unique
within a school now: a year's reference counter, a job's run in a period, a review's reminder and its completion,
an outbox message's key, an audit entry's request key.
A concern's reference stays unique across the deployment: an imported school's references carry its key
(SMP-NORTH-2026-0001), and the column is wider for it.

The downgrade refuses while any school was imported from a schools file: the schools' records would be mixed.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPED = (
    "concern",
    "audit_entry",
    "contact_check",
    "contact_permission",
    "declaration",
    "policy_review",
    "policy_version",
    "job_run",
    "review_reminder",
    "outbox_message",
)
# Unique within a school now: (table, what was unique, its name in this schema's convention)
WITHIN_SCHOOL = (
    ("audit_entry", ("request_key",)),
    ("outbox_message", ("key",)),  # a message's key names records by id, or people: two schools may make the same
    ("job_run", ("name", "period")),
    ("review_reminder", ("review_on", "mark")),
    ("policy_review", ("review_on",)),
)
UNNAMED = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}  # names SQLite's unnamed constraints, to drop them


def upgrade() -> None:
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", AutoString(length=31), nullable=False),
        sa.Column("name", AutoString(length=120), nullable=False),
        sa.Column("team_id", AutoString(length=32), nullable=True),
        sa.Column("leadership_channel", AutoString(length=32), nullable=True),
        sa.Column("timezone", AutoString(length=60), nullable=False),
        sa.Column("from_settings", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "school_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("role", AutoString(length=30), nullable=False),
        sa.Column("slack_id", AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "role", "slack_id"),
    )
    op.create_index("ix_school_member_school_id", "school_member", ["school_id"])
    op.create_index("ix_school_member_slack_id", "school_member", ["slack_id"])
    op.execute("INSERT INTO school (key, name, timezone, from_settings) VALUES ('school', '', 'Europe/London', true)")
    school = op.get_bind().execute(sa.text("SELECT id FROM school WHERE key = 'school'")).scalar_one()
    for table in SCOPED:
        op.add_column(table, sa.Column("school_id", sa.Integer(), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET school_id = :school").bindparams(school=school))  # noqa: S608
        with op.batch_alter_table(table, naming_convention=UNNAMED) as batch:
            batch.alter_column("school_id", existing_type=sa.Integer(), nullable=False)
            batch.create_foreign_key(f"fk_{table}_school_id", "school", ["school_id"], ["id"])
            batch.create_index(f"ix_{table}_school_id", ["school_id"])
            for unique_in, columns in WITHIN_SCHOOL:
                if unique_in == table:
                    batch.drop_constraint(_unique_name(table, columns), type_="unique")
                    batch.create_unique_constraint(f"uq_{table}_school_id_{'_'.join(columns)}", ["school_id", *columns])
    _counter_per_school(school)
    with op.batch_alter_table("concern") as batch:  # a school's key in its references: SMP-NORTH-2026-0001
        batch.alter_column("reference", existing_type=AutoString(length=20), type_=AutoString(length=48))


def _unique_name(table: str, columns: tuple[str, ...]) -> str:
    """The name the unique constraint on `columns` has: PostgreSQL's own, or (SQLite, unnamed) the convention's."""
    for found in sa.inspect(op.get_bind()).get_unique_constraints(table):
        if tuple(found["column_names"]) == columns and found["name"]:
            return str(found["name"])
    return f"uq_{table}_{'_'.join(columns)}"


def _as_before(table: str, columns: tuple[str, ...]) -> str:
    """The name the constraint had before 0012: PostgreSQL's default; SQLite's was unnamed (any name will do)."""
    joined = "_".join(columns)
    return f"{table}_{joined}_key" if op.get_bind().dialect.name == "postgresql" else f"uq_{table}_{joined}"


def _counter_per_school(school: int) -> None:
    """The reference counter counts each school's year: made again with (school_id, year) as its key."""
    rows = op.get_bind().execute(sa.text("SELECT year, last FROM reference_counter")).all()
    op.drop_table("reference_counter")
    counter = op.create_table(
        "reference_counter",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name="fk_reference_counter_school_id"),
        sa.PrimaryKeyConstraint("school_id", "year"),
    )
    if rows:
        op.bulk_insert(counter, [{"school_id": school, "year": year, "last": last} for year, last in rows])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM school WHERE NOT from_settings")).scalar_one():
        raise RuntimeError("schools were imported from a schools file: their records cannot be mixed into one school")
    rows = bind.execute(sa.text("SELECT year, last FROM reference_counter")).all()
    op.drop_table("reference_counter")
    counter = op.create_table(
        "reference_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    if rows:
        op.bulk_insert(counter, [{"year": year, "last": last} for year, last in rows])
    with op.batch_alter_table("concern") as batch:
        batch.alter_column("reference", existing_type=AutoString(length=48), type_=AutoString(length=20))
    for table in reversed(SCOPED):
        with op.batch_alter_table(table) as batch:
            for unique_in, columns in WITHIN_SCHOOL:
                if unique_in == table:
                    batch.drop_constraint(f"uq_{table}_school_id_{'_'.join(columns)}", type_="unique")
                    batch.create_unique_constraint(_as_before(table, columns), list(columns))
            batch.drop_index(f"ix_{table}_school_id")
            batch.drop_constraint(f"fk_{table}_school_id", type_="foreignkey")
            batch.drop_column("school_id")
    op.drop_index("ix_school_member_slack_id", table_name="school_member")
    op.drop_index("ix_school_member_school_id", table_name="school_member")
    op.drop_table("school_member")
    op.drop_table("school")
