"""Section 6 of the policy: may a member of staff have this contact? The single place the contact rules are applied.

The rules themselves are data (contact_rules.toml beside this file, or a school's own file): each names the facts
it applies to, a verdict, the policy sentence it rests on and a reason in plain English. assess() finds the rules
that apply to a question's facts and combines them: rules that disagree, or an unknown fact that would change the
answer, give REFER (leadership decides), never a guess.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


class Person(StrEnum):
    PUPIL = "PUPIL"
    FORMER_PUPIL = "FORMER_PUPIL"
    PUPIL_FAMILY = "PUPIL_FAMILY"  # a pupil's parent, carer or relative
    YOUNG_PERSON = "YOUNG_PERSON"  # any other under-18
    COLLEAGUE = "COLLEAGUE"
    OTHER_ADULT = "OTHER_ADULT"


class Channel(StrEnum):
    SOCIAL_NETWORK = "SOCIAL_NETWORK"  # friend / follow
    PERSONAL_PHONE = "PERSONAL_PHONE"
    PERSONAL_EMAIL = "PERSONAL_EMAIL"
    PERSONAL_MESSAGING = "PERSONAL_MESSAGING"
    ACADEMY_SYSTEMS = "ACADEMY_SYSTEMS"


class Verdict(StrEnum):
    PERMITTED = "PERMITTED"
    NOT_PERMITTED = "NOT_PERMITTED"
    REFER = "REFER"  # leadership must decide


@dataclass(frozen=True)
class ContactQuestion:
    person: Person
    channel: Channel
    under_18: bool | None = None  # None: the member of staff does not know
    family_or_close_family_friend: bool | None = False
    existing_personal_friend: bool | None = False


_UNCERTAIN = ("under_18", "family_or_close_family_friend", "existing_personal_friend")
_FACT_WORDS = {
    "under_18": "the person is under 18",
    "family_or_close_family_friend": "the person is your family or a close family friend",
    "existing_personal_friend": "the person was your personal friend before the school connection",
}


@dataclass(frozen=True)
class Rule:
    id: str
    section: str
    verdict: Verdict
    quote: str
    reason: str
    conditions: tuple[tuple[str, frozenset[Any]], ...] = ()

    def applies(self, question: ContactQuestion) -> bool:
        return all(getattr(question, fact) in allowed for fact, allowed in self.conditions)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    fallback: Rule


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    reasons: list[str]
    citations: list[str]  # the policy sections the reasons rest on, e.g. ["6"]
    quotes: list[str]  # the policy sentences, word for word
    rule_ids: list[str]  # the rules it rests on, those that decided it first

    def _with_reason(self, reason: str) -> Answer:
        return replace(self, reasons=[*self.reasons, reason])


# --- loading the rules ----------------------------------------------------------------------------------------------

_FACTS: dict[str, type | tuple[bool, ...]] = {
    "person": Person,
    "channel": Channel,
    "under_18": (True, False),
    "family_or_close_family_friend": (True, False),
    "existing_personal_friend": (True, False),
}


class RulesError(ValueError):
    """The rules file is not usable; the message says where and why."""


def _rule(raw: dict[str, Any], where: str) -> Rule:
    try:
        conditions = []
        for fact, allowed in _FACTS.items():
            if fact not in raw:
                continue
            values = raw[fact]
            if not isinstance(values, list) or not values:
                raise RulesError(f"{where}: {fact} must be a non-empty list")
            if isinstance(allowed, type):
                conditions.append((fact, frozenset(allowed(v) for v in values)))
            else:
                if any(v not in allowed for v in values):
                    raise RulesError(f"{where}: {fact} takes true or false")
                conditions.append((fact, frozenset(values)))
        unknown = set(raw) - set(_FACTS) - {"id", "section", "verdict", "quote", "reason"}
        if unknown:
            raise RulesError(f"{where}: unknown keys {sorted(unknown)}")
        return Rule(
            id=str(raw["id"]),
            section=str(raw["section"]),
            verdict=Verdict(raw["verdict"]),
            quote=str(raw["quote"]),
            reason=str(raw["reason"]),
            conditions=tuple(conditions),
        )
    except KeyError as missing:
        raise RulesError(f"{where}: missing {missing}") from None
    except ValueError as bad:
        if isinstance(bad, RulesError):
            raise
        raise RulesError(f"{where}: {bad}") from None


def parse_rules(text: str) -> RuleSet:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"not valid TOML: {error}") from None
    if "fallback" not in data:
        raise RulesError("a [fallback] rule is required: what to answer when no rule applies")
    rules = tuple(_rule(raw, f"rule {i + 1} ({raw.get('id', '?')})") for i, raw in enumerate(data.get("rule", [])))
    return RuleSet(rules, _rule(data["fallback"], "fallback"))


@cache
def default_rules() -> RuleSet:
    return parse_rules(resources.files("flows").joinpath("contact_rules.toml").read_text(encoding="utf-8"))


def load_rules(path: str | Path | None) -> RuleSet:
    """The rules in `path`, or the policy's own when None."""
    if path is None:
        return default_rules()
    return parse_rules(Path(path).read_text(encoding="utf-8"))


