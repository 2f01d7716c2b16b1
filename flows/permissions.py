"""Who may do what, and who is told what: the one answer for every question the bot asks about a person and a
record. The school's roles and a record's facts in, a set of Slack user ids out.

The table below says, for each kind of record and each act, who it is open to. Three rules then hold for every
row, applied once in `who()` rather than in each row:
- nobody is shown, told, nudged or asked to decide about a record that names them (the member of staff involved);
- nobody decides, acknowledges or is chased about their own request (the record's owner), except where the act is
  the owner's own (asking leadership, re-confirming, being told how it went);
- safeguarding concerns are open only to the safeguarding lead(s) and the headteacher, or the chair of governors
  when the headteacher is the one involved.

Where a concern was placed (the leadership channel, or one person's DMs because of a conflict of interest) is decided
once, when it is reported (`place`), and stored: the post is there. Who may act on it is derived from today's
roles, within that placement: a concern placed with the headteacher stays theirs, whoever joins the channel later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class People:
    """The school's roles as Slack user ids."""

    leadership: frozenset[str]
    safeguarding_leads: frozenset[str]
    headteacher: str
    chair_of_governors: str
    channel_members: frozenset[str] | None = frozenset()  # None: the leadership channel's members are not known
    governors: frozenset[str] = frozenset()  # the chair is always one (see governing_body)
    # A trust's safeguarding leads, named at no school: told that a school's safeguarding concern came, never more.
    trust_safeguarding_leads: frozenset[str] = frozenset()

    @property
    def governing_body(self) -> frozenset[str]:
        return self.governors | {self.chair_of_governors}


POLICYBOT = "policybot"  # the actor of what policybot does by itself (delivered, nudged, redacted under retention)


class RecordKind(StrEnum):
    CONCERN = "concern"
    CONTACT_REQUEST = "check"  # a /check-contact question sent to leadership
    DECLARATION = "declaration"
    REVIEW = "review"  # the governors' annual review of the policy


class Act(StrEnum):
    # What a person does.
    VIEW_DETAILS = "view_details"
    ACKNOWLEDGE = "acknowledge"  # a concern, or a declared connection
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    ASK_LEADERSHIP = "ask_leadership"
    DECIDE = "decide"  # approve or decline a contact request
    RECONFIRM = "reconfirm"
    MARK_REVIEW_DONE = "mark_review_done"
    GET_PACK = "get_pack"  # the governors' pack (anonymised figures), sent to them on demand
    REDACT = "redact"  # retention: clear a record's personal and typed fields once its period has run
    KEEP_LONGER = "keep_longer"  # retention: keep a concern unredacted for longer
    # Who is told.
    ALERT = "alert"  # a safeguarding concern, at once, by DM
    TRUST_ALERT = "trust_alert"  # a safeguarding concern, at once, to the trust's lead: that it came, and where
    NUDGE_BY_DM = "nudge_by_dm"  # a safeguarding concern nobody has acknowledged
    UNANSWERED = "unanswered"  # the escalation after the nudges: someone must make sure it is picked up
    ESCALATED_TO_SAFEGUARDING = "escalated_to_safeguarding"
    ESCALATED_TO_HEAD = "escalated_to_head"
    TOLD_OF_CHANGES = "told_of_changes"  # the reporter or asker, of each step (never leadership's notes)
    REMINDED = "reminded"  # the governors, of the review
    # What a person is shown.
    SEE_PATTERNS = "see_patterns"  # concerns naming a member of staff, grouped by them (KCSIE: low-level concerns)


class Placement(StrEnum):
    CHANNEL = "channel"  # the private leadership channel
    DIRECT = "direct"  # a DM to one person, because of a conflict of interest


@dataclass(frozen=True)
class Record:
    """What the rules need to know of a record."""

    kind: RecordKind
    owner: str | None = None  # who reported, asked or declared
    involved: str | None = None  # the member of staff a concern is about
    safeguarding: bool = False
    placement: Placement = Placement.CHANNEL
    direct_to: str | None = None  # the person a DIRECT concern was placed with


