"""Subject access: each person gets what is held about them, their own words back, and nobody else's id or words;
what is withheld is listed, with why, for the data protection officer. The page shows the same."""

from __future__ import annotations

import json

from bot.subject_access_page import render
from storage import audit
from storage.concerns import ConcernStore
from storage.subject_access import OTHERS_TEXT, gather
from tests.conftest import LONDON, NOW
from tests.storage.helpers import Contacts, one_of_everything

OTHERS = ("UMARKREPORTER", "UMARKLEAD", "UMARKHEAD", "UMARKASKER", "UMARKDECLARER", "UMARKGOV", "UMARKDSL")


def of(document: dict, log: str) -> list[dict]:  # type: ignore[type-arg]
    return [entry for entry in document["held"] if entry["log"] == log]


def events_of(document: dict) -> list[dict]:  # type: ignore[type-arg]
    """Every audit event in the document: with its record, or on its own."""
    alone = [entry["record"] for entry in of(document, "audit_entry")]
    return alone + [event for entry in document["held"] for event in entry.get("audit", [])]


def test_the_reporter_gets_their_report_and_its_handling_without_anyone_elses_id_or_note(
    stores: tuple[ConcernStore, Contacts],
) -> None:
    store, contacts = stores
    one_of_everything(store, contacts)
    document = gather(store.engine, "UMARKREPORTER", NOW)
    [concern] = of(document, "concern")
    assert concern["as"] == ["reporter"]
    record = concern["record"]
    assert (record["description"], record["names"]) == ("MARK-description", "MARK-names")  # their own words
    assert record["reporter_id"] == "UMARKREPORTER"
    assert [e["action"] for e in concern["audit"]][:1] == ["reported"]
    text = json.dumps(document)
    for someone in OTHERS[1:]:
        assert someone not in text, f"{someone} reached the reporter's copy"
    assert "MARK-ack-note" not in text and "MARK-end" not in text  # leadership's notes are theirs
    assert {w["field"] for w in concern["withheld"]} >= {"involved_staff_id", "acknowledged_by"}


def test_the_member_of_staff_a_concern_is_about_is_not_told_who_reported_it_or_what_they_wrote(
    stores: tuple[ConcernStore, Contacts],
) -> None:
    store, contacts = stores
    one_of_everything(store, contacts)
    document = gather(store.engine, "UMARKLEAD", NOW)
    [concern] = of(document, "concern")
    assert concern["as"] == ["member of staff involved"]
    assert concern["record"]["status"] == "resolved" and concern["record"]["involved_staff_id"] == "UMARKLEAD"
    text = json.dumps(document)
    assert "UMARKREPORTER" not in text and "MARK-description" not in text and "MARK-names" not in text
    withheld = {w["field"]: w["why"] for w in concern["withheld"]}
    assert "reporter" in withheld["reporter_id"] and withheld["description"] == OTHERS_TEXT
    assert document["withheld_fields"] >= len(withheld)
    page = render(document, LONDON, "Lee Mark")
    assert "What policybot holds about Lee Mark (UMARKLEAD)" in page
    assert "UMARKREPORTER" not in page and "MARK-description" not in page
    assert "For the data protection officer" in page and "description" in page  # listed, not shown


def test_an_actor_gets_their_own_acts_and_notes_and_someone_held_nowhere_gets_an_empty_document(
    stores: tuple[ConcernStore, Contacts],
) -> None:
    store, contacts = stores
    one_of_everything(store, contacts)
    [concern_id] = [c.id for c in store.open_concerns()] or [1]
    click = audit.entry("concern", concern_id, "UMARKHEAD", "viewed_details", NOW, request_key="action:9.9:UMARKHEAD")
    assert audit.append(store.engine, click)  # a click of theirs: its key holds their id, and only theirs
    head = gather(store.engine, "UMARKHEAD", NOW)
    events = events_of(head)
    notes = [event.get("note") for event in events]
    assert "MARK-ack-note" in notes and "MARK-decision-note" in notes
    ids = [event["id"] for event in events]
    assert len(ids) == len(set(ids)), "an audit event appears once, with its record where that is held"
    mine = [event for event in events if event.get("actor_id") == "UMARKHEAD" and event.get("request_key")]
    assert mine  # their own acts, with their own keys: never withheld as "another person"
    assert "action:9.9:UMARKHEAD" in [event["request_key"] for event in mine]
    assert "MARK-description" not in json.dumps(head)  # acting on a concern does not make its words theirs
    asker = gather(store.engine, "UMARKASKER", NOW)
    [question] = of(asker, "contact_check")
    assert question["record"]["person_described"] == "MARK-check-person"
    nobody = gather(store.engine, "UNOBODY1", NOW)
    assert (nobody["records"], nobody["held"]) == (0, [])