# --- assessing ------------------------------------------------------------------------------------------------------


def _combine(verdicts: set[Verdict]) -> Verdict:
    if Verdict.PERMITTED in verdicts and Verdict.NOT_PERMITTED in verdicts:
        return Verdict.REFER
    for verdict in (Verdict.NOT_PERMITTED, Verdict.REFER):
        if verdict in verdicts:
            return verdict
    return Verdict.PERMITTED


def _answer(verdict: Verdict, rules: list[Rule], lead: str | None = None, basis: Rule | None = None) -> Answer:
    """The rules' reasons (after `lead`, if any) and sentences; `basis` adds a rule's sentence, not its reason."""
    reasons = [lead] if lead else []
    for rule in rules:
        if rule.reason not in reasons:
            reasons.append(rule.reason)
    quoted = [*rules, basis] if basis else rules
    return Answer(
        verdict=verdict,
        reasons=reasons,
        citations=sorted({rule.section for rule in quoted}, key=lambda s: (len(s), s)),
        quotes=list(dict.fromkeys(rule.quote for rule in quoted)),
        rule_ids=[rule.id for rule in quoted],
    )


def _with(question: ContactQuestion, known: dict[str, Any]) -> ContactQuestion:
    return replace(question, **known)


def _assess_known(question: ContactQuestion, rules: RuleSet) -> Answer:
    matching = [rule for rule in rules.rules if rule.applies(question)]
    if not matching:
        return _answer(rules.fallback.verdict, [rules.fallback])
    verdict = _combine({rule.verdict for rule in matching})
    if verdict is Verdict.REFER and {r.verdict for r in matching} >= {Verdict.PERMITTED, Verdict.NOT_PERMITTED}:
        lead = "The policy's rules point different ways here, so a member of the leadership team decides."
        return _answer(verdict, matching, lead, basis=rules.fallback)
    # Show the rules that decided it first.
    deciding = [r for r in matching if r.verdict is verdict] + [r for r in matching if r.verdict is not verdict]
    return _answer(verdict, deciding)


def assess(question: ContactQuestion, rules: RuleSet | None = None) -> Answer:
    """The policy's answer to a contact question, with reasons and the sections they rest on."""
    rules = rules or default_rules()
    if question.person is Person.YOUNG_PERSON and question.under_18 is None:
        question = replace(question, under_18=True)  # "any other under-18", by definition
    unknown = [name for name in _UNCERTAIN if getattr(question, name) is None]
    if not unknown:
        return _assess_known(question, rules)
    completions = [
        _with(question, dict(zip(unknown, values, strict=True)))
        for values in itertools.product((True, False), repeat=len(unknown))
    ]
    answers = [_assess_known(completion, rules) for completion in completions]
    if len({a.verdict for a in answers}) == 1:
        # Give only the reasons that hold in every case, so that nothing rests on a fact nobody knows.
        common = set.intersection(*(set(a.rule_ids) for a in answers))
        by_id = {rule.id: rule for rule in (*rules.rules, rules.fallback)}
        shared = [by_id[rule_id] for rule_id in answers[0].rule_ids if rule_id in common]
        if not shared:
            shared = [by_id[rule_id] for a in answers for rule_id in a.rule_ids]
            shared = list(dict.fromkeys(shared))
        note = "This holds whatever the facts you did not know."
        return _answer(answers[0].verdict, shared, None)._with_reason(note)
    deciding = [name for name in unknown if _matters(question, name, rules)]
    words = " or whether ".join(_FACT_WORDS[name] for name in deciding or unknown)
    lead = f"The answer depends on whether {words}. Find out if you can; otherwise leadership decides."
    at_stake = [r for r in rules.rules if r.verdict is not Verdict.PERMITTED and any(r.applies(c) for c in completions)]
    return _answer(Verdict.REFER, at_stake, lead, basis=rules.fallback)


def _matters(question: ContactQuestion, name: str, rules: RuleSet) -> bool:
    """Whether flipping this one unknown fact alone can change the answer."""
    others = [n for n in _UNCERTAIN if n != name and getattr(question, n) is None]
    for values in itertools.product((True, False), repeat=len(others)):
        base = dict(zip(others, values, strict=True))
        yes = _assess_known(_with(question, {**base, name: True}), rules).verdict
        no = _assess_known(_with(question, {**base, name: False}), rules).verdict
        if yes is not no:
            return True
    return False