def place(people: People, *, safeguarding: bool, involved: str | None) -> tuple[Placement, str | None]:
    """Where a new concern goes: the leadership channel, unless the member of staff involved would see it there (a
    leader, a safeguarding lead, the headteacher or anyone in the channel; anyone, when the channel's members are
    not known): then by DM to the headteacher, or to the chair when it is the headteacher."""
    if involved is None:
        return Placement.CHANNEL, None
    known = people.channel_members
    would_see = known is None or involved in (
        people.leadership | people.safeguarding_leads | {people.headteacher} | known
    )
    if not would_see:
        return Placement.CHANNEL, None
    return Placement.DIRECT, people.chair_of_governors if involved == people.headteacher else people.headteacher


def _stake(record: Record) -> frozenset[str]:
    """Who must not handle the record: the member of staff it names, and for a request or a declaration its owner
    (nobody decides their own). A concern's reporter may be a leader and handle it, as any leader may."""
    found = {record.involved}
    if record.kind in (RecordKind.CONTACT_REQUEST, RecordKind.DECLARATION):
        found.add(record.owner)
    return frozenset(found - {None})  # type: ignore[arg-type]


def _head_or_chair(people: People, record: Record) -> frozenset[str]:
    """The headteacher; the chair of governors when the headteacher has a stake in the record."""
    return frozenset({people.chair_of_governors if people.headteacher in _stake(record) else people.headteacher})


def _above_the_holder(people: People, record: Record) -> frozenset[str]:
    """Whoever must see that a record is picked up: the headteacher, or the chair when the headteacher has a stake
    in it or is the one holding it; the holder after all when the chair is the one it names."""
    head, chair = people.headteacher, people.chair_of_governors
    preferred = [chair, head] if head in _stake(record) or head == record.direct_to else [head, chair]
    return frozenset(next(([p] for p in preferred if p not in _stake(record)), []))


def _safeguarding_team(people: People, record: Record) -> frozenset[str]:
    return people.safeguarding_leads | _head_or_chair(people, record)


def _handlers(people: People, record: Record) -> frozenset[str]:
    """Who handles a concern: whoever it was placed with (and the safeguarding leads, on the safeguarding route);
    on the channel, the safeguarding team for a safeguarding concern, otherwise the leadership team and the head."""
    if record.placement is Placement.DIRECT:
        team = people.safeguarding_leads if record.safeguarding else frozenset()
        return frozenset({record.direct_to or people.headteacher}) | team
    if record.safeguarding:
        return _safeguarding_team(people, record)
    return people.leadership | {people.headteacher}


def _viewers(people: People, record: Record) -> frozenset[str]:
    """Those who handle it, and on the channel the safeguarding leads too: they may read any concern's details."""
    extra = people.safeguarding_leads if record.placement is Placement.CHANNEL else frozenset()
    return _handlers(people, record) | extra


def _leadership(people: People, _record: Record) -> frozenset[str]:
    return people.leadership | {people.headteacher}


def _owner(_people: People, record: Record) -> frozenset[str]:
    return frozenset({record.owner} if record.owner else set())


def _alerted(people: People, record: Record) -> frozenset[str]:
    return people.safeguarding_leads if record.safeguarding else frozenset()


def _trust_alerted(people: People, record: Record) -> frozenset[str]:
    """The trust's safeguarding leads, but not one who is also the school's (alerted once, as the school's)."""
    return people.trust_safeguarding_leads - people.safeguarding_leads if record.safeguarding else frozenset()


def _nudged_by_dm(people: People, record: Record) -> frozenset[str]:
    """A safeguarding concern nobody has acknowledged: the safeguarding leads, or the headteacher (the chair) when
    no lead can have it."""
    leads = people.safeguarding_leads - _stake(record)
    return leads if leads else _head_or_chair(people, record)


def _safeguarding_leads(people: People, _record: Record) -> frozenset[str]:
    return people.safeguarding_leads


def _governors(people: People, _record: Record) -> frozenset[str]:
    return people.governing_body


