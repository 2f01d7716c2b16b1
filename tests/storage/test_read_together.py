"""Reading a person's Home from several stores in one read transaction (storage.db.read_together): one connection
checked out for all of a school's reads, each read still its own session (its own objects, loaded as its store asks),
and another school's reads inside it still their own, seeing none of the first school's rows."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError

from storage.concerns import ConcernStore
from storage.db import read_together
from storage.tenancy import for_school, school_of
from tests.storage.helpers import a_concern


def test_a_schools_reads_share_one_transaction_and_another_schools_stay_their_own(engine: Engine) -> None:
    a_concern(engine)
    store = ConcernStore(engine)
    other_school = ConcernStore(for_school(engine, (school_of(engine) or 0) + 1000))
    checkouts: list[object] = []

    def counted(*_: object) -> None:
        checkouts.append(None)

    event.listen(engine.pool, "checkout", counted)
    try:
        store.open_concerns(), store.reported_by("USTAFF", 5)
        assert len(checkouts) == 2  # each read its own, as ever
        checkouts.clear()
        with read_together(engine):
            theirs, mine = store.reported_by("USTAFF", 5), store.open_concerns()
            assert len(checkouts) == 1
            with pytest.raises(SQLAlchemyError):  # each read its own objects: the queue still holds no typed word
                _ = mine[0].description
            assert other_school.open_concerns() == []  # its own read, and nothing of this school's in it
            assert len(checkouts) == 2
        assert mine and theirs
    finally:
        event.remove(engine.pool, "checkout", counted)
