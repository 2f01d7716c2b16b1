"""Records made through the stores and the command path, for the storage tests (and the pack's browser test): a
command with a key of its own, a concern, a record of every kind with markers in every typed field, a year of
concerns for the governors' pack."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from flows.concerns import ConcernDraft
from flows.contact import Channel, ContactQuestion, Person, assess
from flows.contact_requests import Decision, Relationship
from flows.permissions import Act, People, RecordKind, place
from flows.schools import SchoolRole
from flows.taxonomy import Area, Kind, Outcome, Role
from storage.audit import review_subject_id
from storage.commands import Changed, Command, Refused, change
from storage.concerns import ConcernStore
from storage.contact_checks import ContactCheckStore
from storage.db import reading, transaction
from storage.declarations import DeclarationStore
from storage.models import ReviewReminder
from storage.outbox import OutboxStore
from storage.outbox_messages import Message, post_key
from storage.policy import adopt_setting
from storage.tenancy import school_of
from storage.tenants import SchoolMember
from tests.conftest import NOW, PEOPLE

QUESTION = ContactQuestion(Person.PUPIL_FAMILY, Channel.SOCIAL_NETWORK, under_18=False)
_numbers = iter(range(10**6))


def key() -> str:
    """A request key no other command has."""
    return f"key:{next(_numbers)}"


def command(kind: RecordKind, record_id: int, act: Act, actor: str, at: datetime = NOW, **extra: Any) -> Command:
    return Command(kind, record_id, act, actor, at, extra.pop("request_key", None) or key(), **extra)


def a_concern(engine: Engine, safeguarding: bool = False, involved: str | None = None) -> int:
    draft = ConcernDraft(
        "USTAFF",
        Area.CONDUCT,
        Kind.AGGRESSIVE,
        "whatsapp",
        frozenset({Role.PUPIL}),
        description="x",
        safeguarding=safeguarding,
        involved_staff_id=involved,
    )
    where = place(PEOPLE, safeguarding=safeguarding, involved=involved)
    concern, _ = ConcernStore(engine).create(draft, f"V{next(_numbers)}", where, NOW)
    return concern.id or 0


def stored(engine: Engine, model: Any, record_id: int) -> Any:
    with reading(engine) as session:
        return session.get(model, record_id)


class Contacts:
    """The contact stores these tests fill: questions asked, and declarations."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.record_check = ContactCheckStore(engine).record_check
        self.declare = DeclarationStore(engine).declare


def one_of_everything(store: ConcernStore, contacts: Contacts) -> None:
    """A record of every kind, through the stores, with what staff would type and their ids as markers."""
    adopt_setting(store.engine, "2015-03", NOW)
    people = People(frozenset({"UMARKLEAD"}), frozenset({"UMARKDSL"}), "UMARKHEAD", "UMARKCHAIR")
    draft = ConcernDraft(
        "UMARKREPORTER",
        Area.CONTENT,
        Kind.VALUES,
        "tiktok",
        frozenset({Role.PUBLIC}),
        names="MARK-names",
        description="MARK-description",
        links_text="https://example.org/MARK-links",
        safeguarding=True,
        involved_staff_id="UMARKLEAD",  # a leader: it goes straight to the headteacher
    )
    concern, _ = store.create(draft, "VMARK1", place(people, safeguarding=True, involved="UMARKLEAD"), NOW)
    cid = concern.id or 0
    outbox = OutboxStore(store.engine)  # its post made: the trail says "delivered"
    outbox.put([Message(post_key(RecordKind.CONCERN, cid), (RecordKind.CONCERN, cid), "UMARKHEAD", "a post")], NOW)
    [claimed] = outbox.claim_due(NOW, replies=False, limit=10)
    assert outbox.sent(claimed.row, "DMARKHEAD", "1.1", NOW)
    people = People(
        frozenset({"UMARKLEAD"}), frozenset({"UMARKDSL"}), "UMARKHEAD", "UMARKCHAIR", governors=frozenset({"UMARKGOV"})
    )
    engine = store.engine

    def act(kind: RecordKind, record_id: int, what: Act, actor: str, key: str, **extra: Any) -> None:
        assert isinstance(change(engine, people, Command(kind, record_id, what, actor, NOW, key, **extra)), Changed)

    act(RecordKind.CONCERN, cid, Act.ACKNOWLEDGE, "UMARKHEAD", "k1", version=1, note="MARK-ack-note")
    act(
        RecordKind.CONCERN,
        cid,
        Act.RESOLVE,
        "UMARKHEAD",
        "k2",
        version=2,
        detail=Outcome.NO_ACTION.value,
        note="MARK-end",
    )

    check = contacts.record_check("UMARKASKER", QUESTION, "MARK-check-person", assess(QUESTION), "VMARK2", NOW)
    act(RecordKind.CONTACT_REQUEST, check.id or 0, Act.ASK_LEADERSHIP, "UMARKASKER", "ask:1")
    act(
        RecordKind.CONTACT_REQUEST,
        check.id or 0,
        Act.DECIDE,
        "UMARKHEAD",
        "decide:1",
        version=2,
        detail=Decision.APPROVE,
        until=date(2027, 11, 25),
        note="MARK-decision-note",
    )
    declared, _ = contacts.declare(
        "UMARKDECLARER",
        Person.PUPIL_FAMILY,
        Relationship.FAMILY,
        "MARK-declared",
        "VMARK3",
        NOW,
        date(2027, 11, 25),
    )
    act(RecordKind.DECLARATION, declared.id or 0, Act.ACKNOWLEDGE, "UMARKHEAD", "ack:1", version=1)
    review = review_subject_id(date(2026, 9, 1))
    refused = Command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UMARKNOTGOV", NOW, "review:1")
    assert isinstance(change(engine, people, refused), Refused)
    act(
        RecordKind.REVIEW,
        review,
        Act.MARK_REVIEW_DONE,
        "UMARKGOV",
        "review:2",
        until=date(2027, 9, 1),
        detail="2026-09",
    )
    with transaction(store.engine) as session:
        session.add(ReviewReminder(review_on=date(2027, 9, 1), mark="30 days"))
        session.add(SchoolMember(school_id=school_of(store.engine), role=SchoolRole.LEADER, slack_id="UMARKMEMBER"))


def seed_concerns(store: ConcernStore, count: int, until: datetime = NOW) -> list[int]:
    """`count` concerns over the 300 days to `until`, of every area and three kinds on three platforms (the same every
    run), one in nine on the safeguarding route, each with SECRET-n as its description, UREPn as its reporter and its
    first nudge due four hours on; their ids."""
    chance, made = random.Random(20261203), []
    for n in range(count):
        area, kind = chance.choice(list(Area)), chance.choice([Kind.AGGRESSIVE, Kind.SEXUAL, Kind.VALUES])
        platform = chance.choice(["instagram", "tiktok", "whatsapp"])
        safeguarding = n % 9 == 4
        draft = ConcernDraft(
            f"UREP{n}",
            area,
            kind,
            platform,
            frozenset({Role.PUPIL}),
            description=f"SECRET-{n}",
            safeguarding=safeguarding,
        )
        at = until - timedelta(days=chance.randrange(0, 300))
        where = place(PEOPLE, safeguarding=safeguarding, involved=None)
        concern, _ = store.create(draft, f"VPACK{until:%Y%m%d}-{n}", where, at, next_nudge_at=at + timedelta(hours=4))
        made.append(concern.id or 0)
    return made