def _confirmers(people: People, record: Record) -> frozenset[str]:
    """Who confirms the redaction of a concern on the safeguarding route or one that names a member of staff (or
    keeps it longer): the safeguarding leads; the headteacher, or the chair, when every lead has a stake in it."""
    if record.kind is not RecordKind.CONCERN or not (record.safeguarding or record.involved):
        return frozenset()
    return (people.safeguarding_leads - _stake(record)) or _head_or_chair(people, record)


def _retention(people: People, record: Record) -> frozenset[str]:
    """Who redacts a record whose retention period has run: policybot by itself, unless a lead must confirm."""
    return _confirmers(people, record) or frozenset({POLICYBOT})


Permitted = Callable[[People, Record], frozenset[str]]
CONCERN, REQUEST, DECLARATION, REVIEW = (
    RecordKind.CONCERN,
    RecordKind.CONTACT_REQUEST,
    RecordKind.DECLARATION,
    RecordKind.REVIEW,
)

# (kind of record, act) -> who it is open to, before the rules that hold for every row (see who()). An act that
# is not in the table is open to nobody.
TABLE: dict[tuple[RecordKind, Act], Permitted] = {
    (CONCERN, Act.VIEW_DETAILS): _viewers,
    (CONCERN, Act.ACKNOWLEDGE): _handlers,
    (CONCERN, Act.ESCALATE): _handlers,
    (CONCERN, Act.RESOLVE): _handlers,
    (CONCERN, Act.ALERT): _alerted,
    (CONCERN, Act.TRUST_ALERT): _trust_alerted,
    (CONCERN, Act.NUDGE_BY_DM): _nudged_by_dm,
    (CONCERN, Act.UNANSWERED): _above_the_holder,
    (CONCERN, Act.ESCALATED_TO_SAFEGUARDING): _safeguarding_leads,
    (CONCERN, Act.ESCALATED_TO_HEAD): _head_or_chair,
    (CONCERN, Act.TOLD_OF_CHANGES): _owner,
    (CONCERN, Act.SEE_PATTERNS): _head_or_chair,
    (REQUEST, Act.ASK_LEADERSHIP): _owner,
    (REQUEST, Act.DECIDE): _leadership,
    (REQUEST, Act.VIEW_DETAILS): _leadership,  # the decision's note and the trail (never the asker's own)
    (REQUEST, Act.UNANSWERED): _above_the_holder,
    (REQUEST, Act.TOLD_OF_CHANGES): _owner,
    (DECLARATION, Act.ACKNOWLEDGE): _leadership,
    (DECLARATION, Act.RECONFIRM): _owner,
    (REVIEW, Act.MARK_REVIEW_DONE): _governors,
    (REVIEW, Act.REMINDED): _governors,
    (REVIEW, Act.GET_PACK): _governors,
    (CONCERN, Act.REDACT): _retention,
    (CONCERN, Act.KEEP_LONGER): _confirmers,
    (REQUEST, Act.REDACT): _retention,
    (DECLARATION, Act.REDACT): _retention,
}

# The acts that are the owner's own; every other act leaves out whoever has a stake in the record.
OWNERS_OWN = frozenset({Act.ASK_LEADERSHIP, Act.RECONFIRM, Act.TOLD_OF_CHANGES})
# The acts that open a record (its details, or a say in it): on the safeguarding route only its team's.
OPENING = frozenset({Act.VIEW_DETAILS, Act.ACKNOWLEDGE, Act.ESCALATE, Act.RESOLVE})


def who(people: People, record: Record, act: Act) -> frozenset[str]:
    """Everyone the act is open to, for this record, today."""
    rule = TABLE.get((record.kind, act))
    if rule is None:
        return frozenset()
    found = rule(people, record) - {record.involved}
    if act not in OWNERS_OWN:
        found -= _stake(record)
    if record.safeguarding and act in OPENING:
        found &= _safeguarding_team(people, record)
    return frozenset(found - {""})


def may(people: People, record: Record, act: Act, person: str) -> bool:
    return person in who(people, record, act)
