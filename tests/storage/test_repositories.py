"""The concern store's guarantees, on SQLite and (in CI) PostgreSQL: one concern per submission, references counted
per year, deliveries claimed by one process at a time. (Changes go through the command path: test_commands.py.)"""

from __future__ import annotations

import threading

from flows.concerns import ConcernDraft
from flows.permissions import place
from flows.taxonomy import Area, Kind, Role
from storage.concerns import ConcernStore
from tests.conftest import NOW, PEOPLE

ROUTE = place(PEOPLE, safeguarding=False, involved=None)


def draft(reporter: str = "US1") -> ConcernDraft:
    return ConcernDraft(
        reporter,
        Area.CONDUCT,
        Kind.AGGRESSIVE,
        "whatsapp",
        frozenset({Role.PARENT_CARER}),
        description="A parent group chat is targeting a teacher.",
    )


def test_one_concern_per_submission_and_references_by_year(fresh_store: ConcernStore) -> None:
    first, created = fresh_store.create(draft(), "V1", ROUTE, NOW)
    again, created_again = fresh_store.create(draft(), "V1", ROUTE, NOW)
    second, _ = fresh_store.create(draft(), "V2", ROUTE, NOW)
    next_year, _ = fresh_store.create(draft(), "V3", ROUTE, NOW.replace(year=2027))
    assert created and not created_again and again.id == first.id
    assert [first.reference, second.reference, next_year.reference] == [
        "SMP-2026-0001",
        "SMP-2026-0002",
        "SMP-2027-0001",
    ]
    assert [e.action for e in fresh_store.events(first.id or 0)] == ["reported"]


def test_concurrent_submissions_get_distinct_references(fresh_store: ConcernStore) -> None:
    references: list[str] = []
    start = threading.Barrier(8)

    def submit(i: int) -> None:
        start.wait()
        concern, _ = fresh_store.create(draft(f"US{i}"), f"VC{i}", ROUTE, NOW)
        references.append(concern.reference)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(references) == [f"SMP-2026-{n:04d}" for n in range(1, 9)]
