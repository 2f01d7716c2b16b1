"""The governors' pack against the export of the same data: every figure in its JSON block is the export's count of
the records its `where` names (a column the export cannot answer fails the test), or hidden where that count is
small (or withheld); every table on the page is a published table, row for row, each figure under its label; every
count in its sentences is a figure; and nothing anyone typed, no id and no reference reaches it."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.governors_pack import labels, named, pack
from bot.pack_page import month_label
from flows.contact import Channel, ContactQuestion, Person, assess
from flows.contact_requests import Decision, Relationship
from flows.pack import Figure
from flows.permissions import Act, RecordKind
from flows.platforms import default_platforms
from flows.taxonomy import EscalationTarget, Outcome
from storage.commands import Changed, change
from storage.concerns import ConcernStore
from storage.contact_checks import ContactCheckStore
from storage.declarations import DeclarationStore
from storage.export import export
from storage.models import Concern
from storage.nudges import CONCERN, NudgeStore
from storage.policy import adopt_setting
from tests.conftest import LONDON, NOW, PEOPLE
from tests.storage.helpers import Contacts, command, one_of_everything, seed_concerns, stored

PERIOD = (date(2026, 1, 1), date(2026, 12, 31))
NUDGE_AFTER = timedelta(hours=4)
# The page's tables (their first column's heading) and the published table each shows.
PAGE_TABLES = {
    "area": "Concerns by area",
    "kind": "Concerns by kind",
    "month": "Concerns by month",
    "platform": "Concerns by platform",
    "acknowledged": "Concerns by when they were acknowledged",
    "needed a nudge": "Concerns that needed a nudge",
    "headteacher told": "Concerns the headteacher was told of after the nudges",
    "escalated to": "Concerns by where they were escalated",
    "outcome": "Concerns by outcome",
    "version": "Concerns by policy version",
    "answer": "Contact questions by the policy's answer and leadership's decision",
    "about": "Contact questions by who they were about",
    "lapsed": "Declared connections by whether they were re-confirmed in time",
}
# The published tables no page table shows: totals in sentences, the heat map, the chart of the year before.
ELSEWHERE = {
    "Concerns",
    "Concerns by area and kind",
    "Concerns on the safeguarding route",
    "Concerns a year earlier",
    "Concerns a year earlier by month",
    "Contact questions",
    "Declared connections",
}
# Where each population is in the export, and the time that puts a record in a period (declarations: all held).
POPULATIONS = {
    "concerns": ("concerns", "created_at"),
    "contact_questions": ("contact_checks", "asked_at"),
    "declarations": ("declarations", None),
}


def handled(engine: Engine, concern_id: int, i: int) -> None:
    """The concern picked up, nudged, escalated or resolved, by its number: every way the pack counts it."""
    row = stored(engine, Concern, concern_id)
    reported, actor = row.created_at, "UDSL" if row.safeguarding else "UL1"

    def act(what: Act, after: timedelta, **extra: Any) -> None:
        moved = change(engine, PEOPLE, command(RecordKind.CONCERN, concern_id, what, actor, reported + after, **extra))
        assert isinstance(moved, Changed), (i, what, moved)

    def nudge(head_told: bool) -> None:
        nudges, now = NudgeStore(engine), reported + NUDGE_AFTER
        item = nudges.claim(CONCERN, concern_id, now, timedelta(minutes=1))
        assert item is not None and nudges.nudged(item, now, now + timedelta(days=1), head_told, [])

    if i % 4 == 0:  # picked up before the first nudge was due, and half of them resolved
        act(Act.ACKNOWLEDGE, timedelta(hours=1), version=1)
        if i % 8 == 0:
            act(Act.RESOLVE, timedelta(days=2), version=2, detail=Outcome.ADVICE_GIVEN.value)
    elif i % 4 == 1:  # nudged (the headteacher told of half), then picked up
        nudge(head_told=i % 8 == 1)
        act(Act.ACKNOWLEDGE, timedelta(hours=6), version=1)
    elif i % 4 == 2:  # escalated: picked up by whoever escalated it
        act(Act.ESCALATE, timedelta(hours=2), version=1, detail=EscalationTarget.POLICE.value)
    elif i % 8 == 7:  # still waiting, nudged
        nudge(head_told=True)


def a_year_of_everything(engine: Engine) -> None:
    """Concerns in the period and the year before, handled every way the pack counts them, under two policy
    versions; contact questions of every answer and decision; declarations current and lapsed."""
    store = ConcernStore(engine)
    seed_concerns(store, 12, until=NOW - timedelta(days=365))  # the year before
    for i, concern_id in enumerate(seed_concerns(store, 40)):
        handled(engine, concern_id, i)
    adopt_setting(engine, "2015-03", NOW)  # what was stored before: under the first version kept
    adopt_setting(engine, "2016-01", NOW)
    seed_concerns(store, 11, until=NOW - timedelta(days=1))  # under the second
    checks, asked = ContactCheckStore(engine), NOW - timedelta(days=30)
    permitted = ContactQuestion(Person.PUPIL, Channel.ACADEMY_SYSTEMS, under_18=False)
    refused = ContactQuestion(Person.PUPIL, Channel.SOCIAL_NETWORK, under_18=False)
    doubtful = ContactQuestion(Person.PUPIL_FAMILY, Channel.SOCIAL_NETWORK, under_18=False)
    questions = [permitted] * 3 + [refused] * 3 + [doubtful] * 6
    for n, question in enumerate(questions):
        check = checks.record_check(f"USTAFF{n}", question, f"Ms Parent {n}", assess(question), f"VQ{n}", asked)
        if n >= 8:  # four asked leadership: two still waiting, one approved, one declined
            ask = command(RecordKind.CONTACT_REQUEST, check.id or 0, Act.ASK_LEADERSHIP, f"USTAFF{n}", asked, due=NOW)
            assert isinstance(change(engine, PEOPLE, ask), Changed)
        if n >= 10:
            decision = Decision.APPROVE if n == 10 else Decision.DECLINE
            until = date(2027, 11, 25)
            decide = command(
                RecordKind.CONTACT_REQUEST, check.id or 0, Act.DECIDE, "UL1", version=2, detail=decision, until=until
            )
            assert isinstance(change(engine, PEOPLE, decide), Changed)
    declarations = DeclarationStore(engine)
    for n in range(11):  # four not re-confirmed by the end of the period
        confirm_by = date(2026, 6, 1) if n < 4 else date(2027, 6, 1)
        declarations.declare(f"USTAFF{n}", Person.PUPIL, Relationship.FAMILY, f"Niece {n}", f"VD{n}", asked, confirm_by)


def published(html: str) -> dict[str, Any]:
    """The pack's JSON block, as a DPO's own tools would read it."""
    block = re.search(r'<script type="application/json" id="published-figures">(.*?)</script>', html, re.S)
    assert block is not None, "the pack carries its figures as data"
    return json.loads(block.group(1).replace("<\\/", "</"))  # type: ignore[no-any-return]


def local(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(LONDON)


def exported(record: dict[str, Any], column: str, end: date) -> Any:
    """What the export says of a record for a figure's column: the column itself, or what the pack counts by, worked
    out from exported columns (the export keeps trails, not counters)."""
    trail = record.get("audit", [])
    if column == "month":
        return local(record["created_at"]).strftime("%Y-%m")
    if column == "acknowledged":
        if record["acknowledged_at"] is None:
            return "not_yet"
        waited = local(record["acknowledged_at"]) - local(record["created_at"])
        return "before_nudge" if waited <= NUDGE_AFTER else "after_nudge"
    if column == "nudged":
        return any(event["action"] == "nudged" for event in trail)
    if column == "head_told":
        return any(event["action"] == "nudged" and "headteacher told" in (event["detail"] or "") for event in trail)
    if column == "lapsed":
        return date.fromisoformat(record["confirm_by"]) < end
    if column == "policy_version":
        return record["policy_version"] or "unrecorded"
    if column not in record:
        pytest.fail(f"the export has nothing that gives a figure's {column!r}")
    return record[column]


def exported_count(logs: dict[str, Any], figure: dict[str, Any], period: dict[str, str]) -> int:
    """How many records of the export the figure names."""
    if figure["of"] not in POPULATIONS:
        pytest.fail(f"the export has no population {figure['of']!r}")
    log, when = POPULATIONS[figure["of"]]
    start, end = (date.fromisoformat(day) for day in (figure.get("period") or period).values())
    records = [r for r in logs[log] if when is None or start <= local(r[when]).date() <= end]
    return sum(all(exported(r, column, end) == value for column, value in figure["where"].items()) for r in records)


def page_tables(html: str) -> dict[str, list[tuple[str, str]]]:
    """The page's tables of counts, by their first heading: their rows (label, count), as a reader sees them."""
    found = {}
    for table in re.findall(r"<table>(.*?)</table>", html, re.S):
        head = unescape(re.findall(r"<th>([^<]*)</th>", table)[0])
        if head != "due":  # the past reviews: dates, no counts
            found[head] = [
                (unescape(a), unescape(b)) for a, b in re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", table)
            ]
    return found


