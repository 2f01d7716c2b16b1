"""The declaration of what is personal covers every column of every table, in the models and in the migrated
database, and says whose each id is."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect
from sqlmodel import SQLModel

import storage.models  # noqa: F401 - fills SQLModel.metadata
from storage import personal
from storage.db import make_engine, upgrade
from storage.export import AUDIT_COLUMNS, AUDIT_TABLE, CHECK_COLUMNS, CONCERN_COLUMNS, LOGS, PERMISSION_COLUMNS, columns
from tests.conftest import new_database_url


def declared() -> dict[str, set[str]]:
    return {table: set(names) for table, names in personal.DECLARED.items()}


def test_every_column_of_every_model_is_declared() -> None:
    tables = {name: {c.name for c in table.columns} for name, table in SQLModel.metadata.tables.items()}
    for name, names in tables.items():
        assert name in personal.DECLARED, f"table {name} has no declaration in storage/personal.py"
        undeclared = names - declared()[name]
        assert not undeclared, f"{name}: declare {sorted(undeclared)} in storage/personal.py"
    assert declared() == tables  # and nothing declared that no longer exists


def test_the_migrated_schema_has_no_column_the_declaration_misses(tmp_path: Path) -> None:
    for url in new_database_url(tmp_path, "personal"):
        upgrade(url)
        engine = make_engine(url)
        try:
            schema = inspect(engine)
            found = {t: {c["name"] for c in schema.get_columns(t)} for t in schema.get_table_names()}
        finally:
            engine.dispose()
        found.pop("alembic_version")
        assert found == {**declared(), **{table: set(names) for table, names in personal.INSTALLS.items()}}


def test_ids_say_whose_and_each_record_has_at_most_one_owner() -> None:
    for table, names in personal.DECLARED.items():
        for name, column in names.items():
            assert bool(column.whose) == (column.holds is personal.Holds.ID), (table, name)
            assert not column.subject or column.holds is personal.Holds.ID, (table, name)
        assert sum(c.subject for c in names.values()) <= 1, table
    assert personal.subject("concern") == ("reporter_id", "reporter")
    assert personal.subject("contact_check") == ("asked_by", "asker")
    assert personal.subject("declaration") == ("staff_id", "declarer")
    assert personal.subject("reference_counter") is None


def test_what_holds_user_ids_or_typed_text_is_declared_so() -> None:
    ids = {
        ("concern", n)
        for n in ("reporter_id", "involved_staff_id", "route_recipient", "acknowledged_by", "last_actor_id")
    }
    ids |= {("audit_entry", "actor_id")}
    ids |= {("contact_check", "asked_by"), ("contact_check", "decided_by"), ("policy_review", "reviewed_by")}
    ids |= {("declaration", "staff_id"), ("declaration", "acknowledged_by"), ("contact_permission", "granted_by")}
    ids |= {("audit_entry", "request_key"), ("outbox_message", "channel"), ("outbox_message", "sent_channel")}
    ids |= {("contact_permission", "staff_id")}
    for table, name in ids:
        assert personal.column(table, name).holds is personal.Holds.ID, (table, name)
    typed = {("concern", "description"), ("concern", "names"), ("concern", "links"), ("audit_entry", "note")}
    typed |= {("contact_check", "person_described"), ("declaration", "person_described")}
    typed |= {("contact_permission", "person_described"), ("contact_permission", "person_key")}
    for table, name in typed:
        assert personal.column(table, name).holds is personal.Holds.TYPED, (table, name)


def test_every_exported_column_is_a_declared_column() -> None:
    for table, names in LOGS.values():
        assert set(columns(table, names, True)) <= declared()[table]
    assert set(columns(AUDIT_TABLE, AUDIT_COLUMNS, True)) - {"actor_role"} <= declared()[AUDIT_TABLE]
    assert set(PERMISSION_COLUMNS) <= declared()["contact_permission"]
    assert "reporter_id" in CONCERN_COLUMNS and "asked_by" in CHECK_COLUMNS  # exported, with details only
    assert "reporter_id" not in columns("concern", CONCERN_COLUMNS, include_details=False)
