"""Keeping each school's records apart, in one place: an engine is opened for one school (`for_school`), and every
session and transaction on it sees and writes that school's rows only.

- The ORM: every SELECT, UPDATE and DELETE of a `Scoped` model gains `school_id = <the school>` (SQLAlchemy's
  with_loader_criteria, added to each statement as it runs); every new row is written as the school's, and a row
  of another school is refused. With no school, a statement about a scoped table is refused before it runs.
- PostgreSQL: each transaction sets `policybot.school` for itself, which row-level security reads (migration 0013):
  a second wall that holds for plain SQL too. The few plain statements (the outbox's) say their school themselves.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Delete, Engine, Join, Select, Table, Update, event, or_
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.util import find_tables

from storage.models import Scoped

SCHOOL = "policybot_school"  # the execution option an engine opened for one school carries
SETTING = "policybot.school"  # PostgreSQL's transaction-local setting row-level security reads


class NoSchool(RuntimeError):
    """A scoped table was read or written on an engine opened for no school: a bug, refused before it ran."""


@lru_cache(maxsize=1024)
def for_school(engine: Engine, school_id: int) -> Engine:
    """The same engine (and pool), for one school's rows only (one object per school: caches keyed by it hold)."""
    return engine.execution_options(**{SCHOOL: school_id})


def school_of(engine: Engine) -> int | None:
    """The school an engine was opened for (None: none)."""
    school = engine.get_execution_options().get(SCHOOL)
    return int(school) if school is not None else None


def school_in(where: Session | Connection) -> int:
    """The school a session or a connection (of plain SQL) works for; NoSchool when none."""
    options = where.info if isinstance(where, Session) else where.get_execution_options()
    school = options.get(SCHOOL)
    if school is None:
        raise NoSchool("a school's records were asked for with no school")
    return int(school)


def mine(table: Table, where: Session | Connection) -> ColumnElement[bool]:
    """For a plain SQL statement on a scoped table: only the rows of the school `where` works for."""
    return table.c.school_id == school_in(where)


def session_info(engine: Engine) -> dict[str, Any]:
    """What a session opened on `engine` carries: its school."""
    return {SCHOOL: school_of(engine)}


@event.listens_for(Session, "do_orm_execute")
def _only_this_school(state: ORMExecuteState) -> None:
    models = _scoped_in(state.statement)
    if not models:
        return
    school = state.session.info.get(SCHOOL)
    if school is None:
        raise NoSchool("a school's records were asked for with no school")
    if not (state.is_select or state.is_update or state.is_delete):
        # A school's rows are written by session.add (stamped and checked before the flush), or by the plain
        # statements that say their school themselves: an INSERT statement here could name any school.
        raise NoSchool("a school's rows are written one by one, each checked")
    if state.is_update and any(
        getattr(c, "key", c) == "school_id" for c in getattr(state.statement, "_values", None) or {}
    ):
        raise NoSchool("a record's school is never changed")  # row-level security's WITH CHECK says so on PostgreSQL
    # Only the tables the statement names (in a join, a subquery, an alias): criteria for all of them on every
    # statement would cost several milliseconds a click.
    statement = state.statement.options(
        *(with_loader_criteria(model, lambda cls: cls.school_id == school, include_aliases=True) for model in models)
    )
    state.statement = _plain_tables_limited(statement, school)


def _plain_tables_limited(statement: Any, school: int) -> Any:
    """Where the loader criteria do not reach: the table an UPDATE or DELETE names as a plain Table, and a SELECT of
    no entity whose FROM names a scoped table (`select(func.count()).select_from(Concern)`, or a join of two)."""
    if isinstance(statement, Update | Delete) and statement.table in _by_table():
        return statement.where(statement.table.c.school_id == school)
    if isinstance(statement, Select) and not any(d.get("entity") for d in statement.column_descriptions):
        # Rare, and finding the FROMs compiles the statement: only when no entity is selected.
        named = [(t, nullable) for f in statement.get_final_froms() for t, nullable in _joined(f) if t in _by_table()]
        # The side of an outer join that may find no row keeps its rows of none (NULL), or a count of them is lost.
        return statement.where(
            *(
                or_(table.c.school_id == school, table.c.school_id.is_(None))
                if nullable
                else table.c.school_id == school
                for table, nullable in named
            )
        )
    return statement


def _joined(clause: Any, nullable: bool = False) -> list[tuple[Any, bool]]:
    """The tables a FROM names (itself, or each side of a join), and whether an outer join may give it no row."""
    if isinstance(clause, Join):
        return [*_joined(clause.left, nullable or clause.full), *_joined(clause.right, nullable or clause.isouter)]
    return [(clause, nullable)]


def _scoped_in(statement: Any) -> list[type[Scoped]]:
    """The scoped models whose tables a statement names anywhere: selected, joined, aliased, in a subquery."""
    found = find_tables(
        statement, check_columns=True, include_aliases=True, include_joins=True, include_selects=True, include_crud=True
    )
    models = set()
    for table in found:
        while not isinstance(table, Table) and hasattr(table, "element"):
            table = table.element  # an alias: its table
        if table in _by_table():
            models.add(_by_table()[table])
    return sorted(models, key=lambda model: model.__name__)


@lru_cache(maxsize=1)
def _scoped_models() -> tuple[type[Scoped], ...]:
    """Every table whose rows are a school's (wherever one appears in a statement: joined, in a subquery)."""
    found, todo = [], [Scoped]
    while todo:
        model = todo.pop()
        todo += model.__subclasses__()
        if hasattr(model, "__table__"):
            found.append(model)
    return tuple(found)


@lru_cache(maxsize=1)
def _by_table() -> dict[Any, type[Scoped]]:
    return {model.__table__: model for model in _scoped_models()}  # type: ignore[attr-defined]


@event.listens_for(Session, "before_flush")
def _written_as_this_school(session: Session, _context: Any, _instances: Any) -> None:
    school = session.info.get(SCHOOL)
    for row in [*session.new, *session.dirty, *session.deleted]:
        if not isinstance(row, Scoped):
            continue
        if school is None:
            raise NoSchool("a school's record was written with no school")
        if row.school_id is None and row in session.new:
            row.school_id = school
        elif row.school_id != school:
            raise NoSchool("a record of another school was written")


@event.listens_for(Engine, "begin")
def _set_for_row_level_security(connection: Any) -> None:
    school = connection.get_execution_options().get(SCHOOL)
    if school is not None:
        act_as(connection, school)


def act_as(connection: Connection, school: int) -> None:
    """On PostgreSQL, the rest of this transaction sees and writes `school`'s rows (row-level security)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SELECT set_config(%(name)s, %(school)s, true)", {"name": SETTING, "school": str(school)}
        )
