"""The one set of words for a refused or missing record: every act a person can try on every kind of record has its
own sentence (never the fallback), each says the attempt was recorded, and nothing else is answered with them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.views.refusals import WHO_MAY, not_found, not_yours, refusal
from flows.permissions import TABLE, Act, RecordKind
from storage.commands import Changed, Command, Missing, Overtaken, Refused, Repeated
from storage.records import DueReview

PERSON_ACTS = list(Act)[: list(Act).index(Act.ALERT)]  # what a person does; the rest is who is told or shown


@pytest.mark.parametrize(("kind", "act"), [key for key in TABLE if key[1] in PERSON_ACTS])
def test_every_act_a_person_may_try_has_its_own_words(kind: RecordKind, act: Act) -> None:
    assert (kind, act) in WHO_MAY
    sentence = not_yours(kind, act)
    assert sentence.endswith(". Your attempt has been recorded.") and "not yours" not in sentence


def test_the_words_name_only_acts_the_permission_table_knows() -> None:
    assert set(WHO_MAY) <= set(TABLE)


def test_only_a_refusal_or_a_missing_record_is_answered_with_them() -> None:
    command = Command(RecordKind.REVIEW, 1, Act.MARK_REVIEW_DONE, "U1", datetime(2026, 1, 1, tzinfo=UTC), "k")
    row = DueReview(datetime(2027, 3, 1).date(), None)
    assert (
        refusal(Refused(row), command) == "Only governors can record the policy review. Your attempt has been recorded."
    )
    assert refusal(Missing(), command) == not_found(RecordKind.REVIEW) == "That policy review could not be found."
    assert [refusal(result, command) for result in (Changed(row), Repeated(row), Overtaken(row))] == [None] * 3