def label(figure: dict[str, Any], words: dict[str, str]) -> str:
    """What the figure counts, in the words every place the governors read uses (bot.governors_pack)."""
    where = tuple(figure["where"].items())
    month = figure["where"].get("month")
    return month_label(month) if month else named(Figure(figure["table"], figure["of"], where, figure["shown"]), words)


def test_every_figure_is_the_exports_count_and_every_count_on_the_page_is_a_figure(fresh_engine: Engine) -> None:
    a_year_of_everything(fresh_engine)
    html = pack(fresh_engine, *PERIOD, LONDON, NUDGE_AFTER, 3)
    data = published(html)
    logs = json.loads(export(fresh_engine, "json", tz=LONDON))
    assert {f["table"] for f in data["figures"]} == set(PAGE_TABLES.values()) | ELSEWHERE, "a table not published"
    for figure in data["figures"]:
        true, shown = exported_count(logs, figure, data["period"]), figure["shown"]
        if isinstance(shown, int):
            assert shown == true, figure
        else:
            assert shown == "withheld" or (shown == "fewer than 3" and 0 < true < 3), (figure, true)
    assert sum(isinstance(f["shown"], int) and f["shown"] > 0 for f in data["figures"]) > 40
    # Every table on the page is a published table, row for row: each figure under its label, with its count.
    words = labels(default_platforms())
    assert set(page_tables(html)) == set(PAGE_TABLES), "a table on the page the test cannot name, or one missing"
    for head, rows in page_tables(html).items():
        figures = [f for f in data["figures"] if f["table"] == PAGE_TABLES[head]]
        assert rows == [(label(f, words), str(f["shown"])) for f in figures], head
    # And every count in a sentence.
    total = {f["table"]: f["shown"] for f in data["figures"] if not f["where"]}
    [route] = [f["shown"] for f in data["figures"] if f["where"] == {"safeguarding": True}]
    for sentence in (
        f"Concerns reported: <strong>{total['Concerns']}</strong>, of them on the safeguarding route: {route}.",
        f"A year earlier: {total['Concerns a year earlier']} concerns.",
        f"Asked: {total['Contact questions']}.",
        f"At the end of the period: {total['Declared connections']}.",
    ):
        assert sentence in html
    assert "SECRET" not in html and "UREP" not in html and "SMP-" not in html and "Ms Parent" not in html


def test_nothing_typed_no_id_and_no_reference_reaches_the_pack(stores: tuple[ConcernStore, Contacts]) -> None:
    store, contacts = stores
    one_of_everything(store, contacts)  # every free-text field holds a marker, every id is a marker
    seed_concerns(store, 12)
    html = pack(store.engine, date(2025, 12, 1), date(2026, 11, 30), LONDON, timedelta(hours=4), 3)
    assert "MARK" not in html and "SMP-" not in html
    assert "<svg" in html and html.count("<figure") >= 4
