"""assess(): every contact rule of section 6, row by row, and properties over every combination of facts."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.contact import Channel, ContactQuestion, Person, RulesError, Verdict, assess, parse_rules

P, C, V = Person, Channel, Verdict
NO_PUPIL_FRIENDS = (
    "not have any pupils or any ex-pupils under the age of 18 as friends on their social networking sites"
)
UNDER_18 = "Not to have any online friendships with any young people under the age of 18, unless they are family"
PERSONAL_DATA = "Never give personal email addresses or other personal data to pupils or parents (except where"
ACADEMY_ONLY = "must only use the Academy's systems for communications"
FAMILY_CARE = "Staff must also carefully consider contact with a pupil's family members"
ANY_DOUBT = "If there is any doubt or uncertainty about whether communication between a pupil/ parent and member"
PUBLISHED = "bear in mind that what is published might be read by other staff, Governors, pupils"

KEEP_PRIVATE = "Keep personal phone numbers private"

# (the policy sentence the row checks, the rule that decides it, the question, the verdict)
ROWS = [
    (NO_PUPIL_FRIENDS, "no-pupil-friends", ContactQuestion(P.PUPIL, C.SOCIAL_NETWORK, under_18=True), V.NOT_PERMITTED),
    (
        NO_PUPIL_FRIENDS,
        "no-pupil-friends",
        ContactQuestion(P.PUPIL, C.SOCIAL_NETWORK, under_18=False),
        V.NOT_PERMITTED,
    ),  # sixth form
    # No exception for existing friends on social media: the bar on pupils is absolute.
    (
        NO_PUPIL_FRIENDS,
        "no-pupil-friends",
        ContactQuestion(P.PUPIL, C.SOCIAL_NETWORK, under_18=False, existing_personal_friend=True),
        V.NOT_PERMITTED,
    ),
    (
        NO_PUPIL_FRIENDS,
        "no-under-18-ex-pupil-friends",
        ContactQuestion(P.FORMER_PUPIL, C.SOCIAL_NETWORK, under_18=True),
        V.NOT_PERMITTED,
    ),
    (
        NO_PUPIL_FRIENDS,
        "adult-ex-pupil-friends",
        ContactQuestion(P.FORMER_PUPIL, C.SOCIAL_NETWORK, under_18=False),
        V.PERMITTED,
    ),
    (
        NO_PUPIL_FRIENDS,
        "no-under-18-ex-pupil-friends",
        ContactQuestion(P.FORMER_PUPIL, C.SOCIAL_NETWORK, under_18=None),
        V.REFER,
    ),
    (UNDER_18, "no-under-18-online-friends", ContactQuestion(P.YOUNG_PERSON, C.SOCIAL_NETWORK), V.NOT_PERMITTED),
    (
        UNDER_18,
        "no-under-18-online-friends",
        ContactQuestion(P.YOUNG_PERSON, C.PERSONAL_MESSAGING, under_18=True),
        V.NOT_PERMITTED,
    ),
    (
        UNDER_18,
        "family-exception",
        ContactQuestion(P.YOUNG_PERSON, C.SOCIAL_NETWORK, family_or_close_family_friend=True),
        V.PERMITTED,
    ),
    (
        UNDER_18,
        "no-under-18-online-friends",
        ContactQuestion(P.PUPIL_FAMILY, C.SOCIAL_NETWORK, under_18=True),
        V.NOT_PERMITTED,
    ),  # a sibling
    (
        UNDER_18,
        "no-under-18-online-friends",
        ContactQuestion(P.PUPIL_FAMILY, C.SOCIAL_NETWORK, under_18=True, existing_personal_friend=True),
        V.NOT_PERMITTED,
    ),
    (
        UNDER_18,
        "no-under-18-online-friends",
        ContactQuestion(P.COLLEAGUE, C.SOCIAL_NETWORK, under_18=True),
        V.NOT_PERMITTED,
    ),  # an apprentice
    (UNDER_18, "no-under-18-online-friends", ContactQuestion(P.COLLEAGUE, C.SOCIAL_NETWORK, under_18=None), V.REFER),
    # The family exception and the bar on pupils disagree: a niece in Year 9 is for leadership to decide.
    (
        UNDER_18,
        "family-exception",
        ContactQuestion(P.PUPIL, C.SOCIAL_NETWORK, under_18=True, family_or_close_family_friend=True),
        V.REFER,
    ),
    (
        PERSONAL_DATA,
        "no-personal-data-pupils-parents",
        ContactQuestion(P.PUPIL_FAMILY, C.PERSONAL_EMAIL, under_18=False),
        V.NOT_PERMITTED,
    ),
    (
        PERSONAL_DATA,
        "no-personal-data-pupils-parents",
        ContactQuestion(P.PUPIL_FAMILY, C.PERSONAL_PHONE, under_18=False),
        V.NOT_PERMITTED,
    ),
    (
        PERSONAL_DATA,
        "no-personal-data-pupils-parents",
        ContactQuestion(P.PUPIL_FAMILY, C.PERSONAL_MESSAGING, under_18=False),
        V.NOT_PERMITTED,
    ),
    (
        PERSONAL_DATA,
        "no-personal-data-pupils-parents",
        ContactQuestion(P.PUPIL_FAMILY, C.PERSONAL_PHONE, under_18=None),
        V.NOT_PERMITTED,
    ),
    (
        PERSONAL_DATA,
        "existing-friend-parents",
        ContactQuestion(P.PUPIL_FAMILY, C.PERSONAL_PHONE, under_18=False, existing_personal_friend=True),
        V.PERMITTED,
    ),
    # The exception is for pupils and parents: a pupil's 16-year-old cousin is neither.
    (
        PERSONAL_DATA,
        "no-personal-data-young-relatives",
        ContactQuestion(P.PUPIL_FAMILY, C.PERSONAL_PHONE, under_18=True, existing_personal_friend=True),
        V.NOT_PERMITTED,
    ),
    (
        PERSONAL_DATA,
        "no-personal-data-young-relatives",
        ContactQuestion(P.PUPIL_FAMILY, C.PERSONAL_EMAIL, under_18=None, existing_personal_friend=True),
        V.REFER,
    ),
    (
        PERSONAL_DATA,
        "no-personal-data-others",
        ContactQuestion(P.FORMER_PUPIL, C.PERSONAL_PHONE, under_18=False),
        V.NOT_PERMITTED,
    ),
    (PERSONAL_DATA, "no-personal-data-others", ContactQuestion(P.YOUNG_PERSON, C.PERSONAL_EMAIL), V.NOT_PERMITTED),
    # The existing-friend exception and "only the Academy's systems" disagree for a pupil.
    (
        PERSONAL_DATA,
        "existing-friend-pupils",
        ContactQuestion(P.PUPIL, C.PERSONAL_PHONE, under_18=True, existing_personal_friend=True),
        V.REFER,
    ),
    (ACADEMY_ONLY, "academy-systems", ContactQuestion(P.PUPIL, C.ACADEMY_SYSTEMS, under_18=True), V.PERMITTED),
    (
        ACADEMY_ONLY,
        "pupils-academy-systems-only",
        ContactQuestion(P.PUPIL, C.PERSONAL_EMAIL, under_18=True),
        V.NOT_PERMITTED,
    ),
    (
        ACADEMY_ONLY,
        "pupils-academy-systems-only",
        ContactQuestion(P.PUPIL, C.PERSONAL_MESSAGING, under_18=None),
        V.NOT_PERMITTED,
    ),
    (ACADEMY_ONLY, "academy-systems", ContactQuestion(P.PUPIL_FAMILY, C.ACADEMY_SYSTEMS, under_18=None), V.PERMITTED),
    (FAMILY_CARE, "pupil-family-consider", ContactQuestion(P.PUPIL_FAMILY, C.SOCIAL_NETWORK, under_18=False), V.REFER),
    (
        FAMILY_CARE,
        "pupil-family-existing-friend",
        ContactQuestion(P.PUPIL_FAMILY, C.SOCIAL_NETWORK, under_18=False, existing_personal_friend=True),
        V.PERMITTED,
    ),
    (ANY_DOUBT, "any-doubt", ContactQuestion(P.COLLEAGUE, C.PERSONAL_PHONE, under_18=True), V.REFER),  # unsettled
    (
        ANY_DOUBT,
        "young-person-is-under-18",
        ContactQuestion(P.YOUNG_PERSON, C.ACADEMY_SYSTEMS, under_18=False),
        V.REFER,
    ),  # the facts disagree
    (PUBLISHED, "colleagues", ContactQuestion(P.COLLEAGUE, C.SOCIAL_NETWORK, under_18=False), V.PERMITTED),
    (PUBLISHED, "colleagues", ContactQuestion(P.COLLEAGUE, C.PERSONAL_PHONE, under_18=False), V.PERMITTED),
    (PUBLISHED, "other-adults-online", ContactQuestion(P.OTHER_ADULT, C.SOCIAL_NETWORK, under_18=False), V.PERMITTED),
    (KEEP_PRIVATE, "keep-numbers-private", ContactQuestion(P.OTHER_ADULT, C.PERSONAL_PHONE, under_18=False), V.REFER),
]


@pytest.mark.parametrize(
    ("sentence", "rule_id", "question", "verdict"), ROWS, ids=[f"{r}-{q.channel}-{v}" for _, r, q, v in ROWS]
)
def test_section_6(sentence: str, rule_id: str, question: ContactQuestion, verdict: Verdict) -> None:
    answer = assess(question)
    assert answer.verdict is verdict, answer.reasons
    assert rule_id in answer.rule_ids, answer.rule_ids  # the rule this row is about is one the answer rests on
    assert any(sentence in quote for quote in answer.quotes), answer.quotes
    assert answer.citations == ["6"]


def test_every_rule_in_the_policy_file_is_exercised_by_a_row() -> None:
    from flows.contact import default_rules

    named = {rule_id for _, rule_id, _, _ in ROWS}
    assert {r.id for r in default_rules().rules} | {default_rules().fallback.id} <= named


def test_an_unknown_fact_that_decides_the_answer_is_named() -> None:
    answer = assess(ContactQuestion(P.FORMER_PUPIL, C.SOCIAL_NETWORK, under_18=None))
    assert "under 18" in answer.reasons[0]


questions = st.builds(
    ContactQuestion,
    person=st.sampled_from(Person),
    channel=st.sampled_from(Channel),
    under_18=st.sampled_from([True, False, None]),
    family_or_close_family_friend=st.sampled_from([True, False, None]),
    existing_personal_friend=st.sampled_from([True, False, None]),
)


@given(questions)
def test_every_combination_gets_a_verdict_with_reasons_and_citations(question: ContactQuestion) -> None:
    answer = assess(question)
    assert isinstance(answer.verdict, Verdict)
    assert answer.reasons and all(r.strip() for r in answer.reasons)
    assert answer.citations and answer.quotes


@given(questions)
def test_unknown_facts_never_permit_what_a_known_value_would_forbid(question: ContactQuestion) -> None:
    unknown = [
        n
        for n in ("under_18", "family_or_close_family_friend", "existing_personal_friend")
        if getattr(question, n) is None
    ]
    if question.person is Person.YOUNG_PERSON:
        unknown = [n for n in unknown if n != "under_18"]  # under 18 by definition
    if not unknown or assess(question).verdict is not Verdict.PERMITTED:
        return
    from dataclasses import replace

    for values in itertools.product((True, False), repeat=len(unknown)):
        known = replace(question, **dict(zip(unknown, values, strict=True)))
        assert assess(known).verdict is not Verdict.NOT_PERMITTED, known


def test_a_school_can_change_the_rules_without_code() -> None:
    stricter = parse_rules(
        """
        [fallback]
        id = "ask"
        section = "6"
        verdict = "REFER"
        quote = "Ask."
        reason = "Ask leadership."

        [[rule]]
        id = "no-ex-pupils-at-all"
        section = "6.2"
        verdict = "NOT_PERMITTED"
        person = ["FORMER_PUPIL"]
        quote = "Staff must not be friends with any ex-pupil."
        reason = "Our policy bars all ex-pupils."
        """
    )
    answer = assess(ContactQuestion(P.FORMER_PUPIL, C.SOCIAL_NETWORK, under_18=False), stricter)
    assert answer.verdict is V.NOT_PERMITTED and answer.citations == ["6.2"]
    assert assess(ContactQuestion(P.COLLEAGUE, C.SOCIAL_NETWORK, under_18=False), stricter).verdict is V.REFER


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[[rule]]\nid='x'", "[fallback]"),
        ("[fallback]\nid='f'\nsection='6'\nverdict='MAYBE'\nquote='q'\nreason='r'", "MAYBE"),
        ("[fallback]\nid='f'\nsection='6'\nverdict='REFER'\nquote='q'\nreason='r'\nperson=['TEACHER']", "TEACHER"),
        ("[fallback]\nid='f'\nsection='6'\nverdict='REFER'\nquote='q'\nreason='r'\ncolour=['red']", "colour"),
        ("not toml [", "TOML"),
    ],
)
def test_a_broken_rules_file_is_refused_with_a_clear_message(text: str, words: str) -> None:
    with pytest.raises(RulesError) as refused:
        parse_rules(text)
    assert words in str(refused.value)


EVERY_QUESTION = [
    ContactQuestion(person, channel, under_18, family, friend)
    for person in Person
    for channel in Channel
    for under_18 in (True, False, None)
    for family in (True, False, None)
    for friend in (True, False, None)
]


def test_all_810_combinations_have_an_answer_and_unknowns_never_permit_what_could_be_forbidden() -> None:
    from dataclasses import replace

    assert len(EVERY_QUESTION) == 810
    for question in EVERY_QUESTION:
        answer = assess(question)
        assert answer.reasons and answer.citations and answer.quotes, question
        unknown = [
            n
            for n in ("under_18", "family_or_close_family_friend", "existing_personal_friend")
            if getattr(question, n) is None and not (n == "under_18" and question.person is P.YOUNG_PERSON)
        ]
        if answer.verdict is V.PERMITTED:
            for values in itertools.product((True, False), repeat=len(unknown)):
                known = replace(question, **dict(zip(unknown, values, strict=True)))
                assert assess(known).verdict is not V.NOT_PERMITTED, (question, known)


def test_what_a_safeguarding_lead_would_never_accept_is_never_permitted() -> None:
    for q in EVERY_QUESTION:
        verdict = assess(q).verdict
        if q.person is P.PUPIL and q.channel is not C.ACADEMY_SYSTEMS:
            assert verdict is not V.PERMITTED, q  # a pupil on a personal channel: never a plain yes
        under_18 = q.under_18 is True or q.person is P.YOUNG_PERSON
        online = q.channel in (C.SOCIAL_NETWORK, C.PERSONAL_MESSAGING, C.PERSONAL_PHONE, C.PERSONAL_EMAIL)
        if under_18 and online and q.family_or_close_family_friend is not True:
            assert verdict is not V.PERMITTED, q  # a child who is not family, on a personal channel: never


def test_every_quote_reads_as_a_sentence_of_the_policy_never_from_the_middle_of_one() -> None:
    from flows.contact import default_rules

    rules = default_rules()
    for rule in (*rules.rules, rules.fallback):
        assert rule.quote[:1].isupper(), f"{rule.id}: the quote starts mid-sentence: {rule.quote[:40]!r}"
